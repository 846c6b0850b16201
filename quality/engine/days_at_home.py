"""Days at Home for Patients with Complex, Chronic Conditions (DAH), ACO REACH High Needs ACOs.

Specification: CBE #4555 (CMS, 2024 submission) and the ACO REACH Model PY2023 Quality Measurement
Methodology (RTI, 2023): days at home or in community settings, i.e. not in acute care
(inpatient hospital, emergency department, observation) or post-acute skilled nursing, among
aligned beneficiaries over the calendar year.

CMS risk-adjusts the measure for patient mix, adds an adjustment for the risk of death and a
nursing-home adjustment; none of their coefficients is published in a form that can be applied
here, so this engine reports the OBSERVED days at home per person-year (days at home / days alive
and aligned x 365). It is not CMS's figure.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from quality.engine.intervals import Z95
from quality.engine.population import day_index, normalised, records, records_by, year_bounds
from quality.engine.result import CASE_COLUMNS, EVENT_COLUMNS, MeasureResult, beneficiary_case
from quality.engine.stays import ed_and_observation, facility_intervals

SPECIFICATION = (
    "Days at Home for Patients with Complex, Chronic Conditions, CBE #4555 (CMS, 2024); ACO "
    "REACH Model PY2023 Quality Measurement Methodology (RTI International, 2023)"
)
DAYS_PER_YEAR = 365


def days_at_home(
    *,
    year: int,
    population: pd.DataFrame,
    claims: pd.DataFrame,
    revenue: pd.DataFrame | None = None,
) -> MeasureResult:
    first, last = year_bounds(year)
    days = day_index(last, first) + 1
    people = normalised(population, year)
    away = pd.concat(
        [
            facility_intervals(claims).assign(facility_ccn="", facility_npi="", principal_dx=""),
            ed_and_observation(claims, revenue),
        ],
        ignore_index=True,
    )
    away_by = records_by(away)
    quarter_of_day = np.array([(first + pd.Timedelta(days=d)).quarter - 1 for d in range(days)])
    home_q, alive_q = np.zeros(4), np.zeros(4)
    cases: list[dict[str, object]] = []
    events: list[dict[str, object]] = []
    for person in records(people):
        bene = int(person["beneficiary_id"])
        alive = np.zeros(days, dtype=bool)
        alive[day_index(person["start"], first) : day_index(person["end"], first) + 1] = True
        home = alive.copy()
        for stay in away_by.get(bene, []):
            lo, hi = day_index(stay["start"], first), day_index(stay["end"], first)
            if hi < 0 or lo >= days:
                continue
            home[max(lo, 0) : min(hi, days - 1) + 1] = False
            events.append(
                {
                    "beneficiary_id": bene,
                    "claim_id": stay["claim_id"],
                    "kind": stay["kind"],
                    "start": stay["start"],
                    "end": stay["end"],
                    "principal_dx": stay["principal_dx"],
                    "counted": True,
                    "reason": "",
                    "facility_ccn": stay["facility_ccn"],
                    "facility_npi": stay["facility_npi"],
                }
            )
        for q in range(4):
            home_q[q] += home[quarter_of_day == q].sum()
            alive_q[q] += alive[quarter_of_day == q].sum()
        cases.append(
            beneficiary_case(
                bene, person, category="", outcome=int(home.sum()), exposure=int(alive.sum())
            )
        )
    frame = pd.DataFrame(cases, columns=CASE_COLUMNS)
    home_days = float(frame["outcome"].sum()) if cases else 0.0
    alive_days = float(frame["exposure"].sum()) if cases else 0.0
    rate: float | None = None
    lower: float | None = None
    upper: float | None = None
    if alive_days > 0:
        ratio = home_days / alive_days
        rate = DAYS_PER_YEAR * ratio
        n = len(frame)
        if n > 1:
            # Ratio estimator: Var(R) ~ sum((h - R a)^2) / (n (n - 1) mean(a)^2).
            resid = frame["outcome"].astype(float) - ratio * frame["exposure"].astype(float)
            mean_a = alive_days / n
            se = math.sqrt(float((resid**2).sum()) / (n * (n - 1))) / mean_a
            lower = DAYS_PER_YEAR * max(0.0, ratio - Z95 * se)
            upper = DAYS_PER_YEAR * min(1.0, ratio + Z95 * se)
    quarters = [
        {
            "quarter": f"Q{q + 1}",
            "numerator": int(home_q[q]),
            "denominator": int(alive_q[q]),
            "rate": DAYS_PER_YEAR * home_q[q] / alive_q[q],
        }
        for q in range(4)
        if alive_q[q] > 0
    ]
    return MeasureResult(
        code="DAH",
        title="Days at Home for Patients with Complex, Chronic Conditions",
        performance_year=year,
        basis="observed",
        unit="days_per_person_year",
        lower_is_better=False,
        numerator=home_days,
        denominator=alive_days,
        rate=rate,
        lower=lower,
        upper=upper,
        cases=frame,
        events=pd.DataFrame(events, columns=EVENT_COLUMNS),
        exclusions={},
        quarters=quarters,
        specification=SPECIFICATION,
        partial_value_sets=[],
        notes=[
            "Observed days at home per person-year: CMS's risk adjustment, mortality adjustment "
            "and nursing-home adjustment are not reproduced.",
        ],
    )
