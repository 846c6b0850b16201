"""The MCP close-out file (settlement/engine/mcp_closeout.py): the example practice read and
settled to figures worked by hand, and bad records reported with their line and column."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

from settlement.engine.errors import SettlementInputError
from settlement.engine.mcp import MCPPayment, MCPPeriod, mcp_close_out
from settlement.engine.mcp_closeout import read_closeout, statement_rows
from tests.engine.settlement_support import BOOK

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "mcp_closeout_practice.csv"
HEADER = "record,payment,period,month,tier,value,source\n"


def test_the_example_practice_closes_out_to_the_hand_worked_balance() -> None:
    read = read_closeout(io.StringIO(EXAMPLE.read_text()), BOOK)
    assert read.errors == ()
    assert read.inputs is not None
    assert read.parameters is not None
    statement = mcp_close_out(read.inputs, read.parameters)
    lines = {(line.payment, line.period): line for line in statement.lines}
    # ESP: 6 months x (100 x 9.00 + 10 x 20.00) = 6,600.00 in 2024; 12 x 1,100 = 13,200.00 in 2025.
    assert lines[(MCPPayment.ESP, MCPPeriod.PY2024)].due == Decimal("6600.00")
    assert lines[(MCPPayment.ESP, MCPPeriod.PY2025)].balance == Decimal("200.00")
    # PPCP: 110 x 6 x 15.25 = 10,065.00; 110 x 12 x 15.25 = 20,130.00 (20,000.00 received).
    assert lines[(MCPPayment.PPCP, MCPPeriod.PY2024)].balance == Decimal("0.00")
    assert lines[(MCPPayment.PPCP, MCPPeriod.PY2025)].balance == Decimal("130.00")
    # PIP 2025: 100,000.00 x 3% = 3,000.00, nothing received yet.
    assert lines[(MCPPayment.PIP, MCPPeriod.PY2025)].balance == Decimal("3000.00")
    assert statement.total_due == Decimal("52995.00")
    assert statement.total_received == Decimal("49665.00")
    assert statement.closing_balance == Decimal("3330.00")
    total = statement_rows(statement)[-1]
    assert total["balance"] == "3330.00"
    esp_step = next(s for s in statement.explanation if s.label.startswith("ESP ="))
    assert "EXAMPLE ONLY" in esp_step.citation  # the user's source travels with the amounts
    assert not esp_step.to_confirm


def test_bad_records_are_reported_with_line_and_column_and_nothing_is_read() -> None:
    text = HEADER + (
        "practice,,,,,P-1,\n"
        "track,,,,,4,\n"  # line 3
        "esp_rate,,,,1,9.00,\n"  # line 4: no source
        "attribution,,,2024-07,x,5,\n"  # line 5: tier
        "received,FOO,2024,,,1.00,\n"  # line 6: payment
        "pip,,2025,,,100,\n"  # line 7: one number
        "bonus,,,,,1,\n"  # line 8
    )
    read = read_closeout(io.StringIO(text), BOOK)
    assert read.inputs is None
    found = {(e.line, e.column) for e in read.errors}
    assert {(3, "value"), (4, "source"), (5, "tier"), (6, "payment"), (7, "value"),
            (8, "record")} <= found  # fmt: skip


def test_a_tier_without_an_amount_is_refused_by_the_engine_naming_where_to_find_it() -> None:
    text = HEADER + "practice,,,,,P-1,\ntrack,,,,,2,\nattribution,,,2024-07,2,50,\n"
    read = read_closeout(io.StringIO(text), BOOK)
    assert read.errors == ()
    assert read.inputs is not None
    assert read.parameters is not None
    with pytest.raises(SettlementInputError, match="esp_rate"):
        mcp_close_out(read.inputs, read.parameters)
