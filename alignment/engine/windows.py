"""Assignment windows (MSSP, domain.md 1.2 "Windows") and alignment years (REACH, 1.4).

Pure date arithmetic: the caller passes the performance year, the assignment method, the kind of
list and the run's `as_of` date; nothing here reads the clock.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

import numpy as np


class AssignmentMethod(StrEnum):
    """The ACO's choice of assignment methodology (domain.md 1.2 "Assignment methodology choice")."""

    PROSPECTIVE = "prospective"
    PPWRR = "ppwrr"  # preliminary prospective with retrospective reconciliation


class ListKind(StrEnum):
    QUARTERLY = "quarterly"  # a quarterly (preliminary) list, run as of a date
    FINAL = "final"  # the final list of the performance year


@dataclass(frozen=True)
class Window:
    """A closed range of days."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"Window ends ({self.end}) before it starts ({self.start}).")

    @property
    def start_day(self) -> int:
        return int(np.datetime64(self.start, "D").astype(np.int64))

    @property
    def end_day(self) -> int:
        return int(np.datetime64(self.end, "D").astype(np.int64))

    def __str__(self) -> str:
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


@dataclass(frozen=True)
class EligibilityWindow:
    """A window in which criteria A-D of domain.md 1.1 are checked. `require_part_a_and_b_month`
    is criterion A's "at least 1 month of both Part A and Part B"; a year-end exclusion window
    (1.1 "Prospective assignment") checks only the exclusion criteria."""

    window: Window
    require_part_a_and_b_month: bool


@dataclass(frozen=True)
class MsspWindows:
    assignment: Window  # 12 months: pre-step, steps 1 and 2, step 3 condition (a)
    expanded: Window | None  # 24 months: step 3 (PY2025+); None when step 3 does not apply
    eligibility: tuple[EligibilityWindow, ...]
    voluntary_cutoff: date  # designations signed on or before this day count
    participants_as_of: date  # the participant list in force on this day is the one used


@dataclass(frozen=True)
class ReachWindows:
    year_1: Window  # Alignment Year 1, weighted 1/3
    year_2: Window  # Alignment Year 2, weighted 2/3
    eligibility: tuple[EligibilityWindow, ...]
    voluntary_cutoff: date
    participants_as_of: date  # the Participant Provider List in force on this day is used


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def add_months(d: date, months: int) -> date:
    """The first day of the month `months` after d's month."""
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_ending(end: date, months: int) -> Window:
    """The `months` whole calendar months ending with the month of `end` (end is a month end)."""
    return Window(add_months(end, -(months - 1)), end)


