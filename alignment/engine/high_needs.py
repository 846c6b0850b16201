"""ACO REACH High Needs Population ACO: the additional eligibility criteria of each beneficiary.

The criteria, thresholds, code lists and citations are data (alignment/data/reach_high_needs.json,
read by `load_criteria`); this module applies them at one check date to claims and risk scores
the caller hands in, and says for each beneficiary which criteria are met and why.

Inputs (pandas; dates are datetime64):
    claims     one row per Part A claim or Part B / DME line: bene_id, claim_id, source ("A",
               "B", "DME"), claim_type (CLM_TYPE_CD), from_date, thru_date, hcpcs, admission_type
               (CCLF1 CLM_ADMSN_TYPE_CD; "" for B/DME)
    diagnoses  one row per (claim, diagnosis): bene_id, claim_id, claim_type, thru_date, dx_code
               (ICD-10-CM without the dot)
    risk       bene_id -> Risk (the performance year's scores by model)
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

import pandas as pd

CRITERIA_FILE = Path(__file__).resolve().parent.parent / "data" / "reach_high_needs.json"

INPATIENT_TYPES = frozenset({"60", "61"})
SNF_TYPES = frozenset({"20", "30"})
HOME_HEALTH_TYPES = frozenset({"10"})
CHECK_MONTHS = (1, 4, 7, 10)


def load_criteria(path: Path = CRITERIA_FILE) -> dict[str, Any]:
    """The criteria file as a dict (criteria keyed by their letter under "by_code")."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    data["by_code"] = {c["code"]: c for c in data["criteria"]}
    return data


@dataclass(frozen=True)
class Window:
    start: dt.date
    end: dt.date

    def label(self) -> str:
        return f"{self.start:%b} {self.start.day}, {self.start.year} to {self.end:%b} {self.end.day}, {self.end.year}"


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    zero = year * 12 + (month - 1) + delta
    return zero // 12, zero % 12 + 1


def lookback(check_date: dt.date, months: int) -> Window:
    """The lookback of a check date: `months` months ending on the last day of the third month
    before the check month (Appendix A Tables C and D: January 1 of PY2026 reads November 1,
    2024 to October 31, 2025)."""
    if check_date.day != 1 or check_date.month not in CHECK_MONTHS:
        raise ValueError(
            f"{check_date.isoformat()} is not a check date: January 1, April 1, July 1 or October 1."
        )
    end_year, end_month = _add_months(check_date.year, check_date.month, -3)
    next_year, next_month = _add_months(end_year, end_month, 1)
    end = dt.date(next_year, next_month, 1) - dt.timedelta(days=1)
    start_year, start_month = _add_months(end_year, end_month, -(months - 1))
    return Window(dt.date(start_year, start_month, 1), end)


def check_dates(performance_year: int) -> list[dt.date]:
    return [dt.date(performance_year, m, 1) for m in CHECK_MONTHS]


@dataclass(frozen=True)
class Risk:
    """A beneficiary's scores for the year: `family` "cms_hcc" (aged/disabled) or "esrd",
    `scores` model name -> raw score."""

    family: str
    scores: Mapping[str, Decimal]
    payment_year: int

    def best(self) -> tuple[str, Decimal] | None:
        if not self.scores:
            return None
        model = max(self.scores, key=lambda m: (self.scores[m], m))
        return model, self.scores[model]

    @property
    def esrd(self) -> bool:
        return self.family == "esrd"


@dataclass
class Eligibility:
    bene_id: int
    met: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return bool(self.met)


def _in(frame: pd.DataFrame, window: Window, column: str = "thru_date") -> pd.DataFrame:
    if frame.empty:
        return frame
    dates = pd.to_datetime(frame[column])
    return frame[(dates >= pd.Timestamp(window.start)) & (dates <= pd.Timestamp(window.end))]


def _day(value: Any) -> str:
    stamp = pd.Timestamp(value)
    return f"{stamp:%b} {stamp.day}, {stamp.year}"


def _covered_days(rows: pd.DataFrame, window: Window) -> int:
    """Calendar days the claims span inside the window, each day once."""
    days: set[dt.date] = set()
    for start, end in zip(rows["from_date"], rows["thru_date"], strict=True):
        first = max(pd.Timestamp(start).date(), window.start)
        last = min(pd.Timestamp(end).date(), window.end)
        while first <= last:
            days.add(first)
            first += dt.timedelta(days=1)
    return len(days)


