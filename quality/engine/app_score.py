"""The MSSP quality score from measure results: MIPS achievement points against the year's
decile benchmarks, the quality score, and the quality performance standard and alternative
standard that decide the final sharing rate.

Rules and their sources:

- Each measure earns points against the benchmark of its collection type (eCQM, CAHPS for MIPS
  survey vendor, administrative claims): the decile its rate falls in, with partial points for
  where in the decile it falls; decile 10 earns 10 points (42 CFR 414.1380(b)(1); MIPS quality
  benchmarks, CMS QPP). The benchmark file gives the 1st, 10th, ..., 90th and 99th percentiles;
  decile d starts at the (d-1)x10th percentile. For an inverse measure (lower is better) the
  order is reversed: decile 10 is at or below the 10th percentile value.
- Partial points are linear within the decile (d + the share of the way from the decile's worse
  end to its better end); decile 1 is measured from the 1st percentile value. This is our reading
  of "partial points within the decile": CMS does not publish the formula in the regulation.
- A benchmark flagged topped out by program caps the measure at 7 points (CMS QPP benchmark
  file: isToppedOutByProgram).
- CAHPS for MIPS: the average of its summary survey measures' points, each against its own
  benchmark (CMS QPP, CAHPS for MIPS scoring).
- A required measure without a result earns 0 points. A submitted measure without a benchmark
  or below the case minimum "is excluded from the ... total measure achievement points and total
  available measure achievement points" (42 CFR 414.1367(c)(1)(i)). The case minimum is 20 cases
  (42 CFR 414.1380(b)(1)); the administrative claims measures have their own in CMS's measure
  specifications: 200 index admissions for 479 (HWR), 18 patients for 484 (MCC). Cases are the
  measure's denominator as the platform holds it: the eCQM's performance denominator (denominator
  - exclusions - exceptions, summed across the QRDA III files), the index stays of 479, the
  patients of 484. A measure whose case count is not known is not checked.
- Quality score = points earned / points possible x 100, plus up to 10 health equity adjustment
  bonus points (domain.md 7.1; 42 CFR 425.512; CY2023 PFS final rule): bonus = performance
  scaler x underserved multiplier, at most 10. Both inputs and the ACO's eligibility are CMS's
  determinations (they rank the ACO among all ACOs and use data the platform does not hold), so
  they are entered with their source (`HealthEquityInputs`); without them the bonus is 0 and the
  path says so. A score above 100 is held at 100 (the stored result's range).
- Quality performance standard: the score at or above the year's threshold (the 40th percentile
  of MIPS quality scores from PY2024; 76.70 in PY2025). Alternative standard: at or above the
  10th percentile (decile 2 or better) on at least one outcome measure of the year (domain.md
  3.4; 42 CFR 425.512).
- eCQM/MIPS CQM reporting incentive (PY2024: 42 CFR 425.512(a)(4); PY2025 and PY2026:
  425.512(a)(5)(i)(B)(2); domain.md 3.4): reporting all the set's eCQMs/MIPS CQMs with data
  completeness, at or above the 10th percentile on at least one outcome measure and at or above
  the 40th percentile (decile 5 or better) "on at least one of the remaining measures" counts as
  meeting the quality performance standard. Data completeness (42 CFR 414.1340) needs the
  eligible population, which a QRDA III file does not carry: the path says CMS checks it. CAHPS
  averages its summary survey measures' points and has no decile of its own, so it is not
  counted for the 40th-percentile leg (the path says so).
- First performance year of the ACO's first agreement period (42 CFR 425.512(a)(2)): the ACO
  meets the quality performance standard by reporting the year's eCQMs/MIPS CQMs meeting data
  completeness and the case minimum, and fielding the CAHPS for MIPS survey. Whether the year is
  that first year comes from the entity's enrolment (agreement period number and start of the
  year's agreement); the case minimum and the CAHPS results are checked here, data completeness
  is CMS's check (as for the incentive). The path names the rule that decided the standard.

The engine is pure: Decimal and the standard library only.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from quality.engine.valuesets import value_sets

PERCENTILES = (1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 99)
DECILE_STARTS = (10, 20, 30, 40, 50, 60, 70, 80, 90)
TOPPED_OUT_CAP = Decimal(7)
TEN = Decimal(10)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")
APP_FILE = "app_measures.json"
CAHPS = "321"
ECQM_KEYS = {"ecqm", "mipscqm"}  # collection types of the reporting incentive
APP_PLUS_FROM = 2025  # the APP Plus quality measure set (CY2025 PFS final rule)

# The published benchmark CSV layout (CMS QPP quality benchmarks; the CAHPS file has the same
# columns with `benchmark` in place of the standard deviation). Other columns are kept as read.
REQUIRED_COLUMNS = (
    "measureId",
    "submissionMethod",
    "isInverse",
    "isToppedOutByProgram",
    *(f"percentile{p}" for p in PERCENTILES),
)
YES = {"y", "yes", "true"}
NO = {"n", "no", "false"}


class BenchmarkFileError(ValueError):
    """A benchmark file that cannot be read; `errors` name each row and column at fault."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


