"""The shipped parameter tables: complete for PY2021-PY2026, each value sourced and tagged."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from settlement.engine.parameters import Evidence, MSSPTrack, ReachArrangement
from settlement.parameters import DIRECTORY, ParameterFileError, load_parameter_book

BOOK = load_parameter_book()
CURRENT = [t for t in MSSPTrack if not t.startswith("TRACK_")]
LEGACY = [t for t in MSSPTrack if t.startswith("TRACK_")]


@pytest.mark.parametrize("year", range(2021, 2027))
def test_every_current_track_and_reach_arrangement_has_parameters_each_year(year: int) -> None:
    for track in CURRENT:
        assert BOOK.mssp_track(year, track).performance_year == year
    for arrangement in ReachArrangement:
        assert BOOK.reach_arrangement(year, arrangement).corridors
    assert BOOK.msr_table(year).bands


def test_the_legacy_tracks_are_shipped_for_py2021() -> None:
    for track in LEGACY:
        assert BOOK.mssp_track(2021, track).track == track


def test_every_value_names_its_source_and_evidence() -> None:
    for params in BOOK.mssp.values():
        assert params.notes
        assert all(note.source and note.evidence in Evidence for note in params.notes)


def test_recalled_values_are_flagged_to_confirm() -> None:
    basic_e = BOOK.mssp_track(2025, MSSPTrack.BASIC_E)
    assert basic_e.to_confirm("loss_limit_revenue_pct")
    assert not basic_e.to_confirm("shared_loss_rate")
    assert BOOK.reach_arrangement(2025, ReachArrangement.GLOBAL).to_confirm("discount_rate")


def test_the_version_is_the_manifest_one() -> None:
    assert BOOK.mssp_track(2025, MSSPTrack.ENHANCED).label == "mssp_tracks 2026.1: PY2025 ENHANCED"


def test_a_broken_parameter_file_names_the_file_and_line(tmp_path: Path) -> None:
    copy = tmp_path / "parameters"
    shutil.copytree(DIRECTORY, copy, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    path = copy / "mssp_tracks.csv"
    path.write_text(
        path.read_text().replace("BASIC_A,max_sharing_rate,0.40", "BASIC_A,max_sharing_rate,forty")
    )
    with pytest.raises(ParameterFileError, match=r"mssp_tracks.csv line \d+"):
        load_parameter_book(copy)


def test_the_enhanced_loss_rate_bounds_match_domain_md() -> None:
    enhanced = BOOK.mssp_track(2024, MSSPTrack.ENHANCED)
    assert (enhanced.loss_rate_floor, enhanced.loss_rate_ceiling) == (
        Decimal("0.40"),
        Decimal("0.75"),
    )
