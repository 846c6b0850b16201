"""Patient-level eCQM results from partner EHRs: FHIR R4 `MeasureReport` resources of type
`individual` (one patient, one measure), de-duplicated across EHRs by MBI into the ACO-level rate
of each APP eCQM (Quality IDs 001, 134, 236, 112; 113 from PY2026), and the open numerator
events of those measures as care gaps.

What a report must hold (FHIR R4 MeasureReport; the DEQM individual MeasureReport profile): a
`status` of complete, `type` individual, the `measure` it reports (its canonical names the CMS eCQM
id, e.g. CMS122), a `subject` naming the patient by MBI (identifier system
http://hl7.org/fhir/sid/us-mbi, on the subject reference or on the Patient resource of the same
Bundle it points to), the reporting `period` (start and end) and `group.population` entries coded
in http://terminology.hl7.org/CodeSystem/measure-population (initial-population, denominator,
denominator-exclusion, denominator-exception, numerator) with a `count` of 0 or 1. Each problem
is named by entry, resource id and field; a submission with a problem stores nothing.

De-duplication across EHRs (one patient, several sources) is our reading, not a CMS rule: CMS
computes APP eCQMs at the ACO level over all the ACO's patients, each counted once ("all-payer,
de-duplicated across participant TINs"), but does not say how to merge two EHRs' populations for
one patient. Here a patient is in the denominator if any source places them there; excluded if
any source reports an exclusion or exception; and meets the quality action if any source shows
it met. For the inverse measure 001 (numerator = HbA1c above 9% or no result) the patient is in
the numerator only when every source that has them in its denominator puts them there: a result
at or below 9% in one EHR is the result the others lack.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from quality.engine.app_score import NotComputable, app_measure, app_measure_set
from quality.files import file_replace
from quality.models import PatientResult, ReportedFile

MBI_SYSTEM = "http://hl7.org/fhir/sid/us-mbi"
POPULATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-population"
POPULATIONS = {
    "initial-population": "initial_population",
    "denominator": "denominator",
    "denominator-exclusion": "denominator_exclusion",
    "denominator-exception": "denominator_exception",
    "numerator": "numerator",
}
# What closes each measure's gap (the quality action of the CMS eCQM specification).
GAP_TEXT = {
    "001": "a glycemic status (HbA1c or GMI) result of 9% or less due",
    "134": "depression screening (and a follow-up plan when positive) due",
    "236": "blood pressure below 140/90 mmHg due",
    "112": "screening mammography due",
    "113": "colorectal cancer screening due",
}
CMS_ID = re.compile(r"CMS0*(\d+)", re.IGNORECASE)


class PatientReportError(ValueError):
    """A submission that cannot be stored: `errors` name the entry, the resource and the field."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class PatientEntry:
    where: str
    mbi: str
    quality_id: str
    measure_ref: str
    populations: dict[str, bool] = field(default_factory=dict)


@dataclass
class Submission:
    period_start: date
    period_end: date
    entries: list[PatientEntry]


@dataclass
class PatientRate:
    """The ACO-level rate of one eCQM from the patient-level results, each patient once."""

    quality_id: str
    title: str
    inverse: bool
    patients: int  # in the denominator, before exclusions and exceptions
    excluded: int
    numerator: int
    sources: list[str]
    in_several_sources: int  # patients more than one EHR reported

    @property
    def performance_denominator(self) -> int:
        return self.patients - self.excluded

    @property
    def rate(self) -> Decimal | None:
        if self.performance_denominator <= 0:
            return None
        return (Decimal(self.numerator) * 100 / Decimal(self.performance_denominator)).quantize(
            Decimal("0.01")
        )


def ecqm_ids(year: int) -> dict[str, str]:
    """The year's APP eCQMs: CMS eCQM number (e.g. '122') or version-specific id -> Quality ID."""
    try:
        measures = app_measure_set(year)["measures"]
    except NotComputable:
        return {}
    ids: dict[str, str] = {}
    for quality_id in measures:
        for names in app_measure(quality_id).get("ecqm", {}).values():
            for name in names:
                found = CMS_ID.match(name)
                ids[found.group(1) if found else name.lower()] = quality_id
    return ids


