"""Timely Follow-Up After Acute Exacerbations of Chronic Conditions (TFU), ACO REACH Standard and
New Entrant ACOs. Specification: CBE #3455 (CMS / Yale CORE, 2024 submission) and the ACO REACH
Model PY2023 Quality Measurement Methodology (RTI, 2023):

- denominator: acute events (ED visits, observation stays, inpatient stays) of adult aligned
  beneficiaries whose principal diagnosis is an exacerbation of one of six chronic conditions in
  eight categories (CAD high/low acuity, hypertension high/medium acuity, heart failure, diabetes,
  asthma, COPD);
- numerator: events followed by an outpatient visit within the category's window after the
  event ends (the window is counted from the day after discharge);
- the measure is not risk-adjusted: the observed rate is the measure's own form.

Rules of this implementation that the public text does not settle (each is a reading, named on
the measure page): an ED visit or observation stay followed by an inpatient admission the same or
next day is part of that stay (not an event of its own); events whose window runs past the end of
the year, of the beneficiary's alignment, or into death or hospice are not counted.
"""

from __future__ import annotations

import pandas as pd

from quality.engine.population import age_on, normalised, records
from quality.engine.readmission import proportion_result
from quality.engine.result import CASE_COLUMNS, MeasureResult
from quality.engine.stays import (
    chain_transfers,
    ed_and_observation,
    hospice_starts,
    inpatient_stays,
)
from quality.engine.valuesets import code_set, normalise, starts_with_any

MIN_AGE = 18
SPECIFICATION = (
    "Timely Follow-Up After Acute Exacerbations of Chronic Conditions, CBE #3455 (CMS / Yale "
    "CORE, 2024); ACO REACH Model PY2023 Quality Measurement Methodology (RTI International, 2023)"
)


def category_of(dx: object) -> str:
    for key, spec in code_set("tfu_categories")["categories"].items():
        if starts_with_any(dx, spec["dx_prefixes"]):
            return str(key)
    return ""


def follow_up_window() -> str:
    """The specification's follow-up windows by condition category, as the value set holds them."""
    categories = code_set("tfu_categories")["categories"]
    each = "; ".join(
        f"{spec['label']}, {int(spec['window_days'])} days" for spec in categories.values()
    )
    return (
        "an outpatient follow-up visit within the condition category's window after the event "
        f"ends, counted from the day after discharge: {each} (Timely Follow-Up After Acute "
        "Exacerbations of Chronic Conditions, CBE #3455, CMS / Yale CORE, 2024)"
    )


def follow_up_visits(claims: pd.DataFrame, revenue: pd.DataFrame | None) -> pd.DataFrame:
    """Outpatient visits that count as follow-up: beneficiary_id, claim_id, date, npi."""
    codes = set(code_set("follow_up_visit")["hcpcs"])
    carrier = claims[(claims["source"] == "B") & claims["hcpcs_cd"].map(normalise).isin(codes)]
    frames = [
        pd.DataFrame(
            {
                "beneficiary_id": carrier["beneficiary_id"].astype(int),
                "claim_id": carrier["claim_id"].astype(str),
                "date": pd.to_datetime(carrier["line_from_date"].fillna(carrier["from_date"])),
                "npi": carrier["rendering_npi"].fillna("").astype(str),
            }
        )
    ]
    if revenue is not None and not revenue.empty:
        clinic = revenue[revenue["hcpcs_cd"].map(normalise).isin(codes)]
        frames.append(
            pd.DataFrame(
                {
                    "beneficiary_id": clinic["beneficiary_id"].astype(int),
                    "claim_id": clinic["claim_id"].astype(str),
                    "date": pd.to_datetime(clinic["service_date"].fillna(clinic["thru_date"])),
                    "npi": clinic["attending_npi"].fillna("").astype(str),
                }
            )
        )
    return pd.concat(frames, ignore_index=True).sort_values(["beneficiary_id", "date"])