def last_complete_quarter_end(as_of: date) -> date:
    """The last day of the calendar quarter before the one containing `as_of`."""
    quarter_start = date(as_of.year, 3 * ((as_of.month - 1) // 3) + 1, 1)
    return quarter_start - timedelta(days=1)


def mssp_windows(
    *,
    performance_year: int,
    method: AssignmentMethod,
    list_kind: ListKind,
    as_of: date,
    window_months: int,
    expanded_window_months: int | None,
    prospective_window_end_month: int,
) -> MsspWindows:
    """The MSSP windows for one list (domain.md 1.2 "Windows", 1.1 "Prospective assignment").

    * PPwRR final list: the calendar performance year (SLAAM 2.3.2.1 [V]).
    * PPwRR quarterly list: "the most recent 12 or 24 months" (SLAAM 2.3.2.1 [V]); which months
      is open in the text: we take the months ending with the last complete calendar quarter
      before `as_of` (a list run in Q1 PY uses Jan-Dec of PY-1).
    * Prospective: the 12 months ending Sep 30 of PY-1, the offset window [R]
      (`prospective_window_end_month`), plus a year-end exclusion window over the performance
      year (the final list) or over the complete quarters of it so far (a quarterly list).
    * Expanded window: the assignment window plus the 12 months before it (tuva asgn_windows [V]).
    * Voluntary alignment is effective prospectively at the start of each PY (1.2 "Voluntary
      alignment"): designations signed before Jan 1 of the performance year count.
    * Participant list: the one in force on the run date, capped at Dec 31 of the performance
      year (unchanged MSSP behaviour; not part of the REACH readings).
    """
    py_start = date(performance_year, 1, 1)
    py_end = date(performance_year, 12, 31)
    exclusion: tuple[EligibilityWindow, ...] = ()
    if method is AssignmentMethod.PROSPECTIVE:
        assignment = months_ending(
            month_end(performance_year - 1, prospective_window_end_month), window_months
        )
        exclusion_end = (
            py_end if list_kind is ListKind.FINAL else min(py_end, last_complete_quarter_end(as_of))
        )
        if exclusion_end >= py_start:
            exclusion = (EligibilityWindow(Window(py_start, exclusion_end), False),)
    elif list_kind is ListKind.FINAL:
        assignment = Window(py_start, py_end)
    else:
        assignment = months_ending(min(py_end, last_complete_quarter_end(as_of)), window_months)
    expanded = (
        months_ending(assignment.end, expanded_window_months) if expanded_window_months else None
    )
    return MsspWindows(
        assignment=assignment,
        expanded=expanded,
        eligibility=(EligibilityWindow(assignment, True), *exclusion),
        voluntary_cutoff=py_start - timedelta(days=1),
        participants_as_of=min(as_of, py_end),
    )


def reach_windows(
    *,
    performance_year: int,
    list_kind: ListKind,
    as_of: date,
    alignment_year_start_month: int,
) -> ReachWindows:
    """The two REACH alignment years of a performance year (domain.md 1.4, GPDC FOG Table B.2.1
    [V]): Alignment Year 2 ends six months before the PY starts (Jul 1-Jun 30 years).

    Eligibility is not spelled out for REACH in 1.4; we check criteria A-D of 1.1 over Alignment
    Year 2 and, as for a prospective MSSP list, the exclusion criteria over the performance year
    (final list) or its complete quarters so far (quarterly list).

    Participant list: the Participant Provider List in force on January 1 of the performance
    year, for every list kind and run date. REACH alignment is prospective: the Alignment Period
    "ends six months prior to the start of the relevant Performance Year" (Participation
    Agreement, definition of "Alignment Period"); the lists of a year are set before it starts
    (ACO REACH Participation Agreement sections 4.02 and 4.04, the lists "for the ACO's first
    Performance Year" and their "Annual Updates"); the provider alignment report is "shared
    annually if the ACO elects Prospective Alignment" (Article VI, "Beneficiary Alignment Data").
    The one quarterly update CMS makes, Prospective Plus, adds beneficiaries by Voluntary
    Alignment only, "prior to the start of the second through fourth calendar quarters"
    ("Prospective Plus Alignment" 1), never by claims. So a provider who joins on July 1 aligns nobody by claims that year, and one who
    leaves on June 30 keeps the beneficiaries aligned to the DCE at the start of the year.
    """
    m = alignment_year_start_month
    year_2_start = date(performance_year - 2, m, 1)
    year_2 = Window(year_2_start, add_months(year_2_start, 12) - timedelta(days=1))
    year_1 = Window(date(performance_year - 3, m, 1), year_2_start - timedelta(days=1))
    py_start = date(performance_year, 1, 1)
    py_end = date(performance_year, 12, 31)
    exclusion_end = (
        py_end if list_kind is ListKind.FINAL else min(py_end, last_complete_quarter_end(as_of))
    )
    exclusion = (
        (EligibilityWindow(Window(py_start, exclusion_end), False),)
        if exclusion_end >= py_start
        else ()
    )
    return ReachWindows(
        year_1=year_1,
        year_2=year_2,
        eligibility=(EligibilityWindow(year_2, True), *exclusion),
        voluntary_cutoff=py_start - timedelta(days=1),
        participants_as_of=py_start,
    )
