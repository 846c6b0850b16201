"""Bad participant files are refused with the line and column, never a traceback or a 500, and
nothing is half-written; formula-like names are exported as text and warned about on import."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from entities.models import Participation, Provider
from entities.selectors import participant_list_csv
from entities.services.imports import (
    MAX_FILE_BYTES,
    ParticipantImportError,
    participant_import,
    participant_import_preview,
)
from tests.entities.conftest import roster_rows

pytestmark = pytest.mark.django_db

HEADER = (
    "tin,npi,ccn,specialty_code,role,effective_start,effective_end,tin_legal_name,provider_name"
)


def _file(rows: list[dict[str, str]], names: dict[int, tuple[str, str]]) -> str:
    lines = [HEADER]
    for i, row in enumerate(rows):
        legal, provider = names.get(i, ("Synthetic Clinic", "Synthetic, Pat"))
        cells = [row[c] for c in HEADER.split(",")[:7]] + [legal, provider]
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow(cells)
        lines.append(buffer.getvalue())
    return "\n".join(lines) + "\n"


def test_a_nul_byte_is_refused_by_line_and_column_on_the_command_line(
    entity_a, tmp_path: Path
) -> None:
    rows = roster_rows(3)
    path = tmp_path / "participants.csv"
    path.write_text(_file(rows, {1: ("Synthetic\x00Clinic", "Synthetic, Pat")}))
    with pytest.raises(CommandError) as caught:
        call_command("import_participants", str(path), entity="A9001", year=2025)
    assert "line 3, tin_legal_name: The tin_legal_name cell holds a control character (code 0)" in (
        str(caught.value)
    )
    assert Participation.objects.count() == Provider.objects.count() == 0


def test_the_confirm_step_refuses_a_nul_byte_and_a_year_that_is_not_a_number(
    entity_a, console_admin, login_client
) -> None:
    client = login_client(console_admin)
    url = reverse("admin:entities_entity_participant_import", args=[entity_a.pk])
    content = _file(roster_rows(2), {0: ("Clinic", "Synthetic,\x00 Pat")})
    page = client.post(url, {"step": "import", "performance_year": "2025", "content": content})
    assert page.status_code == 200
    assert "holds a control character" in page.content.decode()
    page = client.post(url, {"step": "import", "performance_year": "abc", "content": content})
    assert page.status_code == 200
    assert "The performance year &#x27;abc&#x27; is not a year" in page.content.decode()
    assert Participation.objects.count() == 0


def test_an_upload_over_the_size_limit_is_refused_before_it_is_read(
    entity_a, console_admin, login_client
) -> None:
    client = login_client(console_admin)
    url = reverse("admin:entities_entity_participant_import", args=[entity_a.pk])
    big = SimpleUploadedFile("big.csv", b"x" * (MAX_FILE_BYTES + 1), content_type="text/csv")
    page = client.post(url, {"step": "preview", "performance_year": "2025", "file": big})
    assert page.status_code == 200
    assert "The file is larger than 16 MB" in page.content.decode()
    assert "preview" not in page.context  # the file was never read


def test_a_byte_neither_utf8_nor_windows_1252_defines_is_refused_not_replaced(entity_a) -> None:
    content = _file(roster_rows(2), {}).encode("cp1252")
    content = content.replace(b"Synthetic Clinic", b"Synthetic Clinic \xe9", 1)  # cp1252 e-acute
    preview = participant_import_preview(entity=entity_a, performance_year=2025, content=content)
    assert preview.ok
    assert preview.rows[0].values["tin_legal_name"] == "Synthetic Clinic \u00e9"
    bad = content.replace(b"\xe9", b"\x81")
    with pytest.raises(ParticipantImportError) as caught:
        participant_import(entity=entity_a, performance_year=2025, content=bad)
    assert "Line 2 holds byte 0x81" in caught.value.message
    assert Participation.objects.count() == 0


def test_formula_names_are_warned_about_and_exported_as_text_that_imports_back(
    entity_a, aco_admin
) -> None:
    rows = roster_rows(4)
    names = {
        0: ('=HYPERLINK("http://x.test","click")', "Synthetic, Pat"),
        1: ("Clinic", "+SUM(1,2)"),
        2: ("@cmd|' /C calc'!A0", "Synthetic, Lee"),
        3: ("-2+3", "Synthetic, Kim"),
    }
    content = _file(rows, names)
    preview = participant_import_preview(entity=entity_a, performance_year=2025, content=content)
    assert preview.ok
    warned = [w for row in preview.rows for w in row.warnings if "formula" in w]
    assert len(warned) == 4
    assert "The tin_legal_name cell begins with '='" in warned[0]
    participant_import(
        entity=entity_a, performance_year=2025, content=content, acting_user=aco_admin
    )

    exported = participant_list_csv(entity=entity_a, performance_year=2025)
    cells = [cell for row in csv.reader(io.StringIO(exported)) for cell in row]
    assert '\'=HYPERLINK("http://x.test","click")' in cells
    assert "'+SUM(1,2)" in cells
    assert "'@cmd|' /C calc'!A0" in cells
    assert "'-2+3" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@") or c.startswith("-2")]
    # The export imports back unchanged: the quotes are read off again.
    again = participant_import(entity=entity_a, performance_year=2025, content=exported)
    assert again.summary.unchanged == 4
    assert not again.summary.created
    assert not again.summary.updated
