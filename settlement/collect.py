"""Settlement on the platform's own data: the collector that builds the settlement services'
inputs for an entity x performance year from alignment, claims, benchmarks and the quality
result, then writes a final version (`settlement_run_create`) or a projection
(`settlement_projection_create`).

Inputs and where they come from (all read through the other apps' read interfaces):

* aligned population: the latest succeeded alignment run of the year (the final list, else the
  latest quarterly one; `alignment.selectors`), its aligned beneficiaries and attributed TINs;
* expenditures: final-action Part A/B claims of the year through the benchmarks app's inputs
  (`benchmarks.selectors.expenditure_claims`), with IME, DSH and uncompensated care removed, in the
  beneficiary's eligible months (to death), truncated per beneficiary at the year's
  truncation threshold (domain.md 2.2-2.4 and 3: "PY per-capita expenditures of assigned benes
  (truncated, same exclusions as benchmark)");
* benchmark: `benchmarks.selectors.benchmark_for` (the latest stored version);
* quality: `settlement.models.QualityResult`.

A missing input is an ApplicationError naming it ("No alignment run for A9901 PY2025"); nothing
is estimated or defaulted. MSSP and ACO REACH (`reach_inputs_collect`, with the total cost of
care valued before PBP/AIPBP reductions), final settlement and projection alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd

from core import display
from core.api import ApplicationError
from entities.models import Entity
from settlement.engine.batch import RowParser, reach_adjustments
from settlement.engine.columns import (
    BENCHMARK_PBPM,
    BENEFICIARY_KEY,
    ELIGIBLE_MONTHS,
    MSSP_OPTIONAL,
    PAID_AMOUNT,
    PROJECTION_COLUMNS,
)
from settlement.engine.distribution import AllocationMethod, ParticipantFigures
from settlement.engine.errors import ParameterError
from settlement.engine.explanation import Step, StepKind
from settlement.engine.mssp import MSSPInput
from settlement.engine.parameters import MSSPTrack, ReachArrangement
from settlement.engine.projection import ProjectionAssumptions
from settlement.engine.reach import ReachInput
from settlement.engine.rounding import round_to_cent
from settlement.models import QualityResult, SettlementRun
from settlement.parameters import load_parameter_book
from settlement.services import (
    SettlementInput,
    figures_error,
    settlement_projection_create,
    settlement_run_create,
)

ZERO = Decimal(0)
TWELVE = Decimal(12)


@dataclass(frozen=True)
class CollectedInputs:
    """What the settlement services take, built from the platform's data, with its lineage."""

    inputs: SettlementInput  # the engine's input for the entity-year
    sources: list[Step]  # where each figure came from, for the explanation
    beneficiaries: pd.DataFrame  # one row per aligned beneficiary: PROJECTION_COLUMNS + month
    participants: list[ParticipantFigures]
    lineage: dict[str, str] = field(default_factory=dict)


def _label(entity: Entity, performance_year: int) -> str:
    return f"{entity.cms_id} PY{performance_year}"


def _missing(
    what: str, entity: Entity, performance_year: int, hint: str, name: str
) -> ApplicationError:
    return ApplicationError(
        f"No {what} for {_label(entity, performance_year)}: {hint}",
        {"field": name, "missing": name},
    )


def _benchmark_and_quality(
    entity: Entity, performance_year: int, quality_hint: str
) -> tuple[Any, Any]:
    """The entity-year's benchmark and quality result, or an error naming the one missing."""
    from benchmarks.selectors import benchmark_for

    benchmark = benchmark_for(entity=entity, performance_year=performance_year)
    if benchmark is None:
        raise _missing(
            "benchmark", entity, performance_year, "calculate the benchmark first.", "benchmark"
        )
    quality = QualityResult.objects.filter(entity=entity, performance_year=performance_year).first()
    if quality is None:
        raise _missing("quality result", entity, performance_year, quality_hint, "quality")
    return benchmark, quality


def _report_figures(
    given: dict[str, Any] | None, allowed: Any, report: str, *, skip_blank: bool = False
) -> dict[str, str]:
    """Figures only CMS's report holds, as the user gives them; a name the report does not
    have is refused (blank values are left out when `skip_blank`)."""
    figures = {}
    for name, value in (given or {}).items():
        if name not in allowed:
            raise ApplicationError(
                f"{name!r} is not a figure taken from {report}.", {"field": name}
            )
        if not skip_blank or str(value).strip():
            figures[name] = str(value)
    return figures


def _given(p: RowParser) -> None:
    """Refuse the figures a user gave (track, MSR/MLR, report figures) if any is bad, naming
    each one, as the batch calculator does."""
    if p.errors:
        raise figures_error(p.errors)


