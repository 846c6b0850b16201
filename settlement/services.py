"""Writes on settlements: each call creates one new immutable version in one transaction.

The ORM meets the engine here only: inputs arrive as the engine's typed inputs (`MSSPInput`,
`ReachInput`, as the collector builds them from the platform's data) or as figures in the batch
calculator's columns (text a person or a CSV gave, parsed here with errors naming the column), are
settled by the pure engine, and the result is written back with its explanation and participant
shares. Settlement inputs come from CMS report figures today; what a collector of
the platform's own data (alignment + benchmarks + claims) must hand these services is described
in README.md ("Still to come: settlement on the platform's own data").
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db import IntegrityError, transaction
from django.db.models import Max

from core.api import ApplicationError
from entities.models import Entity
from settlement.engine.batch import (
    RowError,
    mssp_input_row,
    mssp_output_row,
    parse_mssp_row,
    parse_reach_row,
    reach_input_row,
    reach_output_row,
    settle_mssp_input,
    settle_reach_input,
)
from settlement.engine.distribution import (
    Allocation,
    AllocationMethod,
    ParticipantFigures,
    allocate,
)
from settlement.engine.errors import ParameterError, SettlementInputError
from settlement.engine.explanation import Step
from settlement.engine.mssp import MSSPInput, MSSPResult
from settlement.engine.projection import (
    ProjectedSettlement,
    ProjectionAssumptions,
    project_mssp,
    project_reach,
)
from settlement.engine.reach import ReachInput, ReachResult
from settlement.engine.rounding import rate_pct_for_display, round_to_cent
from settlement.models import ParticipantShare, SettlementKind, SettlementRun
from settlement.parameters import load_parameter_book

logger = logging.getLogger(__name__)

PROGRAMS = ("mssp", "reach")

# What the engine settles: one entity-year of MSSP or ACO REACH figures.
SettlementInput = MSSPInput | ReachInput


@dataclass(frozen=True)
class Settled:
    """An engine result ready to store: figures as text, explanation steps, key amounts."""

    result: MSSPResult | ReachResult
    figures: dict[str, str]
    explanation: list[dict[str, Any]]
    parameter_version: str
    gross_savings: Decimal
    earned: Decimal


def _application_error(exc: SettlementInputError | ParameterError) -> ApplicationError:
    return ApplicationError(exc.message, {"field": exc.field, exc.field: exc.message})


def figures_error(errors: list[RowError]) -> ApplicationError:
    """The ApplicationError for figures that do not parse: every bad column named, the first
    in `extra["field"]`."""
    return ApplicationError(
        "; ".join(f"{e.column}: {e.message}" for e in errors),
        {"field": errors[0].column, **{e.column: e.message for e in errors}},
    )


def _program_check(program: str) -> None:
    if program not in PROGRAMS:
        raise ApplicationError(
            f"Settlement is not available for the {program!r} program.", {"field": "program"}
        )


def settlement_figures_parse(*, program: str, figures: Mapping[str, str]) -> SettlementInput:
    """The engine's input from figures given in the batch calculator's columns (text).

    Raises ApplicationError naming every bad field (the first in `extra["field"]`).
    """
    _program_check(program)
    inputs: SettlementInput | None
    if program == "mssp":
        inputs, errors = parse_mssp_row(0, figures)
    else:
        inputs, errors = parse_reach_row(0, figures)
    if inputs is None:
        raise figures_error(errors)
    return inputs


def program_of(inputs: SettlementInput) -> str:
    return "mssp" if isinstance(inputs, MSSPInput) else "reach"


def input_figures(inputs: SettlementInput) -> dict[str, str]:
    """`inputs` in the batch calculator's columns, as a version stores them."""
    if isinstance(inputs, MSSPInput):
        return mssp_input_row(inputs)
    return reach_input_row(inputs)


def settle_inputs(inputs: SettlementInput) -> Settled:
    """Settle the engine's typed input (no writes).

    Raises ApplicationError naming the field when a rule refuses a value.
    """
    book = load_parameter_book()
    result: MSSPResult | ReachResult
    try:
        if isinstance(inputs, MSSPInput):
            result = settle_mssp_input(inputs, book)
            row = mssp_output_row(result)
        else:
            result = settle_reach_input(inputs, book)
            row = reach_output_row(result)
    except (SettlementInputError, ParameterError) as exc:
        raise _application_error(exc) from exc
    row.pop("explanation")
    row.pop("warnings", None)  # only settlements of reported figures (the batch) carry any
    return Settled(
        result=result,
        figures=row,
        explanation=[step.as_dict() for step in result.explanation],
        parameter_version=result.parameters.label,
        gross_savings=_cents(result.gross_savings),
        earned=result.earned_savings_losses,
    )


