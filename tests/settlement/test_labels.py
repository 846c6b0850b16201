"""Settlement's codes in words: the parameter table stored with a version and MSSP track codes
read as CMS names them on every page and statement (42 CFR 425.600, 425.605-425.610)."""

from __future__ import annotations

from django.template import Context, Template

from settlement.engine.parameters import MSSPTrack
from settlement.labels import parameter_label, track_name


def test_tracks_read_as_the_regulation_names_them() -> None:
    assert MSSPTrack.BASIC_D.display == "BASIC track, level D"
    assert MSSPTrack.ENHANCED.display == "ENHANCED track"
    assert MSSPTrack.TRACK_1_PLUS.display == "Track 1+"
    assert track_name("basic_e") == "BASIC track, level E"
    assert track_name("GLOBAL") == "Global"
    assert track_name("unknown") == "unknown"


def test_a_stored_parameter_table_label_reads_in_words() -> None:
    assert parameter_label("mssp_tracks 2026.1: PY2025 BASIC_D") == (
        "MSSP track parameters 2026.1: PY2025 BASIC track, level D"
    )
    assert parameter_label("mssp_tracks 2026.1: PY2024 TRACK_1_PLUS; mssp_msr_bands 2026.1") == (
        "MSSP track parameters 2026.1: PY2024 Track 1+; MSSP minimum savings rate table 2026.1"
    )
    assert parameter_label("reach 2026.1: PY2025 GLOBAL") == (
        "ACO REACH parameters 2026.1: PY2025 Global"
    )
    rendered = Template("{% load settlement_format %}{{ v|parameters }}").render(
        Context({"v": "mssp_tracks 2026.1: PY2025 ENHANCED"})
    )
    assert rendered == "MSSP track parameters 2026.1: PY2025 ENHANCED track"
