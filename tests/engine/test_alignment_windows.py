"""Windows and alignment years (domain.md 1.2 "Windows", 1.4 Table B.2.1)."""

from __future__ import annotations

from datetime import date

import pytest

from alignment.engine import AssignmentMethod, ListKind, Window, mssp_parameters, reach_parameters
from alignment.engine import mssp as mssp_module
from alignment.engine import reach as reach_module


def _mssp(year: int, method: str, kind: str, as_of: date):
    params = mssp_parameters(year, AssignmentMethod(method))
    return mssp_module.windows_for(params, list_kind=ListKind(kind), as_of=as_of)


def test_ppwrr_final_uses_the_calendar_year_and_the_24_months_before_its_end() -> None:
    w = _mssp(2025, "ppwrr", "final", date(2026, 4, 1))
    assert w.assignment == Window(date(2025, 1, 1), date(2025, 12, 31))
    assert w.expanded == Window(date(2024, 1, 1), date(2025, 12, 31))
    assert w.voluntary_cutoff == date(2024, 12, 31)


@pytest.mark.parametrize(
    ("as_of", "start", "end"),
    [
        (date(2024, 11, 15), date(2023, 10, 1), date(2024, 9, 30)),
        (date(2025, 2, 1), date(2024, 1, 1), date(2024, 12, 31)),
        (date(2025, 5, 10), date(2024, 4, 1), date(2025, 3, 31)),
        (date(2025, 10, 1), date(2024, 10, 1), date(2025, 9, 30)),
    ],
)
def test_ppwrr_quarterly_lists_use_the_12_months_to_the_last_complete_quarter(
    as_of: date, start: date, end: date
) -> None:
    w = _mssp(2025, "ppwrr", "quarterly", as_of)
    assert w.assignment == Window(start, end)
    assert w.expanded is not None
    assert w.expanded.start == date(start.year - 1, start.month, 1)


def test_prospective_uses_the_offset_window_and_year_end_exclusions() -> None:
    w = _mssp(2025, "prospective", "final", date(2026, 4, 1))
    assert w.assignment == Window(date(2023, 10, 1), date(2024, 9, 30))
    assert w.expanded == Window(date(2022, 10, 1), date(2024, 9, 30))
    assert [e.window for e in w.eligibility] == [
        w.assignment,
        Window(date(2025, 1, 1), date(2025, 12, 31)),
    ]
    assert [e.require_part_a_and_b_month for e in w.eligibility] == [True, False]


def test_a_prospective_list_before_the_year_has_no_exclusion_window() -> None:
    w = _mssp(2025, "prospective", "quarterly", date(2024, 12, 1))
    assert len(w.eligibility) == 1


def test_py2024_has_no_expanded_window() -> None:
    assert _mssp(2024, "ppwrr", "final", date(2025, 4, 1)).expanded is None


@pytest.mark.parametrize(
    ("year", "ay1", "ay2"),
    [
        (2024, (date(2021, 7, 1), date(2022, 6, 30)), (date(2022, 7, 1), date(2023, 6, 30))),
        (2025, (date(2022, 7, 1), date(2023, 6, 30)), (date(2023, 7, 1), date(2024, 6, 30))),
        (2026, (date(2023, 7, 1), date(2024, 6, 30)), (date(2024, 7, 1), date(2025, 6, 30))),
    ],
)
def test_reach_alignment_years_match_table_b_2_1(
    year: int, ay1: tuple[date, date], ay2: tuple[date, date]
) -> None:
    w = reach_module.windows_for(
        reach_parameters(year), list_kind=ListKind.FINAL, as_of=date(year + 1, 1, 1)
    )
    assert (w.year_1, w.year_2) == (Window(*ay1), Window(*ay2))


def test_a_window_cannot_end_before_it_starts() -> None:
    with pytest.raises(ValueError, match="before it starts"):
        Window(date(2025, 2, 1), date(2025, 1, 1))