def settle_figures(*, program: str, figures: Mapping[str, str]) -> Settled:
    """Parse figures given in the batch calculator's columns and settle them (no writes).

    Raises ApplicationError naming the field when a value is bad or a rule refuses it.
    """
    return settle_inputs(settlement_figures_parse(program=program, figures=figures))


def _cents(amount: Decimal) -> Decimal:
    # Rounding: a stored intermediate amount, to the cent (rounding.py); the engine kept it exact.
    return round_to_cent(amount)


def _next_version(entity: Entity, performance_year: int, kind: str) -> int:
    current = SettlementRun.objects.filter(
        entity=entity, performance_year=performance_year, kind=kind
    ).aggregate(latest=Max("version"))["latest"]
    return (current or 0) + 1


def _write_run(
    *,
    entity: Entity,
    performance_year: int,
    kind: str,
    figures_in: Mapping[str, str],
    settled: Settled,
    band: dict[str, str],
    explanation: Sequence[Step] | None,
    allocation: Allocation | None,
    participants: Sequence[ParticipantFigures],
    acting_user: Any,
    note: str,
    job: Any,
) -> SettlementRun:
    with transaction.atomic(durable=True):
        # Serialise version numbering per entity: concurrent runs wait here, then see the new max.
        Entity.objects.select_for_update().filter(pk=entity.pk).first()
        run = SettlementRun(
            entity=entity,
            program=entity.program.code,
            performance_year=performance_year,
            kind=kind,
            version=_next_version(entity, performance_year, kind),
            inputs=dict(figures_in),
            figures=settled.figures,
            explanation=[s.as_dict() for s in explanation]
            if explanation is not None
            else settled.explanation,
            band=band,
            parameter_version=settled.parameter_version,
            gross_savings=settled.gross_savings,
            earned_savings_losses=settled.earned,
            distribution_method=allocation.method.describe() if allocation else "",
            note=note[:300],
            job=job,
            created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
        )
        run.full_clean()
        try:
            run.save()
        except IntegrityError as exc:
            raise ApplicationError(
                "Another settlement version was written at the same time; try again."
            ) from exc
        if allocation is not None:
            by_tin = {p.tin: p for p in participants}
            shares = [
                ParticipantShare(
                    run=run,
                    tin=share.tin,
                    name=share.name,
                    attributed_beneficiaries=by_tin[share.tin].attributed_beneficiaries,
                    benchmark=by_tin[share.tin].benchmark,
                    expenditure=by_tin[share.tin].expenditure,
                    quality_score=by_tin[share.tin].quality_score,
                    weight=Decimal(share.weight.numerator) / Decimal(share.weight.denominator),
                    amount=share.amount,
                )
                for share in allocation.shares
            ]
            for share in shares:
                share.full_clean(exclude=["run", "weight"])
            ParticipantShare.objects.bulk_create(shares)
    logger.info(
        "settlement version written: entity %s PY%s %s v%s by user %s",
        entity.pk,
        performance_year,
        kind,
        run.version,
        getattr(acting_user, "pk", None),
    )
    return run


def _entity_inputs(
    entity: Entity, performance_year: int, inputs: SettlementInput
) -> SettlementInput:
    """`inputs` as the entity's own: its program's kind, its CMS id and the year."""
    _program_check(entity.program.code)
    if program_of(inputs) != entity.program.code:
        raise ApplicationError(
            f"{entity.cms_id} is a {entity.program.code} entity: it is not settled on "
            f"{program_of(inputs)} figures.",
            {"field": "program"},
        )
    return replace(inputs, entity_id=entity.cms_id, performance_year=performance_year)


def settlement_run_create(
    *,
    entity: Entity,
    performance_year: int,
    inputs: SettlementInput | None = None,
    figures: Mapping[str, str] | None = None,
    participants: Sequence[ParticipantFigures] = (),
    method: AllocationMethod | None = None,
    acting_user: Any = None,
    note: str = "",
    job: Any = None,
    sources: Sequence[Step] = (),
) -> SettlementRun:
    """Settle an entity-year and store it as a new final version, with the earned amount
    distributed to `participants` by `method` when both are given. The entity-year is given
    either as the engine's `inputs` or as `figures` in the batch calculator's columns (text, as
    a person gave them: stored as given). `sources` (where the figures came from) open the
    stored explanation."""
    if (inputs is None) == (figures is None):
        raise TypeError("settlement_run_create takes either inputs or figures")
    if inputs is None:
        figures = {
            **(figures or {}),
            "entity_id": entity.cms_id,
            "performance_year": str(performance_year),
        }
        inputs = settlement_figures_parse(program=entity.program.code, figures=figures)
    else:
        inputs = _entity_inputs(entity, performance_year, inputs)
        figures = input_figures(inputs)
    settled = settle_inputs(inputs)
    allocation = None
    if participants:
        try:
            allocation = allocate(
                settled.earned, participants, method or AllocationMethod.single("beneficiaries")
            )
        except SettlementInputError as exc:
            raise _application_error(exc) from exc
    return _write_run(
        entity=entity,
        performance_year=performance_year,
        kind=SettlementKind.FINAL,
        figures_in=figures,
        settled=settled,
        band={},
        explanation=[
            *sources,
            *settled.result.explanation,
            *(allocation.explanation if allocation is not None else ()),
        ],
        allocation=allocation,
        participants=participants,
        acting_user=acting_user,
        note=note,
        job=job,
    )