def _quality_label(quality: QualityResult) -> str:
    if quality.origin == "computed":
        return "Quality result (computed from the measure results)"
    return "Quality result (CMS's reported figure, entered in the admin console)"


def _quality_path(quality: QualityResult) -> list[Step]:
    """A computed quality result's path, measure by measure, to the score and the standards."""
    if quality.origin != "computed":
        return []
    return [Step(StepKind.INPUT, "Quality path", line) for line in quality.path]


REACH_QUALITY_CITATION = (
    "ACO REACH Model Request for Applications (CMS, 2022), Table 6.16: the quality withhold (5% of "
    "the benchmark in PY2021-PY2022, 2% from PY2023) is earned back on the quality performance "
    "score and, from PY2023, for ACOs that began participation in PY2021 or PY2022, the "
    "continuous improvement / sustained exceptional performance (CI/SEP) criteria; an ACO that "
    "meets them is eligible for consideration for the High Performers Pool bonus. The CI/SEP "
    "criteria and the High Performers Pool bonus are not modelled here (their rule is not in the "
    "sources the platform holds): settlement reads CMS's reported Total Quality Score as the "
    "share of the withhold earned back, and any High Performers Pool bonus is not included"
)


def _reach_quality_path(quality: QualityResult) -> list[Step]:
    """The Total Quality Score's path: CMS's figure, as entered (the platform does not compute it:
    the rule that scores the measures' percentile ranks is not in the sources it holds)."""
    if quality.origin == "computed":
        return _quality_path(quality)
    return [
        Step(
            StepKind.INPUT,
            "Quality path",
            f"Total Quality Score {quality.quality_score} as CMS reported it ({quality.source}), "
            "entered in the admin console. The platform computes the measures (ACR, UAMCC, TFU "
            "or DAH) from the claims, observed, but not the Total Quality Score: CMS determines "
            "each measure's Quality Measure Percentile Rank from its Quality Measure Score (ACO "
            "REACH Model 2023 Quality Performance Report, notes 3 and 7), and the rule that turns "
            "the ranks into the score (the ACO REACH Quality Measurement Methodology, RTI "
            "International for CMS) is not published in the sources the platform holds",
        ),
        Step(
            StepKind.INPUT,
            "Quality path",
            f"Share of the quality withhold earned back = Total Quality Score = "
            f"{quality.quality_score}%",
        ),
    ]


def _lineage(
    roster: Any, benchmark: Any, quality: Any, through_month: int, member_months: int
) -> dict[str, str]:
    """Where a settlement's inputs came from, stored with the version: the roster of record
    (CMS's list, or the platform's alignment run) with its date."""
    run = roster.run
    return {
        "roster_source": roster.source,
        "roster": roster.source_label,
        "roster_as_of": roster.as_of.isoformat() if roster.as_of else "",
        "cms_list_id": str(roster.cms_list.pk) if roster.cms_list is not None else "",
        "alignment_run": str(run) if run is not None else "",
        "alignment_run_id": str(run.pk) if run is not None else "",
        "benchmark_version": str(benchmark.version),
        "benchmark_calculation_id": str(benchmark.calculation_id),
        "quality_source": quality.source,
        "quality_origin": quality.origin,
        "through_month": str(through_month),
        "person_years": f"{Decimal(member_months) / TWELVE:f}",
    }


def _alignment(entity: Entity, performance_year: int) -> tuple[Any, list[tuple[int, str]]]:
    """The year's roster of record (alignment.selectors.roster_of_record): CMS's list where one
    covers the year, else the latest succeeded alignment run (the final list, else the latest
    quarterly one); and its (beneficiary id, attributed TIN) pairs."""
    from alignment.selectors import roster_of_record

    roster = roster_of_record(entity=entity, performance_year=performance_year)
    if not roster.is_cms_list and roster.run is None:
        raise _missing(
            "alignment run",
            entity,
            performance_year,
            "run alignment for the year first.",
            "alignment",
        )
    if not roster.members:
        raise ApplicationError(
            f"The roster of record of {_label(entity, performance_year)} ({roster.source_label}) "
            "has no assigned beneficiaries.",
            {"field": "alignment", "missing": "alignment"},
        )
    return roster, list(roster.members)


