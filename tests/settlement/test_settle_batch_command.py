"""`manage.py settle_batch`, run as a finance user would."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "engine" / "fixtures"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "settle_batch", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_ten_entity_years_settle_to_the_expected_figures(tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    result = run(
        "--program",
        "mssp",
        "--input",
        str(FIXTURES / "mssp_ten_entity_years.csv"),
        "--output",
        str(out),
    )
    assert result.returncode == 0, result.stderr
    assert "10 settled, 0 failed" in result.stderr
    rows = list(csv.DictReader(out.open()))
    with (FIXTURES / "mssp_ten_entity_years_expected.csv").open() as handle:
        expected = {row["entity_id"]: row for row in csv.DictReader(handle)}
    assert [r["earned_savings_losses"] for r in rows] == [
        expected[r["entity_id"]]["earned_savings_losses"] for r in rows
    ]
    assert list(rows[0]) == [
        "entity_id",
        "performance_year",
        "gross_savings",
        "savings_rate_pct",
        "msr_pct",
        "generated_savings_losses",
        "final_sharing_rate_pct",
        "final_loss_rate_pct",
        "earned_savings_losses",
        "explanation",
    ]
    assert rows[0]["explanation"].startswith("1. Performance year / track: PY2025 BASIC_E")


def test_a_bad_row_is_reported_with_line_and_column_and_the_exit_status_is_not_zero(
    tmp_path: Path,
) -> None:
    source = tmp_path / "in.csv"
    lines = (FIXTURES / "mssp_ten_entity_years.csv").read_text().splitlines()
    lines.insert(
        3, "A0999,2025,BASIC_E,20000,240000000,23O400000,2,,80,true,false,true,30000000,false,"
    )
    source.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.csv"
    result = run("--program", "mssp", "--input", str(source), "--output", str(out))
    assert result.returncode == 1
    assert (
        f"{source} line 4, column total_expenditure: '23O400000' is not a number" in result.stderr
    )
    assert "10 settled, 1 failed" in result.stderr
    assert len(list(csv.DictReader(out.open()))) == 10


def test_reach_rows_settle_with_their_own_columns(tmp_path: Path) -> None:
    source = tmp_path / "reach.csv"
    source.write_text(
        "entity_id,performance_year,arrangement,benchmark,total_cost_of_care,quality_withhold_earned_pct\n"
        "D0001,2023,PROFESSIONAL,60000000,54000000,80\n"
    )
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "settle_batch", program="reach", input=str(source), output="-", stdout=out, stderr=err
    )
    row = next(csv.DictReader(out.getvalue().splitlines()))
    assert row["shared_savings_losses"] == "2464200.00"
    assert row["earned_savings_losses"] == "2414916.00"


def test_a_header_without_required_columns_fails_with_status_1(tmp_path: Path) -> None:
    source = tmp_path / "empty.csv"
    source.write_text("entity_id,performance_year\nA1,2025\n")
    err = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command(
            "settle_batch",
            program="mssp",
            input=str(source),
            output=str(tmp_path / "o.csv"),
            stderr=err,
        )
    assert error.value.returncode == 1
    assert "line 1, column track: required column is missing from the header" in err.getvalue()


def test_an_unreadable_input_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        call_command(
            "settle_batch", program="mssp", input=str(tmp_path / "missing.csv"), output="-"
        )