# Placeholders the projection replaces with its own totals (engine: project_mssp,
# project_reach), per program.
PROJECTED_TOTALS = {
    "mssp": {
        "assigned_beneficiaries": "1",
        "total_benchmark": "1",
        "total_expenditure": "0",
        "euc_loss_reduction": "",
    },
    "reach": {"benchmark": "1", "total_cost_of_care": "0", "aligned_member_months": ""},
}


def _projection_template(inputs: SettlementInput) -> SettlementInput:
    """`inputs` with the placeholders of PROJECTED_TOTALS in place of the year's totals."""
    if isinstance(inputs, MSSPInput):
        return replace(
            inputs,
            assigned_beneficiaries=1,
            total_benchmark=Decimal(1),
            total_expenditure=Decimal(0),
            euc_loss_reduction=Decimal(0),
        )
    return replace(
        inputs, benchmark=Decimal(1), total_cost_of_care=Decimal(0), aligned_member_months=None
    )


def _project(
    template: SettlementInput, frame: pd.DataFrame, assumptions: ProjectionAssumptions
) -> tuple[ProjectedSettlement, dict[str, str], str, dict[str, str]]:
    """Project with the program's engine: the projection, its output row, the parameter label
    and the band's thresholds (MSSP: the MSR and MLR; REACH: the first risk corridor's
    boundary, domain.md 4.2, as REACH has no MSR/MLR)."""
    book = load_parameter_book()
    try:
        if isinstance(template, MSSPInput):
            params = book.mssp_track(template.performance_year, template.track)
            projection = project_mssp(
                frame,
                template=template,
                params=params,
                msr_table=book.msr_table(template.performance_year),
                assumptions=assumptions,
            )
            point = projection.point
            assert isinstance(point, MSSPResult)  # project_mssp settles with settle_mssp
            row = mssp_output_row(point)
            thresholds = {
                "msr_pct": row["msr_pct"],
                "mlr_pct": f"{rate_pct_for_display(point.mlr):f}" if point.mlr is not None else "",
            }
            label = params.label
        else:
            reach_params = book.reach_arrangement(template.performance_year, template.arrangement)
            projection = project_reach(
                frame,
                template=template,
                params=reach_params,
                assumptions=assumptions,
            )
            reach_point = projection.point
            assert isinstance(reach_point, ReachResult)  # project_reach settles with settle_reach
            row = reach_output_row(reach_point)
            first = reach_params.corridors[0]
            thresholds = {
                # The first corridor's upper bound, a share of the final benchmark (domain.md 4.2:
                # Global 25%, Professional 5%), and the share kept inside it.
                "corridor_pct": f"{first.upper * 100:f}" if first.upper is not None else "",
                "corridor_share_pct": f"{first.share * 100:f}",
                "arrangement": str(template.arrangement),
            }
            label = reach_params.label
    except (SettlementInputError, ParameterError) as exc:
        raise _application_error(exc) from exc
    row.pop("explanation")
    row.pop("warnings", None)  # only settlements of reported figures (the batch) carry any
    return projection, row, label, thresholds


def _projection_assumptions(assumptions: Mapping[str, str]) -> ProjectionAssumptions:
    try:
        return ProjectionAssumptions(
            months_elapsed=int(assumptions["months_elapsed"]),
            completion_factor=Decimal(assumptions["completion_factor"]),
            seed=int(assumptions["seed"]),
            replicates=int(assumptions.get("replicates", "500")),
        )
    except (KeyError, ValueError, ArithmeticError) as exc:
        raise ApplicationError(
            f"Projection assumptions are incomplete or not numbers: {exc}",
            {"field": "assumptions"},
        ) from exc