def _beneficiary_years(
    entity: Entity,
    performance_year: int,
    aligned_ids: list[int],
    through_month: int,
    valuation: str = "paid",
) -> tuple[pd.DataFrame, Any]:
    """Per aligned beneficiary x enrollment type: eligible months (to death) and the
    expenditure (exact) of months 1..through_month. `valuation` is the benchmarks app's:
    "paid" (MSSP) or "pre_reduction" (REACH: PBP/AIPBP reductions added back, domain.md 4.3,
    10.8). Also the benchmarks app's Population they were read from (its `left_out` and
    `from_list` members are named in the explanation)."""
    from benchmarks.engine import columns as c
    from benchmarks.engine import expenditures as x
    from benchmarks.selectors import expenditure_claims, expenditure_population

    population = expenditure_population(entity=entity, year=performance_year)
    if not population.source.startswith(("alignment run", "CMS list")):
        # The benchmarks app fell back to the roster: alignment and benchmarks disagree on the
        # year's run. Refuse rather than settle another population.
        raise ApplicationError(
            f"The expenditure population of {_label(entity, performance_year)} is not the aligned "
            f"population ({population.source}).",
            {"field": "alignment"},
        )
    months = population.months
    months = months[months[c.BENE_ID].isin(aligned_ids) & (months[c.MONTH] <= through_month)]
    claims = x.claim_expenditures(
        expenditure_claims(entity=entity, year=performance_year),
        valuation=valuation,  # type: ignore[arg-type]
    )
    monthly = x.month_expenditures(claims, months)
    return x.beneficiary_years(monthly, months), population


def _people(n: int) -> str:
    return f"{n:,} assigned beneficiar{'y' if n == 1 else 'ies'}"


def _left_out_step(population: Any) -> list[Step]:
    """A warning in the explanation naming the members left out of the months, and why: CMS's
    list counts them (they stay in the head count), but neither CCLF nor the list gives their
    enrollment type, so their person-years and expenditures are not in the figures. The
    platform does not guess it: the settlement needs that input (CCLF8 for them, or a list
    whose enrollment flags cover the year) to be complete."""
    steps = []
    if population.from_list:
        steps.append(
            Step(
                StepKind.NOTE,
                f"{_people(len(population.from_list))} known from CMS's list alone",
                "CCLF carries none of their claims (CMS withholds the data of beneficiaries who "
                "declined data sharing), so their person-years are counted from the list's "
                "monthly enrollment flags and their expenditures are zero in these figures; "
                "CMS's own settlement counts their expenditures.",
                citation="42 CFR 425.708; CCLF Information Packet 2.4; Assignment List Report "
                "Table 1-1 ENROLLFLAG1-12",
            )
        )
    left_out = population.left_out
    if not left_out:
        return steps
    shown = "; ".join(f"beneficiary {bene}: {why}" for bene, why in left_out[:20])
    more = f"; and {len(left_out) - 20:,} more" if len(left_out) > 20 else ""
    return [
        *steps,
        Step(
            StepKind.NOTE,
            f"Warning: {_people(len(left_out))} left out of person-years and expenditures",
            "In the head count, but their enrollment type is unknown (no CCLF8 Medicare status "
            "code, and CMS's list does not give it): "
            + shown
            + more
            + ". Load their CCLF8 record or CMS's list with their enrollment flags, then "
            "recalculate the benchmark and this settlement.",
            citation="42 CFR 425.708(b); Assignment List Report Table 1-1 ENROLLFLAG1-12",
        ),
    ]


def _thresholds(
    entity: Entity, performance_year: int, types: set[str]
) -> dict[tuple[int, str], Decimal]:
    from benchmarks.services.reference import reference_table_for

    reference, _ = reference_table_for(
        entity=entity, program_code=entity.program.code, years=[performance_year]
    )
    thresholds = {}
    for etype in sorted(types):
        entry = reference.find("truncation_threshold", performance_year, etype)
        if entry is None:
            raise _missing(
                f"truncation threshold ({etype})",
                entity,
                performance_year,
                "upload the year's national reference data (truncation_threshold) in benchmarks.",
                "truncation_threshold",
            )
        thresholds[(performance_year, etype)] = entry.value
    return thresholds


def settlement_collect_precheck(
    *, entity: Entity, performance_year: int, msr_mlr: str = "", msr_pct: Any = None
) -> list[tuple[str, str]]:
    """What would stop a settlement job on the platform's data, found before it starts, as
    (form field, message) pairs: no alignment run or no aligned beneficiaries, no benchmark, no
    quality result, and for MSSP an MSR the table cannot give (fewer assigned beneficiaries than
    the variable MSR table starts at, with no entity-specific MSR from CMS's report). Empty when
    nothing is known to be missing; the job still checks everything it reads."""
    problems: list[tuple[str, str]] = []
    try:
        _, aligned = _alignment(entity, performance_year)
    except ApplicationError as exc:
        problems.append(("", exc.message))
        aligned = []
    try:
        _benchmark_and_quality(
            entity,
            performance_year,
            "enter it in the admin console (Settlement > Quality results).",
        )
    except ApplicationError as exc:
        problems.append(("", exc.message))
    if entity.program.code == "mssp" and aligned and msr_pct in (None, ""):
        try:
            lowest = load_parameter_book().msr_table(performance_year).lowest_n
        except ParameterError as exc:
            problems.append(("msr_mlr", str(exc)))
        else:
            if len(aligned) < lowest:
                problems.append(
                    (
                        "msr_pct",
                        f"{len(aligned):,} assigned beneficiaries is below the {lowest:,} where "
                        "the variable MSR table starts (42 CFR 425.605(b)); CMS sets this ACO's "
                        "MSR in its reconciliation report: enter it here.",
                    )
                )
    return problems


