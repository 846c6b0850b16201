"""What a measure computation returns: the rate, its interval, the cases behind it, the path."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

# Columns of `MeasureResult.cases`: one row per denominator unit (an index stay, an acute event,
# a beneficiary), whatever the measure.
CASE_COLUMNS = [
    "beneficiary_id",
    "unit",  # "stay" | "event" | "beneficiary"
    "category",  # TFU condition category, "" elsewhere
    "event_claim_id",  # the index stay / acute event claim ("" for a beneficiary)
    "event_start",
    "event_end",
    "event_dx",
    "outcome",  # 1/0 (ACR, HWR, TFU); admissions (UAMCC, 484); days at home (DAH)
    "exposure",  # 1 (proportions); days at risk (UAMCC, 484); days alive and aligned (DAH)
    "outcome_claim_id",  # the readmission / follow-up visit claim ("" if none)
    "outcome_date",
    "outcome_dx",
    "window_end",
    "window_complete",  # False: the outcome window runs past the claims date (left out of the rate)
    "tin",  # the beneficiary's aligned TIN / NPI, when the population carries them
    "npi",
    "facility_ccn",
    "facility_npi",
]


def beneficiary_case(
    bene: Any, person: Any, *, category: str, outcome: int, exposure: int
) -> dict[str, Any]:
    """A case row whose unit is the beneficiary (UAMCC, 484, DAH): the person's time in the
    population, the outcome counted over it and the days of exposure."""
    return {
        "beneficiary_id": bene,
        "unit": "beneficiary",
        "category": category,
        "event_claim_id": "",
        "event_start": person["start"],
        "event_end": person["end"],
        "event_dx": "",
        "outcome": outcome,
        "exposure": exposure,
        "outcome_claim_id": "",
        "outcome_date": pd.NaT,
        "outcome_dx": "",
        "window_end": person["end"],
        "window_complete": True,
        "tin": person["tin"],
        "npi": person["npi"],
        "facility_ccn": "",
        "facility_npi": "",
    }


# Columns of `MeasureResult.events`: the numerator events of the rate measures (UAMCC, 484: the
# admissions, counted or not, with the reason) and the days away from home (DAH).
EVENT_COLUMNS = [
    "beneficiary_id",
    "claim_id",
    "kind",
    "start",
    "end",
    "principal_dx",
    "counted",
    "reason",
    "facility_ccn",
    "facility_npi",
]


@dataclass(frozen=True)
class MeasureResult:
    code: str  # "ACR", "UAMCC", "TFU", "DAH", "479", "484"
    title: str
    performance_year: int
    basis: str  # "observed": computed by this engine from the entity's claims; never CMS's figure
    unit: str  # "percent" | "per_100_person_years" | "days_per_person_year"
    lower_is_better: bool
    numerator: float
    denominator: float
    rate: float | None
    lower: float | None
    upper: float | None
    cases: pd.DataFrame
    events: pd.DataFrame
    exclusions: dict[str, int]
    quarters: list[dict[str, object]]
    specification: str
    partial_value_sets: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Cases whose outcome window runs past the claims date: left out of the rate until it closes.
    open_cases: int = 0
    window: str = ""  # the specification's outcome window, cited ("" for the year-long measures)


def empty_cases() -> pd.DataFrame:
    return pd.DataFrame(columns=CASE_COLUMNS)


def empty_events() -> pd.DataFrame:
    return pd.DataFrame(columns=EVENT_COLUMNS)


def quarter_of(day: pd.Timestamp) -> str:
    return f"Q{(day.month - 1) // 3 + 1}"