def evaluate(
    *,
    population: Iterable[int],
    claims: pd.DataFrame,
    diagnoses: pd.DataFrame,
    risk: Mapping[int, Risk],
    check_date: dt.date,
    criteria: Mapping[str, Any] | None = None,
) -> list[Eligibility]:
    """Each beneficiary of `population` (by id) with the criteria met at `check_date` and the
    reasons; criteria not yet in force in the check date's year are skipped. Each criterion
    first narrows the whole frame (window, codes, claim types), then reads per beneficiary."""
    spec = criteria or load_criteria()
    year = check_date.year
    active = {code: c for code, c in spec["by_code"].items() if c["first_year"] <= year}
    windows = {code: lookback(check_date, int(c["lookback_months"])) for code, c in active.items()}
    claims = claims.copy()
    for column in ("claim_type", "hcpcs", "admission_type", "source", "claim_id"):
        if column in claims.columns:
            claims[column] = claims[column].fillna("").astype(str).str.strip()
    found_a = _criterion_a(active.get("a"), windows.get("a"), diagnoses)
    admissions = _unplanned(active.get("c"), windows.get("c"), claims)
    found_d = _criterion_d(active.get("d"), windows.get("d"), claims)
    days_e = _criterion_e_days(active.get("e"), windows.get("e"), claims)
    results = []
    for bene in sorted({int(b) for b in population}):
        result = Eligibility(bene_id=bene)
        if bene in found_a:
            result.met.append("a")
            result.reasons.append(found_a[bene])
        if "b" in active or "c" in active:
            _risk_criteria(result, active, windows, risk.get(bene), admissions.get(bene, 0))
        if bene in found_d:
            result.met.append("d")
            result.reasons.append(found_d[bene])
        if bene in days_e:
            _criterion_e(result, active["e"], windows["e"], *days_e[bene])
        results.append(result)
    return results


def _criterion_a(
    spec: Mapping[str, Any] | None, window: Window | None, dx: pd.DataFrame
) -> dict[int, str]:
    """Beneficiary -> reason: one inpatient claim with a listed diagnosis, or two claims of other
    types on different dates."""
    if spec is None or window is None or dx.empty:
        return {}
    prefixes = tuple(str(p).replace(".", "").upper() for p in spec["dx_prefixes"])
    if not prefixes:
        return {}
    rows = _in(dx, window)
    codes = rows["dx_code"].fillna("").astype(str).str.replace(".", "", regex=False).str.upper()
    rows = rows[codes.str.startswith(prefixes)].sort_values("thru_date")
    if rows.empty:
        return {}
    types = rows["claim_type"].fillna("").astype(str).str.strip()
    rows = rows.assign(inpatient=types.isin(INPATIENT_TYPES))
    found: dict[int, str] = {}
    for bene, mine in rows.groupby("bene_id", sort=False):
        inpatient = mine[mine["inpatient"]]
        other_dates = mine[~mine["inpatient"]]["thru_date"].nunique()
        if not inpatient.empty:
            last = inpatient.iloc[-1]
            why = f"inpatient claim of {_day(last['thru_date'])} with diagnosis {last['dx_code']}"
        elif other_dates >= 2:
            code = str(mine.iloc[-1]["dx_code"])
            why = f"{other_dates} claims on different dates with a listed diagnosis (latest {code})"
        else:
            continue
        found[int(cast(int, bene))] = f"(a) {spec['label']}: {why}, {window.label()}."
    return found


def _unplanned(
    spec: Mapping[str, Any] | None, window: Window | None, claims: pd.DataFrame
) -> dict[int, int]:
    """Beneficiary -> inpatient claims in the window whose admission type is not elective."""
    if spec is None or window is None or claims.empty:
        return {}
    stays = _in(claims, window)
    stays = stays[
        stays["claim_type"].isin(INPATIENT_TYPES)
        & (stays["admission_type"] != spec["elective_admission_type"])
    ]
    return {int(b): int(n) for b, n in stays.groupby("bene_id")["claim_id"].nunique().items()}