def _quality_id(measure: str, ids: dict[str, str]) -> str | None:
    found = CMS_ID.search(measure)
    if found and found.group(1) in ids:
        return ids[found.group(1)]
    lowered = measure.lower()
    return next((q for key, q in ids.items() if not key.isdigit() and key in lowered), None)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _day(value: Any) -> date | None:
    if not isinstance(value, str) or len(value) < 10:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _mbi(report: dict[str, Any], patients: dict[str, dict[str, Any]]) -> str:
    subject = report.get("subject")
    if not isinstance(subject, dict):
        return ""
    candidates = [subject.get("identifier")]
    target = patients.get(str(subject.get("reference", "")))
    if target is not None:
        identifiers = target.get("identifier")
        candidates += identifiers if isinstance(identifiers, list) else []
    for identifier in candidates:
        if isinstance(identifier, dict) and identifier.get("system") == MBI_SYSTEM:
            return str(identifier.get("value", "")).strip().upper()
    return ""


def _populations(report: dict[str, Any], where: str, errors: list[str]) -> dict[str, bool]:
    found: dict[str, bool] = {}
    groups = report.get("group")
    if not isinstance(groups, list) or not groups:
        errors.append(f"{where}: group: no population group")
        return found
    for g, group in enumerate(groups):
        populations = group.get("population") if isinstance(group, dict) else None
        if not isinstance(populations, list):
            errors.append(f"{where}: group[{g}].population: missing")
            continue
        for p, population in enumerate(populations):
            here = f"{where}: group[{g}].population[{p}]"
            population = _obj(population)
            codings = _list(_obj(population.get("code")).get("coding"))
            code = next(
                (
                    str(c.get("code"))
                    for c in codings
                    if isinstance(c, dict) and c.get("system") == POPULATION_SYSTEM
                ),
                "",
            )
            count = population.get("count")
            if code not in POPULATIONS:
                if code in ("numerator-exclusion", "measure-population", "measure-observation"):
                    continue  # populations the APP proportion eCQMs do not use
                errors.append(f"{here}.code: {code or 'none'} is not a {POPULATION_SYSTEM} code")
            elif count not in (0, 1) or isinstance(count, bool):
                errors.append(f"{here}.count: {count!r} is not 0 or 1 (one patient's report)")
            elif g == 0:  # the first group is the measure's rate; strata repeat it
                found[POPULATIONS[code]] = bool(count)
    return found


def parse_measure_reports(resource: Any, *, year: int | None = None) -> Submission:
    """The patient entries of a `MeasureReport` or a Bundle of them; `PatientReportError` naming
    every problem. All reports of a submission share one reporting period."""
    if not isinstance(resource, dict):
        raise PatientReportError(["the body is not a FHIR resource (a JSON object)"])
    if "\\u0000" in json.dumps(resource):
        # PostgreSQL text cannot hold NUL: refused here, never a 500 from the database.
        raise PatientReportError(["the resource contains a NUL character (U+0000)"])
    kind = resource.get("resourceType")
    if kind == "MeasureReport":
        reports = [(0, resource)]
        patients: dict[str, dict[str, Any]] = {}
    elif kind == "Bundle":
        entries = _list(resource.get("entry"))
        reports, patients = [], {}
        for i, entry in enumerate(entries):
            res = (entry or {}).get("resource") if isinstance(entry, dict) else None
            if not isinstance(res, dict):
                continue
            if res.get("resourceType") == "MeasureReport":
                reports.append((i, res))
            elif res.get("resourceType") == "Patient":
                for key in (entry.get("fullUrl"), f"Patient/{res.get('id')}"):
                    if key:
                        patients[str(key)] = res
        if not reports:
            raise PatientReportError(["the Bundle has no MeasureReport entry"])
    else:
        raise PatientReportError([f"resourceType {kind!r} is not MeasureReport or Bundle"])
    errors: list[str] = []
    periods: set[tuple[date, date]] = set()
    parsed: list[PatientEntry] = []
    for i, report in reports:
        where = f"entry {i} (MeasureReport/{report.get('id') or 'no id'})"
        if report.get("status") != "complete":
            errors.append(f"{where}: status: {report.get('status')!r}, not complete")
        if report.get("type") != "individual":
            errors.append(f"{where}: type: {report.get('type')!r}, not individual")
        period = _obj(report.get("period"))
        start, end = _day(period.get("start")), _day(period.get("end"))
        if start is None or end is None or end < start:
            errors.append(f"{where}: period: needs start and end dates (YYYY-MM-DD)")
        else:
            periods.add((start, end))
        measure = str(report.get("measure") or "").strip()
        ids = ecqm_ids(year or (start.year if start else 0))
        quality_id = _quality_id(measure, ids) if measure else None
        if not measure:
            errors.append(f"{where}: measure: missing")
        elif quality_id is None:
            errors.append(
                f"{where}: measure: {measure[:120]} is not one of the APP eCQMs of the year"
            )
        mbi = _mbi(report, patients)
        if not mbi:
            errors.append(f"{where}: subject: no MBI identifier (system {MBI_SYSTEM})")
        populations = _populations(report, where, errors)
        if populations and "denominator" not in populations:
            errors.append(f"{where}: group[0].population: no denominator")
        if quality_id and mbi:
            parsed.append(PatientEntry(where, mbi, quality_id, measure[:300], populations))
    if len(periods) > 1:
        errors.append(
            "the reports do not share one reporting period: "
            + ", ".join(f"{a:%Y-%m-%d} to {b:%Y-%m-%d}" for a, b in sorted(periods))
        )
    if errors:
        raise PatientReportError(errors)
    (start, end) = periods.pop()
    return Submission(period_start=start, period_end=end, entries=parsed)


