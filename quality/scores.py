"""The MSSP quality score from the stored measure results (quality.engine.app_score) and its
hand-over to settlement: the year's current benchmark file, the claims-based rates of the latest
computation, the eCQM rates of the current QRDA III files and the CAHPS results of the current
vendor file. The result goes to settlement's quality result (settlement.services), the one input
settlement reads, unless an admin entered CMS's figure there as an override.

Also the uploads this needs: the year's MIPS benchmark file (national, platform staff) and the
CAHPS survey vendor's file (per entity), both replaced with history.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from core import display
from entities.selectors import first_agreement_year
from quality.engine.app_score import (
    AppScore,
    Benchmark,
    BenchmarkFileError,
    HealthEquityInputs,
    MeasureInput,
    NotComputable,
    app_measure,
    app_measure_set,
    app_score,
    app_score_range,
    parse_benchmarks,
    qps_threshold_published,
)
from quality.engine.intervals import wilson
from quality.engine.reach_quality import YearOverYear, YearRate, ci_sep_measures, year_over_year
from quality.files import file_replace
from quality.models import (
    BenchmarkFile,
    HealthEquityInput,
    MipsBenchmark,
    ReportedFile,
    ReportedMeasure,
)

REACH_TQS_REASON = (
    "not computed here. CMS determines each measure's Quality Measure Percentile Rank from its "
    "Quality Measure Score and reports the Total Quality Score; from PY2023 the withhold is earned "
    "back on the quality performance score and, for ACOs that began in PY2021 or PY2022, the "
    "continuous improvement / sustained exceptional performance (CI/SEP) criteria (ACO REACH "
    "Model Request for Applications, Table 6.16; ACO REACH Model 2023 Quality Performance "
    "Report, notes 1-7). The rule itself (the "
    "distribution each score is ranked against, the points and weights, the CI/SEP thresholds "
    "and their effect, the health data reporting adjustment, the High Performers Pool) is set in "
    "the ACO REACH Quality Measurement Methodology (RTI International for CMS), whose text is not "
    "in the sources this platform holds, so no rule is applied here. The Total Quality Score is "
    "a required input: an entity admin enters CMS's reported figure with its source in the admin "
    "console (Settlement > Quality results), recorded as an override, and settlement reads it as "
    "the share of the quality withhold earned back"
)
ECQM = "eCQM"
ADMIN_CLAIMS = "Administrative Claims"
SURVEY_VENDOR = "CAHPS Survey Vendor"
CAHPS_COLUMNS = ("ssm_id", "score")
CAHPS_IDS = {f"CAHPS_{n}" for n in range(1, 13)}


# ------------------------------------------------------------------------------------------------
# Benchmarks


def benchmark_file_upload(
    *,
    performance_year: int,
    source: str,
    file_name: str,
    content: bytes,
    qps_threshold: Decimal | None = None,
    qps_source: str = "",
    user: Any = None,
) -> BenchmarkFile:
    """Store a year's MIPS benchmarks (the published CSV layout), replacing the current file of
    the year with history. All or nothing: raises `BenchmarkFileError` naming each row and column
    at fault. Then recomputes the quality score of every MSSP entity measured that year."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BenchmarkFileError([f"the file is not UTF-8 text (byte {exc.start})"]) from exc
    rows = parse_benchmarks(text)
    if qps_threshold is not None and not qps_source.strip():
        raise BenchmarkFileError(["the quality performance standard threshold needs its source"])
    with transaction.atomic():
        new = file_replace(
            BenchmarkFile,
            key={"performance_year": performance_year},
            source=source[:300],
            file_name=file_name[:200],
            sha256=hashlib.sha256(content).hexdigest(),
            qps_threshold=qps_threshold,
            qps_source=qps_source[:300],
            uploaded_by=user,
        )
        MipsBenchmark.objects.bulk_create(
            MipsBenchmark(
                file=new,
                measure_id=b.measure_id[:40],
                collection=b.collection[:60],
                name=b.name[:400],
                inverse=b.inverse,
                topped_out_by_program=b.topped_out_by_program,
                percentiles={str(k): str(v) for k, v in b.percentiles.items()},
            )
            for b in rows
        )
    for entity in _measured_mssp_entities(performance_year):
        quality_score_publish(entity=entity, performance_year=performance_year)
    return new


def _measured_mssp_entities(year: int) -> list[Any]:
    from entities.models import Entity

    return list(
        Entity.objects.filter(program__code="mssp")
        .filter(quality_runs__performance_year=year)
        .distinct()
    )


def current_benchmark_file(year: int) -> BenchmarkFile | None:
    return (
        BenchmarkFile.objects.filter(performance_year=year, superseded_by__isnull=True)
        .order_by("-uploaded_at")
        .first()
    )