class NotComputable(ValueError):
    """The score cannot be computed: `reason` says which input is missing."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def collection_key(text: str) -> str:
    """A collection type as compared: 'Administrative Claims' and 'administrativeClaims' match."""
    return "".join(text.split()).lower()


@dataclass(frozen=True)
class Benchmark:
    measure_id: str
    collection: str  # as the file writes it: "eCQM", "CAHPS Survey Vendor", ...
    name: str
    inverse: bool
    topped_out_by_program: bool
    percentiles: dict[int, Decimal]

    @property
    def starts(self) -> list[Decimal]:
        """The values at which deciles 2..10 start (ascending)."""
        return [self.percentiles[p] for p in DECILE_STARTS]


def _flag(value: str, row: int, column: str, errors: list[str]) -> bool:
    # A blank flag is "no", as CMS's own converter of these files reads it (the PY2024 CAHPS
    # file leaves isInverse and isToppedOutByProgram blank).
    text = value.strip().lower()
    if not text:
        return False
    if text in YES:
        return True
    if text not in NO:
        errors.append(f"row {row}, column {column}: '{value}' is not Y/N")
    return False


def parse_benchmarks(text: str) -> list[Benchmark]:
    """The rows of a benchmark CSV in the published layout; raises `BenchmarkFileError` naming
    each row and column at fault (nothing of a file with an error is kept)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise BenchmarkFileError([f"header: missing column(s) {', '.join(missing)}"])
    reader.fieldnames = header
    errors: list[str] = []
    rows: list[Benchmark] = []
    seen: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        measure_id, collection = row["measureId"], row["submissionMethod"]
        if not measure_id:
            errors.append(f"row {number}, column measureId: empty")
            continue
        if not collection:
            errors.append(f"row {number}, column submissionMethod: empty")
            continue
        key = (measure_id, collection_key(collection))
        if key in seen:
            errors.append(
                f"row {number}: measure {measure_id} ({collection}) repeats row {seen[key]}"
            )
            continue
        seen[key] = number
        values: dict[int, Decimal] = {}
        for p in PERCENTILES:
            column = f"percentile{p}"
            try:
                values[p] = Decimal(row[column])
            except InvalidOperation:
                errors.append(f"row {number}, column {column}: '{row[column]}' is not a number")
        if len(values) == len(PERCENTILES):
            starts = [values[p] for p in DECILE_STARTS]
            if any(b < a for a, b in zip(starts, starts[1:], strict=False)):
                errors.append(
                    f"row {number}: measure {measure_id} percentiles 10 to 90 are not in "
                    "ascending order"
                )
        inverse = _flag(row["isInverse"], number, "isInverse", errors)
        capped = _flag(row["isToppedOutByProgram"], number, "isToppedOutByProgram", errors)
        rows.append(
            Benchmark(
                measure_id=measure_id,
                collection=collection,
                name=row.get("measureName", ""),
                inverse=inverse,
                topped_out_by_program=capped,
                percentiles=values,
            )
        )
    if errors:
        raise BenchmarkFileError(errors)
    if not rows:
        raise BenchmarkFileError(["the file has no benchmark rows"])
    return rows


