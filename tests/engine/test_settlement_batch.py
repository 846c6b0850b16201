"""The batch calculator: ten entity-years against figures worked by hand, and bad rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from settlement.engine.batch import (
    mssp_input_row,
    parse_mssp_row,
    parse_reach_row,
    reach_input_row,
    run_batch,
    write_rows,
)
from settlement.engine.columns import MSSP_OUTPUT, REACH_OUTPUT, REACH_REQUIRED
from tests.engine.settlement_support import BOOK

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = (
    "entity_id,performance_year,track,assigned_beneficiaries,total_benchmark,total_expenditure,"
    "msr_mlr,quality_score,met_qps,met_alt_qps,met_reporting,participant_revenue"
)


def test_ten_entity_years_give_the_figures_worked_by_hand() -> None:
    with (FIXTURES / "mssp_ten_entity_years.csv").open(newline="") as handle:
        outcome = run_batch("mssp", handle, BOOK)
    assert outcome.errors == []
    with (FIXTURES / "mssp_ten_entity_years_expected.csv").open(newline="") as handle:
        expected = list(csv.DictReader(handle))
    assert len(outcome.rows) == len(expected) == 10
    for row, want in zip(outcome.rows, expected, strict=True):
        for column in (
            "entity_id",
            "gross_savings",
            "msr_pct",
            "final_sharing_rate_pct",
            "final_loss_rate_pct",
            "generated_savings_losses",
            "earned_savings_losses",
        ):
            assert row[column] == want[column], (want["entity_id"], column)


def test_the_output_has_exactly_the_issue_columns() -> None:
    with (FIXTURES / "mssp_ten_entity_years.csv").open(newline="") as handle:
        outcome = run_batch("mssp", handle, BOOK)
    out = io.StringIO()
    write_rows(outcome, out)
    assert out.getvalue().splitlines()[0] == ",".join(MSSP_OUTPUT)
    assert MSSP_OUTPUT == (
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
    )


def test_bad_rows_are_reported_by_line_and_column_and_the_others_still_compute() -> None:
    text = "\n".join(
        [
            HEADER,
            "A1,2025,BASIC_E,20000,240000000,230400000,2,80,true,false,true,30000000",
            "A2,2025,BASIC_E,20000,24O000000,230400000,2,80,true,false,true,30000000",
            "A3,2025,BASIC_F,20000,240000000,230400000,2,80,yes,false,true,30000000",
            "A4,2019,BASIC_E,20000,240000000,230400000,2,80,true,false,true,30000000",
            "A5,2025,BASIC_E,20000,240000000,249600000,2,120,true,false,true,30000000",
            "A6,2025,BASIC_E,20000,240000000,249600000,2,80,true,false,true,",
            "A7,2025,ENHANCED,20000,240000000,230400000,2,80,true,false,true,",
        ]
    )
    outcome = run_batch("mssp", io.StringIO(text), BOOK)
    # A6 (losses, no participant revenue) is settled with the benchmark-based limit and a warning
    # (test_reported_figures below).
    assert [row["entity_id"] for row in outcome.rows] == ["A1", "A6", "A7"]
    messages = [str(e) for e in outcome.errors]
    assert "line 3, column total_benchmark: '24O000000' is not a number" in messages
    assert any(m.startswith("line 4, column track: 'BASIC_F' is not one of") for m in messages)
    assert "line 4, column met_qps: 'yes' is not true or false" in messages
    assert any(
        m.startswith("line 5, column performance_year: no MSSP parameters for BASIC_E in PY2019")
        for m in messages
    )
    assert "line 6, column quality_score: must be between 0 and 100" in messages
    assert outcome.failed_lines == {3, 4, 5, 6}


def test_a_header_with_a_missing_or_misspelt_column_fails_the_whole_file() -> None:
    text = HEADER.replace("met_reporting", "met_reportng") + ",msr_pc\n"
    outcome = run_batch("mssp", io.StringIO(text), BOOK)
    messages = [str(e) for e in outcome.errors]
    assert "line 1, column met_reporting: required column is missing from the header" in messages
    assert (
        "line 1, column met_reportng: unknown column (check the spelling of optional columns)"
        in messages
    )
    assert (
        "line 1, column msr_pc: unknown column (check the spelling of optional columns)" in messages
    )
    assert outcome.rows == []


def test_a_row_with_more_values_than_columns_is_reported() -> None:
    text = (
        HEADER + "\nA1,2025,BASIC_E,20000,240000000,230400000,2,80,true,false,true,30000000,extra\n"
    )
    outcome = run_batch("mssp", io.StringIO(text), BOOK)
    assert [str(e) for e in outcome.errors] == ["line 2: more values than header columns"]


def test_line_numbers_count_physical_lines_when_a_field_spans_two() -> None:
    text = (
        HEADER
        + '\n"A\n1",2025,BASIC_E,20000,240000000,230400000,2,80,true,false,true,30000000\nA2,2025,BASIC_E,x,240000000,230400000,2,80,true,false,true,30000000\n'
    )
    outcome = run_batch("mssp", io.StringIO(text), BOOK)
    assert [str(e) for e in outcome.errors] == [
        "line 4, column assigned_beneficiaries: 'x' is not a whole number"
    ]


def test_the_reach_batch_settles_the_worked_example() -> None:
    text = (
        "entity_id,performance_year,arrangement,benchmark,total_cost_of_care,quality_withhold_earned_pct,pcc_enhanced_paid\n"
        "D1,2023,global,60000000,54000000,80,\n"
        "D2,2023,PROFESSIONAL,60000000,54000000,80%,100000\n"
        "D3,2023,GLOBAL,60000000,54000000,180,\n"
    )
    outcome = run_batch("reach", io.StringIO(text), BOOK)
    assert outcome.columns == REACH_OUTPUT
    first, second = outcome.rows
    assert (
        first["final_benchmark"],
        first["shared_savings_losses"],
        first["earned_savings_losses"],
    ) == (
        "57960000.00",
        "3960000.00",
        "3880800.00",
    )
    assert (second["shared_savings_losses"], second["net_settlement"]) == (
        "2464200.00",
        "2314916.00",
    )
    assert [str(e) for e in outcome.errors] == [
        "line 4, column quality_withhold_earned_pct: must be between 0 and 100"
    ]


def test_an_input_written_in_the_batch_columns_reads_back_as_the_same_input() -> None:
    # The settlement service stores a typed input (the collector's) in the batch columns: the
    # stored row must read back to the input that was settled, optional figures included.
    with (FIXTURES / "mssp_ten_entity_years.csv").open(newline="") as stream:
        rows = list(csv.DictReader(stream))
    rows.append({**rows[0], "low_revenue": "true", "euc_loss_reduction": "12.5"})
    for line, row in enumerate(rows, start=2):
        inputs, errors = parse_mssp_row(line, row)
        assert errors == []
        assert inputs is not None
        assert parse_mssp_row(line, mssp_input_row(inputs)) == (inputs, [])
    reach = {
        "entity_id": "D2", "performance_year": "2023", "arrangement": "professional",
        "benchmark": "60000000", "total_cost_of_care": "54000000",
        "quality_withhold_earned_pct": "80%", "aligned_member_months": "1200",
        "stop_loss_payout": "1000", "pcc_enhanced_paid": "100000",
    }  # fmt: skip
    for row in (reach, {k: v for k, v in reach.items() if k in REACH_REQUIRED}):
        reach_inputs, errors = parse_reach_row(2, row)
        assert errors == []
        assert reach_inputs is not None
        assert parse_reach_row(2, reach_input_row(reach_inputs)) == (reach_inputs, [])