def beneficiary_key(entity: Entity, beneficiary_id: int) -> str:
    """A pseudonymous key for the projection frame (never an MBI, not the database id)."""
    digest = hashlib.sha256(f"{entity.pk}:{beneficiary_id}".encode()).hexdigest()
    return digest[:16]


def _per_beneficiary(
    years: pd.DataFrame,
    spent_column: str,
    per_capita: dict[str, Decimal],
    segment_of: dict[str, str] | None = None,
) -> dict[int, dict[str, Any]]:
    """Eligible months, expenditure and benchmark (exact) per beneficiary, from the benchmarks
    app's beneficiary-years: the benchmark is the per capita of the beneficiary's segment (its
    enrollment type, or for REACH its benchmark group through `segment_of`) x months / 12."""
    from benchmarks.engine import columns as c

    by_bene: dict[int, dict[str, Any]] = {}
    for row in years.itertuples(index=False):
        bene = int(getattr(row, c.BENE_ID))
        entry = by_bene.setdefault(bene, {"months": 0, "spent": ZERO, "benchmark": ZERO})
        months = int(getattr(row, c.MONTHS))
        etype = getattr(row, c.ENROLLMENT_TYPE)
        segment = segment_of.get(etype, etype) if segment_of is not None else etype
        entry["months"] += months
        entry["spent"] += getattr(row, spent_column)
        entry["benchmark"] += per_capita[segment] * months / TWELVE
    return by_bene


def _projection_frame(
    entity: Entity, by_bene: dict[int, dict[str, Any]], tin_of: dict[int, str]
) -> pd.DataFrame:
    """The projection engine's frame (PROJECTION_COLUMNS) plus each beneficiary's TIN."""
    return pd.DataFrame(
        [
            {
                BENEFICIARY_KEY: beneficiary_key(entity, bene),
                ELIGIBLE_MONTHS: v["months"],
                PAID_AMOUNT: v["spent"],
                # The benchmark per beneficiary-month of the beneficiary's segment(s), to the
                # cent as the projection engine takes it (projection.py; a projection
                # assumption, not a CMS rule). Final settlement uses the exact benchmark total.
                BENCHMARK_PBPM: round_to_cent(v["benchmark"] / v["months"])
                if v["months"]
                else ZERO,
                "tin": tin_of.get(bene, ""),
            }
            for bene, v in sorted(by_bene.items())
        ],
        columns=[*PROJECTION_COLUMNS, "tin"],
    )


