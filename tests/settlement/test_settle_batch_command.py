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
        "warnings",
        "explanation",
    ]
    assert rows[0]["explanation"].startswith(
        "1. Performance year / track: PY2025 BASIC track, level E"
    )


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


def test_cms_rounding_and_a_missing_revenue_are_accepted_with_a_warning(tmp_path: Path) -> None:
    # Worked in tests/engine/test_settlement_reported_figures.py: BASIC C losses 9,600,000 x 30%
    # = 2,880,000 limited to 1% x 240,000,000 = 2,400,000 (revenue-based limit not checked);
    # BASIC E shared losses 2,880,000.399 with a reported EUC reduction of 2,880,001: 0.00 owed.
    source = tmp_path / "cms.csv"
    source.write_text(
        "entity_id,performance_year,track,assigned_beneficiaries,total_benchmark,"
        "total_expenditure,msr_mlr,quality_score,met_qps,met_alt_qps,met_reporting,"
        "participant_revenue,euc_loss_reduction\n"
        "C1,2025,BASIC_C,20000,240000000,249600000,2,80,true,false,true,,\n"
        "U1,2025,BASIC_E,20000,240000000,249600001.33,2,80,true,false,true,40000000,2880001\n"
    )
    out = tmp_path / "out.csv"
    result = run("--program", "mssp", "--input", str(source), "--output", str(out))
    assert result.returncode == 0, result.stderr
    assert "2 settled, 0 failed" in result.stderr
    rows = {row["entity_id"]: row for row in csv.DictReader(out.open())}
    assert rows["C1"]["earned_savings_losses"] == "-2400000.00"
    assert rows["C1"]["warnings"].startswith("revenue-based loss sharing limit not checked")
    assert rows["U1"]["earned_savings_losses"] == "0.00"
    assert "limited to the shared losses" in rows["U1"]["warnings"]
