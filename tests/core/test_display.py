"""The formatting layer's dates: a stored time (UTC) reads in the site's time zone wherever it is
formatted, in a template or in a CSV or PDF that calls core.display directly."""

from __future__ import annotations

import datetime as dt

from django.template import Context, Template

from core import display


def test_a_stored_time_reads_in_the_sites_time_zone_in_files_as_on_pages(settings) -> None:
    settings.TIME_ZONE = "America/New_York"
    stored = dt.datetime(2025, 6, 2, 14, 24, tzinfo=dt.UTC)  # 10:24 in New York (EDT, UTC-4)
    assert display.day(stored) == "2025-06-02 10:24"
    page = Template("{% load display %}{{ t|day }}").render(Context({"t": stored}))
    assert page == "2025-06-02 10:24"
    # A naive time (already local, as a form gives it) and a date are printed as they are.
    assert display.day(dt.datetime(2025, 6, 2, 14, 24)) == "2025-06-02 14:24"  # noqa: DTZ001
    assert display.day(dt.date(2025, 12, 31)) == "2025-12-31"
    assert display.day(None) == display.DASH


def test_percents_and_person_years_keep_their_two_decimals_in_a_column() -> None:
    """A TIN's share of 1.9% sat under 10.18% and a segment's 10 person-years beside 133.08: a
    column reads alike, two decimals; a rule's whole rate (50%, 2%) stays whole."""
    assert [display.percent(v) for v in ("10.18", "1.9", "3.9000", "50", "2.0000")] == [
        "10.18%", "1.90%", "3.90%", "50%", "2%",
    ]  # fmt: skip
    assert display.percent("10.66180", 4) == "10.6618%"
    assert display.share("0.055") == "5.50%"
    assert display.person_years(10) == "10.00"
    assert display.person_years("1195.333333") == "1,195.33"
    page = Template("{% load display %}{{ p|person_years }} · {{ s|percent }}").render(
        Context({"p": "10.00", "s": "5.5"})
    )
    assert page == "10.00 · 5.50%"


def test_a_figure_against_another_is_said_above_or_below_never_as_a_sign_to_decode() -> None:
    assert display.above_below("553495.42", "457570.90") == "$95,924.52 (20.96%) above"
    assert display.above_below(9240, 11640) == "$2,400.00 (20.62%) below"
    assert display.above_below("100.004", 100) == "equal to"
    assert display.above_below(50, 0) == "$50.00 above"  # no share of a zero reference
    assert display.above_below(None, 10) == display.DASH
    page = Template("{% load display %}{{ a|above_below:b }} the target").render(
        Context({"a": 90, "b": 100})
    )
    assert page == "$10.00 (10%) below the target"


def test_a_bar_charts_labels_fit_left_of_its_bars() -> None:
    """A long label ("Not aligned: Claims: primary care specialties") is not cut at the chart's
    left edge: the label column widens to the longest label (core.charts)."""
    import re
    from decimal import Decimal

    from core import charts

    labels = ["Aligned: Step 1", "Not aligned: Claims: primary care specialties"]
    svg = charts.bars(
        title="t",
        desc="d",
        bars=[charts.Bar(label, Decimal(10), "10") for label in labels],
        headers=("a", "b"),
    )
    for label in labels:
        found = re.search(rf'<text x="([\d.]+)"[^>]*>{re.escape(label)}<', svg)
        assert found is not None, label
        x = float(found.group(1))
        assert x - len(label) * charts.CHAR_WIDTH >= 0, label
    # A label longer than the widest label column (a quality measure's whole title) is
    # shortened with an ellipsis to fit, its whole wording kept in a tooltip.
    title = (
        "479 Hospital-Wide, 30-Day, All-Cause Unplanned Readmission (HWR): 30-day readmission "
        "window open"
    )
    svg = charts.bars(
        title="t", desc="d", bars=[charts.Bar(title, Decimal(12), "12")], headers=("a", "b")
    )
    found = re.search(r'<text x="([\d.]+)"[^>]*><title>([^<]*)</title>([^<]*)</text>', svg)
    assert found is not None
    x, tooltip, shown = float(found.group(1)), found.group(2), found.group(3)
    assert tooltip == title
    assert shown.endswith("\u2026")
    assert title.startswith(shown[:-1])
    assert x - len(shown) * charts.CHAR_WIDTH >= 0


def test_a_citation_names_the_cms_document_not_our_files() -> None:
    from core import display
    from tests.page_scan import problems

    text = display.cite(
        "42 CFR 425.605(b); CMS-1345-P (2011) p.268; shared/data/mssp_msr_table.csv (domain.md 3.2)"
    )
    assert text.startswith("42 CFR 425.605(b); CMS-1345-P (2011) p.268 (")
    assert "shared/data" not in text
    assert "domain.md" not in text
    assert problems(f"<p>{text}</p>") == []


def test_an_alignment_rules_version_says_what_it_is_and_where_it_comes_from() -> None:
    from core.display import rules_version

    said = rules_version("reach-2024-2026.1-00ff00ff00")
    assert said.startswith(
        "PY2024 ACO REACH alignment rules, version 2026.1 (parameter set 00ff00ff00)"
    )
    assert "ACO REACH Financial Operating Guide" in said
    # Anything else (a test's "test") is shown as given, never guessed at.
    assert rules_version("test") == "test"
    assert rules_version("") == "—"


def test_a_negative_figure_has_the_one_minus_sign_whatever_its_kind() -> None:
    """A loss read "−$2,400.00" beside a change of "-2.45%": money, percents, counts and numbers
    all write a negative with the minus sign (U+2212), and read it back as a number."""
    assert display.money("-2400") == "−$2,400.00"
    assert display.percent("-2.45") == "−2.45%"
    assert display.share("-0.0245") == "−2.45%"
    assert display.number("-1.0345") == "−1.03"
    assert display.count(-1250) == "−1,250"
    assert display.count("-0.5") == "−0.50"
    assert display.percent("-0.001") == "0%"
    assert display.number("-0.001") == "0.00"
    assert display.money(display.money("-2400")) == "−$2,400.00"
    assert display.plain_decimal("-2400.50") == "-2400.50"  # a form field keeps the hyphen
    page = Template("{% load display %}{{ m|money }} {{ p|percent }} {{ n|number:3 }}").render(
        Context({"m": -5, "p": "-10", "n": "-0.5"})
    )
    assert page == "−$5.00 −10% −0.500"


def test_a_noun_follows_its_count_never_as_noun_s() -> None:
    assert display.noun(["jobs:read"], "scope") == "scope"
    assert display.noun(["a", "b"], "scope") == "scopes"
    assert display.noun(2, "entity", "entities") == "entities"