def settlement_inputs_collect(
    *,
    entity: Entity,
    performance_year: int,
    track: str = "",
    msr_mlr: str = "",
    report_figures: dict[str, str] | None = None,
    through_month: int = 12,
    progress: Callable[[int, str], None] | None = None,
) -> CollectedInputs:
    """Collect an MSSP entity-year's settlement inputs from alignment, claims, the benchmark
    and the quality result. `through_month` limits the claims to months 1..N (projections).
    A REACH entity goes to `reach_inputs_collect`, with `track` as its arrangement (blank: the
    DCE's track of the year).

    Raises ApplicationError naming the first missing input.
    """
    from benchmarks.engine import columns as c
    from benchmarks.engine import expenditures as x

    if entity.program.code == "reach":
        return reach_inputs_collect(
            entity=entity,
            performance_year=performance_year,
            arrangement=track,
            report_figures=report_figures,
            through_month=through_month,
            progress=progress,
        )
    if entity.program.code != "mssp":
        raise ApplicationError(
            f"Settlement from the platform's data is built for MSSP and ACO REACH; "
            f"{entity.cms_id} is {entity.program.code}.",
            {"field": "program"},
        )
    step = progress or (lambda _pct, _message: None)
    step(10, "Reading the roster of record")
    run, aligned = _alignment(entity, performance_year)
    step(20, "Reading the benchmark and the quality result")
    benchmark, quality = _benchmark_and_quality(
        entity, performance_year, "enter it in the admin console (Settlement > Quality results)."
    )
    aligned_ids = [bene_id for bene_id, _ in aligned]
    step(30, f"Reading claims of {len(aligned_ids):,} aligned beneficiaries")
    years, population = _beneficiary_years(entity, performance_year, aligned_ids, through_month)
    member_months = int(sum(int(m) for m in years[c.MONTHS]))
    if through_month == 12 and member_months != benchmark.member_months:
        raise ApplicationError(
            f"Benchmark v{benchmark.version} of {_label(entity, performance_year)} counts "
            f"{benchmark.member_months:,} member-months, but the roster of record "
            f"({run.source_label}) gives {member_months:,}: recalculate the benchmark on it.",
            {"field": "benchmark"},
        )
    step(70, "Totalling expenditures")
    thresholds = _thresholds(entity, performance_year, set(years[c.ENROLLMENT_TYPE]))
    if through_month == 12:
        years = x.truncate(years, thresholds)
        spent_column = c.TRUNCATED_EXPENDITURE
    else:
        spent_column = c.EXPENDITURE
    per_capita = {s.segment: s.per_capita for s in benchmark.segments}
    missing_types = sorted(set(years[c.ENROLLMENT_TYPE]) - set(per_capita))
    if missing_types:
        raise _missing(
            f"benchmark per capita for {', '.join(missing_types)}",
            entity,
            performance_year,
            "the benchmark has no segment for these enrollment types.",
            "benchmark",
        )

    by_bene = _per_beneficiary(years, spent_column, per_capita)
    tin_of = dict(aligned)
    frame = _projection_frame(entity, by_bene, tin_of)
    total_expenditure = sum(frame[PAID_AMOUNT], ZERO)
    # The agreement's track and MSR/MLR election, and figures the platform does not hold, from
    # CMS's report as the user gives them: msr_pct (an entity-specific MSR, needed below 5,000
    # assigned beneficiaries), participant_revenue (BASIC loss limit), low_revenue,
    # euc_loss_reduction.
    given = RowParser(
        0,
        {
            "track": track,
            "msr_mlr": msr_mlr,
            **_report_figures(report_figures, MSSP_OPTIONAL, "CMS's report"),
        },
    )
    inputs = MSSPInput(
        performance_year=performance_year,
        track=given.choice("track", MSSPTrack),
        # The MSR band is read on the number of assigned beneficiaries (a head count).
        assigned_beneficiaries=len(aligned),
        total_benchmark=benchmark.total,
        total_expenditure=total_expenditure,
        msr_mlr=given.msr_mlr("msr_mlr"),
        met_qps=quality.met_standard,
        met_alt_qps=quality.met_alternative,
        met_reporting=quality.met_reporting,
        quality_score=quality.quality_score,
        msr_pct=given.optional_decimal("msr_pct", percent=True),
        participant_revenue=given.optional_decimal("participant_revenue"),
        low_revenue=given.optional_boolean("low_revenue"),
        euc_loss_reduction=given.optional_decimal("euc_loss_reduction") or ZERO,
        entity_id=entity.cms_id,
    )
    _given(given)
    participants = _participants(entity, frame, by_bene, tin_of)
    lineage = _lineage(run, benchmark, quality, through_month, member_months)
    period = "the year" if through_month == 12 else f"months 1-{through_month}"
    sources = [
        Step(
            StepKind.INPUT,
            "Aligned population (CMS list)"
            if run.is_cms_list
            else "Aligned population (platform data)",
            f"{run.source_label}: {len(aligned):,} assigned beneficiaries, "
            f"{Decimal(member_months) / TWELVE:,.2f} person-years",
        ),
        *_left_out_step(population),
        Step(
            StepKind.INPUT,
            "Expenditures (platform data)",
            f"final-action Part A/B claims of {period}, IME/DSH/uncompensated care removed, "
            f"eligible months only"
            + (
                ", truncated per beneficiary at the truncation threshold"
                if through_month == 12
                else ", not truncated (year to date)"
            )
            + f": {display.money(total_expenditure)}",
            citation="domain.md 2.2-2.4, 3",
        ),
        Step(
            StepKind.INPUT,
            "Benchmark (platform data)",
            f"benchmark v{benchmark.version} ({benchmark.method}): {display.money(benchmark.total)}",
        ),
        Step(
            StepKind.INPUT,
            _quality_label(quality),
            f"score {quality.quality_score}, standard {'met' if quality.met_standard else 'not met'}, "
            f"alternative {'met' if quality.met_alternative else 'not met'}, reporting "
            f"{'met' if quality.met_reporting else 'not met'}; source: {quality.source}",
            citation="42 CFR 425.512",
        ),
        *_quality_path(quality),
    ]
    return CollectedInputs(
        inputs=inputs,
        sources=sources,
        beneficiaries=frame,
        participants=participants,
        lineage=lineage,
    )


