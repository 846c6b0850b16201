"""Generated participant files (Hypothesis, derandomized): each is imported whole, or refused
with every problem named by line and column (or the file's own problem), never a traceback and
never a partial write."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entities.models import ParticipantOrganization, Participation, Provider
from entities.services.imports import REQUIRED_COLUMNS, ParticipantImportError, participant_import
from synthetic.identifiers import npi as make_npi

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
COLUMNS = [*REQUIRED_COLUMNS, "tin_legal_name", "provider_name"]

# Cells near the valid ones, and hostile ones: control characters, NUL, formula prefixes,
# non-ASCII, very long text, quotes and separators.
hostile_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30
)
cells = {
    "tin": st.one_of(st.sampled_from(["123456789", "12-3456789", "", "12345678"]), hostile_text),
    "npi": st.one_of(st.sampled_from([make_npi(70_001), "1234567890", ""]), hostile_text),
    "ccn": st.one_of(st.sampled_from(["", "123456", "12A456"]), hostile_text),
    "specialty_code": st.one_of(st.sampled_from(["08", "11", "ZZ", ""]), hostile_text),
    "role": st.one_of(st.sampled_from(["participant", "preferred", "PARTICIPANT"]), hostile_text),
    "effective_start": st.one_of(
        st.sampled_from(["2025-01-01", "01/15/2025", "2025-13-01", "2024-01-01", ""]), hostile_text
    ),
    "effective_end": st.one_of(st.sampled_from(["", "2025-06-30", "2024-12-31"]), hostile_text),
    "tin_legal_name": st.one_of(
        st.sampled_from(["Synthetic Clinic", "=HYPERLINK(1)", "a\x00b"]), hostile_text
    ),
    "provider_name": st.one_of(st.sampled_from(["Synthetic, Pat", "+SUM(1)", ""]), hostile_text),
}
rows = st.lists(st.fixed_dictionaries(cells), min_size=1, max_size=4)


def _csv(records: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(records)
    return out.getvalue()


def _counts() -> tuple[int, int, int]:
    return (
        Participation.objects.count(),
        Provider.objects.count(),
        ParticipantOrganization.objects.count(),
    )


def _check(entity, content: bytes | str) -> None:
    before = _counts()
    try:
        outcome = participant_import(entity=entity, performance_year=2025, content=content)
    except ParticipantImportError as exc:
        assert _counts() == before  # nothing of a refused file is written
        errors = exc.extra["errors"]
        assert errors
        for error in errors:
            assert error["message"]
            # A row's problem names its line and (but for a cell count) its column.
            assert error["line"] is None or error["line"] >= 2
            if error["line"] is None:
                assert error["column"] is None
    else:
        assert _counts()[0] == before[0] + len(outcome.summary.created)


@FUZZ
@given(records=rows)
def test_generated_rows_import_whole_or_are_refused_by_line_and_column(entity_a, records) -> None:
    _check(entity_a, _csv(records))


@FUZZ
@given(content=st.binary(max_size=200))
def test_generated_bytes_after_a_good_header_never_crash(entity_a, content) -> None:
    _check(entity_a, ",".join(COLUMNS).encode() + b"\n" + content)
