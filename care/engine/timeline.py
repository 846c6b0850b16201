"""Claims timeline events: one per final-action claim, classified as inpatient, SNF, ED visit,
office visit and so on, with its codes and paid amount."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from care.engine.value_sets import value_sets

# CLM_TYPE_CD values (claims.selectors.final_action_claims docstring; CCLF IP).
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
GENERIC = ("Professional", "DME")
# The input columns `claim_events` reads.
EVENT_COLUMNS = [
    "beneficiary_id", "claim_id", "source", "claim_type_cd", "from_date", "thru_date",
    "hcpcs_cd", "principal_dx", "paid_amount",
]  # fmt: skip


def _kind(row: Mapping[Hashable, Any], ed_codes: set[str], awv_codes: set[str]) -> str:
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


def claim_events(claims: pd.DataFrame, *, since: date) -> list[dict[str, Any]]:
    """One event per claim with a through date on or after `since`.

    Input: final-action claims with columns beneficiary_id, claim_id, source, claim_type_cd,
    from_date, thru_date, hcpcs_cd, principal_dx, paid_amount (Decimal or None)
    (`claims.selectors.final_action_claims`). Output dicts: beneficiary_id, claim_id, kind,
    from_date, thru_date, codes (list), dx, paid (Decimal). A professional claim takes the most
    telling kind among its lines (an ED or office visit over "Professional").
    """
    sets = value_sets()
    ed_codes = set(sets["ed_visit"]["procedure_codes"])
    awv_codes = set(sets["awv"]["procedure_codes"])
    events: dict[tuple[Any, str], dict[str, Any]] = {}
    if claims.empty:
        return []
    recent = claims[pd.to_datetime(claims["thru_date"]) >= pd.Timestamp(since)]
    # Only the columns an event takes: turning every column of every row into Python objects
    # cost most of the refresh's timeline.
    recent = recent[[col for col in EVENT_COLUMNS if col in recent.columns]]
    for row in recent.to_dict("records"):
        kind = _kind(row, ed_codes, awv_codes)
        key = (row["beneficiary_id"], str(row["claim_id"]))
        event = events.setdefault(
            key,
            {
                "beneficiary_id": row["beneficiary_id"],
                "claim_id": str(row["claim_id"]),
                "kind": kind,
                "from_date": pd.Timestamp(row["from_date"]).date(),
                "thru_date": pd.Timestamp(row["thru_date"]).date(),
                "codes": [],
                "dx": row.get("principal_dx") or "",
                "paid": Decimal("0.00"),
            },
        )
        if event["kind"] in GENERIC and kind not in GENERIC:
            event["kind"] = kind
        code = row.get("hcpcs_cd")
        if code and code not in event["codes"]:
            event["codes"].append(code)
        if row.get("paid_amount") is not None:
            event["paid"] += row["paid_amount"]
    return list(events.values())