def _participants(
    entity: Entity, frame: pd.DataFrame, by_bene: dict[int, dict[str, Any]], tin_of: dict[int, str]
) -> list[ParticipantFigures]:
    """The attributed TINs with their aligned beneficiaries, benchmark and expenditure."""
    from entities.models import ParticipantOrganization

    totals: dict[str, dict[str, Any]] = {}
    for bene, v in by_bene.items():
        tin = tin_of.get(bene) or ""
        if not tin:
            continue
        t = totals.setdefault(tin, {"n": 0, "benchmark": ZERO, "spent": ZERO})
        t["n"] += 1
        t["benchmark"] += v["benchmark"]
        t["spent"] += v["spent"]
    names = dict(
        ParticipantOrganization.objects.filter(tin__in=list(totals)).values_list(
            "tin", "legal_name"
        )
    )
    return [
        ParticipantFigures(
            tin=tin,
            name=names.get(tin) or f"TIN {tin}",
            attributed_beneficiaries=t["n"],
            # Stored figures of a share, to the cent (rounding.py); the split uses counts.
            benchmark=round_to_cent(t["benchmark"]),
            expenditure=round_to_cent(t["spent"]),
            quality_score=None,
        )
        for tin, t in sorted(totals.items())
    ]


def settlement_collect_final(
    *,
    entity: Entity,
    performance_year: int,
    track: str = "",
    msr_mlr: str = "",
    report_figures: dict[str, str] | None = None,
    method: AllocationMethod | None = None,
    acting_user: Any = None,
    note: str = "",
    job: Any = None,
    progress: Callable[[int, str], None] | None = None,
) -> SettlementRun:
    """Settle an MSSP or ACO REACH entity-year on the platform's data as a new immutable final
    version (for REACH, `track` is the arrangement, blank for the DCE's track of the year)."""
    collected = settlement_inputs_collect(
        entity=entity,
        performance_year=performance_year,
        track=track,
        msr_mlr=msr_mlr,
        report_figures=report_figures,
        progress=progress,
    )
    if progress:
        progress(85, "Settling and storing the version")
    lineage = "; ".join(f"{k}={v}" for k, v in collected.lineage.items() if k != "quality_source")
    return settlement_run_create(
        entity=entity,
        performance_year=performance_year,
        inputs=collected.inputs,
        participants=collected.participants,
        method=method,
        acting_user=acting_user,
        note=(note or f"From the platform's data ({lineage})")[:300],
        job=job,
        sources=collected.sources,
    )


def _completion_factor(
    entity: Entity, performance_year: int, through_month: int
) -> tuple[Decimal, Step]:
    """The share of months 1..N's incurred claims already paid, from the benchmarks app's
    year-to-date report (`pmpm_report`: the reference values completion_factor_month_M of the
    year, ultimate / paid to date, 1 where none is given; valued as the program values claims):
    paid to date / completed."""
    from benchmarks.engine import columns as c
    from benchmarks.services.calculations import pmpm_report

    report = pmpm_report(entity=entity, year=performance_year, through_month=through_month)
    total = next(
        row
        for row in report["rows"]
        if row[c.ENROLLMENT_TYPE] == "" and row[c.SERVICE_CATEGORY] == ""
    )
    paid, completed = total[c.EXPENDITURE], total["completed"]
    if completed <= 0:
        raise ApplicationError(
            f"No claims in months 1-{through_month} of {_label(entity, performance_year)} to "
            "derive a completion factor from: give one.",
            {"field": "completion_factor"},
        )
    # Rounding: none by a rule; the quotient carries Decimal's 28 significant digits, and the
    # projection rounds its completed totals to the cent afterwards (projection.py).
    factor = paid / completed
    months = ", ".join(
        f"{m}: {v} ({report['completion_sources'][m]})"
        for m, v in sorted(report["completion_factors"].items())
    )
    step = Step(
        StepKind.INPUT,
        "Completion factor (benchmarks reference values)",
        f"share paid to date: paid {display.money(paid)} / completed {display.money(completed)} "
        f"= {factor:.6f}; "
        f"completion factors (completed / paid) by incurred month: "
        f"{months or 'none given (1: fully run out)'}",
    )
    return factor, step


