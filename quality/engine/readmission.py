"""30-day all-cause unplanned readmission: ACO REACH ACR and MSSP Quality ID 479 (HWR).

Specifications: ACO REACH Model PY2023 Quality Measurement Methodology (RTI, 2023) section on the
Risk-Standardized All-Condition Readmission measure; MIPS Quality ID 479 "Hospital-Wide, 30-Day,
All-Cause Unplanned Readmission (HWR) Rate for MIPS Groups" (CBE #3495, CY2025 specification).
Both re-specify the hospital-wide measure (NQF #1789) for an accountable population:

- cohort: acute-care hospital stays of beneficiaries aged 65 or over, discharged alive, not against
  medical advice, not transferred to another acute hospital (the transfer chain's last discharge
  is the index), excluding stays primarily for psychiatric disease, rehabilitation/fitting of
  devices, and medical treatment of cancer;
- outcome: an unplanned inpatient admission to an acute care hospital 1-30 days after the index
  discharge; planned admissions are identified by the Planned Readmission Algorithm v4.0, and when
  the first readmission is planned no readmission is counted;
- window: index discharges from 1 January to 1 December so the 30 days fall in the year.

CMS risk-standardizes the rate with hierarchical models over five specialty cohorts whose
provider-level effects are estimated on the national population; that model cannot be re-estimated
from one entity's claims, so this engine reports the OBSERVED rate. It is not CMS's figure.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from quality.engine.intervals import wilson
from quality.engine.population import (
    age_on,
    normalised,
    records,
    records_by,  # noqa: I001
)
from quality.engine.result import CASE_COLUMNS, MeasureResult, empty_events, quarter_of
from quality.engine.stays import (
    AGAINST_ADVICE,
    DIED,
    TRANSFER_ACUTE,
    chain_transfers,
    inpatient_stays,
    is_planned,
    procedures_by_claim,
)
from quality.engine.valuesets import code_set, partial_sets, starts_with_any

WINDOW_DAYS = 30
MIN_AGE = 65

# The outcome window each specification sets, as the measure pages cite it.
WINDOWS = {
    "ACR": (
        "an unplanned readmission 1 to 30 days after the index discharge (ACO REACH Model PY2023 "
        "Quality Measurement Methodology, All-Condition Readmission measure)"
    ),
    "479": (
        "an unplanned readmission 1 to 30 days after the index discharge (MIPS Quality ID 479, "
        "CY2025 measure specification)"
    ),
}

SPECIFICATIONS = {
    "ACR": (
        "Risk-Standardized All-Condition Readmission",
        "ACO REACH Model PY2023 Quality Measurement Methodology (CMS Innovation Center / RTI "
        "International, 2023), All-Condition Readmission measure",
    ),
    "479": (
        "Hospital-Wide, 30-Day, All-Cause Unplanned Readmission (HWR) Rate",
        "MIPS Quality ID 479 (CBE #3495), CY2025 measure specification; 42 CFR 425.512(a)",
    ),
}

_VALUE_SETS = (
    "acute_hospital_ccn",
    "planned_always_dx",
    "planned_always_px",
    "planned_potential_px",
    "acute_dx",
    "index_exclusion_psychiatric",
    "index_exclusion_rehabilitation",
    "index_exclusion_cancer_treatment",
)


def _exclusion(chain: dict[str, Any], birth: Any) -> str:
    age = age_on(birth, chain["admit"])
    if age is None or age < MIN_AGE:
        return "under 65 at admission"
    status = chain["discharge_status"]
    if status in DIED:
        return "died in hospital"
    if status in AGAINST_ADVICE:
        return "left against medical advice"
    if status in TRANSFER_ACUTE:
        # The receiving hospital's stay would have continued the chain: it is not in the data.
        return "transferred to another acute care hospital"
    dx = chain["principal_dx"]
    if starts_with_any(dx, code_set("index_exclusion_psychiatric")["dx_prefixes"]):
        return "admitted primarily for psychiatric disease"
    if starts_with_any(dx, code_set("index_exclusion_rehabilitation")["dx_prefixes"]):
        return "rehabilitation or fitting of devices"
    if starts_with_any(dx, code_set("index_exclusion_cancer_treatment")["dx_prefixes"]):
        return "medical treatment of cancer"
    return ""


def readmission_rate(
    *,
    code: str,
    year: int,
    population: pd.DataFrame,
    claims: pd.DataFrame,
    procedures: pd.DataFrame | None = None,
    as_of: pd.Timestamp | None = None,
) -> MeasureResult:
    """The observed 30-day unplanned readmission rate (percent of index stays), ACR or 479, over
    the index stays whose 30 days are over by `as_of` (the claims data date; None: all)."""
    title, spec = SPECIFICATIONS[code]
    people = {int(r["beneficiary_id"]): r for r in records(normalised(population, year))}
    chains = chain_transfers(inpatient_stays(claims))
    px = procedures_by_claim(procedures)
    index_last = pd.Timestamp(date(year, 12, 1))
    exclusions: dict[str, int] = {}
    rows: list[dict[str, object]] = []
    chain_rows = records_by(chains)
    for bene_key, group in chains.groupby("beneficiary_id"):
        bene = int(str(bene_key))
        if bene not in people:
            continue
        person = people[bene]
        for chain in chain_rows[bene]:
            discharge = chain["discharge"]
            if not (person["start"] <= discharge <= min(person["end"], index_last)):
                continue
            reason = _exclusion(chain, person["birth_date"])
            if reason:
                exclusions[reason] = exclusions.get(reason, 0) + 1
                continue
            later = group[
                (group["admit"] > discharge) & ((group["admit"] - discharge).dt.days <= WINDOW_DAYS)
            ]
            outcome, outcome_claim, outcome_date, outcome_dx = 0, "", pd.NaT, ""
            if not later.empty:
                first = later.iloc[0]
                planned = is_planned(first["first_dx"], px.get(first["first_claim_id"], []))
                if not planned:
                    outcome = 1
                    outcome_claim = first["first_claim_id"]
                    outcome_date = first["admit"]
                    outcome_dx = first["first_dx"]
                else:
                    exclusions["first readmission planned (not counted)"] = (
                        exclusions.get("first readmission planned (not counted)", 0) + 1
                    )
            rows.append(
                {
                    "beneficiary_id": bene,
                    "unit": "stay",
                    "category": "",
                    "event_claim_id": chain["claim_id"],
                    "event_start": chain["admit"],
                    "event_end": discharge,
                    "event_dx": chain["principal_dx"],
                    "outcome": outcome,
                    "exposure": 1,
                    "outcome_claim_id": outcome_claim,
                    "outcome_date": outcome_date,
                    "outcome_dx": outcome_dx,
                    "window_end": discharge + pd.Timedelta(days=WINDOW_DAYS),
                    "tin": person["tin"],
                    "npi": person["npi"],
                    "facility_ccn": chain["facility_ccn"],
                    "facility_npi": chain["facility_npi"],
                }
            )
    cases = pd.DataFrame(rows, columns=CASE_COLUMNS)
    return proportion_result(
        code=code,
        title=title,
        year=year,
        cases=cases,
        exclusions=exclusions,
        specification=spec,
        lower_is_better=True,
        value_sets=_VALUE_SETS,
        as_of=as_of,
        window=WINDOWS[code],
        notes=[
            "Observed rate: CMS's risk-standardization (hierarchical models over five specialty "
            "cohorts) is not reproduced.",
        ],
    )


def proportion_result(
    *,
    code: str,
    title: str,
    year: int,
    cases: pd.DataFrame,
    exclusions: dict[str, int],
    specification: str,
    lower_is_better: bool,
    value_sets: tuple[str, ...],
    notes: list[str],
    events: pd.DataFrame | None = None,
    as_of: pd.Timestamp | None = None,
    window: str = "",
) -> MeasureResult:
    """A proportion measure's result: outcome / cases, in percent, with the Wilson interval and the
    trend by quarter of the event's end.

    Only the cases whose outcome window is complete by `as_of` (window_end on or before the
    claims data date) are counted: CMS computes these measures after the claims run-out, when
    every window is over, so a case whose window is still open would count as "no outcome" only
    because its outcome is not in the claims yet. Those cases keep `window_complete` False and are
    counted in `open_cases`; with `as_of` None, or claims covering every window, all count."""
    cases = cases.copy()
    if cases.empty:
        cases["window_complete"] = pd.Series(dtype=bool)
    elif as_of is None:
        cases["window_complete"] = True
    else:
        cases["window_complete"] = pd.to_datetime(cases["window_end"]) <= pd.Timestamp(as_of)
    counted = cases[cases["window_complete"].astype(bool)]
    numerator = int(counted["outcome"].sum()) if not counted.empty else 0
    denominator = len(counted)
    interval = wilson(numerator, denominator)
    quarters: list[dict[str, object]] = []
    if not counted.empty:
        labels = counted["event_end"].map(quarter_of)
        for label in sorted(labels.unique()):
            part = counted[labels == label]
            n, d = int(part["outcome"].sum()), len(part)
            quarters.append(
                {"quarter": label, "numerator": n, "denominator": d, "rate": 100 * n / d}
            )
    return MeasureResult(
        code=code,
        title=title,
        performance_year=year,
        basis="observed",
        unit="percent",
        lower_is_better=lower_is_better,
        numerator=numerator,
        denominator=denominator,
        rate=100 * numerator / denominator if denominator else None,
        lower=100 * interval[0] if interval else None,
        upper=100 * interval[1] if interval else None,
        cases=cases,
        events=events if events is not None else empty_events(),
        exclusions=exclusions,
        quarters=quarters,
        specification=specification,
        partial_value_sets=partial_sets(value_sets),
        notes=notes,
        open_cases=len(cases) - denominator,
        window=window,
    )
