"""Unplanned admissions for patients with multiple chronic conditions: ACO REACH UAMCC and MSSP
Quality ID 484.

Specifications: ACO REACH Model PY2023 Quality Measurement Methodology (RTI, 2023), UAMCC; the
REACH 2023 Quality Performance Report (note 4: the diabetes cohort uses the two-year lookback);
MIPS Quality ID 484 "Clinician and Clinician Group Risk-standardized Hospital Admission Rates for
Patients with Multiple Chronic Conditions" (CBE #3597, CY2025 specification):

- cohort: beneficiaries aged 65 or over with two or more of nine chronic conditions, identified
  from claims before the year (one inpatient claim or two outpatient/carrier claims on different
  dates); excluded if in hospice before the year starts;
- outcome: acute, unplanned admissions (Planned Readmission Algorithm v4.0) during the year, per
  100 person-years at risk;
- time at risk: days aligned and alive in the year, less days in a hospital or SNF and the 10 days
  after discharge from one (admissions in those days are not counted), ending at hospice entry.

CMS's rate is risk-standardized (age, conditions, frailty and social risk, with a negative
binomial model estimated on the national population); this engine reports the OBSERVED rate.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from quality.engine.intervals import poisson_count
from quality.engine.population import (
    age_on,
    day_index,
    normalised,
    records,
    records_by,
    year_bounds,
)
from quality.engine.result import CASE_COLUMNS, EVENT_COLUMNS, MeasureResult, beneficiary_case
from quality.engine.stays import (
    INPATIENT,
    OUTPATIENT,
    chain_transfers,
    facility_intervals,
    hospice_starts,
    inpatient_stays,
    is_planned,
    procedures_by_claim,
)
from quality.engine.valuesets import code_set, partial_sets

MIN_AGE = 65
MIN_CONDITIONS = 2
POST_DISCHARGE_DAYS = 10
DAYS_PER_PERSON_YEAR = 365.25

SPECIFICATIONS = {
    "UAMCC": (
        "All-Cause Unplanned Admissions for Patients with Multiple Chronic Conditions",
        "ACO REACH Model PY2023 Quality Measurement Methodology (CMS Innovation Center / RTI "
        "International, 2023), UAMCC measure",
    ),
    "484": (
        "Risk-Standardized Hospital Admission Rates for Patients with Multiple Chronic Conditions",
        "MIPS Quality ID 484 (CBE #3597), CY2025 measure specification; 42 CFR 425.512(a)",
    ),
}


def chronic_conditions(diagnoses: pd.DataFrame, year: int) -> dict[int, set[str]]:
    """Each beneficiary's conditions among the nine, from diagnoses before the year: one inpatient
    claim, or two outpatient/carrier claims on different dates, within the condition's lookback."""
    conditions = code_set("mcc_conditions")["conditions"]
    found: dict[int, set[str]] = {}
    if diagnoses.empty:
        return found
    frame = diagnoses.copy()
    frame["thru_date"] = pd.to_datetime(frame["thru_date"])
    frame["inpatient"] = (frame["source"] == "A") & frame["claim_type_cd"].isin(INPATIENT)
    frame["ambulatory"] = (frame["source"] == "B") | (
        (frame["source"] == "A") & frame["claim_type_cd"].isin(OUTPATIENT)
    )
    year_start = pd.Timestamp(date(year, 1, 1))
    # Codes as the lists hold them (valuesets.normalise), once for every condition: a vectorised
    # prefix test, not a Python call per diagnosis and condition.
    frame["code"] = (
        frame["dx_code"].fillna("").astype(str).str.strip().str.upper().str.replace(".", "")
    )
    for key, spec in conditions.items():
        since = pd.Timestamp(date(year - int(spec["lookback_years"]), 1, 1))
        window = frame[(frame["thru_date"] >= since) & (frame["thru_date"] < year_start)]
        prefixes = tuple(spec["dx_prefixes"])
        hits = window[(window["code"] != "") & window["code"].str.startswith(prefixes)]
        inpatient = set(hits.loc[hits["inpatient"], "beneficiary_id"].astype(int))
        dates = hits[hits["ambulatory"]].groupby("beneficiary_id")["thru_date"].nunique()
        ambulatory = {int(str(b)) for b, n in dates.items() if n >= 2}
        for bene in inpatient | ambulatory:
            found.setdefault(bene, set()).add(key)
    return found


