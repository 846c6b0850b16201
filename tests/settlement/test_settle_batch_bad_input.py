"""Bad figures in a batch are refused row by row (line and column named) while the good rows are
still written, the upload page never answers 500, formula-like text is written as text, and the
command streams: its memory does not grow with the number of rows."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from settlement.engine.batch import run_batch, stream_batch
from settlement.engine.mcp_closeout import read_closeout
from settlement.parameters import load_parameter_book

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "engine" / "fixtures"
HEADER = (
    "entity_id,performance_year,track,assigned_beneficiaries,total_benchmark,total_expenditure,"
    "msr_mlr,quality_score,met_qps,met_alt_qps,met_reporting,participant_revenue"
)
GOOD = "A1,2025,BASIC_E,20000,240000000,230400000,2,80,true,false,true,30000000"


def _settle(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "settle_batch", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_out_of_range_amounts_refuse_their_rows_and_the_good_rows_are_written(
    tmp_path: Path,
) -> None:
    source = tmp_path / "in.csv"
    rows = [GOOD]
    for n, value in enumerate(["1e400", "1e-400", "-1e400"], start=2):
        rows += [GOOD.replace("A1,", f"A{n},").replace("230400000", value)]
    rows += [GOOD.replace("A1,", "A9,")]
    source.write_text("\n".join([HEADER, *rows]) + "\n")
    out = tmp_path / "out.csv"
    result = _settle("--program", "mssp", "--input", str(source), "--output", str(out))
    assert result.returncode == 1
    assert "line 3, column total_expenditure: '1e400' is too large (at most 13 whole digits)" in (
        result.stderr
    )
    assert "line 4, column total_expenditure: '1e-400' has more than 12 decimal places" in (
        result.stderr
    )
    assert "line 5, column total_expenditure: '-1e400' is too large" in result.stderr
    assert "2 settled, 3 failed (5 rows read)" in result.stderr
    assert [r["entity_id"] for r in csv.DictReader(out.open())] == ["A1", "A9"]
    assert not (tmp_path / "out.csv.part").exists()


def test_out_of_range_counts_and_unicode_digits_are_refused_by_column() -> None:
    rows = [
        GOOD.replace("20000", "99999999999999999999"),
        GOOD.replace("2025", "２０２５"),
        GOOD.replace("30000000", "1E+20"),
    ]
    outcome = run_batch("mssp", io.StringIO("\n".join([HEADER, *rows]) + "\n"), _BOOK)
    assert [str(e) for e in outcome.errors] == [
        "line 2, column assigned_beneficiaries: '99999999999999999999' is too large (at most 9 digits)",
        "line 3, column performance_year: '２０２５' is not a whole number",
        "line 4, column participant_revenue: '1E+20' is too large (at most 13 whole digits)",
    ]


_BOOK = load_parameter_book()


@pytest.mark.django_db
def test_the_upload_page_lists_an_out_of_range_amount_instead_of_failing(client_a) -> None:
    text = "\n".join([HEADER, GOOD, GOOD.replace("240000000", "1e400")]) + "\n"
    upload = SimpleUploadedFile("in.csv", text.encode(), content_type="text/csv")
    response = client_a.post(reverse("settlement:batch"), {"program": "mssp", "file": upload})
    assert response.status_code == 200
    content = response.content.decode()
    assert "1 settled, 1 failed" in content
    assert "line 3, column total_benchmark: &#x27;1e400&#x27; is too large" in content


def test_formula_like_entity_ids_are_written_as_text_and_negative_money_as_numbers(
    tmp_path: Path,
) -> None:
    source = tmp_path / "in.csv"
    losing = GOOD.replace("230400000", "260000000")  # a loss: negative amounts
    source.write_text(
        "\n".join([HEADER, losing.replace("A1,", "=HYPERLINK(1),"), losing.replace("A1,", "@x,")])
        + "\n"
    )
    out = io.StringIO()
    call_command("settle_batch", program="mssp", input=str(source), output="-", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["entity_id"] for r in rows] == ["'=HYPERLINK(1)", "'@x"]
    assert rows[0]["generated_savings_losses"].startswith("-")
    assert float(rows[0]["generated_savings_losses"]) < 0


def _peak_bytes(rows: int) -> int:
    """Peak memory Python allocated while streaming `rows` rows through the batch."""
    lines = (FIXTURES / "mssp_ten_entity_years.csv").read_text().splitlines()
    source = io.StringIO("\n".join([lines[0]] + [lines[1 + i % 10] for i in range(rows)]) + "\n")
    target = open(os.devnull, "w")  # noqa: SIM115 - closed below
    tracemalloc.start()
    try:
        outcome = stream_batch("mssp", source, _BOOK, target)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        target.close()
    assert outcome.settled == rows
    return peak


def test_the_batch_streams_its_rows_memory_does_not_grow_with_the_file() -> None:
    small, large = _peak_bytes(50), _peak_bytes(2000)
    # Kept, 2,000 rows' results and explanations took about 16 MB; streamed, the peak is flat.
    assert large - small < 1_000_000, (small, large)


def test_a_close_out_file_with_out_of_range_figures_is_refused_by_line_and_column() -> None:
    example = (ROOT / "docs" / "examples" / "mcp_closeout_practice.csv").read_text().splitlines()
    lines = [example[0]]
    for line in example[1:]:
        cells = line.split(",")
        if cells[0] == "received" and "1e400" not in ",".join(lines):
            cells[5] = "1e400"
        elif cells[0] == "attribution" and "²" not in ",".join(lines):
            cells[4] = "²"
        lines.append(",".join(cells))
    read = read_closeout(io.StringIO("\n".join(lines) + "\n", newline=""), _BOOK)
    assert read.inputs is None
    messages = [str(error) for error in read.errors]
    assert any("column tier: '²' is not a whole number" in m for m in messages), messages
    assert any(
        "column value: '1e400' is not an amount of zero or more (at most 13 whole digits" in m
        for m in messages
    ), messages
