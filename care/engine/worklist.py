"""Worklist items generated from claims: discharges without a follow-up visit within 7 days, and
emergency department visits. Both return one row per triggering event, keyed by `source_key` so
that regenerating the worklist never duplicates an item.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from care.engine import columns as c
from care.engine.value_sets import value_sets

CONTACT_WITHIN = timedelta(days=2)
OUTPUT_COLUMNS = [c.BENEFICIARY_ID, c.KIND, c.SOURCE_KEY, c.DUE_DATE, c.DETAIL]


def discharges_without_follow_up(
    *, stays: pd.DataFrame, procedures: pd.DataFrame, as_of: date, lookback_days: int = 30
) -> pd.DataFrame:
    """Inpatient discharges in the last `lookback_days` with no follow-up visit within the window.

    Inputs: `stays` [beneficiary_id, claim_id, admission_date, discharge_date];
    `procedures` [beneficiary_id, service_date, code]. A discharge still inside its window is
    returned too (the visit is still to be arranged). The item is due two days after discharge:
    transitional care management (CPT 99495/99496) asks for an interactive contact within two
    business days of discharge (counted here as calendar days, which is never later).
    Follow-up codes and the 7-day window: `value_sets.json` "follow_up_visit".
    """
    spec = value_sets()["follow_up_visit"]
    window = timedelta(days=int(spec["window_days"]))
    as_of_ts = pd.Timestamp(as_of)
    discharged = pd.to_datetime(stays[c.DISCHARGE_DATE])
    recent = stays[
        (discharged <= as_of_ts) & (discharged >= as_of_ts - timedelta(days=lookback_days))
    ]
    if recent.empty:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    visits = procedures[procedures[c.CODE].astype(str).str.upper().isin(spec["procedure_codes"])]
    visits = visits.assign(**{c.SERVICE_DATE: pd.to_datetime(visits[c.SERVICE_DATE])})
    merged = recent.assign(**{c.DISCHARGE_DATE: pd.to_datetime(recent[c.DISCHARGE_DATE])}).merge(
        visits[[c.BENEFICIARY_ID, c.SERVICE_DATE]], on=c.BENEFICIARY_ID, how="left"
    )
    followed = merged[
        (merged[c.SERVICE_DATE] >= merged[c.DISCHARGE_DATE])
        & (merged[c.SERVICE_DATE] <= merged[c.DISCHARGE_DATE] + window)
    ][c.CLAIM_ID]
    open_stays = recent[~recent[c.CLAIM_ID].isin(set(followed))]
    rows = [
        {
            c.BENEFICIARY_ID: row[c.BENEFICIARY_ID],
            c.KIND: "discharge_follow_up",
            c.SOURCE_KEY: f"discharge:{row[c.CLAIM_ID]}",
            c.DUE_DATE: (pd.Timestamp(row[c.DISCHARGE_DATE]) + CONTACT_WITHIN).date(),
            c.DETAIL: (
                f"Discharged {pd.Timestamp(row[c.DISCHARGE_DATE]).date():%Y-%m-%d}; no follow-up "
                f"visit on claims within {window.days} days (visit due by "
                f"{(pd.Timestamp(row[c.DISCHARGE_DATE]) + window).date():%Y-%m-%d})"
            ),
        }
        for row in open_stays.to_dict("records")
    ]
    return pd.DataFrame(rows, columns=OUTPUT_COLUMNS)


def ed_visits(*, visits: pd.DataFrame, as_of: date, lookback_days: int = 30) -> pd.DataFrame:
    """ED visits in the last `lookback_days`: one item per visit, due 3 days after it (a call
    back soon after the visit).

    Input: `visits` [beneficiary_id, claim_id, service_date] (already selected as ED claims by
    revenue center 045x/0981 or CPT 99281-99285, `value_sets.json` "ed_visit").
    """
    as_of_ts = pd.Timestamp(as_of)
    dates = pd.to_datetime(visits[c.SERVICE_DATE])
    recent = visits[(dates <= as_of_ts) & (dates >= as_of_ts - timedelta(days=lookback_days))]
    rows = [
        {
            c.BENEFICIARY_ID: row[c.BENEFICIARY_ID],
            c.KIND: "ed_visit",
            c.SOURCE_KEY: f"ed:{row[c.CLAIM_ID]}",
            c.DUE_DATE: (pd.Timestamp(row[c.SERVICE_DATE]) + timedelta(days=3)).date(),
            c.DETAIL: f"Emergency department visit on {pd.Timestamp(row[c.SERVICE_DATE]).date():%Y-%m-%d}",
        }
        for row in recent.to_dict("records")
    ]
    return pd.DataFrame(rows, columns=OUTPUT_COLUMNS)
