"""The claims behind a beneficiary page: a timeline of inpatient, SNF, ED, outpatient and office
visits, and paid amounts this year against last year, from `claims.selectors.final_action_claims`
(one query)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from care.engine.value_sets import value_sets

TIMELINE_LIMIT = 40
# CLM_TYPE_CD values (claims.selectors.final_action_claims docstring).
PART_A_KINDS = {
    "60": "Inpatient",
    "61": "Inpatient",
    "20": "SNF",
    "30": "SNF",
    "40": "Outpatient",
    "10": "Home health",
    "50": "Hospice",
}
OFFICE_PREFIXES = ("9920", "9921")  # office/outpatient E/M 99202-99215 (domain.md 1.3)


def _kind(row: dict[str, Any], ed_codes: set[str], awv_codes: set[str]) -> str:
    if row["source"] == "A":
        return PART_A_KINDS.get(str(row["claim_type_cd"]), "Institutional")
    code = str(row.get("hcpcs_cd") or "")
    if code in ed_codes:
        return "ED visit"
    if code in awv_codes:
        return "Wellness visit"
    if code.startswith(OFFICE_PREFIXES):
        return "Office visit"
    return "DME" if row["source"] == "DME" else "Professional"


def beneficiary_claims_summary(*, entity: Any, beneficiary: Any, today: date) -> dict[str, Any]:
    """Timeline events (newest first, one per claim) and paid totals for this and last year."""
    from claims.selectors import final_action_claims

    frame = final_action_claims(
        entity=entity, thru_from=date(today.year - 1, 1, 1), beneficiary_ids=[beneficiary.pk]
    )
    sets = value_sets()
    ed_codes = set(sets["ed_visit"]["procedure_codes"])
    awv_codes = set(sets["awv"]["procedure_codes"])
    claims: dict[str, dict[str, Any]] = {}
    paid = {today.year: Decimal("0.00"), today.year - 1: Decimal("0.00")}
    for row in frame.to_dict("records"):
        thru = row["thru_date"].date()
        if thru.year in paid and row["paid_amount"] is not None:
            paid[thru.year] += row["paid_amount"]
        kind = _kind(row, ed_codes, awv_codes)
        event = claims.setdefault(
            str(row["claim_id"]),
            {
                "from_date": row["from_date"].date(),
                "thru_date": thru,
                "kind": kind,
                "codes": [],
                "dx": row.get("principal_dx") or "",
                "paid": Decimal("0.00"),
            },
        )
        # A professional claim takes the most telling kind among its lines.
        if event["kind"] in ("Professional", "DME") and kind not in ("Professional", "DME"):
            event["kind"] = kind
        if row.get("hcpcs_cd"):
            event["codes"].append(row["hcpcs_cd"])
        if row["paid_amount"] is not None:
            event["paid"] += row["paid_amount"]
    events = sorted(claims.values(), key=lambda e: (e["thru_date"], e["from_date"]), reverse=True)
    return {
        "events": events[:TIMELINE_LIMIT],
        "event_count": len(events),
        "paid_this_year": paid[today.year],
        "paid_last_year": paid[today.year - 1],
        "this_year": today.year,
        "last_year": today.year - 1,
    }