@dataclass(frozen=True)
class Points:
    decile: int
    points: Decimal
    capped: bool = False


def measure_points(rate: Decimal, benchmark: Benchmark) -> Points:
    """The decile a rate falls in and the achievement points it earns (see the module's rules)."""
    starts = benchmark.starts
    if benchmark.inverse:
        worse_than = sum(1 for x in starts if rate > x)
        decile = 10 - worse_than
        if decile == 10:
            points = TEN
        else:
            better = starts[worse_than - 1]
            worse = starts[worse_than] if worse_than < len(starts) else benchmark.percentiles[99]
            points = Decimal(decile) + _share(worse - rate, worse - better)
    else:
        reached = sum(1 for x in starts if rate >= x)
        decile = reached + 1
        if decile == 10:
            points = TEN
        else:
            lower = starts[reached - 1] if reached else benchmark.percentiles[1]
            upper = starts[reached]
            points = Decimal(decile) + _share(rate - lower, upper - lower)
    if benchmark.topped_out_by_program and points > TOPPED_OUT_CAP:
        return Points(decile, TOPPED_OUT_CAP, capped=True)
    return Points(decile, points)


def _share(part: Decimal, whole: Decimal) -> Decimal:
    """How far into a decile, 0 to just under 1; an empty or degenerate decile gives 0."""
    if whole <= 0:
        return Decimal(0)
    return min(max(part / whole, Decimal(0)), Decimal("0.99"))


@dataclass(frozen=True)
class MeasureInput:
    """A measure's result as the score reads it: its rate in the measure's own unit (percent for
    the eCQMs, percent for HWR, admissions per 100 person-years for 484), its collection type,
    and for CAHPS the summary survey measures' scores (`components`, by CAHPS_n id)."""

    measure_id: str
    collection: str
    rate: Decimal | None = None
    basis: str = ""  # "reported" (partner files), "observed" (our claims), "survey vendor"
    detail: str = ""
    components: dict[str, Decimal] = field(default_factory=dict)
    interval: tuple[Decimal, Decimal] | None = None  # 95% interval of `rate`, same unit
    cases: int | None = None  # the case count the case minimum is checked on (None: not known)


@dataclass(frozen=True)
class HealthEquityInputs:
    """CMS's health equity adjustment inputs for the ACO and year, as entered with their source:
    the performance scaler, the underserved multiplier (0 to 1) and whether CMS found the ACO
    eligible for the adjustment."""

    performance_scaler: Decimal
    underserved_multiplier: Decimal
    eligible: bool
    source: str


HEA_CAP = Decimal(10)


def hea_rule(year: int) -> tuple[bool, str]:
    """Whether the year's MSSP quality score takes the health equity adjustment, and the source
    that says so (the app measures data's `health_equity_adjustment`, by performance year)."""
    rules = value_sets(APP_FILE)["health_equity_adjustment"]
    entry = rules.get(str(year))
    if entry is None:
        first = min(int(key) for key in rules if key.isdigit())
        if year < first:
            return False, f"the adjustment starts with PY{first}, CY2023 PFS final rule"
        return False, f"no rule for PY{year} in the quality measures data"
    return bool(entry["applies"]), str(entry["source"])


