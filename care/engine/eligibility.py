"""Who may be the subject of generated care work, and when a wellness visit is due.

No care gap and no generated task for a beneficiary who is deceased, in hospice, or not in the
entity's population on the as-of date (`excluded`). A beneficiary in hospice has elected the
hospice benefit for the terminal illness (42 CFR 418.24), so the hospice, not the entity's
coordinators, manages that care.

The annual wellness visit (AWV) follows 42 CFR 410.15: a beneficiary is eligible once no longer
within 12 months after the effective date of the first Part B coverage period (those 12 months
are the initial preventive physical examination's period, 42 CFR 410.16) and without an IPPE or
AWV in the past 12 months, which the Medicare Claims Processing Manual (Pub. 100-04, chapter 18,
section 140) counts as "at least 11 full months have passed following the month in which the
last AWV was performed" (`awv_eligible_from`).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from care.engine import columns as c
from care.engine.reasons import DECEASED, HOSPICE, NOT_IN_POPULATION

HOSPICE_CLAIM_TYPE = "50"  # CLM_TYPE_CD 50: hospice claim (CCLF1)
STILL_A_PATIENT = "30"  # Patient discharge status 30: still a patient (NUBC UB-04 FL 17)
# A hospice bills at least monthly (Medicare Claims Processing Manual, chapter 11, section 30.3):
# a "still a patient" hospice claim that ended within this many days before the as-of date means
# the person is still in hospice.
HOSPICE_CLAIM_RECENT_DAYS = 31


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months, clamped to the month's last day (31 Jan + 1 = 28/29
    Feb)."""
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(f"no such date {year}-{month}")  # pragma: no cover - 28 always exists


def awv_eligible_from(*, last_visit: date | None, part_b_start: date | None) -> date | None:
    """The first day a beneficiary is eligible for an AWV (42 CFR 410.15).

    - Within the first 12 months of Part B coverage the beneficiary is in the IPPE period, so
      the earliest date is the Part B effective date plus 12 months.
    - After an IPPE or AWV in month M, 11 full months must pass after M: eligible from the first
      day of month M + 12 (a visit on 15 March 2025 makes one eligible from 1 March 2026).

    Returns the later of the two (None when neither is known: eligible at any time).
    """
    candidates: list[date] = []
    if part_b_start is not None:
        candidates.append(add_months(part_b_start, 12))
    if last_visit is not None:
        candidates.append(add_months(last_visit.replace(day=1), 12))
    return max(candidates) if candidates else None


def in_hospice(
    *,
    hospice_start: date | None,
    hospice_end: date | None,
    hospice_claims: list[tuple[date, str]],
    as_of: date,
) -> bool:
    """In hospice on `as_of`: the beneficiary file's hospice range (CCLF8 BENE_RNG_BGN_DT /
    BENE_RNG_END_DT) covers it, or the latest hospice claim (CLM_TYPE_CD 50) is a "still a
    patient" bill (status 30) ending within HOSPICE_CLAIM_RECENT_DAYS before it.
    `hospice_claims` is [(thru date, patient discharge status)]."""
    if (
        hospice_start is not None
        and hospice_start <= as_of
        and (hospice_end is None or hospice_end >= as_of)
    ):
        return True
    past = [(thru, status) for thru, status in hospice_claims if thru <= as_of]
    if not past:
        return False
    thru, status = max(past)
    return status == STILL_A_PATIENT and thru >= as_of - timedelta(days=HOSPICE_CLAIM_RECENT_DAYS)


def excluded(
    *,
    beneficiaries: pd.DataFrame,
    hospice_claims: pd.DataFrame,
    population: set[Any] | None,
    as_of: date,
) -> dict[Any, str]:
    """Beneficiary id -> reason (DECEASED, HOSPICE, NOT_IN_POPULATION) for everyone who gets no
    care gap or generated task on `as_of`.

    Inputs: `beneficiaries` [beneficiary_id, death_date, hospice_start, hospice_end];
    `hospice_claims` [beneficiary_id, discharge_date (claim thru date), discharge_status];
    `population`: the ids of the population of record (None: everyone is in it).
    """
    claims_of: dict[Any, list[tuple[date, str]]] = {}
    for row in hospice_claims.to_dict("records"):
        thru = _day(row[c.DISCHARGE_DATE])
        if thru is not None:
            claims_of.setdefault(row[c.BENEFICIARY_ID], []).append(
                (thru, str(row[c.DISCHARGE_STATUS] or "").strip())
            )
    reasons: dict[Any, str] = {}
    for row in beneficiaries.to_dict("records"):
        bid = row[c.BENEFICIARY_ID]
        # Any date of death on the beneficiary file, also one after the claims' date: the
        # file comes with the claims, which run one to three months behind it, and nobody is
        # to be called about a person CMS says has died.
        if _day(row.get(c.DEATH_DATE)) is not None:
            reasons[bid] = DECEASED
        elif in_hospice(
            hospice_start=_day(row.get(c.HOSPICE_START)),
            hospice_end=_day(row.get(c.HOSPICE_END)),
            hospice_claims=claims_of.get(bid, []),
            as_of=as_of,
        ):
            reasons[bid] = HOSPICE
        elif population is not None and bid not in population:
            reasons[bid] = NOT_IN_POPULATION
    return reasons


def _day(value: Any) -> date | None:
    """A date from a date, a timestamp or a string; None for a missing value (None, NaT, NaN)."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return pd.Timestamp(value).date()
