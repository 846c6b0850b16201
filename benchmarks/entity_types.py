"""ACO REACH entity types: the High Needs eligibility of an entity's population (read from its
claims and the platform's risk scores) and what each entity type changes (alignment minimum,
benchmark), every rule with its source or, where none was found, saying so.

Reads only; the caller has checked the user's access to the entity.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pandas as pd
from django.db.models import Q

from alignment.engine import high_needs as hn
from alignment.selectors import REACH_MINIMUM_SOURCE, roster_of_record
from benchmarks.models import RiskScore
from claims.models import PartADiagnosis, PartBPhysicianLine
from claims.selectors import final_action_claims, part_a_header_codes, shareable_claims
from entities.models import Entity
from entities.selectors import entity_year_get, program_parameters_by_year

# What the entity type changes in the benchmark, as far as a source gives it. A difference with
# no sourced rule says so: the benchmark page then asks for the input instead of guessing it.
BENCHMARK_DIFFERENCES: dict[str, list[dict[str, str]]] = {
    "high_needs": [
        {
            "rule": "The performance-year benchmark follows the High Needs methodology of the "
            "Participation Agreement, Appendix B Section III, with the CMMI-HCC concurrent risk "
            "model (diagnoses of the performance year itself).",
            "source": "ACO REACH Participation Agreement, definition of High Needs Population ACO "
            "and Appendix B [V]; ACO REACH Request for Applications (2022) section VI.F [R]",
            "status": "not_computed",
        },
        {
            "rule": "Coding intensity factor cap of 2% from PY2026 (1% before).",
            "source": "Milliman, 'ACO REACH PY2026: what is changing' (2025) [V]",
            "status": "parameter",
        },
        {
            "rule": "Risk growth cap of 8% for newly voluntarily aligned High Needs "
            "beneficiaries from PY2026.",
            "source": "Milliman, 'ACO REACH PY2026: what is changing' (2025) [V]",
            "status": "parameter",
        },
    ],
    "new_entrant": [
        {
            "rule": "New Entrant ACOs are benchmarked mainly on the regional rate book rather "
            "than the 10/30/60 historical base years; the weights were not found in a CMS text.",
            "source": "ACO REACH Request for Applications (2022) section VI.F [R]",
            "status": "not_computed",
        },
        {
            "rule": "A New Entrant ACO has fewer than 3,000 claims-aligned beneficiaries in every "
            "base year.",
            "source": "ACO REACH PY2024 Financial Operating Guide: Overview section 4.1.1 [V]",
            "status": "rule",
        },
    ],
    "standard": [
        {
            "rule": "Historical baseline of the 2017, 2018 and 2019 base years weighted "
            "10/30/60, blended with the regional rate.",
            "source": "ACO REACH PY2024 Financial Operating Guide: Overview section 4.1.1 [V]",
            "status": "computed",
        },
    ],
}
NOT_COMPUTED = "not_computed"


@dataclass
class MinimumRow:
    year: int
    minimum: int | None
    claims_aligned: int | None
    source: str
    evidence: str


@dataclass
class EntityTypeFacts:
    code: str
    name: str
    minimums: list[MinimumRow]
    buffer_pct: Decimal | None
    benchmark: list[dict[str, str]]


def entity_type_facts(*, entity: Entity, kind: Any) -> EntityTypeFacts:
    """The alignment minimums of the entity's type for every REACH year the registry holds, the
    10% buffer, and the benchmark differences with their sources."""
    from entities.models import PerformanceYear

    years = list(
        PerformanceYear.objects.filter(program=entity.program)
        .order_by("year")
        .values_list("year", flat=True)
    )
    keys = ["alignment_minimum", "claims_aligned_minimum"]
    by_track = program_parameters_by_year(program=entity.program, keys=keys, track=kind)
    buffers = program_parameters_by_year(program=entity.program, keys=["alignment_buffer"])
    rows = []
    buffer_pct = None
    for year in years:
        minimum = by_track.get((year, "alignment_minimum"))
        claims = by_track.get((year, "claims_aligned_minimum"))
        buffer = buffers.get((year, "alignment_buffer"))
        if buffer is not None and buffer.value is not None:
            buffer_pct = buffer.value
        if minimum is None and claims is None:
            continue
        rows.append(
            MinimumRow(
                year=year,
                minimum=int(minimum.value) if minimum and minimum.value is not None else None,
                claims_aligned=int(claims.value) if claims and claims.value is not None else None,
                source=REACH_MINIMUM_SOURCE
                + "; CMS 'ACO REACH Model PY2024 Model Update - Quick Reference' (August 2023)",
                evidence=minimum.evidence if minimum else "",
            )
        )
    return EntityTypeFacts(
        code=kind.code,
        name=kind.name,
        minimums=rows,
        buffer_pct=buffer_pct,
        benchmark=BENCHMARK_DIFFERENCES.get(kind.code, []),
    )


@dataclass
class HighNeedsReport:
    entity: Entity
    performance_year: int
    check_date: dt.date
    roster_label: str
    roster_as_of: dt.date | None
    claims_through: dt.date | None
    windows: dict[str, hn.Window]
    criteria: dict[str, Any]
    results: list[hn.Eligibility] = field(default_factory=list)
    risk_through: dt.date | None = None

    @property
    def eligible_count(self) -> int:
        return sum(1 for r in self.results if r.eligible)

    def count_by_criterion(self) -> dict[str, int]:
        counts = dict.fromkeys(self.windows, 0)
        for result in self.results:
            for code in result.met:
                counts[code] += 1
        return counts


def _risk(entity: Entity, ids: list[int], year: int) -> tuple[dict[int, hn.Risk], dt.date | None]:
    """Each beneficiary's latest score of a payment year up to `year`, and the latest diagnoses
    through date of the scores read."""
    scores = (
        RiskScore.objects.filter(entity=entity, beneficiary_id__in=ids, payment_year__lte=year)
        .order_by("beneficiary_id", "-payment_year")
        .prefetch_related("components")
    )
    risk: dict[int, hn.Risk] = {}
    through: dt.date | None = None
    for score in scores:
        if score.beneficiary_id in risk:
            continue
        through = max(through or score.diagnoses_through, score.diagnoses_through)
        models = {c.model: c.raw_score for c in score.components.all()} or {
            "blended score": score.raw_score
        }
        risk[score.beneficiary_id] = hn.Risk(
            family=score.model_family, scores=models, payment_year=score.payment_year
        )
    return risk, through


def _listed_diagnoses(
    entity: Entity, spec: dict[str, Any], window: hn.Window | None, claims: pd.DataFrame
) -> pd.DataFrame:
    """The diagnoses of criterion (a)'s list (CCLF4 codes of Part A claims, CCLF5 header codes of
    Part B claims) in its window, kept only on the final-action claims of `claims` (which also
    give the beneficiary and the claim type). Read by code rather than every diagnosis of the
    entity, which is the slow part of a year's diagnoses."""
    columns = ["beneficiary_id", "claim_id", "claim_type_cd", "thru_date", "dx_code"]
    prefixes = [str(p).replace(".", "").upper() for p in spec["dx_prefixes"]]
    if window is None or not prefixes or claims.empty:
        return pd.DataFrame(columns=columns)
    dates = {"clm_thru_dt__gte": window.start, "clm_thru_dt__lte": window.end}
    part_a = Q()
    for prefix in prefixes:
        part_a |= Q(clm_dgns_cd__startswith=prefix)
    found: list[tuple[str, Any, str]] = [
        (str(cid), thru, code)
        for cid, thru, code in PartADiagnosis.objects.filter(part_a, entity=entity, **dates)
        .values_list("cur_clm_uniq_id", "clm_thru_dt", "clm_dgns_cd")
        .iterator()
    ]
    fields = [f"clm_dgns_{i}_cd" for i in range(1, 13)]
    part_b = Q()
    for field_name in fields:
        for prefix in prefixes:
            part_b |= Q(**{f"{field_name}__startswith": prefix})
    for cid, thru, *codes in (
        PartBPhysicianLine.objects.filter(part_b, entity=entity, **dates)
        .values_list("cur_clm_uniq_id", "clm_thru_dt", *fields)
        .iterator()
    ):
        found += [(str(cid), thru, code) for code in codes if code.startswith(tuple(prefixes))]
    # Final-action claim id -> (beneficiary, claim type).
    final = {
        str(cid): (int(bene), str(kind))
        for cid, bene, kind in zip(
            claims["claim_id"], claims["beneficiary_id"], claims["claim_type_cd"], strict=True
        )
    }
    rows = [
        (*final[cid][:1], cid, final[cid][1], thru, code)
        for cid, thru, code in dict.fromkeys(found)
        if cid in final
    ]
    return pd.DataFrame(rows, columns=columns)


