"""Bulk enrolment from CSV: preview, all-or-nothing, idempotence, export round trip."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from entities.models import Participation, Provider
from entities.selectors import participant_list_csv, participant_list_rows
from entities.services.imports import (
    ParticipantImportError,
    participant_import,
    participant_import_preview,
)
from tests.entities.conftest import roster_rows, to_csv

pytestmark = pytest.mark.django_db


def _history_rows() -> int:
    return Participation.history.count() + Provider.history.count()


def test_a_bad_row_in_the_middle_of_1000_rows_blocks_the_whole_file(entity_a, aco_admin) -> None:
    rows = roster_rows(1000)
    rows[499]["npi"] = rows[499]["npi"][:-1] + str((int(rows[499]["npi"][-1]) + 1) % 10)
    bad_npi = rows[499]["npi"]
    content = to_csv(rows)

    preview = participant_import_preview(entity=entity_a, performance_year=2025, content=content)
    assert not preview.ok
    assert preview.counts == {"rows": 1000, "new": 999, "update": 0, "unchanged": 0, "errors": 1}
    [bad] = preview.error_rows
    assert bad.line == 501  # the header is line 1
    assert bad.errors[0][0] == "npi"
    assert f"NPI {bad_npi} is not valid" in bad.errors[0][1]

    with pytest.raises(ParticipantImportError) as excinfo:
        participant_import(
            entity=entity_a, performance_year=2025, content=content, acting_user=aco_admin
        )
    assert excinfo.value.message == "1 row of the file has errors; nothing was imported."
    assert excinfo.value.extra["errors"][0]["line"] == 501
    assert Participation.objects.count() == 0
    assert Provider.objects.count() == 0


def test_a_fixed_file_imports_every_row_and_a_second_import_changes_nothing(
    entity_a, aco_admin
) -> None:
    content = to_csv(roster_rows(1000))
    outcome = participant_import(
        entity=entity_a, performance_year=2025, content=content, acting_user=aco_admin
    )
    assert outcome.summary.as_dict()["created"] == 1000
    assert outcome.summary.providers_created == 1000
    assert outcome.summary.organizations_created == 40
    assert Participation.objects.filter(entity=entity_a).count() == 1000
    assert Participation.history.filter(history_user=aco_admin).count() == 1000
    history_before = _history_rows()

    again = participant_import(
        entity=entity_a, performance_year=2025, content=content, acting_user=aco_admin
    )
    assert again.summary.as_dict() == {
        "created": 0,
        "updated": 0,
        "unchanged": 1000,
        "organizations_created": 0,
        "organizations_updated": 0,
        "providers_created": 0,
        "providers_updated": 0,
    }
    assert Participation.objects.count() == 1000
    assert _history_rows() == history_before


def test_the_preview_lists_every_bad_row_with_its_line_and_column(entity_a, csv_text) -> None:
    content = csv_text(
        "123456789,1234567893,,08,participant,2025-01-01,",
        "12345678,1245319599,,08,participant,2025-01-01,",
        "123456789,1003000126,,ZZ,participant,2025-01-01,",
        "123456789,1234567893,,08,participant,2025-03-01,",
        "123456789,,45001,,participant,31/12/2025,",
        "123456789,,,,owner,2025-01-01,2024-12-31",
        "123456789,,,,participant,2023-01-01,2023-12-31",
    )
    preview = participant_import_preview(entity=entity_a, performance_year=2025, content=content)
    problems = {(row.line, column) for row in preview.error_rows for column, _ in row.errors}
    assert problems == {
        (4, "specialty_code"),
        (5, "effective_start"),  # overlaps line 2
        (6, "ccn"),
        (6, "effective_start"),
        (7, "role"),
        (7, "effective_end"),
        (8, "effective_start"),  # outside PY2025
    }
    # A short TIN is zero-padded, as CCLF does: line 3 is valid, and the preview says how it
    # was read (a TIN short of a digit for another reason is then seen before the import).
    assert preview.rows[1].ok
    assert preview.rows[1].warnings == [
        "TIN 12345678 has 8 digits: read as 012345678 (leading zeros restored). "
        "Check it is that TIN."
    ]
    assert not any("leading zeros" in w for row in preview.rows[2:] for w in row.warnings)
    messages = preview.error_lines()
    assert (
        "line 5, effective_start: TIN 123456789 / NPI 1234567893 also appears on line 2"
        in messages[1]
    )


def test_a_file_without_the_required_columns_is_refused_before_reading_rows(entity_a) -> None:
    preview = participant_import_preview(
        entity=entity_a, performance_year=2025, content="tin,npi\n123456789,\n"
    )
    assert preview.file_errors == [
        "The header has no ccn, specialty_code, role, effective_start, effective_end columns. "
        "Expected columns: tin,npi,ccn,specialty_code,role,effective_start,effective_end."
    ]


def test_a_corrected_file_ends_participations_it_lists_with_an_end_date(
    entity_a, aco_admin
) -> None:
    rows = roster_rows(20)
    participant_import(
        entity=entity_a, performance_year=2025, content=to_csv(rows), acting_user=aco_admin
    )
    rows[3]["effective_end"] = "2025-09-30"
    outcome = participant_import(
        entity=entity_a, performance_year=2025, content=to_csv(rows), acting_user=aco_admin
    )
    assert outcome.summary.as_dict()["updated"] == 1
    assert (
        Participation.objects.get(provider__npi=rows[3]["npi"]).end_date.isoformat() == "2025-09-30"
    )


def test_the_exported_list_equals_what_was_imported(entity_a, aco_admin) -> None:
    rows = roster_rows(300)
    rows[0]["ccn"] = "450001"
    participant_import(
        entity=entity_a, performance_year=2025, content=to_csv(rows), acting_user=aco_admin
    )
    exported = list(
        csv.DictReader(io.StringIO(participant_list_csv(entity=entity_a, performance_year=2025)))
    )
    key = lambda r: (r["tin"], r["npi"], r["ccn"], r["effective_start"])  # noqa: E731
    columns = ["tin", "npi", "ccn", "specialty_code", "role", "effective_start", "effective_end"]
    assert sorted(({c: r[c] for c in columns} for r in exported), key=key) == sorted(rows, key=key)
    # The export itself imports back without any change.
    again = participant_import(
        entity=entity_a,
        performance_year=2025,
        content=participant_list_csv(entity=entity_a, performance_year=2025),
    )
    assert again.summary.unchanged == 300
    assert participant_list_rows(entity=entity_a, performance_year=2024) == []


def test_the_import_command_exits_non_zero_listing_the_bad_rows(entity_a, tmp_path) -> None:
    rows = roster_rows(50)
    rows[10]["effective_start"] = "2025-02-30"
    path = tmp_path / "list.csv"
    path.write_text(to_csv(rows))
    with pytest.raises(CommandError) as excinfo:
        call_command("import_participants", "--entity", "A9001", "--year", "2025", str(path))
    assert "line 12, effective_start: Effective start '2025-02-30' is not a date" in str(
        excinfo.value
    )
    assert Participation.objects.count() == 0

    rows[10]["effective_start"] = "2025-02-28"
    path.write_text(to_csv(rows))
    out = io.StringIO()
    call_command(
        "import_participants", "--entity", "A9001", "--year", "2025", str(path), stdout=out
    )
    assert "50 rows: 50 new, 0 updated, 0 unchanged" in out.getvalue()
    assert Participation.objects.count() == 50


def test_the_import_runs_a_fixed_number_of_queries_whatever_the_row_count(
    entity_a, django_assert_max_num_queries
) -> None:
    content = to_csv(roster_rows(1000))
    with django_assert_max_num_queries(10):
        participant_import_preview(entity=entity_a, performance_year=2025, content=content)
    with django_assert_max_num_queries(30):
        participant_import(entity=entity_a, performance_year=2025, content=content)
