"""Settlement's codes in words for the pages and statements a person reads: the parameter table
a settlement was computed with ("mssp_tracks 2026.1: PY2025 BASIC_D" is stored with the version)
and MSSP track codes, named as 42 CFR 425.600 and 425.605-425.610 name them."""

from __future__ import annotations

import re
from typing import Any

from settlement.engine.parameters import MSSPTrack

TRACKS = {track.value: track.display for track in MSSPTrack}
TABLES = {
    "mssp_tracks": "MSSP track parameters",
    "mssp_msr_bands": "MSSP minimum savings rate table",
    "reach": "ACO REACH parameters",
    "mcp": "Making Care Primary parameters",
}
REACH_ARRANGEMENTS = {"GLOBAL": "Global", "PROFESSIONAL": "Professional"}
_TABLE = re.compile(r"\b(" + "|".join(sorted(TABLES, key=len, reverse=True)) + r")(?= \d)")
_CODE = re.compile(
    r"\b(" + "|".join(sorted([*TRACKS, *REACH_ARRANGEMENTS], key=len, reverse=True)) + r")\b"
)


def track_name(value: Any) -> str:
    """BASIC_D -> "BASIC track, level D"; an unknown code is shown as given."""
    text = str(value or "").strip()
    return TRACKS.get(text.upper(), REACH_ARRANGEMENTS.get(text.upper(), text))


def parameter_label(value: Any) -> str:
    """ "mssp_tracks 2026.1: PY2025 BASIC_D" -> "MSSP track parameters 2026.1: PY2025 BASIC
    track, level D" (several labels joined by "; " alike)."""
    text = _TABLE.sub(lambda m: TABLES[m.group(1)], str(value or ""))
    return _CODE.sub(lambda m: track_name(m.group(1)), text)