def hea_bonus(inputs: HealthEquityInputs | None, year: int | None = None) -> tuple[Decimal, str]:
    """The health equity adjustment bonus points and the path's line for them; with `year`, none
    in a year whose rule has no adjustment, whatever inputs are entered."""
    rule = ""
    if year is not None:
        applies, source = hea_rule(year)
        if not applies:
            return Decimal(0), (
                f"Health equity adjustment: none for PY{year} ({source}), so no bonus points "
                "are added"
            )
        rule = f" (PY{year}: {source})"
    if inputs is None:
        return Decimal(0), (
            "Health equity adjustment: CMS's inputs (performance scaler, underserved multiplier, "
            f"eligibility) are not entered for the year, so no bonus points are added{rule}"
        )
    if not inputs.eligible:
        return Decimal(0), (
            f"Health equity adjustment: not eligible per CMS ({inputs.source}): 0 bonus points"
        )
    raw = inputs.performance_scaler * inputs.underserved_multiplier
    bonus = min(raw, HEA_CAP)
    capped = " (capped at 10)" if raw > HEA_CAP else ""
    return bonus, (
        f"Health equity adjustment = performance scaler {inputs.performance_scaler} x "
        f"underserved multiplier {inputs.underserved_multiplier} = "
        f"{raw.quantize(CENT, ROUND_HALF_UP)}{capped} bonus points (inputs: {inputs.source}; "
        "42 CFR 425.512, CY2023 PFS final rule)"
    )


@dataclass(frozen=True)
class MeasureLine:
    measure_id: str
    title: str
    outcome: bool
    rate: Decimal | None
    compared: Decimal | None  # the rate on the benchmark's scale
    collection: str
    decile: int | None
    points: Decimal
    note: str
    basis: str = ""
    excluded: bool = False  # no benchmark or below the case minimum: out of the points possible
    below_case_minimum: bool = False

    @property
    def at_or_above_10th(self) -> bool:
        return self.decile is not None and self.decile >= 2

    @property
    def at_or_above_40th(self) -> bool:
        return self.decile is not None and self.decile >= 5

    def as_dict(self) -> dict[str, Any]:
        return {
            "measure_id": self.measure_id,
            "title": self.title,
            "outcome": self.outcome,
            "rate": None if self.rate is None else str(self.rate),
            "collection": self.collection,
            "decile": self.decile,
            "points": str(self.points.quantize(CENT, ROUND_HALF_UP)),
            "note": self.note,
            "basis": self.basis,
            "excluded": self.excluded,
            "below_case_minimum": self.below_case_minimum,
        }


@dataclass(frozen=True)
class AppScore:
    performance_year: int
    lines: tuple[MeasureLine, ...]
    points: Decimal
    possible: Decimal
    score: Decimal  # 0-100, two decimals, health equity bonus included (0 here)
    hea_bonus: Decimal
    qps_threshold: Decimal | None
    met_qps: bool | None  # None: the year's threshold is not loaded
    met_alternative: bool
    met_reporting: bool
    estimated: bool  # a claims measure's rate is our observed rate, not CMS's
    measure_set_source: str
    notes: tuple[str, ...] = ()
    met_incentive: bool | None = None  # None: no reporting incentive in the year's rules
    incentive_line: str = ""
    hea_line: str = ""
    met_first_year: bool | None = None  # None: not the first PY of the first agreement period
    first_year_line: str = ""

    @property
    def met_standard(self) -> bool | None:
        """The quality performance standard as settlement takes it: met by the first-year rule,
        by the score, or by the eCQM/MIPS CQM reporting incentive; None while none decides it."""
        if self.met_first_year or self.met_incentive:
            return True
        return self.met_qps

    @property
    def deciding_rule(self) -> str:
        """Which rule decided the quality performance standard, for the path."""
        if self.met_first_year:
            return "the first-year rule (42 CFR 425.512(a)(2))"
        if self.met_qps:
            return f"the score at or above the threshold {self.qps_threshold}"
        if self.met_incentive:
            return "the eCQM/MIPS CQM reporting incentive"
        if self.met_qps is None:
            return "none: the year's threshold is not loaded"
        return "none: not met"

    def path(self) -> list[str]:
        """The measure-by-measure path to the score and the standards, one line each."""
        lines = [
            f"{line.measure_id} {line.title}: "
            + (
                f"rate {line.rate.quantize(CENT, ROUND_HALF_UP)} ({line.basis}), "
                f"decile {line.decile}, "
                if line.rate is not None and line.decile is not None
                else ""
            )
            + f"{line.points.quantize(CENT, ROUND_HALF_UP)} of 10 points"
            + (f"; {line.note}" if line.note else "")
            for line in self.lines
        ]
        if self.hea_line:
            lines.append(self.hea_line)
        lines.append(
            f"Quality score = {self.points.quantize(CENT, ROUND_HALF_UP)} / {self.possible} "
            f"points x 100 + {self.hea_bonus.quantize(CENT, ROUND_HALF_UP)} health equity bonus "
            f"points = {self.score}"
        )
        if self.met_qps is None:
            lines.append(
                f"Quality performance standard: the PY{self.performance_year} threshold is not "
                "loaded, so the standard is not decided"
            )
        else:
            lines.append(
                f"Quality performance standard (score at or above {self.qps_threshold}): "
                + ("met" if self.met_qps else "not met")
            )
        outcome = [line.measure_id for line in self.lines if line.outcome]
        reached = [line.measure_id for line in self.lines if line.outcome and line.at_or_above_10th]
        lines.append(
            "Alternative standard (10th percentile or better on an outcome measure among "
            f"{', '.join(outcome)}): " + (f"met by {', '.join(reached)}" if reached else "not met")
        )
        if self.incentive_line:
            lines.append(self.incentive_line)
        if self.first_year_line:
            lines.append(self.first_year_line)
        lines.append(f"Quality performance standard decided by: {self.deciding_rule}")
        return lines + list(self.notes)


