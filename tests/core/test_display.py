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