def acute_events(claims: pd.DataFrame, revenue: pd.DataFrame | None) -> pd.DataFrame:
    chains = chain_transfers(inpatient_stays(claims))
    inpatient = pd.DataFrame(
        {
            "beneficiary_id": chains["beneficiary_id"].astype(int),
            "claim_id": chains["claim_id"].astype(str),
            "start": chains["admit"],
            "end": chains["discharge"],
            "principal_dx": chains["principal_dx"],
            "kind": "inpatient",
            "facility_ccn": chains["facility_ccn"],
            "facility_npi": chains["facility_npi"],
        }
    )
    outpatient = ed_and_observation(claims, revenue)
    if not outpatient.empty and not chains.empty:
        # An ED visit or observation stay that ends in an admission is part of that stay.
        merged = outpatient.merge(
            chains[["beneficiary_id", "admit"]], on="beneficiary_id", how="left"
        )
        gap = (merged["admit"] - merged["end"]).dt.days
        absorbed = set(merged.loc[(gap >= 0) & (gap <= 1), "claim_id"])
        outpatient = outpatient[~outpatient["claim_id"].isin(absorbed)]
    events = pd.concat([inpatient, outpatient], ignore_index=True)
    events["category"] = events["principal_dx"].map(category_of)
    return events[events["category"] != ""].sort_values(["beneficiary_id", "end"])


def timely_follow_up(
    *,
    year: int,
    population: pd.DataFrame,
    claims: pd.DataFrame,
    revenue: pd.DataFrame | None = None,
    as_of: pd.Timestamp | None = None,
) -> MeasureResult:
    """The TFU rate (percent of acute events followed up in time), over the events whose
    follow-up window is over by `as_of` (the claims data date; None: all)."""
    people = {int(r["beneficiary_id"]): r for r in records(normalised(population, year))}
    categories = code_set("tfu_categories")["categories"]
    hospice = hospice_starts(claims)
    visits = follow_up_visits(claims, revenue)
    visits_by = {int(str(b)): g for b, g in visits.groupby("beneficiary_id")}
    exclusions: dict[str, int] = {}
    rows: list[dict[str, object]] = []

    def excluded(reason: str) -> None:
        exclusions[reason] = exclusions.get(reason, 0) + 1

    for event in records(acute_events(claims, revenue)):
        bene = int(event["beneficiary_id"])
        if bene not in people:
            continue
        person = people[bene]
        if not person["start"] <= event["end"] <= person["end"]:
            continue
        age = age_on(person["birth_date"], event["start"])
        if age is None or age < MIN_AGE:
            excluded("under 18")
            continue
        window = int(categories[event["category"]]["window_days"])
        window_end = event["end"] + pd.Timedelta(days=window)
        if pd.notna(person["death_date"]) and person["death_date"] <= window_end:
            excluded("died within the follow-up window")
            continue
        hospice_from = hospice.get(bene)
        if hospice_from is not None and hospice_from <= window_end:
            excluded("in hospice by the end of the follow-up window")
            continue
        if window_end > person["end"]:
            excluded("follow-up window runs past the year or the alignment")
            continue
        found = visits_by.get(bene)
        hit = None
        if found is not None:
            inside = found[(found["date"] > event["end"]) & (found["date"] <= window_end)]
            hit = inside.iloc[0] if not inside.empty else None
        rows.append(
            {
                "beneficiary_id": bene,
                "unit": "event",
                "category": event["category"],
                "event_claim_id": event["claim_id"],
                "event_start": event["start"],
                "event_end": event["end"],
                "event_dx": event["principal_dx"],
                "outcome": 1 if hit is not None else 0,
                "exposure": 1,
                "outcome_claim_id": hit["claim_id"] if hit is not None else "",
                "outcome_date": hit["date"] if hit is not None else pd.NaT,
                "outcome_dx": "",
                "window_end": window_end,
                "tin": person["tin"],
                "npi": hit["npi"] if hit is not None and hit["npi"] else person["npi"],
                "facility_ccn": event["facility_ccn"],
                "facility_npi": event["facility_npi"],
            }
        )
    return proportion_result(
        code="TFU",
        title="Timely Follow-Up After Acute Exacerbations of Chronic Conditions",
        year=year,
        cases=pd.DataFrame(rows, columns=CASE_COLUMNS),
        exclusions=exclusions,
        specification=SPECIFICATION,
        lower_is_better=False,
        value_sets=("tfu_categories", "follow_up_visit", "ed_visit", "observation_stay"),
        as_of=as_of,
        window=follow_up_window(),
        notes=[
            "Not risk-adjusted by CMS: the observed rate is the measure's form.",
            "Readings where the public text is silent: an ED visit or observation stay ending in "
            "an admission belongs to that stay; events whose window passes the year's or the "
            "alignment's end, death or hospice are not counted.",
        ],
    )