def _beneficiaries(entity_id: int, mbis: set[str]) -> dict[str, int]:
    """MBI -> the entity's beneficiary holding it, now or earlier (the crosswalk's MBIs), the
    surviving record of a merged one."""
    from beneficiaries.models import Beneficiary, BeneficiaryMbi

    rows: list[tuple[str, int, int | None]] = list(
        Beneficiary.objects.filter(entity_id=entity_id, current_mbi__in=mbis).values_list(
            "current_mbi", "pk", "merged_into_id"
        )
    )
    rows += BeneficiaryMbi.objects.filter(
        entity_id=entity_id, mbi__in=mbis, beneficiary__isnull=False
    ).values_list("mbi", "beneficiary_id", "beneficiary__merged_into_id")
    return {mbi: merged or bene for mbi, bene, merged in rows}


def measure_reports_store(
    *,
    entity: Any,
    source: str,
    submitted_on: date,
    resource: Any,
    file_name: str,
    content: bytes,
    user: Any = None,
) -> ReportedFile:
    """Store a partner's patient-level MeasureReports for the entity, replacing (with history)
    the current submission of the same source and year. All or nothing: raises
    `PatientReportError` naming each entry and field at fault (an MBI the entity does not know
    is named by its entry, never by the MBI)."""
    submission = parse_measure_reports(resource)
    year = submission.period_start.year
    known = _beneficiaries(entity.pk, {e.mbi for e in submission.entries})
    unknown = [e.where for e in submission.entries if e.mbi not in known]
    if unknown:
        raise PatientReportError(
            [f"{where}: subject: the MBI is not a beneficiary of this entity" for where in unknown]
        )
    with transaction.atomic():
        new = file_replace(
            ReportedFile,
            key={
                "entity": entity,
                "performance_year": year,
                "kind": ReportedFile.Kind.MEASURE_REPORT,
                "source": source[:200],
            },
            submitted_on=submitted_on,
            period_start=submission.period_start,
            period_end=submission.period_end,
            file_name=file_name[:200],
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=user,
        )
        PatientResult.objects.bulk_create(
            PatientResult(
                file=new,
                beneficiary_id=known[e.mbi],
                quality_id=e.quality_id,
                measure_ref=e.measure_ref,
                entry=e.where[:120],
                **{name: e.populations.get(name, False) for name in POPULATIONS.values()},
            )
            for e in submission.entries
        )
    from quality.gaps import measure_gaps_refresh

    measure_gaps_refresh(entity=entity)
    return new


def current_patient_results(*, entity: Any, year: int) -> Any:
    return PatientResult.objects.filter(
        file__entity=entity,
        file__performance_year=year,
        file__kind=ReportedFile.Kind.MEASURE_REPORT,
        file__superseded_by__isnull=True,
    )