def settlement_collect_projection(
    *,
    entity: Entity,
    performance_year: int,
    track: str = "",
    msr_mlr: str = "",
    through_month: int,
    report_figures: dict[str, str] | None = None,
    completion_factor: str = "",
    seed: int = 1,
    replicates: int = 500,
    acting_user: Any = None,
    note: str = "",
    job: Any = None,
    progress: Callable[[int, str], None] | None = None,
) -> SettlementRun:
    """Project an MSSP or ACO REACH entity-year from year-to-date claims (months
    1..through_month; REACH: valued before the PBP/AIPBP reductions, as in its final settlement)
    with a completion factor, and store it as a new projection version with its band (for
    REACH, `track` is the arrangement, blank for the DCE's track of the year). A blank
    `completion_factor` is derived from the benchmarks app's completion factors of the year
    (`_completion_factor`)."""
    if not 1 <= through_month <= 12:
        raise ApplicationError(
            "through_month must be between 1 and 12.", {"field": "through_month"}
        )
    collected = settlement_inputs_collect(
        entity=entity,
        performance_year=performance_year,
        track=track,
        msr_mlr=msr_mlr,
        report_figures=report_figures,
        through_month=through_month,
        progress=progress,
    )
    sources = list(collected.sources)
    if str(completion_factor).strip():
        given = RowParser(0, {"completion_factor": completion_factor})
        factor = given.decimal("completion_factor")
        _given(given)
    else:
        if progress:
            progress(75, "Reading the completion factors")
        factor, source = _completion_factor(entity, performance_year, through_month)
        sources.append(source)
    if progress:
        progress(85, "Projecting (bootstrap) and storing the version")
    return settlement_projection_create(
        entity=entity,
        performance_year=performance_year,
        frame=collected.beneficiaries[list(PROJECTION_COLUMNS)],
        # The collected input is the template: the projection replaces the year's totals.
        template=collected.inputs,
        projection_assumptions=ProjectionAssumptions(
            months_elapsed=through_month,
            completion_factor=factor,
            seed=seed,
            replicates=replicates,
        ),
        acting_user=acting_user,
        note=note or f"From the platform's data through month {through_month}",
        job=job,
        sources=sources,
    )


# --------------------------------------------------------------------------- ACO REACH


def _reach_arrangement(entity: Entity, performance_year: int, given: str) -> str:
    """GLOBAL or PROFESSIONAL: as given, else the DCE's track of the year (entities)."""
    from entities.selectors import entity_year_get

    if given:
        arrangement = given.strip().upper()
    else:
        year = entity_year_get(entity=entity, performance_year=performance_year)
        if year is None:
            raise _missing(
                "track (Global or Professional)",
                entity,
                performance_year,
                "set the DCE's track for the year on the entity.",
                "arrangement",
            )
        arrangement = str(year.track.code).upper()
    if arrangement not in ("GLOBAL", "PROFESSIONAL"):
        raise ApplicationError(
            f"{arrangement!r} is not GLOBAL or PROFESSIONAL.", {"field": "arrangement"}
        )
    return arrangement


# Figures of a REACH settlement the platform does not hold: CMS's stop-loss and the capitation
# and advance payments of the year (domain.md 4.2-4.3), as the user gives them.
REACH_REPORT_FIGURES = (
    "stop_loss_charge",
    "stop_loss_payout",
    "pcc_base_paid",
    "pcc_enhanced_paid",
    "tcc_paid",
    "apo_paid",
    "apo_claims_reduced",
)