def app_measure_set(year: int) -> dict[str, Any]:
    data = value_sets(APP_FILE)
    entry = data["years"].get(str(year))
    if entry is None:
        raise NotComputable(f"no APP quality measure set is shipped for PY{year}")
    return dict(entry)


CAHPS_SSM_FILE = "cahps_ssms.json"


def cahps_ssm_title(measure_id: str) -> str:
    """The summary survey measure's title as CMS publishes it ("" for an id CMS does not
    publish)."""
    return str(value_sets(CAHPS_SSM_FILE)["measures"].get(measure_id.strip().upper(), ""))


def cahps_ssm_source() -> str:
    return str(value_sets(CAHPS_SSM_FILE)["source"])


def cahps_ssm_label(measure_id: str) -> str:
    """ "CAHPS_2 How Well Providers Communicate": the id with its meaning."""
    title = cahps_ssm_title(measure_id)
    return f"{measure_id} {title}" if title else measure_id


def app_measure(measure_id: str) -> dict[str, Any]:
    return dict(value_sets(APP_FILE)["measures"][measure_id])


def qps_threshold_published(year: int) -> Decimal | None:
    value = value_sets(APP_FILE)["qps_thresholds"].get(str(year))
    return None if value is None else Decimal(value)


def case_minimum(measure_id: str) -> int:
    """The fewest cases a measure needs to be scored (see the module's rules)."""
    minimums = value_sets(APP_FILE)["case_minimums"]
    return int(minimums.get(measure_id, minimums["default"]))


