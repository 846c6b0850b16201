"""What the coordinator's pages read from the other apps (alignment, risk, benchmarks,
settlement), shaped for the templates. Nothing here makes up a number: a section with no data
behind it yet (no run, no score, no benchmark) comes back as None and the page says so.
"""

from __future__ import annotations

import calendar
from decimal import Decimal
from functools import cache
from typing import Any

import pandas as pd

from alignment.engine.valuesets import load_hcpcs
from alignment.engine.vocabulary import reason_text
from alignment.models import AlignmentChange, AlignmentResult
from alignment.selectors import (
    alignment_current_run,
    beneficiary_alignment_changes,
    beneficiary_alignment_history,
    program_minimum_check,
    roster_of_record_current,
)
from alignment.selectors import alignment_summary as _alignment_summary
from benchmarks.engine import columns as bc
from benchmarks.models import RiskScore
from benchmarks.selectors import benchmark_for, beneficiary_risk
from benchmarks.selectors import recapture_gaps as _recapture_gaps
from claims.selectors import claim_providers
from entities.models import ParticipantOrganization, Participation, Provider, SpecialtyCode
from settlement.charts import band_chart
from settlement.selectors import settlement_run_list


def roster_of_record(*, entity: Any) -> dict[str, Any]:
    """The roster of record of the entity's current year (CMS's list, else the platform's run)
    and its program minimum check, for the overview: {"roster": ..., "minimum": ...}."""
    roster = roster_of_record_current(entity=entity)
    if roster is None:
        return {"roster": None, "minimum": None}
    return {"roster": roster, "minimum": program_minimum_check(entity=entity, roster=roster)}


def alignment_summary(*, entity: Any) -> Any:
    """Aligned now and by month, changes since the last run (alignment.selectors)."""
    return _alignment_summary(entity=entity)


HISTORY_SHOWN = 8  # runs shown on the page; the alignment app's page has them all


def alignment_history(*, beneficiary: Any) -> dict[str, Any] | None:
    """The beneficiary's result in the latest runs, newest first, each with the reason in words
    (alignment's `reason_text`) and what changed against the previous run and why (its change
    row), and the attributed provider of the latest run that aligned them, named from the
    entities registry when it lists the TIN/NPI. None when no run has included them."""
    results = list(beneficiary_alignment_history(beneficiary=beneficiary)[: HISTORY_SHOWN + 1])
    if not results:
        return None
    changes = beneficiary_alignment_changes(beneficiary=beneficiary)
    items = [
        {
            "result": r,
            "text": reason_text(r.reason, r.top_competitor),
            "change": changes.get(r.run_id),
        }
        for r in results[:HISTORY_SHOWN]
    ]
    latest = results[0]
    attributed = latest if latest.aligned else None
    return {
        "items": items,
        "more": len(results) > HISTORY_SHOWN,
        "latest": latest,
        "attributed": attributed,
        "provider": _provider_names(attributed) if attributed else {},
    }


def _provider_names(result: Any) -> dict[str, str]:
    return attributed_names(tin=result.attributed_tin, npi=result.attributed_npi)


def attributed_names(*, tin: str, npi: str) -> dict[str, str]:
    """Names of the attributed TIN and NPI from the entities registry ("" when not listed) as
    "tin" and "npi", and the codes themselves as "tin_code" and "npi_code"."""
    names = {"tin": "", "npi": "", "tin_code": tin or "", "npi_code": npi or ""}
    if tin:
        names["tin"] = (
            ParticipantOrganization.objects.filter(tin=tin)
            .values_list("legal_name", flat=True)
            .first()
            or ""
        )
    if npi:
        names["npi"] = Provider.objects.filter(npi=npi).values_list("name", flat=True).first() or ""
    return names


def risk_profile(*, user: Any, beneficiary: Any, year: int) -> dict[str, Any] | None:
    """The beneficiary's latest risk score with its HCCs and the diagnoses behind them, and the
    HCCs of last year's diagnoses not yet seen this year (benchmarks.selectors)."""
    latest = list(beneficiary_risk(user=user, beneficiary_id=beneficiary.pk)[:1])
    if not latest:
        return None
    gaps = list(
        _recapture_gaps(
            user=user, entity=beneficiary.entity, year=year, beneficiary_id=beneficiary.pk
        )
    )
    return {"score": latest[0], "recapture": gaps, "year": year}


