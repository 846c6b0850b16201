"""Compute and store an entity's claims-based quality measures for a performance year.

Reads final-action claims (claims.selectors) up to the claims data date, the year's roster of
record (alignment.selectors: CMS's list of record, else the platform's alignment run), runs quality.engine and stores a new `MeasureRun` with its
results, cases and events. As-of is the claims data date, never the clock.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db import transaction

from jobs.registry import Progress
from quality.files import file_replace
from quality.gaps import measure_gaps_refresh
from quality.models import MeasureCase, MeasureEvent, MeasureResult, MeasureRun
from quality.scores import quality_score_publish

# The longest lookback: the diabetes cohort of UAMCC/484, two years before the year.
LOOKBACK_YEARS = 2


def _decimal(value: Any, places: str = "0.0001") -> Decimal | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    return Decimal(str(value)).quantize(Decimal(places))


def _amount(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _date(value: Any) -> date:
    return pd.Timestamp(value).date()


def _day(value: Any) -> date | None:
    if value is None or pd.isna(value):
        return None
    return pd.Timestamp(value).date()


def entity_type_code(*, entity: Any, year: int) -> str:
    from entities.models import EntityYear

    row = (
        EntityYear.objects.filter(entity=entity, performance_year=year)
        .select_related("entity_type")
        .first()
    )
    return row.entity_type.code if row and row.entity_type else ""


def measured_population(*, entity: Any, year: int) -> tuple[pd.DataFrame, str]:
    """The year's roster of record (alignment.selectors.roster_of_record: CMS's list of record
    where one covers the year, else the platform's alignment run), the population the roster
    shows: each member with birth and death dates and the TIN/NPI they are assigned through,
    and where the population comes from, dated."""
    from alignment.selectors import roster_of_record
    from beneficiaries.models import Beneficiary

    roster = roster_of_record(entity=entity, performance_year=year)
    members = roster.members
    columns = ["beneficiary_id", "birth_date", "death_date", "tin", "npi"]
    if not members:
        return pd.DataFrame(columns=columns), ""
    npis = roster.member_npis()
    dates = {
        pk: (birth, death)
        for pk, birth, death in Beneficiary.objects.filter(
            pk__in=[bene for bene, _ in members]
        ).values_list("pk", "birth_date", "death_date")
    }
    frame = pd.DataFrame.from_records(
        [
            (bene, *dates.get(bene, (None, None)), tin or "", npis.get(bene, "") or "")
            for bene, tin in members
        ],
        columns=columns,
    )
    frame["start"] = pd.Timestamp(date(year, 1, 1))
    frame["end"] = pd.Timestamp(date(year, 12, 31))
    return frame, roster.population_label


def claims_inputs(
    *, entity: Any, year: int, as_of: date, diagnoses: bool = True
) -> dict[str, pd.DataFrame]:
    """The claims frames the measures read; `diagnoses=False` skips the lookback's diagnoses
    (only UAMCC and 484 read them: the largest read of all)."""
    from claims.selectors import (
        final_action_claims,
        final_action_diagnoses,
        final_action_procedures,
        final_action_revenue_lines,
        part_a_discharge_status,
        shareable_claims,
    )

    since = date(year - LOOKBACK_YEARS, 1, 1)
    through = min(as_of, date(year, 12, 31))
    claims, revenue = shareable_claims(
        [
            final_action_claims(entity=entity, thru_from=date(year - 1, 1, 1), thru_to=through),
            final_action_revenue_lines(
                entity=entity, thru_from=date(year - 1, 1, 1), thru_to=through
            ),
        ],
        entity=entity,
        as_of=as_of,
    )
    lookback = (
        shareable_claims(
            [
                final_action_diagnoses(
                    entity=entity, thru_from=since, thru_to=date(year - 1, 12, 31)
                )
            ],
            entity=entity,
            as_of=as_of,
        )[0]
        if diagnoses
        else pd.DataFrame()
    )
    inpatient = claims[(claims["source"] == "A") & claims["claim_type_cd"].isin(["60", "61"])]
    ids = [str(i) for i in inpatient["claim_id"]]
    status = part_a_discharge_status(entity=entity, claim_ids=ids)
    claims = claims.assign(discharge_status=claims["claim_id"].astype(str).map(status).fillna(""))
    return {
        "claims": claims,
        "revenue": revenue,
        "diagnoses": lookback,
        "procedures": final_action_procedures(entity=entity, claim_ids=ids),
    }


def measures_compute(
    *,
    entity: Any,
    performance_year: int,
    progress: Progress | None = None,
    job: Any = None,
    acting_user: Any = None,
) -> dict[str, Any]:
    """Compute the year's claims-based measures and store them as a new run."""
    from claims.selectors import claims_data_date
    from quality.engine import compute
    from quality.engine.catalog import measures_for
    from quality.engine.valuesets import value_sets

    def report(percent: int, text: str) -> None:
        if progress is not None:
            progress(percent, text)

    as_of = claims_data_date(entity=entity)
    if as_of is None:
        return {"stored": False, "reason": "no claims are loaded for this entity"}
    specs = measures_for(
        entity.program.code,
        performance_year,
        entity_type_code(entity=entity, year=performance_year),
    )
    if not specs:
        return {"stored": False, "reason": f"no claims-based measure for PY{performance_year}"}
    population, source = measured_population(entity=entity, year=performance_year)
    if population.empty:
        return {
            "stored": False,
            "reason": f"no CMS list and no alignment run for PY{performance_year}",
        }
    report(10, "Reading claims")
    inputs = claims_inputs(
        entity=entity,
        year=performance_year,
        as_of=as_of,
        diagnoses=any(spec.kind == "admissions" for spec in specs),
    )
    results = []
    for i, spec in enumerate(specs):
        report(30 + 50 * i // len(specs), f"Computing {spec.code}")
        results.append(
            compute(
                spec.code,
                year=performance_year,
                population=population,
                as_of=pd.Timestamp(as_of),
                **inputs,
            )
        )
    report(85, "Storing results")
    with transaction.atomic():
        run = MeasureRun.objects.create(
            entity=entity,
            performance_year=performance_year,
            as_of=as_of,
            population_source=source,
            population=len(population),
            value_set_version=str(value_sets()["version"]),
            job=job,
            created_by=acting_user,
        )
        for result in results:
            _store(run, result)
    quality_score_publish(entity=entity, performance_year=performance_year)
    gaps = measure_gaps_refresh(entity=entity)
    return {
        "stored": True,
        "care_gaps": gaps,
        "run": run.pk,
        "as_of": as_of.isoformat(),
        "measures": {r.code: r.rate for r in results},
    }


def _category_labels() -> dict[str, str]:
    """Condition keys of the TFU categories and the chronic conditions, in words."""
    from quality.engine.valuesets import code_set

    labels = {k: str(v["label"]) for k, v in code_set("tfu_categories")["categories"].items()}
    conditions = code_set("mcc_conditions")["conditions"]
    return labels | {k: str(v["label"]) for k, v in conditions.items()}


def _label(category: str, labels: dict[str, str]) -> str:
    return ", ".join(labels.get(k.strip(), k.strip()) for k in category.split(",") if k.strip())


def _store(run: MeasureRun, result: Any) -> None:
    labels = _category_labels()
    row = MeasureResult.objects.create(
        run=run,
        code=result.code,
        title=result.title,
        basis=result.basis,
        unit=result.unit,
        lower_is_better=result.lower_is_better,
        numerator=_amount(result.numerator),
        denominator=_amount(result.denominator),
        rate=_decimal(result.rate),
        lower=_decimal(result.lower),
        upper=_decimal(result.upper),
        exclusions=result.exclusions,
        quarters=[
            {**q, "rate": float(round(q["rate"], 4)), "denominator": float(q["denominator"])}
            for q in result.quarters
        ],
        specification=result.specification,
        partial_value_sets=result.partial_value_sets,
        notes=result.notes,
        open_cases=result.open_cases,
        window=result.window,
    )
    MeasureCase.objects.bulk_create(
        [
            MeasureCase(
                result=row,
                beneficiary_id=int(c["beneficiary_id"]),
                unit=c["unit"],
                category=_label(c["category"] or "", labels)[:300],
                event_claim_id=c["event_claim_id"] or "",
                event_start=_day(c["event_start"]),
                event_end=_day(c["event_end"]),
                event_dx=c["event_dx"] or "",
                outcome=_amount(c["outcome"]),
                exposure=_amount(c["exposure"]),
                outcome_claim_id=c["outcome_claim_id"] or "",
                outcome_date=_day(c["outcome_date"]),
                outcome_dx=c["outcome_dx"] or "",
                window_end=_day(c["window_end"]),
                window_complete=bool(c["window_complete"]),
                tin=c["tin"] or "",
                npi=c["npi"] or "",
                facility_ccn=(c["facility_ccn"] or "")[:6],
                facility_npi=(c["facility_npi"] or "")[:10],
            )
            for c in result.cases.to_dict("records")
        ],
        batch_size=5000,
    )
    MeasureEvent.objects.bulk_create(
        [
            MeasureEvent(
                result=row,
                beneficiary_id=int(e["beneficiary_id"]),
                claim_id=str(e["claim_id"]),
                kind=e["kind"],
                start=_date(e["start"]),
                end=_date(e["end"]),
                principal_dx=e["principal_dx"] or "",
                counted=bool(e["counted"]),
                reason=e["reason"] or "",
                facility_ccn=(e["facility_ccn"] or "")[:6],
                facility_npi=(e["facility_npi"] or "")[:10],
            )
            for e in result.events.to_dict("records")
        ],
        batch_size=5000,
    )


# ------------------------------------------------------------------------------------------------
# Results partners submit: QRDA Category III files


def reported_file_upload(
    *,
    entity: Any,
    performance_year: int,
    source: str,
    submitted_on: date,
    file_name: str,
    content: bytes,
    user: Any = None,
) -> Any:
    """Store a QRDA III file's measures for the entity and year, replacing (with history) the
    current file of the same source. All or nothing: a file with an error stores nothing and
    raises `QrdaError` naming each problem."""
    import hashlib

    from quality.models import ReportedFile, ReportedMeasure
    from quality.qrda import QrdaError, parse_qrda3

    report = parse_qrda3(content)
    if not (report.period_start.year <= performance_year <= report.period_end.year):
        raise QrdaError(
            [
                f"the file reports {report.period_start:%Y-%m-%d} to {report.period_end:%Y-%m-%d}, "
                f"not performance year {performance_year}"
            ]
        )
    with transaction.atomic():
        new = file_replace(
            ReportedFile,
            key={
                "entity": entity,
                "performance_year": performance_year,
                "kind": ReportedFile.Kind.QRDA3,
                "source": source,
            },
            submitted_on=submitted_on,
            period_start=report.period_start,
            period_end=report.period_end,
            file_name=file_name[:200],
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=user,
        )
        ReportedMeasure.objects.bulk_create(
            ReportedMeasure(
                file=new,
                measure_id=m.measure_id[:80],
                title=m.title[:300],
                ipop=m.ipop,
                denom=m.denom,
                numer=m.numer,
                denex=m.denex,
                denexcep=m.denexcep,
                performance_rate=m.performance_rate,
            )
            for m in report.measures
        )
    quality_score_publish(entity=entity, performance_year=performance_year)
    return new
