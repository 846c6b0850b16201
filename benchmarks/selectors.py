"""Reads of benchmarks, risk scores and reference data, scoped to a user or an entity.

`benchmark_for(entity=..., performance_year=...)` is what settlement reads: the latest stored
benchmark of an entity for a year, per capita and in total, with person-years by enrollment type.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from benchmarks.models import (
    BenchmarkCalculation,
    BenchmarkStep,
    HighNeedsResult,
    HighNeedsRun,
    ReferenceDataset,
    RiskHcc,
    RiskScore,
    RiskScoreComponent,
)
from benchmarks.services import inputs
from core.tenancy import entity_ids_for_user

TWELVE = Decimal(12)


@dataclass(frozen=True)
class SegmentFigures:
    """One enrollment type (MSSP) or benchmark group (REACH: aged_disabled, esrd)."""

    segment: str
    member_months: int
    person_years: Decimal  # member_months / 12
    per_capita: Decimal  # USD per person-year, rounded to the cent by the engine
    total: Decimal  # per_capita x person_years, to the cent


@dataclass(frozen=True)
class BenchmarkFigures:
    """The benchmark settlement compares spending with.

    `total` is the updated benchmark in dollars: for MSSP the updated historical benchmark; for
    ACO REACH the risk-adjusted, blended benchmark with HEBA and the RTA, *before* the Global
    discount and the quality withhold, which settlement applies (domain.md 4.4). What this
    calculation computed for them is in `extras` ("discount", "quality_withhold",
    "benchmark_after_discount_and_withhold") for display and cross-checks.
    `per_capita` = total / person_years, exact (not rounded).
    """

    calculation_id: int
    version: int
    program: str
    performance_year: int
    method: str
    total: Decimal
    per_capita: Decimal
    member_months: int
    person_years: Decimal
    person_years_by_enrollment_type: dict[str, Decimal]
    member_months_by_enrollment_type: dict[str, int]
    segments: tuple[SegmentFigures, ...]
    extras: dict[str, Decimal]


def _figures(calculation: BenchmarkCalculation) -> BenchmarkFigures:
    by_type = {str(k): int(v) for k, v in calculation.member_months_by_enrollment_type.items()}
    return BenchmarkFigures(
        calculation_id=calculation.pk,
        version=calculation.version,
        program=calculation.program,
        performance_year=calculation.performance_year,
        method=calculation.method,
        total=calculation.total,
        per_capita=calculation.per_capita,
        member_months=calculation.member_months,
        person_years=calculation.person_years,
        person_years_by_enrollment_type={k: Decimal(v) / TWELVE for k, v in by_type.items()},
        member_months_by_enrollment_type=by_type,
        segments=tuple(
            SegmentFigures(s.segment, s.member_months, s.person_years, s.per_capita, s.total)
            for s in calculation.segments.all()
        ),
        extras={k: Decimal(v) for k, v in calculation.extras.items()},
    )


def benchmark_for(
    *, entity: Any, performance_year: int, version: int | None = None
) -> BenchmarkFigures | None:
    """The latest (or a given version of the) stored benchmark of an entity for a performance
    year; None when none has been calculated. The caller has checked the user's access."""
    qs = BenchmarkCalculation.objects.for_entity(entity).filter(performance_year=performance_year)
    if version is not None:
        qs = qs.filter(version=version)
    calculation = qs.prefetch_related("segments").order_by("-version").first()
    return None if calculation is None else _figures(calculation)


def benchmark_calculation_list(*, user: Any, entity: Any = None) -> QuerySet[BenchmarkCalculation]:
    qs = BenchmarkCalculation.objects.for_user(user).select_related("entity", "created_by")
    if entity is not None:
        qs = qs.filter(entity=entity)
    return qs.order_by("entity__legal_name", "-performance_year", "-version")


def benchmark_calculation_get(*, user: Any, pk: int) -> BenchmarkCalculation:
    """One calculation with its steps, segments and reference datasets (404 outside the scope)."""
    return (
        BenchmarkCalculation.objects.for_user(user)
        .select_related("entity__program", "created_by", "job")
        .prefetch_related(
            "segments",
            Prefetch("steps", queryset=BenchmarkStep.objects.order_by("position")),
            "reference_datasets",
        )
        .get(pk=pk)
    )


def reference_dataset_list(*, user: Any) -> QuerySet[ReferenceDataset]:
    """National datasets (every signed-in user may read them) and the user's entities' own."""
    qs = ReferenceDataset.objects.select_related("program", "entity", "uploaded_by")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if not user.is_superuser:
        qs = qs.filter(Q(entity__isnull=True) | Q(entity__in=entity_ids_for_user(user)))
    return qs


def risk_score_list(*, user: Any, entity: Any, payment_year: int) -> QuerySet[RiskScore]:
    return (
        RiskScore.objects.for_user(user)
        .filter(entity=entity, payment_year=payment_year)
        .select_related("beneficiary")
        .prefetch_related("hccs")
        .order_by("-raw_score", "beneficiary_id")
    )


def high_needs_run_get(
    *, user: Any, entity: Any, performance_year: int, check_date: date
) -> HighNeedsRun | None:
    """The stored High Needs eligibility of the entity at a check date, or None before the
    computation (benchmarks.services.high_needs) has run."""
    return (
        HighNeedsRun.objects.for_user(user)
        .filter(entity=entity, performance_year=performance_year, check_date=check_date)
        .select_related("job")
        .first()
    )