def _benchmarks(file: BenchmarkFile) -> list[Benchmark]:
    return [
        Benchmark(
            measure_id=row.measure_id,
            collection=row.collection,
            name=row.name,
            inverse=row.inverse,
            topped_out_by_program=row.topped_out_by_program,
            percentiles={int(k): Decimal(v) for k, v in row.percentiles.items()},
        )
        for row in file.rows.all()
    ]


# ------------------------------------------------------------------------------------------------
# CAHPS for MIPS results from the survey vendor


class CahpsFileError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class CahpsRow:
    ssm_id: str
    name: str
    score: Decimal
    respondents: int | None


def parse_cahps(content: bytes) -> list[CahpsRow]:
    """The vendor's CAHPS for MIPS results in the documented CSV layout (docs/quality.md):
    `ssm_id` (CAHPS_1 to CAHPS_12), `score` (0-100), optional `ssm_name` and `respondents`.
    Raises `CahpsFileError` naming each row and column at fault."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CahpsFileError([f"the file is not UTF-8 text (byte {exc.start})"]) from exc
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in CAHPS_COLUMNS if c not in header]
    if missing:
        raise CahpsFileError([f"header: missing column(s) {', '.join(missing)}"])
    reader.fieldnames = header
    errors: list[str] = []
    rows: list[CahpsRow] = []
    seen: set[str] = set()
    for number, raw in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        ssm = row["ssm_id"].upper()
        if ssm not in CAHPS_IDS:
            errors.append(
                f"row {number}, column ssm_id: '{row['ssm_id']}' is not one of CAHPS_1 to CAHPS_12"
            )
            continue
        if ssm in seen:
            errors.append(f"row {number}, column ssm_id: {ssm} appears twice")
            continue
        seen.add(ssm)
        try:
            score = Decimal(row["score"])
        except InvalidOperation:
            errors.append(f"row {number}, column score: '{row['score']}' is not a number")
            continue
        if not Decimal(0) <= score <= Decimal(100):
            errors.append(f"row {number}, column score: {score} is not between 0 and 100")
            continue
        respondents_text = row.get("respondents", "")
        if respondents_text and not respondents_text.isdigit():
            errors.append(
                f"row {number}, column respondents: '{respondents_text}' is not a whole number"
            )
            continue
        rows.append(
            CahpsRow(
                ssm,
                row.get("ssm_name", ""),
                score,
                int(respondents_text) if respondents_text else None,
            )  # fmt: skip
        )
    if errors:
        raise CahpsFileError(errors)
    if not rows:
        raise CahpsFileError(["the file has no summary survey measure rows"])
    return rows


def cahps_file_upload(
    *,
    entity: Any,
    performance_year: int,
    source: str,
    submitted_on: date,
    period_start: date,
    period_end: date,
    file_name: str,
    content: bytes,
    user: Any = None,
) -> ReportedFile:
    """Store the survey vendor's CAHPS results for the entity and year, replacing the current
    CAHPS file of the year (with history), then recompute the quality score."""
    rows = parse_cahps(content)
    if period_end < period_start:
        raise CahpsFileError(["the reporting period ends before it starts"])
    if not period_start.year == period_end.year == performance_year:
        raise CahpsFileError(
            [
                f"the reporting period {period_start:%Y-%m-%d} to {period_end:%Y-%m-%d} is not "
                f"performance year {performance_year}"
            ]
        )
    with transaction.atomic():
        new = file_replace(
            ReportedFile,
            key={
                "entity": entity,
                "performance_year": performance_year,
                "kind": ReportedFile.Kind.CAHPS,
            },
            source=source[:200],
            submitted_on=submitted_on,
            period_start=period_start,
            period_end=period_end,
            file_name=file_name[:200],
            sha256=hashlib.sha256(content).hexdigest(),
            uploaded_by=user,
        )
        ReportedMeasure.objects.bulk_create(
            ReportedMeasure(
                file=new,
                measure_id=r.ssm_id,
                title=r.name[:300],
                denom=r.respondents,
                performance_rate=r.score,
            )
            for r in rows
        )
    quality_score_publish(entity=entity, performance_year=performance_year)
    return new


# ------------------------------------------------------------------------------------------------
# The score


def _ecqm_ids(year: int) -> dict[str, str]:
    """Identifier (lower case: the CMS eCQM id with and without its version, the version-specific
    UUID) -> Quality ID, for the year's APP eCQMs."""
    ids: dict[str, str] = {}
    for measure_id in app_measure_set(year)["measures"]:
        for names in app_measure(measure_id).get("ecqm", {}).values():
            for name in names:
                ids[name.lower()] = measure_id
                if name.upper().startswith("CMS") and "v" in name.lower():
                    ids[name.lower().split("v")[0]] = measure_id
    return ids