def app_score(
    *,
    year: int,
    inputs: dict[str, MeasureInput],
    benchmarks: list[Benchmark],
    qps_threshold: Decimal | None,
    hea: HealthEquityInputs | None = None,
    first_year: bool | None = False,
    first_year_basis: str = "",
) -> AppScore:
    """The year's MSSP quality score from the measure results and the year's benchmarks, with the
    health equity adjustment from CMS's inputs where they are entered (`hea`); `first_year`: the
    year is the first performance year of the ACO's first agreement period (None: not known),
    `first_year_basis` the enrolment that says so, for the path."""
    measure_set = app_measure_set(year)
    if not benchmarks:
        raise NotComputable(f"benchmarks for PY{year} not loaded")
    by_key = {(b.measure_id, collection_key(b.collection)): b for b in benchmarks}
    outcome = set(measure_set["outcome_measures"])
    lines: list[MeasureLine] = []
    estimated = False
    for measure_id in measure_set["measures"]:
        spec = app_measure(measure_id)
        given = inputs.get(measure_id)
        if measure_id == CAHPS:
            lines.append(_cahps_line(spec, given, by_key))
            continue
        if given is None or given.rate is None:
            lines.append(
                MeasureLine(
                    measure_id,
                    spec["title"],
                    measure_id in outcome,
                    None,
                    None,
                    "",
                    None,
                    Decimal(0),
                    "no result loaded: 0 points",
                )  # fmt: skip
            )
            continue
        minimum = case_minimum(measure_id)
        if given.cases is not None and given.cases < minimum:
            lines.append(
                MeasureLine(
                    measure_id,
                    spec["title"],
                    measure_id in outcome,
                    given.rate,
                    None,
                    given.collection,
                    None,
                    Decimal(0),
                    f"{given.cases:,} cases, below the case minimum of {minimum:,}: excluded "
                    "from the points and the points possible (42 CFR 414.1367(c)(1)(i), "
                    "414.1380(b)(1))",
                    given.basis,
                    excluded=True,
                    below_case_minimum=True,
                )  # fmt: skip
            )
            continue
        benchmark = by_key.get((measure_id, collection_key(given.collection)))
        if benchmark is None:
            lines.append(
                MeasureLine(
                    measure_id,
                    spec["title"],
                    measure_id in outcome,
                    given.rate,
                    None,
                    given.collection,
                    None,
                    Decimal(0),
                    f"no {given.collection} benchmark for PY{year}: excluded from the points "
                    "and the points possible (42 CFR 414.1367(c)(1)(i))",
                    given.basis,
                    excluded=True,
                )  # fmt: skip
            )
            continue
        compared = given.rate * Decimal(spec.get("benchmark_scale", "1"))
        scored = measure_points(compared, benchmark)
        note = given.detail
        if scored.capped:
            note = "; ".join(filter(None, [note, "topped out: capped at 7 points"]))
        if given.basis == "observed":
            estimated = True
            note = "; ".join(
                filter(
                    None,
                    [
                        note,
                        "observed rate from the platform's claims, not CMS's "
                        "risk-standardized rate",
                    ],
                )  # fmt: skip
            )
        lines.append(
            MeasureLine(
                measure_id,
                spec["title"],
                measure_id in outcome,
                given.rate,
                compared,
                given.collection,
                scored.decile,
                scored.points,
                note,
                given.basis,
            )  # fmt: skip
        )
    points = sum((line.points for line in lines), Decimal(0))
    possible = TEN * sum(1 for line in lines if not line.excluded)
    if not possible:
        raise NotComputable(f"no measure of the PY{year} set has a benchmark loaded")
    bonus, hea_line = hea_bonus(hea, year)
    score = min(points / possible * HUNDRED + bonus, HUNDRED).quantize(CENT, ROUND_HALF_UP)
    met_qps = None if qps_threshold is None else score >= qps_threshold
    reported = [m for m in measure_set["measures"] if app_measure(m)["source"] != "claims"]
    met_reporting = all(
        m in inputs and (inputs[m].rate is not None or inputs[m].components) for m in reported
    )
    met_incentive, incentive_line = reporting_incentive(year, lines)
    met_first_year, first_year_line = first_year_rule(year, lines) if first_year else (None, "")
    if first_year_basis:
        if first_year:
            first_year_line = f"{first_year_line} ({first_year_basis})"
        else:
            verdict = "not checked" if first_year is None else "does not apply"
            first_year_line = (
                "First performance year of the ACO's first agreement period (42 CFR "
                f"425.512(a)(2)): {verdict}, {first_year_basis}"
            )
    no_benchmark = [
        line.measure_id for line in lines if line.excluded and not line.below_case_minimum
    ]
    notes: tuple[str, ...] = ()
    if no_benchmark and year >= APP_PLUS_FROM:
        notes = (
            f"No benchmark loaded for {', '.join(no_benchmark)}: if CMS has no benchmark for a "
            "required measure of the year, 42 CFR 425.512(a)(7) may give an ACO that reported "
            "every required measure with data completeness the higher of its score and the "
            "40th percentile MIPS quality score. Not applied here: CMS may still set a benchmark "
            "after the performance period and checks data completeness itself",
        )
    return AppScore(
        performance_year=year,
        lines=tuple(lines),
        points=points,
        possible=possible,
        score=score,
        hea_bonus=bonus,
        qps_threshold=qps_threshold,
        met_qps=met_qps,
        met_alternative=any(line.outcome and line.at_or_above_10th for line in lines),
        met_reporting=met_reporting,
        estimated=estimated,
        measure_set_source=str(measure_set["source"]),
        met_incentive=met_incentive,
        incentive_line=incentive_line,
        hea_line=hea_line,
        notes=notes,
        met_first_year=met_first_year,
        first_year_line=first_year_line,
    )


