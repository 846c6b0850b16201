"""Worklist items generated from claims: discharges home without a follow-up visit within 7
days, discharges to a skilled nursing facility, and emergency department visits. Each returns one row
per triggering event, keyed by `source_key` so that regenerating the worklist never duplicates
an item.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from care.engine import columns as c
from care.engine.value_sets import value_sets

CONTACT_WITHIN = timedelta(days=2)
OUTPUT_COLUMNS = [c.BENEFICIARY_ID, c.KIND, c.SOURCE_KEY, c.DUE_DATE, c.DETAIL]


# Patient discharge status codes (CCLF1 BENE_PTNT_STUS_CD; the values are the NUBC UB-04
# form locator 17 codes the CCLF packet refers to at ResDAC). 81-95 are the same destinations
# with a planned acute care readmission.
EXPIRED = frozenset({"20", "40", "41", "42"})
STILL_A_PATIENT = frozenset({"30"})
TO_SNF = frozenset({"03", "61", "83", "89"})  # skilled nursing facility, swing bed
TO_HOSPICE = frozenset({"50", "51"})
# Transferred to another inpatient setting (short-term, federal or critical access hospital,
# rehabilitation, long-term care or psychiatric hospital, intermediate care, nursing facility,
# another institution, law enforcement): the stay goes on elsewhere, no community follow-up yet.
TRANSFERRED = frozenset(
    {"02", "04", "05", "21", "43", "62", "63", "64", "65", "66", "69", "70"}
    | {"82", "84", "85", "87", "88", "90", "91", "92", "93", "94", "95"}
)
LEFT_AGAINST_ADVICE = frozenset({"07"})
# Home or self care, home health: a discharge to the community, where transitional care
# management (CPT 99495/99496) applies. A blank status is treated the same and said so.
TO_COMMUNITY = frozenset({"01", "06", "81", "86", ""})
# Claim frequency code (third digit of the type of bill, CCLF1 CLM_BILL_FREQ_CD; NUBC): 2 interim
# first claim and 3 interim continuing claim are bills for a stay still going on, not discharges.
INTERIM_FREQUENCIES = frozenset({"2", "3"})

SNF_CONTACT_WITHIN = timedelta(days=2)


def discharge_kind(*, status: str, bill_type: str) -> str:
    """What a hospital claim's discharge calls for: "interim" (not a discharge), "expired",
    "hospice", "snf", "transfer", "community" (a 7-day follow-up) or "unknown" (a status code
    not in the NUBC list: treated as a community discharge, and said so)."""
    status = (status or "").strip()
    frequency = (bill_type or "")[2:3]
    if frequency in INTERIM_FREQUENCIES or status in STILL_A_PATIENT:
        return "interim"
    if status in EXPIRED:
        return "expired"
    if status in TO_HOSPICE:
        return "hospice"
    if status in TO_SNF:
        return "snf"
    if status in TRANSFERRED:
        return "transfer"
    if status in TO_COMMUNITY or status in LEFT_AGAINST_ADVICE:
        return "community"
    return "unknown"


def _with_status(stays: pd.DataFrame) -> pd.DataFrame:
    if c.DISCHARGE_STATUS not in stays:
        stays = stays.assign(**{c.DISCHARGE_STATUS: ""})
    if c.BILL_TYPE not in stays:
        stays = stays.assign(**{c.BILL_TYPE: ""})
    return stays.assign(
        _kind=[
            discharge_kind(status=str(s or ""), bill_type=str(b or ""))
            for s, b in zip(stays[c.DISCHARGE_STATUS], stays[c.BILL_TYPE], strict=True)
        ]
    )


def discharges_without_follow_up(
    *, stays: pd.DataFrame, procedures: pd.DataFrame, as_of: date, lookback_days: int = 30
) -> pd.DataFrame:
    """Inpatient discharges to the community in the last `lookback_days` with no follow-up visit
    within the window.

    Inputs: `stays` [beneficiary_id, claim_id, admission_date, discharge_date, and optionally
    discharge_status (patient discharge status code) and bill_type (type of bill)];
    `procedures` [beneficiary_id, service_date, code]. Only discharges home, to home health, or
    against medical advice (`discharge_kind` "community") raise an item: no follow-up for a
    patient who died, went to hospice, a SNF (`snf_admissions`) or another hospital, and an
    interim bill is not a discharge. A discharge still inside its window is returned too (the
    visit is still to be arranged). The item is due two days after discharge: transitional care
    management (CPT 99495/99496) asks for an interactive contact within two business days of
    discharge (counted here as calendar days, which is never later). Follow-up codes and the
    7-day window: `value_sets.json` "follow_up_visit".
    """
    spec = value_sets()["follow_up_visit"]
    window = timedelta(days=int(spec["window_days"]))
    recent = _recent(_with_status(stays), as_of, lookback_days)
    recent = recent[recent["_kind"].isin(["community", "unknown"])]
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
    rows = []
    for row in open_stays.to_dict("records"):
        discharged = pd.Timestamp(row[c.DISCHARGE_DATE]).date()
        status = str(row[c.DISCHARGE_STATUS] or "").strip()
        how = {
            "07": "; left against medical advice",
            "06": "; discharged to home health care",
            "86": "; discharged to home health care",
            "": "; the claim carries no discharge status",
        }.get(status, "")
        if row["_kind"] == "unknown":
            how = f"; discharge status {status} is not a NUBC code, treated as a discharge home"
        rows.append(
            {
                c.BENEFICIARY_ID: row[c.BENEFICIARY_ID],
                c.KIND: "discharge_follow_up",
                c.SOURCE_KEY: f"discharge:{row[c.CLAIM_ID]}",
                c.DUE_DATE: discharged + CONTACT_WITHIN,
                c.DETAIL: (
                    f"Discharged {discharged:%Y-%m-%d}{how}; no follow-up visit on claims "
                    f"within {window.days} days (visit due by {discharged + window:%Y-%m-%d})"
                ),
            }
        )
    return pd.DataFrame(rows, columns=OUTPUT_COLUMNS)


def snf_admissions(*, stays: pd.DataFrame, as_of: date, lookback_days: int = 30) -> pd.DataFrame:
    """Hospital discharges to a skilled nursing facility (or a swing bed) in the last
    `lookback_days`: one "SNF admission" item each (not a 7-day follow-up: the patient is in a
    facility), due two days after the discharge, to reach the facility about the stay and its
    discharge plan. Same inputs as `discharges_without_follow_up`."""
    recent = _recent(_with_status(stays), as_of, lookback_days)
    recent = recent[recent["_kind"] == "snf"]
    rows = []
    for row in recent.to_dict("records"):
        discharged = pd.Timestamp(row[c.DISCHARGE_DATE]).date()
        rows.append(
            {
                c.BENEFICIARY_ID: row[c.BENEFICIARY_ID],
                c.KIND: "snf_admission",
                c.SOURCE_KEY: f"snf:{row[c.CLAIM_ID]}",
                c.DUE_DATE: discharged + SNF_CONTACT_WITHIN,
                c.DETAIL: (
                    f"Discharged from hospital to a skilled nursing facility on "
                    f"{discharged:%Y-%m-%d} (discharge status {row[c.DISCHARGE_STATUS]})"
                ),
            }
        )
    return pd.DataFrame(rows, columns=OUTPUT_COLUMNS)


def _recent(stays: pd.DataFrame, as_of: date, lookback_days: int) -> pd.DataFrame:
    as_of_ts = pd.Timestamp(as_of)
    discharged = pd.to_datetime(stays[c.DISCHARGE_DATE])
    return stays[
        (discharged <= as_of_ts) & (discharged >= as_of_ts - timedelta(days=lookback_days))
    ]


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