def reach_inputs_collect(
    *,
    entity: Entity,
    performance_year: int,
    arrangement: str = "",
    report_figures: dict[str, str] | None = None,
    through_month: int = 12,
    progress: Callable[[int, str], None] | None = None,
) -> CollectedInputs:
    """Collect an ACO REACH entity-year's settlement inputs from the platform's data
    (domain.md 4.1-4.4); `through_month` limits the claims to months 1..N (projections):

    * aligned population: the roster of record, `alignment.selectors.roster_of_record` (CMS's
      list where one covers the year, else the final run, else the latest quarterly one);
    * total cost of care: final-action Part A/B claims of the year in eligible months, valued
      *pre-reduction* (PBP/AIPBP reductions added back, so capitated services count at their
      FFS-equivalent value: domain.md 4.2, 4.3, 10.8), IME/DSH/uncompensated care removed, not
      truncated (high costs are the optional stop-loss's business, domain.md 4.2; the benchmarks
      app truncates the baseline years only) [to confirm];
    * benchmark: `benchmarks.selectors.benchmark_for` total, the risk-adjusted blended benchmark
      with HEBA and RTA *before* the discount and the quality withhold, which the settlement
      engine applies (reach.py);
    * quality: `QualityResult.quality_score` read as the Total Quality Score, the share of the 2%
      withhold earned back (domain.md 4.1 item 8, 4.4 "quality score earns back 80%", 7.2).

    Raises ApplicationError naming the first missing input.
    """
    from alignment.selectors import roster_of_record
    from benchmarks.engine import columns as c

    step = progress or (lambda _pct, _message: None)
    step(10, "Reading the roster of record")
    arrangement = _reach_arrangement(entity, performance_year, arrangement)
    run = roster_of_record(entity=entity, performance_year=performance_year)
    aligned = list(run.members)
    if not aligned:
        raise _missing(
            "alignment run with aligned beneficiaries",
            entity,
            performance_year,
            "run alignment for the year first.",
            "alignment",
        )
    step(20, "Reading the benchmark and the quality result")
    benchmark, quality = _benchmark_and_quality(
        entity,
        performance_year,
        "enter the Total Quality Score in the admin console (Settlement > Quality results).",
    )
    aligned_ids = [bene for bene, _ in aligned]
    step(30, f"Reading claims of {len(aligned_ids):,} aligned beneficiaries")
    years, population = _beneficiary_years(
        entity, performance_year, aligned_ids, through_month, "pre_reduction"
    )
    member_months = int(sum(int(m) for m in years[c.MONTHS]))
    if through_month == 12 and member_months != benchmark.member_months:
        raise ApplicationError(
            f"Benchmark v{benchmark.version} of {_label(entity, performance_year)} counts "
            f"{benchmark.member_months:,} member-months, but the roster of record "
            f"({run.source_label}) gives {member_months:,}: recalculate the benchmark on it.",
            {"field": "benchmark"},
        )
    step(70, "Totalling the total cost of care")
    # Not truncated: REACH protects against high-cost beneficiaries with its optional stop-loss
    # (domain.md 4.2), and the benchmarks app applies its truncate_expenditures switch to the
    # baseline years only (benchmarks/engine/reach_benchmark.py). domain.md does not say: to
    # confirm against the REACH Financial Operating Guide.
    spent_column = c.EXPENDITURE
    per_capita = {s.segment: s.per_capita for s in benchmark.segments}
    groups = {c.REACH_GROUP_OF_TYPE.get(t, t) for t in set(years[c.ENROLLMENT_TYPE])}
    missing_groups = sorted(groups - set(per_capita))
    if missing_groups:
        raise _missing(
            f"benchmark per capita for {', '.join(missing_groups)}",
            entity,
            performance_year,
            "the benchmark has no segment for these benchmark groups.",
            "benchmark",
        )
    by_bene = _per_beneficiary(years, spent_column, per_capita, c.REACH_GROUP_OF_TYPE)
    total_cost_of_care = sum((v["spent"] for v in by_bene.values()), ZERO)
    given = RowParser(
        0,
        _report_figures(
            report_figures, REACH_REPORT_FIGURES, "CMS's REACH report", skip_blank=True
        ),
    )
    stop_loss, cash_flows = reach_adjustments(given)
    _given(given)
    inputs = ReachInput(
        performance_year=performance_year,
        arrangement=ReachArrangement(arrangement),
        benchmark=benchmark.total,
        total_cost_of_care=total_cost_of_care,
        # The Total Quality Score, in percent, is the share of the withhold earned back.
        quality_earn_back_rate=quality.quality_score / 100,
        stop_loss=stop_loss,
        cash_flows=cash_flows,
        aligned_member_months=member_months,
        entity_id=entity.cms_id,
    )
    tin_of = dict(aligned)
    frame = _projection_frame(entity, by_bene, tin_of)
    participants = _participants(entity, frame, by_bene, tin_of)
    lineage = _lineage(run, benchmark, quality, through_month, member_months)
    period = "the year" if through_month == 12 else f"months 1-{through_month} (year to date)"
    after = benchmark.extras.get("benchmark_after_discount_and_withhold")
    sources = [
        Step(
            StepKind.INPUT,
            "Aligned population (CMS list)"
            if run.is_cms_list
            else "Aligned population (platform data)",
            f"{run.source_label}: {len(aligned):,} aligned beneficiaries, "
            f"{member_months:,} aligned member-months",
        ),
        *_left_out_step(population),
        Step(
            StepKind.INPUT,
            "Total cost of care (platform data)",
            f"final-action Part A/B claims of {period}, valued before PBP/AIPBP reductions "
            "(capitated services at their FFS-equivalent value), IME/DSH/uncompensated care "
            "removed, eligible months only, not truncated (the optional stop-loss covers high "
            f"costs): {display.money(total_cost_of_care)}",
            citation="domain.md 4.2, 4.3, 10.8; no truncation of the performance year [to confirm]",
            to_confirm=True,
        ),
        Step(
            StepKind.INPUT,
            "Benchmark (platform data)",
            f"benchmark v{benchmark.version} ({benchmark.method}), risk-adjusted and blended with "
            f"HEBA and RTA, before discount and withhold: {display.money(benchmark.total)}"
            + (
                f" (the benchmark page shows {display.money(after)} after the discount and "
                "withhold of the year's reference data; settlement applies the parameter "
                "table's rates below)"
                if after is not None
                else ""
            ),
            citation="domain.md 4.1",
        ),
        Step(
            StepKind.INPUT,
            _quality_label(quality),
            f"Total Quality Score {quality.quality_score}: {quality.quality_score}% of the "
            f"quality withhold earned back; source: {quality.source}",
            citation=REACH_QUALITY_CITATION,
        ),
        *_reach_quality_path(quality),
    ]
    return CollectedInputs(
        inputs=inputs,
        sources=sources,
        beneficiaries=frame,
        participants=participants,
        lineage=lineage,
    )
