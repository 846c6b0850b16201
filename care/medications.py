"""The medication panel of a beneficiary page: Part D prescription drug events (CCLF7) read for
one person, named from the platform's drug table and summarised by `care.engine.medications`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd

from care.engine.medications import DrugInfo, Fill, medication_list
from claims.selectors import beneficiary_part_d
from core import codes


def beneficiary_medications(*, entity: Any, beneficiary: Any, as_of: date | None) -> dict[str, Any]:
    """The person's drugs with their last fill, and per chronic class the refill gaps and the
    proportion of days covered this year, as of `as_of` (the page's claims date; without one,
    the person's latest fill). The caller has already checked that CMS shares this person's
    claims (`claims.selectors.withheld_beneficiaries`)."""
    frame = beneficiary_part_d(entity=entity, beneficiary_id=beneficiary.pk)
    fills = []
    for ndc, filled, supply, quantity, prescriber in frame[
        ["ndc", "fill_date", "days_supply", "quantity", "prescriber_id"]
    ].itertuples(index=False):
        if pd.isna(filled) or not str(ndc or "").strip():
            continue
        fills.append(
            Fill(
                ndc=str(ndc).strip(),
                fill_date=pd.Timestamp(filled).date(),
                days_supply=0 if pd.isna(supply) else int(supply),
                quantity=None if pd.isna(quantity) else Decimal(str(quantity)),
                prescriber=str(prescriber or "").strip(),
            )
        )
    if not fills:
        return {"rows": [], "as_of": as_of, "fills": 0}
    day = as_of or max(f.fill_date for f in fills)
    known = codes.part_d_drugs()
    drugs = {ndc: DrugInfo(name=r["name"], drug_class=r["drug_class"]) for ndc, r in known.items()}
    meds = medication_list(fills, drugs=drugs, as_of=day, death=beneficiary.death_date)
    rows = []
    for m in meds:
        a = m.adherence
        rows.append(
            {
                "med": m,
                "ndc": codes.ndc_dashed(m.ndc),
                "without_supply": a.days_without_supply(day) if a else 0,
                "adherence": a,
            }
        )
    return {"rows": rows, "as_of": day, "fills": len(fills), "year": day.year}
