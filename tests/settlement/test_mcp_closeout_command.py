"""`manage.py mcp_closeout`: the close-out statement as CSV and PDF, as a finance user runs it."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "mcp_closeout_practice.csv"


def test_it_writes_the_statement_csv_and_pdf(tmp_path: Path) -> None:
    out, pdf = tmp_path / "statement.csv", tmp_path / "statement.pdf"
    err = io.StringIO()
    call_command("mcp_closeout", input=str(EXAMPLE), output=str(out), pdf=str(pdf), stderr=err)
    rows = list(csv.reader(out.open()))
    assert rows[0] == ["payment", "period", "due", "received", "balance"]
    assert rows[1] == ["Enhanced Services Payment", "Jul-Dec 2024", "6600.00", "6600.00", "0.00"]
    assert ["Total (closing balance)", "Jul 2024 - Dec 2025", "52995.00", "49665.00",
            "3330.00"] in rows  # fmt: skip
    assert ["step", "explanation"] in rows
    # The steps of the file a practice keeps cite the CMS document, not our rules digest.
    assert not [r for r in rows if any("domain.md" in cell for cell in r)]
    assert pdf.read_bytes().startswith(b"%PDF")
    assert "closing balance 3,330.00" in err.getvalue()


def test_a_bad_file_names_line_and_column_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "record,payment,period,month,tier,value,source\npractice,,,,,P-1,\ntrack,,,,,9,\n"
    )
    out = tmp_path / "statement.csv"
    err = io.StringIO()
    with pytest.raises(CommandError, match="nothing written"):
        call_command("mcp_closeout", input=str(bad), output=str(out), stderr=err)
    assert "line 3, column value" in err.getvalue()
    assert not out.exists()


def test_a_month_outside_the_model_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "record,payment,period,month,tier,value,source\npractice,,,,,P-1,\ntrack,,,,,2,\n"
        "esp_rate,,,,1,9.00,participation agreement\nattribution,,,2026-01,1,5,\n"
    )
    with pytest.raises(CommandError, match="outside the MCP statement"):
        call_command("mcp_closeout", input=str(bad), output=str(tmp_path / "o.csv"))


@pytest.mark.django_db
def test_a_finance_user_uploads_the_file_on_the_page(client_a: Any) -> None:
    page = client_a.get("/settlement/mcp/")
    assert page.status_code == 200
    with EXAMPLE.open("rb") as handle:
        response = client_a.post("/settlement/mcp/", {"file": handle})
    assert response.status_code == 200
    page = response.content.decode()
    # Amounts as money, steps cited as CMS documents with the parameter table in words (the
    # page showed 52995.00 and "[domain.md 5] (mcp 2026.1: Track 2)").
    assert '<td class="num">$52,995.00</td>' in page
    assert '<td class="num">$3,330.00</td>' in page
    assert "52995.00" not in page
    assert "domain.md" not in page
    assert "Making Care Primary Model Financial Methodology" in page
    assert "(mcp 2026.1" not in page
    assert "data:application/pdf;base64," in page
    assert "EXAMPLE ONLY" in page  # the ESP amounts' source, in the steps


@pytest.mark.django_db
def test_the_page_lists_a_bad_files_problems(client_a: Any) -> None:
    bad = io.BytesIO(b"record,value\ntrack,9\n")
    bad.name = "bad.csv"
    response = client_a.post("/settlement/mcp/", {"file": bad})
    assert b"line 2, column value" in response.content
    assert b"no practice record" in response.content