@dataclass
class _Patient:
    denominator: bool = False
    excluded: bool = False
    numerator_any: bool = False
    numerator_all: bool = True
    sources: set[str] = field(default_factory=set)


def _merged(entity: Any, year: int) -> dict[str, dict[int, _Patient]]:
    """Quality ID -> beneficiary -> the patient's populations merged across sources."""
    merged: dict[str, dict[int, _Patient]] = {}
    rows = current_patient_results(entity=entity, year=year).values_list(
        "quality_id",
        "beneficiary_id",
        "file__source",
        "denominator",
        "denominator_exclusion",
        "denominator_exception",
        "numerator",
    )
    for quality_id, bene, source, denom, denex, denexcep, numer in rows:
        patient = merged.setdefault(quality_id, {}).setdefault(bene, _Patient())
        patient.sources.add(source)
        if not denom:
            continue
        patient.denominator = True
        patient.excluded |= bool(denex or denexcep)
        patient.numerator_any |= bool(numer)
        patient.numerator_all &= bool(numer)
    return merged


def _in_numerator(patient: _Patient, inverse: bool) -> bool:
    return patient.numerator_all if inverse else patient.numerator_any


def patient_level_rates(*, entity: Any, year: int) -> dict[str, PatientRate]:
    """The ACO-level rate of each eCQM the year's current patient-level submissions report, each
    patient (by MBI) counted once across EHRs (module docstring: the merge rule)."""
    rates = {}
    for quality_id, patients in sorted(_merged(entity, year).items()):
        spec = app_measure(quality_id)
        inverse = bool(spec.get("inverse"))
        counted = [p for p in patients.values() if p.denominator]
        rates[quality_id] = PatientRate(
            quality_id=quality_id,
            title=str(spec.get("title", "")),
            inverse=inverse,
            patients=len(counted),
            excluded=sum(p.excluded for p in counted),
            numerator=sum(_in_numerator(p, inverse) for p in counted if not p.excluded),
            sources=sorted({s for p in patients.values() for s in p.sources}),
            in_several_sources=sum(len(p.sources) > 1 for p in patients.values()),
        )
    return rates


def open_numerator_events(*, entity: Any, year: int) -> dict[str, list[int]]:
    """Quality ID -> the beneficiaries whose quality action is not yet met (in the denominator,
    not excluded; for the inverse 001, in its numerator): each is a gap until the period ends."""
    found: dict[str, list[int]] = {}
    for quality_id, patients in _merged(entity, year).items():
        inverse = bool(app_measure(quality_id).get("inverse"))
        found[quality_id] = sorted(
            bene
            for bene, p in patients.items()
            if p.denominator and not p.excluded and (_in_numerator(p, inverse) == inverse)
        )
    return found


def qrda3_aggregate(*, entity: Any, year: int) -> dict[str, dict[str, Any]]:
    """Quality ID -> the QRDA III aggregate of the year's current files, summed across sources
    (as the files report them: a patient two EHRs both count is counted twice)."""
    from quality.models import ReportedMeasure

    ids = ecqm_ids(year)
    totals: dict[str, dict[str, Any]] = {}
    rows = ReportedMeasure.objects.filter(
        file__entity=entity,
        file__performance_year=year,
        file__kind=ReportedFile.Kind.QRDA3,
        file__superseded_by__isnull=True,
    ).values_list("measure_id", "denom", "numer", "denex", "denexcep", "file__source")
    for measure_id, denom, numer, denex, denexcep, source in rows:
        quality_id = _quality_id(measure_id, ids)
        if quality_id is None or denom is None or numer is None:
            continue
        total = totals.setdefault(quality_id, {"numer": 0, "denom": 0, "sources": set()})
        total["numer"] += numer
        total["denom"] += denom - (denex or 0) - (denexcep or 0)
        total["sources"].add(source)
    for total in totals.values():
        total["rate"] = (
            (Decimal(total["numer"]) * 100 / Decimal(total["denom"])).quantize(Decimal("0.01"))
            if total["denom"] > 0
            else None
        )
        total["sources"] = sorted(total["sources"])
    return totals