def first_year_rule(year: int, lines: list[MeasureLine]) -> tuple[bool, str]:
    """Whether the first-year rule of 42 CFR 425.512(a)(2) is met, and the path's line for it:
    every eCQM/MIPS CQM of the year's set reported at or above its case minimum, and CAHPS for
    MIPS results loaded (the survey fielded). Data completeness is CMS's check."""
    rule = value_sets(APP_FILE)["first_year_rule"].get(str(year))
    if rule is None:
        return False, (
            f"First performance year of the first agreement period: no rule is shipped for "
            f"PY{year}, so it does not decide the standard"
        )
    cite = rule["source"]
    clinical = [line for line in lines if app_measure(line.measure_id)["source"] == "reported"]
    missing = [line.measure_id for line in clinical if line.rate is None]
    short = [line.measure_id for line in clinical if line.below_case_minimum]
    cahps = next((line for line in lines if line.measure_id == CAHPS), None)
    no_survey = cahps is None or not cahps.collection
    reasons = []
    if missing:
        reasons.append(f"no result for {', '.join(missing)}")
    if short:
        reasons.append(f"below the case minimum: {', '.join(short)}")
    if no_survey:
        reasons.append("no CAHPS for MIPS results (survey not shown as fielded)")
    if reasons:
        return False, (
            f"First performance year of the ACO's first agreement period ({cite}): the "
            f"reporting rule is not met ({'; '.join(reasons)}), so the score decides"
        )
    return True, (
        f"First performance year of the ACO's first agreement period ({cite}): the quality "
        f"performance standard is met by reporting: {', '.join(m.measure_id for m in clinical)} "
        "reported at or above the case minimum and CAHPS for MIPS fielded. Data completeness "
        "(42 CFR 414.1340) is CMS's check: the QRDA III files do not carry the eligible population"
    )


def reporting_incentive(year: int, lines: list[MeasureLine]) -> tuple[bool | None, str]:
    """Whether the eCQM/MIPS CQM reporting incentive is met, and the path's line for it (see the
    module's rules); (None, "") for a year whose rules have no incentive in the shipped data."""
    rule = value_sets(APP_FILE).get("reporting_incentive", {}).get(str(year))
    if rule is None:
        return None, ""
    cite = rule["source"]
    clinical = [line for line in lines if app_measure(line.measure_id)["source"] == "reported"]
    unreported = [
        line.measure_id
        for line in clinical
        if line.rate is None or collection_key(line.collection) not in ECQM_KEYS
    ]
    if unreported:
        return False, (
            f"eCQM/MIPS CQM reporting incentive ({cite}): not met, no eCQM/MIPS CQM result for "
            + ", ".join(unreported)
        )
    outcomes = [line for line in lines if line.outcome and line.at_or_above_10th]
    for outcome in outcomes:
        others = [
            line
            for line in lines
            if line is not outcome and line.measure_id != CAHPS and line.at_or_above_40th
        ]
        if others:
            return True, (
                f"eCQM/MIPS CQM reporting incentive ({cite}): met, so the quality performance "
                f"standard is met: all of {', '.join(line.measure_id for line in clinical)} "
                f"reported; {outcome.measure_id} (outcome) at decile {outcome.decile}, 10th "
                f"percentile or better; {others[0].measure_id} at decile {others[0].decile}, "
                "40th percentile or better. Data completeness (42 CFR 414.1340) is CMS's check: "
                "the QRDA III files do not carry the eligible population"
            )
    reason = (
        "no outcome measure at the 10th percentile or better"
        if not outcomes
        else "no other measure at the 40th percentile or better (CAHPS for MIPS, an average "
        "of its summary survey measures, is not assessed for this leg here)"
    )
    return False, f"eCQM/MIPS CQM reporting incentive ({cite}): not met, {reason}"


