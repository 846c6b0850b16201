"""The eligibility screen of domain.md 1.1 (criteria A-D), as far as enrollment data can tell.

Criterion E (a primary care service from an ACO professional) and F (plurality) are the
pre-step and the steps themselves (mssp.py). Beneficiaries who die stay eligible: months after
the month of death are simply not looked at (1.1 "Other eligibility rules", 10.10).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from alignment.engine import columns as c
from alignment.engine.lines import BeneIndex, day_of, to_days
from alignment.engine.vocabulary import Reason
from alignment.engine.windows import EligibilityWindow, add_months

_NO_MONTH = np.iinfo(np.int32).max


def _month_index(days: npt.NDArray[np.int32]) -> npt.NDArray[np.int32]:
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months.astype(np.int32)


def _window_months(window: EligibilityWindow) -> tuple[int, int]:
    lo = np.datetime64(window.window.start, "M").astype(np.int64)
    hi = np.datetime64(window.window.end, "M").astype(np.int64)
    return int(lo), int(hi)


def _bool(frame: pd.DataFrame, column: str) -> npt.NDArray[np.bool_]:
    if column not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    return frame[column].fillna(False).to_numpy(dtype=bool)


def screen(
    beneficiaries: pd.DataFrame,
    enrollment: pd.DataFrame,
    *,
    bene_index: BeneIndex,
    windows: Sequence[EligibilityWindow],
) -> npt.NDArray[np.object_]:
    """The first failed criterion per beneficiary (a Reason value), or None when eligible.

    beneficiaries: BENE_ID, DEATH_DATE (optional), OTHER_INITIATIVE (optional).
    enrollment: BENE_ID, MONTH, PART_A, PART_B, GROUP_HEALTH_PLAN, OUTSIDE_US; one row per
    beneficiary and month, a missing month meaning "not enrolled" (neither A nor B).
    Implements domain.md 1.1 Table A-D (SLAAM 2025 Section 2.1 [V]):
      A: >= 1 month with both Part A and B (when the window requires it), and no month with
         only Part A or only Part B;
      B: no month in a group health plan (MA, cost plan, PACE);
      C: not aligned to another shared-savings initiative (a beneficiary-level flag);
      D: residence in the US in the last month of the window, read from the last enrolled month
         in the window on or before the month of death.
    Checks run window by window in order; the first failure is reported.
    """
    n = len(bene_index)
    reasons = np.full(n, None, dtype=object)
    death_month = np.full(n, _NO_MONTH, dtype=np.int32)
    bcodes = bene_index.codes(beneficiaries[c.BENE_ID])
    if c.DEATH_DATE in beneficiaries.columns:
        dd = to_days(beneficiaries[c.DEATH_DATE])
        dead = dd != np.iinfo(np.int32).min
        death_month[bcodes[dead]] = _month_index(dd[dead])
    other = np.zeros(n, dtype=bool)
    other[bcodes] = _bool(beneficiaries, c.OTHER_INITIATIVE)

    eb = bene_index.codes(enrollment[c.BENE_ID])
    known = eb >= 0
    eb = eb[known]
    month = _month_index(to_days(enrollment[c.MONTH])[known])
    a = _bool(enrollment, c.PART_A)[known]
    b = _bool(enrollment, c.PART_B)[known]
    ghp = _bool(enrollment, c.GROUP_HEALTH_PLAN)[known]
    outside = _bool(enrollment, c.OUTSIDE_US)[known]
    alive = month <= death_month[eb]

    # One row per beneficiary and month: sort once and check, as duplicated months would make
    # "a month with only Part A" ambiguous. Rows that already come in strictly increasing
    # (beneficiary, month) order, as the service sends them, need neither (same result).
    key = (eb.astype(np.int64) << 32) + month.astype(np.int64)
    if len(key) > 1 and not bool(np.all(key[1:] > key[:-1])):
        order = np.lexsort((month, eb))
        eb, month = eb[order], month[order]
        a, b, ghp, outside, alive = a[order], b[order], ghp[order], outside[order], alive[order]
    if len(eb) > 1:
        dup = (eb[1:] == eb[:-1]) & (month[1:] == month[:-1])
        if dup.any():
            first = int(np.flatnonzero(dup)[0])
            raise ValueError(
                f"Enrollment has two rows for beneficiary {int(bene_index.ids[eb[first]])} "
                f"in month {np.datetime64(int(month[first]), 'M')}."
            )

    for window in windows:
        lo, hi = _window_months(window)
        inside = alive & (month >= lo) & (month <= hi)
        wb = eb[inside]
        ab_months = np.bincount(wb[a[inside] & b[inside]], minlength=n)
        partial = np.bincount(wb[a[inside] ^ b[inside]], minlength=n) > 0
        in_ghp = np.bincount(wb[ghp[inside]], minlength=n) > 0
        # Rows are sorted by (beneficiary, month): the last row of each beneficiary in the window
        # is its last enrolled month there.
        last_outside = np.zeros(n, dtype=bool)
        if len(wb):
            is_last = np.ones(len(wb), dtype=bool)
            is_last[:-1] = wb[1:] != wb[:-1]
            last_outside[wb[is_last]] = outside[inside][is_last]
        checks = [
            (
                ab_months == 0 if window.require_part_a_and_b_month else np.zeros(n, bool),
                Reason.NOT_ELIGIBLE_NO_PART_A_AND_B,
            ),
            (partial, Reason.NOT_ELIGIBLE_PART_A_OR_B_ONLY),
            (in_ghp, Reason.NOT_ELIGIBLE_GROUP_HEALTH_PLAN),
            (other, Reason.NOT_ELIGIBLE_OTHER_INITIATIVE),
            (last_outside, Reason.NOT_ELIGIBLE_OUTSIDE_US),
        ]
        for failed, reason in checks:
            reasons[failed & (reasons == None)] = reason.value  # noqa: E711 - elementwise test
    return reasons


def died_before(
    beneficiaries: pd.DataFrame, *, bene_index: BeneIndex, day: date
) -> npt.NDArray[np.bool_]:
    """Per beneficiary (dense index): did they die before `day`?

    beneficiaries: BENE_ID, DEATH_DATE (optional; blank = alive). The screen above only looks at
    months up to death, so it passes an empty year; callers use this for the rule that nobody
    who died before January 1 of a performance year is aligned or assigned for it (REACH:
    parameters.ReachParameters.alive_at_performance_year_start; MSSP prospective and quarterly
    lists: MsspParameters.requires_alive_at_start).
    """
    out = np.zeros(len(bene_index), dtype=bool)
    if c.DEATH_DATE not in beneficiaries.columns or not len(beneficiaries):
        return out
    codes = bene_index.codes(beneficiaries[c.BENE_ID])
    death = to_days(beneficiaries[c.DEATH_DATE])
    known = (codes >= 0) & (death != np.iinfo(np.int32).min)
    out[codes[known]] = death[known] < day_of(day)
    return out


#: CMS's exclusion reasons (its lists' flags) that the screen reads, and what each sets:
#: a Medicare health plan month (criterion B), another shared savings initiative (C),
#: residence outside the US (D). CCLF carries none of them (domain.md 1.1, 8.3).
CMS_EXCLUSION_COLUMNS = {
    "medicare_advantage": c.GROUP_HEALTH_PLAN,
    "other_initiative": c.OTHER_INITIATIVE,
    "outside_us": c.OUTSIDE_US,
}


def apply_cms_exclusions(
    beneficiaries: pd.DataFrame,
    enrollment: pd.DataFrame,
    exclusions: Mapping[int, Iterable[str]],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The screen's inputs with CMS's exclusions of the year laid over what the claims show.

    `exclusions`: beneficiary id -> CMS's reasons (values of CMS_EXCLUSION_COLUMNS' keys; others
    are ignored). CMS reports a Medicare health plan month or residence outside the US for the
    year, not the month: the flag is set on every month of the beneficiary's enrollment rows, so
    the screen fails criterion B (any month) and D (the last month) for them. Another initiative
    is a beneficiary flag (criterion C). Returns new frames; the inputs are not changed."""
    benes = beneficiaries.copy()
    months = enrollment.copy()
    for reason, column in CMS_EXCLUSION_COLUMNS.items():
        ids = [bene for bene, reasons in exclusions.items() if reason in set(reasons)]
        if column == c.OTHER_INITIATIVE:
            current = _bool(benes, column)
            benes[column] = current | benes[c.BENE_ID].isin(ids).to_numpy()
        else:
            current = _bool(months, column)
            months[column] = current | months[c.BENE_ID].isin(ids).to_numpy()
    return benes, months


