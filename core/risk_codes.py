"""CMS-HCC model families and segments in words, for every page that shows a risk score.

The segments are those of the CMS-HCC and CMS-HCC ESRD models' relative factor tables (CMS
Advance Notice and Rate Announcement of each payment year, "CMS-HCC model relative factors";
the same prefixes as the hccinfhir package the scores are computed with): a score's segment
decides which column of coefficients it was read from.
"""

from __future__ import annotations

from typing import Any

MODEL_FAMILIES = {"cms_hcc": "CMS-HCC model", "esrd": "CMS-HCC ESRD model"}

SEGMENTS = {
    "CNA": "community, non-dual, aged",
    "CND": "community, non-dual, disabled",
    "CFA": "community, full-benefit dual, aged",
    "CFD": "community, full-benefit dual, disabled",
    "CPA": "community, partial-benefit dual, aged",
    "CPD": "community, partial-benefit dual, disabled",
    "INS": "long-term institutional",
    "NE": "new enrollee",
    "SNPNE": "new enrollee in a chronic-condition special needs plan",
    "DI": "dialysis",
    "DNE": "dialysis, new enrollee",
    "GI": "functioning graft, institutional",
    "GNE": "functioning graft, new enrollee",
    "GFPA": "functioning graft, full-benefit dual, aged",
    "GFPN": "functioning graft, full-benefit dual, under 65",
    "GNPA": "functioning graft, non-dual, aged",
    "GNPN": "functioning graft, non-dual, under 65",
}


def risk_model(value: Any) -> str:
    """cms_hcc -> "CMS-HCC model"; an unknown family is shown as given."""
    text = str(value or "").strip()
    return MODEL_FAMILIES.get(text.lower(), text)


def risk_segment(value: Any) -> str:
    """CNA -> "community, non-dual, aged (CNA)": the segment's meaning with its code, which CMS's
    factor tables use. An unknown segment is shown as given."""
    code = str(value or "").strip().rstrip("_")
    meaning = SEGMENTS.get(code.upper())
    return f"{meaning} ({code})" if meaning else code
