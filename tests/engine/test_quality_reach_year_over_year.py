"""The ACO REACH year-over-year comparison of the CI/SEP measures on hand-built rates: which measures
by ACO type (ACO REACH Model 2023 Quality Performance Report, note 1), the change and its
direction by each measure's better direction, what CMS compares (note 6), a missing year, a year
to date, and the PY2023 and PY2021-PY2022 notes (ACO REACH Request for Applications, Table 6.16)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from quality.engine.reach_quality import (
    BETTER,
    UNCHANGED,
    WORSE,
    YearRate,
    ci_sep_measures,
    year_over_year,
)

TITLES = {
    "ACR": ("All-Condition Readmission", "percent", True),
    "UAMCC": ("Unplanned Admissions for Multiple Chronic Conditions", "per_100_person_years", True),
    "TFU": ("Timely Follow-Up After Acute Exacerbations", "percent", False),
    "DAH": ("Days at Home", "days_per_person_year", False),
}


def rate(code: str, year: int, value: str | None, as_of: date | None = None) -> YearRate:
    title, unit, lower = TITLES[code]
    return YearRate(
        code,
        title,
        unit,
        lower,
        year,
        as_of or date(year, 12, 31),
        None if value is None else D(value),
    )


def test_the_measures_follow_the_aco_type() -> None:
    assert ci_sep_measures("standard") == ("ACR", "UAMCC", "TFU")
    assert ci_sep_measures("new_entrant") == ("ACR", "UAMCC", "TFU")
    assert ci_sep_measures("high_needs") == ("ACR", "UAMCC", "DAH")
    assert ci_sep_measures("") == ("ACR", "UAMCC", "TFU")


def test_each_change_is_current_minus_prior_and_is_judged_by_the_measures_better_direction() -> (
    None
):
    result = year_over_year(
        year=2025,
        entity_type="standard",
        current={
            "ACR": rate("ACR", 2025, "14.2500"),
            "UAMCC": rate("UAMCC", 2025, "32.1000"),
            "TFU": rate("TFU", 2025, "61.0000"),
        },
        prior={
            "ACR": rate("ACR", 2024, "15.5000"),
            "UAMCC": rate("UAMCC", 2024, "30.0000"),
            "TFU": rate("TFU", 2024, "61.0000"),
        },
    )
    lines = {line.code: line for line in result.lines}
    assert [line.code for line in result.lines] == ["ACR", "UAMCC", "TFU"]
    # ACR: 14.25 - 15.50 = -1.25 points; fewer readmissions is better.
    assert (lines["ACR"].change, lines["ACR"].direction) == (D("-1.2500"), BETTER)
    # UAMCC: 32.10 - 30.00 = +2.10 admissions per 100 person-years; more is worse.
    assert (lines["UAMCC"].change, lines["UAMCC"].direction) == (D("2.1000"), WORSE)
    assert (lines["TFU"].change, lines["TFU"].direction) == (D("0"), UNCHANGED)
    assert all(line.note == "" for line in result.lines)
    # CMS compares standardized score components, except TFU (not risk adjusted).
    assert lines["TFU"].cms_compares == "the measure score itself (not risk adjusted)"
    assert lines["ACR"].cms_compares.startswith("standardized score components")
    assert len(result.notes) == 2  # PY2025: no year-specific note


def test_days_at_home_is_better_when_higher_for_a_high_needs_aco() -> None:
    result = year_over_year(
        year=2024,
        entity_type="high_needs",
        current={"DAH": rate("DAH", 2024, "331.5")},
        prior={"DAH": rate("DAH", 2023, "329.0")},
    )
    assert [line.code for line in result.lines] == ["ACR", "UAMCC", "DAH"]
    dah = result.lines[2]
    assert (dah.change, dah.direction) == (D("2.5"), BETTER)
    assert result.lines[0].note == "no PY2024 rate computed"
    assert result.lines[0].change is None
    assert result.lines[0].direction is None


def test_a_missing_prior_year_or_an_empty_rate_gives_no_change_and_says_why() -> None:
    result = year_over_year(
        year=2024,
        entity_type="standard",
        current={"ACR": rate("ACR", 2024, "12.0"), "UAMCC": rate("UAMCC", 2024, None)},
        prior={"UAMCC": rate("UAMCC", 2023, "28.0")},
    )
    acr, uamcc, tfu = result.lines
    assert (acr.change, acr.note) == (None, "no PY2023 rate computed")
    assert acr.current is not None
    assert acr.current.rate == D("12.0")
    assert (uamcc.change, uamcc.note) == (None, "no PY2024 rate computed")
    assert (tfu.title, tfu.note) == ("TFU", "no PY2024 rate computed")


def test_a_year_to_date_computation_is_named_with_its_claims_date() -> None:
    result = year_over_year(
        year=2026,
        entity_type="standard",
        current={"ACR": rate("ACR", 2026, "10.0", as_of=date(2026, 6, 30))},
        prior={"ACR": rate("ACR", 2025, "11.0")},
    )
    acr = result.lines[0]
    assert acr.direction == BETTER
    assert acr.note == "PY2026 is year to date (claims through 2026-06-30)"


def test_the_first_ci_sep_year_and_the_years_before_it_carry_their_notes() -> None:
    py2023 = year_over_year(year=2023, entity_type="standard", current={}, prior={})
    assert "began participating before PY2023" in py2023.notes[-1]
    py2022 = year_over_year(year=2022, entity_type="standard", current={}, prior={})
    assert py2022.notes[-1].startswith("PY2022 has no CI/SEP criteria")
    assert "Table 6.16" in py2022.notes[-1]