def _quality_id(reported_id: str, ids: dict[str, str]) -> str | None:
    text = reported_id.strip().lower()
    if text in ids:
        return ids[text]
    if text.startswith("cms") and "v" in text:
        return ids.get(text.split("v")[0])
    return None


def _reported_inputs(entity: Any, year: int) -> dict[str, MeasureInput]:
    """The eCQM rates of the year's current QRDA III files, summed across sources: performance
    met / (denominator - exclusions - exceptions), in percent."""
    ids = _ecqm_ids(year)
    totals: dict[str, dict[str, Any]] = {}
    measures = ReportedMeasure.objects.filter(
        file__entity=entity,
        file__performance_year=year,
        file__kind=ReportedFile.Kind.QRDA3,
        file__superseded_by__isnull=True,
    ).select_related("file")
    for m in measures:
        quality_id = _quality_id(m.measure_id, ids)
        if quality_id is None or m.denom is None or m.numer is None:
            continue
        total = totals.setdefault(quality_id, {"numer": 0, "denom": 0, "sources": set()})
        total["numer"] += m.numer
        total["denom"] += m.denom - (m.denex or 0) - (m.denexcep or 0)
        total["sources"].add(m.file.source)
    inputs = {}
    for quality_id, t in totals.items():
        if t["denom"] <= 0:
            continue
        rate = (Decimal(t["numer"]) * 100 / Decimal(t["denom"])).quantize(Decimal("0.01"))
        bounds = wilson(min(t["numer"], t["denom"]), t["denom"])
        inputs[quality_id] = MeasureInput(
            quality_id,
            ECQM,
            rate,
            "reported",
            f"{t['numer']:,} of {t['denom']:,} from the QRDA III files of "
            f"{', '.join(sorted(t['sources']))}",
            interval=None if bounds is None else _percent_interval(*bounds),
            cases=t["denom"],
        )
    return inputs


def _claims_inputs(entity: Any, year: int) -> tuple[dict[str, MeasureInput], date | None]:
    from quality.selectors import latest_run

    run = latest_run(entity=entity, year=year)
    if run is None:
        return {}, None
    inputs = {
        r.code: MeasureInput(
            r.code,
            ADMIN_CLAIMS,
            r.rate,
            r.basis,
            _claims_detail(r, run.as_of),
            interval=(r.lower, r.upper) if r.lower is not None and r.upper is not None else None,
            cases=_claims_cases(r),
        )
        for r in run.results.filter(code__in=["479", "484"], rate__isnull=False)
    }
    return inputs, run.as_of


def _claims_detail(result: Any, as_of: date) -> str:
    """Where a claims measure's rate comes from, and the cases it leaves out while their outcome
    window is still open in the claims (counted once the window closes)."""
    text = f"claims as of {as_of:%Y-%m-%d}"
    if result.open_cases:
        stays = display.counted(result.open_cases, "index stay")
        closes = "it closes" if result.open_cases == 1 else "they close"
        text += f"; {stays} with the 30-day window still open left out until {closes}"
    return text


def _claims_cases(result: Any) -> int:
    """The case count of a claims measure for its case minimum: 479's index stays (its
    denominator), 484's patients (its denominator is person-years: one case row a patient)."""
    if result.code == "484":
        return int(result.cases.count())
    return int(result.denominator)


def _percent_interval(low: float, high: float) -> tuple[Decimal, Decimal]:
    cent = Decimal("0.01")
    return (Decimal(str(low * 100)).quantize(cent), Decimal(str(high * 100)).quantize(cent))


def health_equity_inputs(entity: Any, year: int) -> HealthEquityInputs | None:
    """CMS's health equity adjustment inputs for the entity-year, as entered, or None."""
    row = HealthEquityInput.objects.filter(entity=entity, performance_year=year).first()
    if row is None:
        return None
    return HealthEquityInputs(
        row.performance_scaler, row.underserved_multiplier, row.eligible, row.source
    )


def _cahps_input(entity: Any, year: int) -> tuple[MeasureInput | None, ReportedFile | None]:
    file = (
        ReportedFile.objects.filter(
            entity=entity,
            performance_year=year,
            kind=ReportedFile.Kind.CAHPS,
            superseded_by__isnull=True,
        )
        .order_by("-uploaded_at")
        .first()
    )
    if file is None:
        return None, None
    components = {
        m.measure_id: m.performance_rate
        for m in file.measures.all()
        if m.performance_rate is not None
    }
    detail = f"{file.source}, submitted {file.submitted_on:%Y-%m-%d}"
    return MeasureInput("321", SURVEY_VENDOR, None, "survey vendor", detail, components), file