def settlement_projection_create(
    *,
    entity: Entity,
    performance_year: int,
    frame: pd.DataFrame,
    assumptions: Mapping[str, str] | None = None,
    template: SettlementInput | None = None,
    projection_assumptions: ProjectionAssumptions | None = None,
    acting_user: Any = None,
    note: str = "",
    job: Any = None,
    sources: Sequence[Step] = (),
) -> SettlementRun:
    """Project the year's MSSP or ACO REACH settlement from year-to-date beneficiary figures
    (`frame`, the engine's projection columns) and store it as a new projection version with
    its band.

    Either `template` (the engine's input: its totals are replaced by the projection's) with
    `projection_assumptions`, or `assumptions` in text: the template figures in batch columns
    (MSSP: track, msr_mlr, quality...; REACH: arrangement, quality_withhold_earned_pct...) and
    `months_elapsed`, `completion_factor`, `seed`, `replicates`.
    """
    program = entity.program.code
    if program not in PROJECTED_TOTALS:
        raise ApplicationError(
            "Projections are built for MSSP and ACO REACH entities.", {"field": "program"}
        )
    placeholders = PROJECTED_TOTALS[program]
    if template is None:
        if assumptions is None or projection_assumptions is not None:
            raise TypeError("settlement_projection_create takes assumptions, or a template")
        template_row = {
            **assumptions,
            **placeholders,
            "entity_id": entity.cms_id,
            "performance_year": str(performance_year),
        }
        given = _projection_assumptions(assumptions)
        template = settlement_figures_parse(program=program, figures=template_row)
        figures_in = {k: v for k, v in template_row.items() if k not in placeholders}
    else:
        if assumptions is not None or projection_assumptions is None:
            raise TypeError("a template is projected with projection_assumptions")
        given = projection_assumptions
        template = _projection_template(_entity_inputs(entity, performance_year, template))
        figures_in = {
            **{k: v for k, v in input_figures(template).items() if k not in placeholders},
            "months_elapsed": str(given.months_elapsed),
            "completion_factor": f"{given.completion_factor:f}",
            "seed": str(given.seed),
            "replicates": str(given.replicates),
        }
    projection, row, parameter_label, thresholds = _project(template, frame, given)
    point = projection.point
    band = {
        "program": program,
        "savings_rate_low_pct": f"{rate_pct_for_display(projection.savings_rate_low):f}",
        "savings_rate_high_pct": f"{rate_pct_for_display(projection.savings_rate_high):f}",
        "earned_low": f"{projection.earned_low:f}",
        "earned_high": f"{projection.earned_high:f}",
        "point_rate_pct": row["savings_rate_pct"],
        **thresholds,
        "beneficiaries": str(projection.beneficiaries),
        "ytd_paid": f"{projection.ytd_paid:f}",
        "ytd_benchmark": f"{projection.ytd_benchmark:f}",
        "months_elapsed": figures_in.get("months_elapsed", str(given.months_elapsed)),
        "completion_factor": figures_in.get("completion_factor", f"{given.completion_factor:f}"),
        "seed": figures_in.get("seed", str(given.seed)),
        "replicates": str(projection.assumptions.replicates),
        "interval_pct": f"{projection.assumptions.interval * 100:f}",
    }
    settled = Settled(
        result=point,
        figures=row,
        explanation=[],
        parameter_version=parameter_label,
        gross_savings=_cents(point.gross_savings),
        earned=point.earned_savings_losses,
    )
    return _write_run(
        entity=entity,
        performance_year=performance_year,
        kind=SettlementKind.PROJECTION,
        figures_in=figures_in,
        settled=settled,
        band=band,
        explanation=[*sources, *projection.explanation],
        allocation=None,
        participants=(),
        acting_user=acting_user,
        note=note,
        job=job,
    )


def quality_result_record_computed(
    *,
    entity: Entity,
    performance_year: int,
    quality_score: Decimal,
    met_standard: bool,
    met_alternative: bool,
    met_reporting: bool,
    source: str,
    path: Sequence[str],
    score_range: Mapping[str, Any] | None = None,
) -> Any:
    """Record the quality result the platform computed from the measure results (the quality
    app calls this), with its measure-by-measure path and the score's range over the measures'
    intervals. An override an admin entered from CMS's report stays: it is returned unchanged,
    and the computed result is not written."""
    from settlement.models import QualityResult

    with transaction.atomic():
        current = (
            QualityResult.objects.select_for_update()
            .filter(entity=entity, performance_year=performance_year)
            .first()
        )
        if current is not None and current.origin == "override":
            return current
        values = {
            "quality_score": quality_score,
            "met_standard": met_standard,
            "met_alternative": met_alternative,
            "met_reporting": met_reporting,
            "source": source[:300],
            "origin": "computed",
            "path": list(path),
            "score_range": dict(score_range or {}),
            "entered_by": None,
        }
        if current is None:
            return QualityResult.objects.create(
                entity=entity, performance_year=performance_year, **values
            )
        for key, value in values.items():
            setattr(current, key, value)
        current.save()
        return current