def admission_rate(
    *,
    code: str,
    year: int,
    population: pd.DataFrame,
    claims: pd.DataFrame,
    diagnoses: pd.DataFrame,
    procedures: pd.DataFrame | None = None,
) -> MeasureResult:
    """The observed unplanned admission rate per 100 person-years, UAMCC or 484."""
    title, spec = SPECIFICATIONS[code]
    first, last = year_bounds(year)
    days = day_index(last, first) + 1
    people = normalised(population, year)
    conditions = chronic_conditions(diagnoses, year)
    hospice = hospice_starts(claims)
    stays = facility_intervals(claims)
    chains = chain_transfers(inpatient_stays(claims))
    px = procedures_by_claim(procedures)
    stays_by = records_by(stays)
    chains_by = records_by(chains.sort_values("admit", kind="stable"))
    exclusions: dict[str, int] = {}
    cases: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    quarter_exposure = np.zeros(4)
    quarter_count = np.zeros(4)
    quarter_of_day = np.array([(first + pd.Timedelta(days=d)).quarter - 1 for d in range(days)])

    def excluded(reason: str) -> None:
        exclusions[reason] = exclusions.get(reason, 0) + 1

    for person in records(people):
        bene = int(person["beneficiary_id"])
        age = age_on(person["birth_date"], first)
        if age is None or age < MIN_AGE:
            excluded("under 65 at the start of the year")
            continue
        held = conditions.get(bene, set())
        if len(held) < MIN_CONDITIONS:
            excluded("fewer than two of the nine chronic conditions")
            continue
        hospice_from = hospice.get(bene)
        if hospice_from is not None and hospice_from < first:
            excluded("in hospice before the year")
            continue
        at_risk = np.zeros(days, dtype=bool)
        at_risk[day_index(person["start"], first) : day_index(person["end"], first) + 1] = True
        if hospice_from is not None and hospice_from <= last:
            at_risk[day_index(hospice_from, first) :] = False
        blocked = np.zeros(days, dtype=bool)
        for stay in stays_by.get(bene, []):
            lo = max(day_index(stay["start"], first), 0)
            hi = min(day_index(stay["end"], first) + POST_DISCHARGE_DAYS, days - 1)
            if hi >= 0 and lo < days:
                blocked[lo : hi + 1] = True
        # An admission is at risk if its first day is not inside an EARLIER stay or its 10 days.
        earlier_block = np.zeros(days, dtype=bool)
        admissions = 0
        for chain in chains_by.get(bene, []):
            day = day_index(chain["admit"], first)
            if not 0 <= day < days:
                continue
            planned = is_planned(chain["first_dx"], px.get(chain["first_claim_id"], []))
            if not at_risk[day]:
                counted, reason = False, "outside the time at risk"
            elif earlier_block[day]:
                counted, reason = False, "within 10 days of a hospital or SNF discharge"
            elif planned:
                counted, reason = False, "planned admission"
            else:
                counted, reason = True, ""
            if counted:
                admissions += 1
                quarter_count[quarter_of_day[day]] += 1
            events.append(
                {
                    "beneficiary_id": bene,
                    "claim_id": chain["first_claim_id"],
                    "kind": "admission",
                    "start": chain["admit"],
                    "end": chain["discharge"],
                    "principal_dx": chain["first_dx"],
                    "counted": counted,
                    "reason": reason,
                    "facility_ccn": chain["facility_ccn"],
                    "facility_npi": chain["facility_npi"],
                }
            )
            hi = min(day_index(chain["discharge"], first) + POST_DISCHARGE_DAYS, days - 1)
            earlier_block[max(day, 0) : hi + 1] = True
        exposure = at_risk & ~blocked
        for q in range(4):
            quarter_exposure[q] += exposure[quarter_of_day == q].sum()
        cases.append(
            beneficiary_case(
                bene,
                person,
                category=", ".join(sorted(held)),
                outcome=admissions,
                exposure=int(exposure.sum()),
            )
        )
    case_frame = pd.DataFrame(cases, columns=CASE_COLUMNS)
    numerator = int(case_frame["outcome"].sum()) if cases else 0
    person_days = float(case_frame["exposure"].sum()) if cases else 0.0
    person_years = person_days / DAYS_PER_PERSON_YEAR
    rate: float | None = None
    lower: float | None = None
    upper: float | None = None
    if person_years > 0:
        rate = 100 * numerator / person_years
        count_low, count_high = poisson_count(numerator)
        lower, upper = 100 * count_low / person_years, 100 * count_high / person_years
    quarters = [
        {
            "quarter": f"Q{q + 1}",
            "numerator": int(quarter_count[q]),
            "denominator": round(float(quarter_exposure[q]) / DAYS_PER_PERSON_YEAR, 2),
            "rate": 100 * quarter_count[q] / (quarter_exposure[q] / DAYS_PER_PERSON_YEAR),
        }
        for q in range(4)
        if quarter_exposure[q] > 0
    ]
    return MeasureResult(
        code=code,
        title=title,
        performance_year=year,
        basis="observed",
        unit="per_100_person_years",
        lower_is_better=True,
        numerator=numerator,
        denominator=round(person_years, 2),
        rate=rate,
        lower=lower,
        upper=upper,
        cases=case_frame,
        events=pd.DataFrame(events, columns=EVENT_COLUMNS),
        exclusions=exclusions,
        quarters=quarters,
        specification=spec,
        partial_value_sets=partial_sets(
            ("mcc_conditions", "planned_always_dx", "planned_always_px", "planned_potential_px")
        ),
        notes=[
            "Observed rate: CMS's risk-standardization (age, conditions, frailty and social risk "
            "estimated on the national population) is not reproduced.",
        ],
    )
