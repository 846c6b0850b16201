"""A person's conditions from the diagnoses on their claims, grouped by the chronic conditions
of CMS's Chronic Conditions Data Warehouse (CCW): the 30 CCW Chronic Conditions first, then the
Other Chronic or Potentially Disabling Conditions, each with its category, the codes of the
person's claims that count toward it (with descriptions, claims and the latest date) and CCW's
rule for the number and type of claims that qualify. Codes in no CCW condition follow.

The codes are CCW's algorithms' ICD-10-CM lists (core.codes.ccw_conditions). CCW flags a
condition from the claims of its reference period (one to three years ending with the data's
year, by condition); the page lists what the claims it holds show (the last two years), so a
condition listed here is a diagnosis on the claims, not CCW's flag.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from core import codes

GROUP_ORDER = ("30 CCW Chronic Conditions", "Other Chronic or Potentially Disabling Conditions")


def _by_code(claims: Iterable[Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for e in claims:
        if not e.dx:
            continue
        seen = out.setdefault(e.dx, {"code": e.dx, "claims": 0, "last": e.thru_date})
        seen["claims"] += 1
        seen["last"] = max(seen["last"], e.thru_date)
    return out


def ccw_conditions_from_claims(claims: Iterable[Any], *, since: date | None = None) -> dict:
    """{"groups": [{"label", "conditions": [{"name", "category", "qualification", "claims",
    "last", "codes": [...]}]}], "other_codes": [...], "since": since} from claim events with a
    principal diagnosis `dx` and a `thru_date`. Conditions with the most recent diagnosis first
    within each group."""
    conditions: dict[int, dict[str, Any]] = {}
    other = []
    for entry in _by_code(claims).values():
        entry = {**entry, "text": codes.icd10_display(entry["code"])}
        found = codes.ccw_conditions(entry["code"])
        if not found:
            other.append(entry)
        for cond in found:
            row = conditions.setdefault(
                cond.condition_id,
                {
                    "name": cond.name,
                    "group": cond.group,
                    "category": cond.category,
                    "qualification": cond.qualification,
                    "claims": 0,
                    "last": entry["last"],
                    "codes": [],
                },
            )
            row["codes"].append(entry)
            row["claims"] += entry["claims"]
            row["last"] = max(row["last"], entry["last"])
    groups = []
    for label in GROUP_ORDER:
        rows = [c for c in conditions.values() if c["group"] == label]
        for c in rows:
            c["codes"].sort(key=lambda x: x["last"], reverse=True)
        rows.sort(key=lambda c: (-c["last"].toordinal(), c["name"]))
        if rows:
            groups.append({"label": label, "conditions": rows})
    other.sort(key=lambda x: x["last"], reverse=True)
    return {
        "groups": groups,
        "other_codes": other,
        "since": since,
        "source": codes.CCW_SOURCE,
        "reference_period": codes.CCW_REFERENCE_PERIOD,
    }