def pmpm_summary(*, entity: Any, spending: dict[str, Any] | None) -> dict[str, Any] | None:
    """This year's spending per member per month by enrollment type (the care refresh's totals,
    `spending`) beside the benchmark's (the latest stored benchmark of the year,
    benchmarks.selectors.benchmark_for: per capita per person-year / 12). ACO REACH sets its
    benchmark for two groups (aged & disabled, ESRD), so REACH spending is grouped the same
    way. None when there is neither spending nor a benchmark for the year."""
    spending = spending or {}
    year = spending.get("year")
    if year is None:
        return None
    benchmark = benchmark_for(entity=entity, performance_year=year)
    reach = entity.program.code == "reach"
    actual: dict[str, list[Decimal]] = {}
    for row in spending.get("by_type", []):
        key = bc.REACH_GROUP_OF_TYPE.get(row["type"], row["type"]) if reach else row["type"]
        months, spent = actual.setdefault(key, [Decimal(0), Decimal(0)])
        actual[key] = [months + row["months"], spent + Decimal(row["completed"])]
    bench = {s.segment: s for s in benchmark.segments} if benchmark else {}
    order = bc.REACH_GROUPS if reach else bc.ENROLLMENT_TYPES
    rows = []
    for key in [k for k in order if k in actual or k in bench]:
        months, spent = actual.get(key, [Decimal(0), Decimal(0)])
        pmpm = spent / months if months else None
        target = bench[key].per_capita / 12 if key in bench else None
        rows.append(
            {
                "segment": key,
                "label": bc.SEGMENT_LABELS.get(key, key),
                "months": int(months),
                "pmpm": pmpm,
                "benchmark_pmpm": target,
                "difference": (pmpm - target) if pmpm is not None and target is not None else None,
                "abs_difference": abs(pmpm - target)
                if pmpm is not None and target is not None
                else None,
                "ratio": pmpm / target * 100 if pmpm is not None and target else None,
            }
        )
    if not rows and not spending.get("notes"):
        return None
    through = spending.get("through_month")
    return {
        "year": year,
        "through_month": through,
        "period": months_covered(year, through),
        "source": spending.get("source", ""),
        "notes": spending.get("notes", []),
        "completion_factors": spending.get("completion_factors", False),
        "benchmark": benchmark,
        "rows": rows,
    }


def months_covered(year: int, through: int | None) -> str:
    """The months of a year a figure reads, named: "January to November 2025", "January 2025";
    the year alone when the last month is not known."""
    if not through:
        return str(year)
    if through == 1:
        return f"January {year}"
    return f"January to {calendar.month_name[through]} {year}"


def savings_projection(*, user: Any, entity: Any) -> dict[str, Any] | None:
    """The latest projected settlement with a band (settlement.selectors), drawn by the
    settlement app's own band chart."""
    run = (
        settlement_run_list(user=user, entity=entity)
        .filter(kind="projection")
        .exclude(band={})
        .order_by("-performance_year", "-version")
        .first()
    )
    if run is None:
        return None
    months = run.band.get("months_elapsed")
    return {
        "projection": run,
        "chart": band_chart(run.band),
        "months": months_covered(run.performance_year, int(months)) if months else "",
    }


def recapture_gaps(*, user: Any, entity: Any, year: int) -> list[Any]:
    """HCCs of last year's diagnoses not yet seen this year, for the whole entity."""
    return list(_recapture_gaps(user=user, entity=entity, year=year).select_related("risk_score"))


ALIGNMENT_FRAME_COLUMNS = [
    "beneficiary_id", "aligned", "reason", "attributed_tin", "attributed_npi", "entity_allowed",
    "top_competitor", "competitor_allowed", "entity_last_service",
]  # fmt: skip


def alignment_facts(*, entity: Any) -> dict[str, Any] | None:
    """The entity's latest succeeded alignment run, its results as a frame
    (ALIGNMENT_FRAME_COLUMNS) and the ids it added against its previous run, for the care
    refresh; None before any run."""
    run = alignment_current_run(entity=entity)
    if run is None:
        return None
    results = pd.DataFrame.from_records(
        AlignmentResult.objects.filter(run=run).values_list(*ALIGNMENT_FRAME_COLUMNS),
        columns=ALIGNMENT_FRAME_COLUMNS,
    )
    added = set(
        AlignmentChange.objects.filter(run=run, kind="added").values_list(
            "beneficiary_id", flat=True
        )
    )
    return {"run": run, "results": results, "added": added}


