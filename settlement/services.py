"""Writes on settlements: each call creates one new immutable version in one transaction.

The ORM meets the engine here only: figures arrive in the batch calculator's columns (text), are
parsed and settled by the pure engine, and the result is written back with its explanation and
participant shares. Settlement inputs come from CMS report figures today; what a collector of
the platform's own data (alignment + benchmarks + claims) must hand these services is described
in README.md ("Still to come: settlement on the platform's own data").
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db import IntegrityError, transaction
from django.db.models import Max

from core.api import ApplicationError
from entities.models import Entity
from settlement.engine.batch import (
    mssp_output_row,
    parse_mssp_row,
    parse_reach_row,
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
from settlement.engine.mssp import MSSPResult
from settlement.engine.projection import (
    ProjectedSettlement,
    ProjectionAssumptions,
    project_mssp,
    project_reach,
)
from settlement.engine.reach import ReachResult
from settlement.engine.rounding import rate_pct_for_display, round_to_cent
from settlement.models import ParticipantShare, SettlementKind, SettlementRun
from settlement.parameters import load_parameter_book

logger = logging.getLogger(__name__)

PROGRAMS = ("mssp", "reach")


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


def settle_figures(*, program: str, figures: dict[str, str]) -> Settled:
    """Parse figures given in the batch calculator's columns and settle them (no writes).

    Raises ApplicationError naming the field when a value is bad or a rule refuses it.
    """
    if program not in PROGRAMS:
        raise ApplicationError(
            f"Settlement is not available for the {program!r} program.", {"field": "program"}
        )
    parse = parse_mssp_row if program == "mssp" else parse_reach_row
    inputs, errors = parse(0, figures)
    if errors:
        raise ApplicationError(
            "; ".join(f"{e.column}: {e.message}" for e in errors),
            {"field": errors[0].column, **{e.column: e.message for e in errors}},
        )
    book = load_parameter_book()
    try:
        if program == "mssp":
            result: MSSPResult | ReachResult = settle_mssp_input(inputs, book)  # type: ignore[arg-type]
            row = mssp_output_row(result)  # type: ignore[arg-type]
        else:
            result = settle_reach_input(inputs, book)  # type: ignore[arg-type]
            row = reach_output_row(result)  # type: ignore[arg-type]
    except (SettlementInputError, ParameterError) as exc:
        raise _application_error(exc) from exc
    row.pop("explanation")
    return Settled(
        result=result,
        figures=row,
        explanation=[step.as_dict() for step in result.explanation],
        parameter_version=result.parameters.label,
        gross_savings=_cents(result.gross_savings),
        earned=result.earned_savings_losses,
    )


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
    figures_in: dict[str, str],
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
            inputs=figures_in,
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


def settlement_run_create(
    *,
    entity: Entity,
    performance_year: int,
    figures: dict[str, str],
    participants: Sequence[ParticipantFigures] = (),
    method: AllocationMethod | None = None,
    acting_user: Any = None,
    note: str = "",
    job: Any = None,
    sources: Sequence[Step] = (),
) -> SettlementRun:
    """Settle an entity-year from figures (batch columns) and store it as a new final version,
    with the earned amount distributed to `participants` by `method` when both are given.
    `sources` (where the figures came from) open the stored explanation."""
    figures = {**figures, "entity_id": entity.cms_id, "performance_year": str(performance_year)}
    settled = settle_figures(program=entity.program.code, figures=figures)
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


def _project(
    program: str, template_row: dict[str, str], frame: pd.DataFrame, assumptions: Any
) -> tuple[ProjectedSettlement, dict[str, str], str, dict[str, str]]:
    """Parse the template row and project with the program's engine: the projection, its
    output row, the parameter label and the band's thresholds (MSSP: the MSR and MLR; REACH:
    the first risk corridor's boundary, domain.md 4.2, as REACH has no MSR/MLR)."""
    parse = parse_mssp_row if program == "mssp" else parse_reach_row
    inputs, errors = parse(0, template_row)
    if errors:
        raise ApplicationError(
            "; ".join(f"{e.column}: {e.message}" for e in errors), {"field": errors[0].column}
        )
    book = load_parameter_book()
    try:
        if program == "mssp":
            params: Any = book.mssp_track(inputs.performance_year, inputs.track)  # type: ignore[union-attr]
            projection = project_mssp(
                frame,
                template=inputs,  # type: ignore[arg-type]
                params=params,
                msr_table=book.msr_table(inputs.performance_year),  # type: ignore[union-attr]
                assumptions=assumptions,
            )
            row = mssp_output_row(projection.point)  # type: ignore[arg-type]
            mlr = projection.point.mlr  # type: ignore[union-attr]
            thresholds = {
                "msr_pct": row["msr_pct"],
                "mlr_pct": f"{rate_pct_for_display(mlr):f}" if mlr is not None else "",
            }
        else:
            params = book.reach_arrangement(inputs.performance_year, inputs.arrangement)  # type: ignore[union-attr]
            projection = project_reach(
                frame,
                template=inputs,  # type: ignore[arg-type]
                params=params,
                assumptions=assumptions,
            )
            row = reach_output_row(projection.point)  # type: ignore[arg-type]
            first = params.corridors[0]
            thresholds = {
                # The first corridor's upper bound, a share of the final benchmark (domain.md 4.2:
                # Global 25%, Professional 5%), and the share kept inside it.
                "corridor_pct": f"{first.upper * 100:f}" if first.upper is not None else "",
                "corridor_share_pct": f"{first.share * 100:f}",
                "arrangement": str(inputs.arrangement),  # type: ignore[union-attr]
            }
    except (SettlementInputError, ParameterError) as exc:
        raise _application_error(exc) from exc
    row.pop("explanation")
    return projection, row, params.label, thresholds


def settlement_projection_create(
    *,
    entity: Entity,
    performance_year: int,
    frame: pd.DataFrame,
    assumptions: dict[str, str],
    acting_user: Any = None,
    note: str = "",
    job: Any = None,
    sources: Sequence[Step] = (),
) -> SettlementRun:
    """Project the year's MSSP or ACO REACH settlement from year-to-date beneficiary figures
    (`frame`, the engine's projection columns) and store it as a new projection version with
    its band.

    `assumptions` holds the template figures in batch columns (MSSP: track, msr_mlr,
    quality...; REACH: arrangement, quality_withhold_earned_pct...) and `months_elapsed`,
    `completion_factor`, `seed`, `replicates`.
    """
    program = entity.program.code
    if program not in PROJECTED_TOTALS:
        raise ApplicationError(
            "Projections are built for MSSP and ACO REACH entities.", {"field": "program"}
        )
    placeholders = PROJECTED_TOTALS[program]
    template_row = {
        **assumptions,
        **placeholders,
        "entity_id": entity.cms_id,
        "performance_year": str(performance_year),
    }
    try:
        projection_assumptions = ProjectionAssumptions(
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
    projection, row, parameter_label, thresholds = _project(
        program, template_row, frame, projection_assumptions
    )
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
        "months_elapsed": assumptions["months_elapsed"],
        "completion_factor": assumptions["completion_factor"],
        "seed": assumptions["seed"],
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
        figures_in={k: v for k, v in template_row.items() if k not in placeholders},
        settled=settled,
        band=band,
        explanation=[*sources, *projection.explanation],
        allocation=None,
        participants=(),
        acting_user=acting_user,
        note=note,
        job=job,
    )