# US states, DC and territories by FIPS state code (domain.md 1.1 D); a blank code is unknown.
US_STATE_FIPS = frozenset(
    [f"{n:02d}" for n in range(1, 57) if n not in (3, 7, 14, 43, 52)]
    + ["60", "64", "66", "68", "69", "70", "72", "74", "78"]
)


def enrollment_months(benes: pd.DataFrame, windows: tuple[EligibilityWindow, ...]) -> pd.DataFrame:
    """One row per beneficiary and month of the eligibility windows, as far as CCLF8 can tell
    (domain.md 1.1): Part A/B from their entitlement start dates (CCLF8 has no end dates, and
    death ends nothing the screen looks at), residence outside the US from the FIPS state code
    when it is not a US state or territory, and no group-health-plan months, which CCLF does
    not carry (the ALR's GHP flag would)."""
    months: list[date] = []
    for ew in windows:
        m = date(ew.window.start.year, ew.window.start.month, 1)
        while m <= ew.window.end:
            if m not in months:
                months.append(m)
            m = add_months(m, 1)
    n, k = len(benes), len(months)
    month_arr = np.array(months, dtype="datetime64[M]")
    a_start = benes["part_a_start"].to_numpy(dtype="datetime64[D]").astype("datetime64[M]")
    b_start = benes["part_b_start"].to_numpy(dtype="datetime64[D]").astype("datetime64[M]")
    grid = np.tile(month_arr, n)
    a = np.repeat(a_start, k)
    b = np.repeat(b_start, k)
    state = benes["state_fips"].fillna("").astype(str).str.strip()
    outside = (~state.isin(US_STATE_FIPS) & (state != "")).to_numpy()
    return pd.DataFrame(
        {
            c.BENE_ID: np.repeat(benes[c.BENE_ID].to_numpy(), k),
            c.MONTH: grid.astype("datetime64[D]"),
            c.PART_A: ~np.isnat(a) & (a <= grid),
            c.PART_B: ~np.isnat(b) & (b <= grid),
            c.GROUP_HEALTH_PLAN: False,
            c.OUTSIDE_US: np.repeat(outside, k),
        }
    )