def population_of_record(*, entity: Any) -> dict[str, Any] | None:
    """The entity's population of record for care work: the beneficiaries aligned in its latest
    succeeded alignment run ({"ids", "source", "as_of"}), or None before any run (then everyone
    on the entity's CCLF beneficiary file is in it). The one place the care app asks "who is in
    the roster": a CMS list of record, when it is the entity's roster, is read here too."""
    roster = roster_of_record_current(entity=entity)
    if roster is not None and roster.is_cms_list:
        # CMS's list is the roster of record: its members are the population (as the care
        # profile's "aligned" says), not the platform's run.
        return {
            "ids": set(roster.beneficiary_ids),
            "source": roster.label,
            "as_of": roster.as_of,
        }
    run = alignment_current_run(entity=entity)
    if run is None:
        return None
    ids = set(
        AlignmentResult.objects.filter(run=run, aligned=True).values_list(
            "beneficiary_id", flat=True
        )
    )
    return {
        "ids": ids,
        "source": f"aligned in the alignment run as of {run.as_of:%Y-%m-%d}",
        "as_of": run.as_of,
    }


def latest_risk_scores(*, entity: Any) -> Any:
    """Each beneficiary's raw score of the latest payment year scored (benchmarks), as a frame
    [beneficiary_id, raw_score]."""
    # The latest year per beneficiary is picked here, not with DISTINCT ON: the demo runs on SQLite.
    rows = RiskScore.objects.filter(entity=entity, model_family="cms_hcc").values_list(
        "beneficiary_id", "payment_year", "raw_score"
    )
    frame = pd.DataFrame.from_records(
        rows.iterator(chunk_size=20_000), columns=["beneficiary_id", "payment_year", "raw_score"]
    )
    latest = frame.sort_values(["beneficiary_id", "payment_year"]).drop_duplicates(
        "beneficiary_id", keep="last"
    )
    return latest[["beneficiary_id", "raw_score"]].reset_index(drop=True)


@cache
def primary_care_codes() -> frozenset[str]:
    """The HCPCS codes of primary care services in MSSP assignment (42 CFR 425.400(c), every
    year's list, as the alignment engine reads it): what "last primary care visit" counts."""
    return load_hcpcs("mssp_primary_care_hcpcs.csv").all_codes()


def claim_provider_labels(*, entity: Any, claim_ids: list[str]) -> dict[str, dict[str, Any]]:
    """Per claim id, its facility and clinicians in words for the claims table: "CCN 330101 ·
    Valley General Hospital" and "NPI 1234567890 · Lee, Ann (Internal medicine)". Names come
    from the entities registry (a provider's name and specialty; a CCN or TIN's organisation on
    the entity's participant list); a number the registry does not hold shows with the claim's
    specialty code in words, or alone. Keys: facility (str), clinicians (list of str)."""
    found = claim_providers(entity=entity, claim_ids=claim_ids)
    npis = {n for e in found.values() for n, _, _ in e["npis"]} | {
        e["facility_npi"] for e in found.values() if e["facility_npi"]
    }
    ccns = {e["ccn"] for e in found.values() if e["ccn"]}
    tins = {t for e in found.values() for _, _, t in e["npis"] if t}
    # Each registry table is read only when the claims name something to look up in it.
    providers = (
        {p.npi: p for p in Provider.objects.filter(npi__in=npis).select_related("specialty")}
        if npis
        else {}
    )
    spec_codes = {s for e in found.values() for _, s, _ in e["npis"] if s}
    specialties = (
        dict(SpecialtyCode.objects.filter(code__in=spec_codes).values_list("code", "description"))
        if spec_codes
        else {}
    )
    facilities = (
        dict(
            Participation.objects.filter(entity=entity, ccn__in=ccns)
            .order_by("-start_date")
            .values_list("ccn", "organization__legal_name")
        )
        if ccns
        else {}
    )
    organizations = (
        dict(ParticipantOrganization.objects.filter(tin__in=tins).values_list("tin", "legal_name"))
        if tins
        else {}
    )

    def clinician(npi: str, specialty_cd: str, tin: str) -> str:
        p = providers.get(npi)
        name = p.name if p else ""
        specialty = (
            p.specialty.description if p and p.specialty else specialties.get(specialty_cd, "")
        )
        text = f"NPI {npi}" + (f" · {name}" if name else "")
        text += f" ({specialty})" if specialty else ""
        return text + (f", {organizations[tin]}" if organizations.get(tin) else "")

    out: dict[str, dict[str, Any]] = {}
    for cid, e in found.items():
        facility = ""
        if e["ccn"]:
            facility = f"CCN {e['ccn']}" + (
                f" · {facilities[e['ccn']]}" if facilities.get(e["ccn"]) else ""
            )
        elif e["facility_npi"]:
            facility = clinician(e["facility_npi"], "", "")
        out[cid] = {
            "facility": facility,
            "clinicians": [clinician(*n) for n in e["npis"]],
        }
    return out
