"""Medications from Part D prescription drug events (CCLF7): the care refresh summarises every
person's fills as of its date (`care.engine.medications`) onto their care profile, and the
beneficiary page reads that summary (one indexed row, not the entity's CCLF7 file)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from care.engine.medications import ADHERENT_PDC, DrugInfo, Fill, Medication, medication_list
from core import codes


def _fills(frame: pd.DataFrame, as_of: date) -> dict[int, list[Fill]]:
    """Fills on or before `as_of` by beneficiary id (columns converted once, not per row)."""
    out: dict[int, list[Fill]] = defaultdict(list)
    if frame.empty:
        return out
    filled = pd.to_datetime(frame["fill_date"])
    ndc = frame["ndc"].fillna("").astype(str).str.strip()
    keep = filled.notna() & (ndc != "") & (filled <= pd.Timestamp(as_of))
    supply = pd.to_numeric(frame["days_supply"], errors="coerce").fillna(0).astype(int)
    for bid, code, day, days in zip(
        frame["beneficiary_id"][keep].astype(int).tolist(),
        ndc[keep].tolist(),
        filled[keep].dt.date.tolist(),
        supply[keep].tolist(),
        strict=True,
    ):
        out[bid].append(Fill(ndc=code, fill_date=day, days_supply=days))
    return out


def _as_json(m: Medication) -> dict[str, Any]:
    a = m.adherence
    day = lambda d: d.isoformat() if d else None  # noqa: E731 - a one-line formatter
    return {
        "ndc": m.ndc,
        "drug_class": m.drug_class,
        "last_fill": day(m.last_fill),
        "days_supply": m.days_supply,
        "fills": m.fills,
        "adherence": None
        if a is None
        else {
            "fills": a.fills,
            "treatment_start": day(a.treatment_start),
            "treatment_days": a.treatment_days,
            "covered_days": a.covered_days,
            "pdc": None if a.pdc is None else str(a.pdc),
            "supply_through": day(a.supply_through),
        },
    }


def medications_by_beneficiary(
    *, part_d: pd.DataFrame, as_of: date, deaths: dict[int, date | None]
) -> dict[int, list[dict[str, Any]]]:
    """Per beneficiary id, their drugs as of `as_of` (JSON-ready, for the care profile), from
    final-action Part D events (`claims.selectors.final_action_part_d`, withheld people already
    left out by the caller)."""
    known = codes.part_d_drugs()
    drugs = {
        ndc: DrugInfo(name=r["name"], drug_class=r["drug_class"], ingredient=r["ingredient"])
        for ndc, r in known.items()
    }
    return {
        bid: [
            _as_json(m)
            for m in medication_list(fills, drugs=drugs, as_of=as_of, death=deaths.get(bid))
        ]
        for bid, fills in _fills(part_d, as_of).items()
    }


def medication_panel(*, profile: Any) -> dict[str, Any]:
    """The beneficiary page's medication rows from the care profile's summary: drug name and
    NDC, last fill, days' supply, fills, and the class's proportion of days covered, gap days
    and days out of supply as of the profile's date."""
    as_of = profile.as_of if profile is not None else None
    rows = []
    for m in (profile.medications if profile is not None else None) or []:
        a = m.get("adherence")
        pdc = Decimal(a["pdc"]) if a and a.get("pdc") is not None else None
        through = date.fromisoformat(a["supply_through"]) if a and a["supply_through"] else None
        drug = codes.part_d_drugs().get(m["ndc"], {})
        rows.append(
            {
                "name": drug.get("name", ""),
                "ndc": codes.ndc_dashed(m["ndc"]),
                "drug_class": m["drug_class"],
                "last_fill": date.fromisoformat(m["last_fill"]),
                "days_supply": m["days_supply"],
                "fills": m["fills"],
                "chronic": a is not None,
                "year_fills": a["fills"] if a else 0,
                "pdc": pdc,
                "pdc_percent": None if pdc is None else round(pdc * 100),
                "adherent": None if pdc is None else pdc >= ADHERENT_PDC,
                "gap_days": (a["treatment_days"] - a["covered_days"]) if a else 0,
                "treatment_start": date.fromisoformat(a["treatment_start"])
                if a and a["treatment_start"]
                else None,
                "supply_through": through,
                "without_supply": (as_of - through).days
                if through and as_of and as_of > through
                else 0,
            }
        )
    return {"rows": rows, "as_of": as_of, "year": as_of.year if as_of else None}