def app_score_range(
    *,
    year: int,
    inputs: dict[str, MeasureInput],
    benchmarks: list[Benchmark],
    qps_threshold: Decimal | None,
    hea: HealthEquityInputs | None = None,
    first_year: bool | None = False,
    first_year_basis: str = "",
) -> tuple[AppScore, AppScore]:
    """The score with every measure that has a 95% interval at the worse end of it, and at the
    better end (lower is better for an inverse measure): the range the score may move in if the
    rates stay within their intervals. Measures without an interval (CAHPS) stay as they are."""

    def shifted(worse: bool) -> dict[str, MeasureInput]:
        out = {}
        for key, given in inputs.items():
            if given.interval is None or given.rate is None:
                out[key] = given
                continue
            low, high = given.interval
            inverse = bool(app_measure(key).get("inverse")) if key in _measures() else False
            rate = (high if inverse else low) if worse else (low if inverse else high)
            out[key] = replace(given, rate=rate)
        return out

    def scored(worse: bool) -> AppScore:
        return app_score(
            year=year,
            inputs=shifted(worse),
            benchmarks=benchmarks,
            qps_threshold=qps_threshold,
            hea=hea,
            first_year=first_year,
            first_year_basis=first_year_basis,
        )

    return scored(True), scored(False)


def _measures() -> dict[str, Any]:
    return dict(value_sets(APP_FILE)["measures"])


def ssm_order(ssm: str) -> tuple[int, str]:
    """CAHPS_2 before CAHPS_11: by the number CMS gives the summary survey measure."""
    number = ssm.rsplit("_", 1)[-1]
    return (int(number), ssm) if number.isdigit() else (10**6, ssm)


def _cahps_line(
    spec: dict[str, Any],
    given: MeasureInput | None,
    by_key: dict[tuple[str, str], Benchmark],
) -> MeasureLine:
    if given is None or not given.components:
        return MeasureLine(
            CAHPS, spec["title"], False, None, None, "", None, Decimal(0),
            "no CAHPS for MIPS results loaded: 0 points",
        )  # fmt: skip
    scored: list[tuple[str, Points]] = []
    skipped: list[str] = []
    for ssm, value in sorted(given.components.items(), key=lambda kv: ssm_order(kv[0])):
        benchmark = by_key.get((ssm, collection_key(given.collection)))
        if benchmark is None:
            skipped.append(ssm)
            continue
        scored.append((ssm, measure_points(value, benchmark)))
    if not scored:
        return MeasureLine(
            CAHPS, spec["title"], False, None, None, given.collection, None, Decimal(0),
            "no summary survey measure has a benchmark loaded: 0 points",
        )  # fmt: skip
    points = sum((p.points for _, p in scored), Decimal(0)) / len(scored)
    detail = "; ".join(
        f"{cahps_ssm_label(ssm)}: {p.points.quantize(CENT, ROUND_HALF_UP)}" for ssm, p in scored
    )
    note = f"average of {len(scored)} summary survey measures' points ({detail})"
    if skipped:
        note += (
            f"; without a benchmark, not scored: {'; '.join(cahps_ssm_label(s) for s in skipped)}"
        )
    if given.detail:
        note = f"{given.detail}; {note}"
    return MeasureLine(
        CAHPS, spec["title"], False, None, None, given.collection, None, points, note,
        given.basis,
    )  # fmt: skip