def _text(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame.get(column, pd.Series(dtype=str)).fillna("").astype(str).str.strip()


def high_needs_report(
    *, entity: Entity, performance_year: int, check_date: dt.date | None = None
) -> HighNeedsReport:
    """The criteria of the entity's roster of record for the year at a check date (January 1 of
    the year unless given), each beneficiary with the criteria met and why."""
    check = check_date or dt.date(performance_year, 1, 1)
    return high_needs_reports(
        entity=entity, performance_year=performance_year, check_dates=[check]
    )[0]


def criteria_windows(spec: dict[str, Any], check: dt.date) -> dict[str, hn.Window]:
    """The lookback window of each criterion in force at a check date."""
    active = {c: s for c, s in spec["by_code"].items() if s["first_year"] <= check.year}
    return {code: hn.lookback(check, int(s["lookback_months"])) for code, s in active.items()}


def high_needs_reports(
    *, entity: Entity, performance_year: int, check_dates: list[dt.date]
) -> list[HighNeedsReport]:
    """`high_needs_report` at each of `check_dates`, from one read of the claims (those of every
    check date's lookbacks) and of the risk scores."""
    spec = hn.load_criteria()
    roster = roster_of_record(entity=entity, performance_year=performance_year)
    population = [bene for bene, _tin in roster.members]
    reports = [
        HighNeedsReport(
            entity=entity,
            performance_year=performance_year,
            check_date=check,
            roster_label=roster.label,
            roster_as_of=roster.as_of,
            claims_through=None,
            windows=criteria_windows(spec, check),
            criteria=spec,
        )
        for check in check_dates
    ]
    if not population or not reports:
        return reports
    every = [w for report in reports for w in report.windows.values()]
    first = min(w.start for w in every)
    last = max(w.end for w in every)
    raw = final_action_claims(
        entity=entity, thru_from=first, thru_to=last, beneficiary_ids=population
    )
    (raw,) = shareable_claims([raw], entity=entity)
    windows_a = [r.windows["a"] for r in reports if "a" in r.windows]
    window_a = (
        hn.Window(min(w.start for w in windows_a), max(w.end for w in windows_a))
        if windows_a
        else None
    )
    dx = _listed_diagnoses(entity, spec["by_code"]["a"], window_a, raw)
    part_a = raw[_text(raw, "source") == "A"] if not raw.empty else raw
    admissions = part_a_header_codes(
        entity=entity, claim_ids=_text(part_a, "claim_id").tolist(), field="clm_admsn_type_cd"
    )
    claim_ids = _text(raw, "claim_id")
    claims = pd.DataFrame(
        {
            "bene_id": raw.get("beneficiary_id", pd.Series(dtype="int64")).astype("int64"),
            "claim_id": claim_ids,
            "source": _text(raw, "source"),
            "claim_type": _text(raw, "claim_type_cd"),
            "from_date": pd.to_datetime(raw.get("line_from_date", pd.Series(dtype="object"))),
            "thru_date": pd.to_datetime(raw.get("line_thru_date", pd.Series(dtype="object"))),
            "hcpcs": _text(raw, "hcpcs_cd"),
            "admission_type": claim_ids.map(lambda cid: admissions.get(cid, "")),
        }
    )
    diagnoses = pd.DataFrame(
        {
            "bene_id": dx.get("beneficiary_id", pd.Series(dtype="int64")).astype("int64"),
            "claim_id": _text(dx, "claim_id"),
            "claim_type": _text(dx, "claim_type_cd"),
            "thru_date": pd.to_datetime(dx.get("thru_date", pd.Series(dtype="object"))),
            "dx_code": _text(dx, "dx_code"),
        }
    )
    risk, risk_through = _risk(entity, population, performance_year)
    claim_thru = pd.to_datetime(raw.get("thru_date", pd.Series(dtype="object")))
    for report in reports:
        # The claims this check date's lookbacks read: the latest through date among them.
        end = max(w.end for w in report.windows.values())
        start = min(w.start for w in report.windows.values())
        read = claim_thru[(claim_thru >= pd.Timestamp(start)) & (claim_thru <= pd.Timestamp(end))]
        report.claims_through = read.max().date() if not read.empty else None
        report.risk_through = risk_through
        report.results = hn.evaluate(
            population=population,
            claims=claims,
            diagnoses=diagnoses,
            risk=risk,
            check_date=report.check_date,
            criteria=spec,
        )
    return reports


def reach_entity_type(*, entity: Entity, performance_year: int) -> Any:
    """The REACH entity type (a Track of category entity_type) of the year, or None."""
    year = entity_year_get(entity=entity, performance_year=performance_year)
    return year.entity_type if year is not None else None
