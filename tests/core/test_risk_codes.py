"""CMS-HCC model families and segments in words (the segments of CMS's relative factor tables),
as the risk pages show them."""

from __future__ import annotations

from django.template import Context, Template

from core.risk_codes import risk_model, risk_segment


def test_a_risk_segment_reads_with_its_meaning_and_code() -> None:
    assert risk_segment("CNA") == "community, non-dual, aged (CNA)"
    assert risk_segment("CFD_") == "community, full-benefit dual, disabled (CFD)"
    assert risk_segment("INS") == "long-term institutional (INS)"
    assert risk_segment("DI") == "dialysis (DI)"
    assert risk_segment("XYZ") == "XYZ"
    assert risk_model("cms_hcc") == "CMS-HCC model"
    assert risk_model("esrd") == "CMS-HCC ESRD model"


def test_the_filters_render_on_a_page() -> None:
    rendered = Template("{% load risk_codes %}{{ f|risk_model }}, {{ s|risk_segment }}").render(
        Context({"f": "cms_hcc", "s": "NE"})
    )
    assert rendered == "CMS-HCC model, new enrollee (NE)"