def _risk_criteria(
    result: Eligibility,
    active: Mapping[str, Any],
    windows: Mapping[str, Window],
    risk: Risk | None,
    admissions: int,
) -> None:
    best = risk.best() if risk is not None else None
    if risk is None or best is None:
        result.notes.append("No risk score for the year: criteria (b) and (c) not evaluated.")
        return
    model, score = best
    kind = "ESRD" if risk.esrd else "aged/disabled"
    where = f"{model}, payment year {risk.payment_year}"
    if "b" in active:
        spec = active["b"]
        floor = Decimal(spec["esrd_min"] if risk.esrd else spec["ad_min"])
        if score >= floor:
            result.met.append("b")
            result.reasons.append(
                f"(b) {spec['label']}: risk score {score:.3f} ({where}) is at least {floor} "
                f"for an {kind} beneficiary."
            )
            return
    if "c" in active:
        spec = active["c"]
        low, high = (Decimal(v) for v in (spec["esrd_range"] if risk.esrd else spec["ad_range"]))
        if not low <= score < high:
            result.notes.append(f"Risk score {score:.3f} ({where}).")
            return
        if admissions >= int(spec["min_unplanned_admissions"]):
            result.met.append("c")
            result.reasons.append(
                f"(c) {spec['label']}: risk score {score:.3f} ({where}) between {low} and {high} "
                f"and {admissions} unplanned admissions, {windows['c'].label()}."
            )
        else:
            result.notes.append(
                f"Risk score {score:.3f} ({where}) with {admissions} unplanned "
                f"admission{'' if admissions == 1 else 's'}: "
                f"(c) needs {spec['min_unplanned_admissions']}."
            )


def _criterion_d(
    spec: Mapping[str, Any] | None, window: Window | None, claims: pd.DataFrame
) -> dict[int, str]:
    """Beneficiary -> reason: listed equipment claims (not inpatient) on enough distinct dates."""
    if spec is None or window is None or claims.empty or not spec["hcpcs"]:
        return {}
    rows = claims[claims["hcpcs"].isin(set(spec["hcpcs"]))]
    rows = _in(rows[~rows["claim_type"].isin(INPATIENT_TYPES)], window)
    found: dict[int, str] = {}
    for bene, mine in rows.groupby("bene_id", sort=False):
        dates = mine["thru_date"].nunique()
        if dates >= int(spec["min_service_dates"]):
            listed = ", ".join(sorted(set(mine["hcpcs"])))
            found[int(cast(int, bene))] = (
                f"(d) {spec['label']}: {dates} claims on different dates with HCPCS {listed}, "
                f"{window.label()}."
            )
    return found


def _criterion_e_days(
    spec: Mapping[str, Any] | None, window: Window | None, claims: pd.DataFrame
) -> dict[int, tuple[int, int]]:
    """Beneficiary -> (SNF days, home health days) the Part A claims span inside the window."""
    if spec is None or window is None or claims.empty:
        return {}
    part_a = claims[
        (claims["source"] == "A") & claims["claim_type"].isin(SNF_TYPES | HOME_HEALTH_TYPES)
    ]
    ends = pd.to_datetime(part_a["thru_date"])
    starts = pd.to_datetime(part_a["from_date"])
    part_a = part_a[(ends >= pd.Timestamp(window.start)) & (starts <= pd.Timestamp(window.end))]
    days: dict[int, tuple[int, int]] = {}
    for bene, mine in part_a.groupby("bene_id", sort=False):
        snf = _covered_days(mine[mine["claim_type"].isin(SNF_TYPES)], window)
        home = _covered_days(mine[mine["claim_type"].isin(HOME_HEALTH_TYPES)], window)
        days[int(cast(int, bene))] = (snf, home)
    return days


def _criterion_e(
    result: Eligibility, spec: Mapping[str, Any], window: Window, snf: int, home: int
) -> None:
    parts = []
    if snf >= int(spec["snf_min_days"]):
        parts.append(f"{snf} days in a skilled nursing facility (at least {spec['snf_min_days']})")
    if home >= int(spec["hh_min_days"]):
        parts.append(f"{home} days of home health (at least {spec['hh_min_days']})")
    if parts:
        result.met.append("e")
        result.reasons.append(f"(e) {spec['label']}: {' and '.join(parts)}, {window.label()}.")