def reach_year_over_year(*, entity: Any, performance_year: int) -> YearOverYear | None:
    """A REACH entity's CI/SEP measures (quality.engine.reach_quality): the observed rate of the
    year's latest computation beside that of the year before, each dated by its claims date.
    None for another program."""
    from quality.selectors import latest_run
    from quality.services import entity_type_code

    if entity.program.code != "reach":
        return None
    entity_type = entity_type_code(entity=entity, year=performance_year)
    codes = ci_sep_measures(entity_type)

    def rates(year: int) -> dict[str, YearRate]:
        run = latest_run(entity=entity, year=year)
        if run is None:
            return {}
        return {
            r.code: YearRate(
                r.code,
                r.title,
                r.unit,
                r.lower_is_better,
                year,
                run.as_of,
                r.rate,
                r.lower,
                r.upper,
            )
            for r in run.results.filter(code__in=codes)
        }

    return year_over_year(
        year=performance_year,
        entity_type=entity_type,
        current=rates(performance_year),
        prior=rates(performance_year - 1),
    )


@dataclass(frozen=True)
class ScoreOutcome:
    score: AppScore | None
    reason: str  # why there is no score ("" when there is one)
    benchmark_file: BenchmarkFile | None = None
    qps_source: str = ""
    source: str = ""
    low: AppScore | None = None  # every rate at the worse end of its 95% interval
    high: AppScore | None = None  # ... at the better end


def quality_score(*, entity: Any, performance_year: int) -> ScoreOutcome:
    """The entity's MSSP quality score for the year from what is stored, or why not."""
    if entity.program.code != "mssp":
        return ScoreOutcome(None, REACH_TQS_REASON)
    file = current_benchmark_file(performance_year)
    if file is None:
        return ScoreOutcome(None, f"not computable: benchmarks for PY{performance_year} not loaded")
    inputs, as_of = _claims_inputs(entity, performance_year)
    inputs |= _reported_inputs(entity, performance_year)
    cahps, cahps_file = _cahps_input(entity, performance_year)
    if cahps is not None:
        inputs["321"] = cahps
    threshold, qps_source = file.qps_threshold, file.qps_source
    if threshold is None:
        threshold = qps_threshold_published(performance_year)
        qps_source = (
            f"42 CFR 425.512; CMS's published PY{performance_year} threshold" if threshold else ""
        )
    hea = health_equity_inputs(entity, performance_year)
    benchmarks = _benchmarks(file)
    first, why = first_agreement_year(entity=entity, performance_year=performance_year)
    try:
        score = app_score(
            year=performance_year,
            inputs=inputs,
            benchmarks=benchmarks,
            qps_threshold=threshold,
            hea=hea,
            first_year=first,
            first_year_basis=why,
        )
        low, high = app_score_range(
            year=performance_year,
            inputs=inputs,
            benchmarks=benchmarks,
            qps_threshold=threshold,
            hea=hea,
            first_year=first,
            first_year_basis=why,
        )
    except NotComputable as exc:
        return ScoreOutcome(None, f"not computable: {exc.reason}", file)
    parts = [f"MIPS quality benchmarks PY{performance_year}: {file.source}"]
    if as_of is not None:
        parts.append(f"claims measures as of {as_of:%Y-%m-%d}")
    if cahps_file is not None:
        parts.append(f"CAHPS from {cahps_file.source}")
    if hea is not None:
        parts.append(f"health equity inputs from {hea.source}")
    source = "Computed on the platform from the measure results (" + "; ".join(parts) + ")"
    return ScoreOutcome(score, "", file, qps_source, source, low, high)


def quality_score_publish(*, entity: Any, performance_year: int) -> ScoreOutcome:
    """Compute the score and hand it to settlement's quality result, unless the standard cannot
    be decided (the year's threshold is not loaded) or an admin's override holds the year."""
    from settlement.services import quality_result_record_computed

    outcome = quality_score(entity=entity, performance_year=performance_year)
    score = outcome.score
    if score is None or score.met_standard is None:
        return outcome
    quality_result_record_computed(
        entity=entity,
        performance_year=performance_year,
        quality_score=score.score,
        met_standard=score.met_standard,
        met_alternative=score.met_alternative,
        met_reporting=score.met_reporting,
        source=outcome.source,
        path=score.path(),
        score_range=_score_range(outcome),
    )
    return outcome


def _score_range(outcome: ScoreOutcome) -> dict[str, Any]:
    """The score at the two ends of the measures' intervals, as settlement stores it."""
    ends = {"low": outcome.low, "high": outcome.high}
    if any(end is None or end.met_standard is None for end in ends.values()):
        return {}
    return {
        name: {
            "score": str(end.score),
            "met_standard": bool(end.met_standard),
            "met_alternative": end.met_alternative,
        }
        for name, end in ends.items()
        if end is not None
    }
