"""Network and leakage: what Medicare paid for the entity's aligned beneficiaries, in and outside
its network, by specialty, service category, provider and place, and the specialties where the
network has a provider but the money goes elsewhere (the opportunities).

"In the network" is the entity's own measure (CMS defines the lists, not leakage): a Part B line
whose rendering TIN is on the entity's list as a participant or a preferred provider (ACO REACH
Participant and Preferred Providers, REACH Participation Agreement Article II [R]); a Part A
claim whose CCN is on the list; a DME line whose supplier NPI is on the list. Money is what
Medicare paid (CLM_PMT_AMT / CLM_LINE_CVRD_PD_AMT, CCLF IP section 3.5), in integer cents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from specialists.engine import columns as c

SOURCE = "source"  # A, B, DME
CLAIM_TYPE = "claim_type"
CCN = "ccn"
POS = "pos"
PAID_CENTS = "paid_cents"

PARTICIPANT = "participant"
PREFERRED = "preferred"
OUTSIDE = ""

# CLM_TYPE_CD (CCLF IP, Appendix: claim type codes) -> service category.
CATEGORIES = {
    "60": "Inpatient hospital",
    "61": "Inpatient hospital",
    "20": "Skilled nursing facility",
    "30": "Skilled nursing facility",
    "10": "Home health",
    "50": "Hospice",
    "40": "Hospital outpatient",
    "71": "Professional (Part B)",
    "72": "Professional (Part B)",
    "81": "Durable medical equipment",
    "82": "Durable medical equipment",
}
OTHER_CATEGORY = "Other"


@dataclass(frozen=True)
class Network:
    """The entity's list on the report's date."""

    tins: Mapping[str, str]  # TIN -> participant or preferred
    ccns: frozenset[str] = frozenset()
    npis: frozenset[str] = frozenset()
    # CMS specialty code -> the list's clinicians of that specialty: (TIN, NPI, role)
    specialists: Mapping[str, tuple[tuple[str, str, str], ...]] = field(default_factory=dict)


def classify(lines: pd.DataFrame, network: Network) -> pd.DataFrame:
    """`lines` with `role` (participant, preferred or "" outside), `category`, `provider` (TIN
    for Part B, CCN for Part A, NPI for DME) and `place` (POS for Part B/DME; the category for
    Part A) added.

    Input columns: bene_id, source, claim_type, tin, npi, ccn, specialty, pos, paid_cents."""
    out = lines.copy()
    source = out[SOURCE]
    tin_role = out[c.TIN].map(lambda t: network.tins.get(t, OUTSIDE))
    ccn_in = out[CCN].isin(network.ccns)
    npi_in = out[c.NPI].isin(network.npis)
    out["role"] = tin_role.where(
        source == "B",
        pd.Series(PARTICIPANT, index=out.index).where(
            ((source == "A") & ccn_in) | ((source == "DME") & npi_in), OUTSIDE
        ),
    )
    out["category"] = out[CLAIM_TYPE].map(CATEGORIES).fillna(OTHER_CATEGORY)
    out["provider"] = out[c.TIN].where(source == "B", out[CCN].where(source == "A", out[c.NPI]))
    out["place"] = out[POS].where(source != "A", out["category"])
    out.loc[source != "B", c.SPECIALTY] = ""
    return out


def _by(frame: pd.DataFrame, key: str, top: int | None = None) -> list[dict[str, Any]]:
    """Per value of `key`: total and outside-network paid cents, share outside, beneficiaries."""
    if frame.empty:
        return []
    outside = frame[PAID_CENTS].where(frame["role"] == OUTSIDE, 0)
    grouped = (
        frame.assign(_outside=outside)
        .groupby(key, sort=False)
        .agg(
            total=(PAID_CENTS, "sum"),
            outside=("_outside", "sum"),
            beneficiaries=(c.BENE_ID, "nunique"),
        )
        .reset_index()
        .sort_values(["outside", "total", key], ascending=[False, False, True])
    )
    rows = [
        {
            "key": str(r[key]),
            "total_cents": int(r["total"]),
            "outside_cents": int(r["outside"]),
            "beneficiaries": int(r["beneficiaries"]),
        }
        for r in grouped.to_dict("records")
    ]
    return rows[:top] if top else rows


def _outside_beneficiaries(frame: pd.DataFrame, key: str) -> dict[str, int]:
    out = frame[frame["role"] == OUTSIDE]
    return {str(k): int(v) for k, v in out.groupby(key)[c.BENE_ID].nunique().items()}


def leakage(lines: pd.DataFrame, network: Network, *, top: int = 15) -> dict[str, Any]:
    """The leakage report of `lines` (see `classify` for the columns), as JSON-able data:

    totals (total_cents, outside_cents, by_role), by_specialty, by_category, by_place,
    by_provider (outside providers only, largest first, `top` of them), and opportunities:
    every specialty with paid cents outside the network and at least one clinician of that
    specialty on the list, largest outside spending first, with the list's clinicians of it."""
    frame = classify(lines, network)
    total = int(frame[PAID_CENTS].sum()) if not frame.empty else 0
    by_role = (
        {str(k): int(v) for k, v in frame.groupby("role")[PAID_CENTS].sum().items()}
        if not frame.empty
        else {}
    )
    part_b = frame[frame[SOURCE] == "B"]
    by_specialty = _by(part_b, c.SPECIALTY)
    outside = frame[frame["role"] == OUTSIDE]
    opportunities = []
    for row in by_specialty:
        clinicians = network.specialists.get(row["key"], ())
        if row["outside_cents"] > 0 and clinicians:
            outside_tins = _by(
                outside[outside[c.SPECIALTY] == row["key"]].assign(role=OUTSIDE), "provider", 3
            )
            opportunities.append(
                {
                    **row,
                    "network": [
                        {"tin": t, "npi": n, "role": role} for t, n, role in clinicians[:5]
                    ],
                    "preferred_available": any(r == PREFERRED for _, _, r in clinicians),
                    "outside_providers": outside_tins,
                    "outside_beneficiaries": _outside_beneficiaries(
                        part_b[part_b[c.SPECIALTY] == row["key"]], c.SPECIALTY
                    ).get(row["key"], 0),
                }
            )
    return {
        "total_cents": total,
        "outside_cents": by_role.get(OUTSIDE, 0),
        "by_role": by_role,
        "beneficiaries": int(frame[c.BENE_ID].nunique()) if not frame.empty else 0,
        "by_specialty": by_specialty,
        "by_category": _by(frame, "category"),
        "by_place": _by(frame, "place"),
        "by_provider": _by(outside, "provider", top),
        "opportunities": opportunities,
    }