def high_needs_job_active(*, entity: Any, performance_year: int) -> Any:
    """The High Needs computation of the year that is queued or running, or None."""
    from jobs.models import ACTIVE_STATES, Job, parameters_key

    return (
        Job.objects.filter(
            entity=entity,
            kind="benchmarks.high_needs",
            parameters_key=parameters_key({"performance_year": performance_year}),
            state__in=ACTIVE_STATES,
        )
        .only("pk", "state", "progress")
        .first()
    )


def high_needs_results(
    *, user: Any, run: HighNeedsRun, eligible: bool | None
) -> QuerySet[HighNeedsResult]:
    """The run's beneficiaries (those meeting a criterion, those meeting none, or everyone:
    `eligible` None), by beneficiary id, each with the MBI the page masks."""
    rows = HighNeedsResult.objects.for_user(user).filter(run=run)
    if eligible is not None:
        rows = rows.filter(eligible=eligible)
    return (
        rows.select_related("beneficiary")
        .only("beneficiary_id", "met", "reasons", "notes", "beneficiary__current_mbi")
        .order_by("beneficiary_id")
    )


def beneficiary_risk(*, user: Any, beneficiary_id: int) -> QuerySet[RiskScore]:
    """A beneficiary's scores by payment year, with components, HCCs and their diagnoses."""
    return (
        RiskScore.objects.for_user(user)
        .filter(beneficiary_id=beneficiary_id)
        .prefetch_related(
            "components", Prefetch("hccs", queryset=RiskHcc.objects.prefetch_related("diagnoses"))
        )
        .order_by("-payment_year")
    )


def recapture_gaps(
    *, user: Any, entity: Any, year: int, beneficiary_id: int | None = None
) -> QuerySet[RiskHcc]:
    """HCCs seen last year (payment year `year`, from diagnoses of year - 1) and not yet this year
    (payment year `year` + 1, from this year's diagnoses so far), compared model by model for the
    models both years' scores use (V24 leaves the blend in 2026: its HCCs are no gaps)."""
    next_year_model = RiskScoreComponent.objects.filter(
        risk_score__beneficiary_id=OuterRef("risk_score__beneficiary_id"),
        risk_score__payment_year=year + 1,
        model=OuterRef("model"),
    )
    this_year = RiskHcc.objects.filter(
        risk_score__beneficiary_id=OuterRef("risk_score__beneficiary_id"),
        risk_score__payment_year=year + 1,
        model=OuterRef("model"),
        hcc=OuterRef("hcc"),
    )
    qs = (
        RiskHcc.objects.for_user(user)
        .filter(risk_score__entity=entity, risk_score__payment_year=year)
        .filter(Exists(next_year_model), ~Exists(this_year))
        .select_related("risk_score__beneficiary")
        .order_by("risk_score__beneficiary_id", "model", "hcc")
    )
    if beneficiary_id is not None:
        qs = qs.filter(risk_score__beneficiary_id=beneficiary_id)
    return qs


def entity_data_years(*, entity: Any, current_year: int) -> dict[str, int]:
    """The years the entity's pages have data for: `risk_year` (the latest payment year whose next
    year is scored too, so recapture gaps show) and `claims_year` (the latest loaded delivery)."""
    from claims.models import Delivery

    scored = sorted(
        set(RiskScore.objects.filter(entity=entity).values_list("payment_year", flat=True))
    )
    risk_year = next(
        (y for y in reversed(scored) if y + 1 in scored), scored[-1] if scored else current_year
    )
    claims_year = (
        Delivery.objects.filter(entity=entity, status="loaded")
        .order_by("-performance_year")
        .values_list("performance_year", flat=True)
        .first()
    )
    return {"risk_year": risk_year, "claims_year": claims_year or current_year}


def claims_delivered_on(*, entity: Any, year: int) -> date | None:
    """The date of the latest loaded claims delivery of a year: the data a year-to-date figure is
    as of (None before any)."""
    from claims.models import Delivery

    latest = (
        Delivery.objects.filter(entity=entity, status="loaded", performance_year=year)
        .order_by("-delivered_at")
        .first()
    )
    return latest.delivered_on if latest is not None else None


def claims_through_month(*, entity: Any, year: int) -> int:
    """The last complete month of claims for a year: the month before the latest delivery of that
    year, or December once a delivery dated after the year exists."""
    latest = claims_delivered_on(entity=entity, year=year)
    if latest is None or latest.year > year:
        return 12
    return max(latest.month - 1, 1)


# ------------------------------------------------------------------ expenditure inputs


def expenditure_claims(
    *,
    entity: Any,
    year: int,
    idr_load_cutoff: date | None = None,
    claims: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The entity's final-action claims with thru dates in `year`, in the columns the
    expenditures engine takes (`benchmarks.engine.expenditures.claim_expenditures`): paid amount,
    IME, DSH, uncompensated care and PBP/AIPBP reduction per claim or line, with its service
    category. For the other apps that apply the benchmark's expenditure rules. `claims`: the
    caller's `claims.selectors.final_action_claims` over a span covering the year (same cutoff),
    read once for several uses."""
    return inputs.claims_frame(
        entity=entity, year=year, idr_load_cutoff=idr_load_cutoff, claims=claims
    )


def expenditure_population(*, entity: Any, year: int) -> inputs.Population:
    """The year's expenditure population and its eligible months per enrollment type: the
    aligned beneficiaries of the year's alignment run, else the CCLF8 roster (`source` says
    which)."""
    return inputs.population_months(entity=entity, year=year)
