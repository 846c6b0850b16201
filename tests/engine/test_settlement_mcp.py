"""Making Care Primary close-out statement (domain.md 5)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from settlement.engine.errors import SettlementInputError
from settlement.engine.mcp import (
    MCPInput,
    MCPPayment,
    MCPPeriod,
    PaymentReceived,
    PIPResult,
    TierMonth,
    mcp_close_out,
)
from settlement.engine.parameters import MCPParameters
from tests.engine.settlement_support import BOOK

# ESP amounts were not retrieved (domain.md 5): the test, like a real caller, supplies its own.
TRACK_2 = MCPParameters(
    track=2,
    version="test",
    esp_pbpm_by_tier={1: Decimal("9.00"), 2: Decimal("12.50"), 3: Decimal("20.00")},
    uip_total=None,
    uip_installments=0,
)


def months(first: str, count: int, tier: int, beneficiaries: int) -> tuple[TierMonth, ...]:
    year, month = int(first[:4]), int(first[5:])
    rows = []
    for _ in range(count):
        rows.append(TierMonth(f"{year}-{month:02d}", tier, beneficiaries))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(rows)


def practice(**overrides: Any) -> MCPInput:
    base = MCPInput(
        practice_id="MCP-TEST-1",
        track=2,
        attribution=months("2024-07", 18, 1, 100) + months("2024-07", 18, 3, 10),
        ppcp_pbpm=Decimal("15.25"),
        pip=(PIPResult(MCPPeriod.PY2025, Decimal("100000"), Decimal("0.03")),),
        received=(
            PaymentReceived(MCPPayment.ESP, MCPPeriod.PY2024, Decimal("6600")),
            PaymentReceived(MCPPayment.ESP, MCPPeriod.PY2025, Decimal("13000")),
        ),
    )
    return replace(base, **overrides)


def test_the_statement_reconciles_each_payment_by_period() -> None:
    statement = mcp_close_out(practice(), TRACK_2)
    lines = {(line.payment, line.period): line for line in statement.lines}
    # Jul-Dec 2024: 6 x (100 x $9 + 10 x $20) = $6,600.
    assert lines[(MCPPayment.ESP, MCPPeriod.PY2024)].due == Decimal("6600.00")
    assert lines[(MCPPayment.ESP, MCPPeriod.PY2024)].balance == 0
    # 2025: 12 x $1,100 = $13,200 due, $13,000 received.
    assert lines[(MCPPayment.ESP, MCPPeriod.PY2025)].balance == Decimal("200.00")
    # PPCP: 110 beneficiaries x 6 months x $15.25.
    assert lines[(MCPPayment.PPCP, MCPPeriod.PY2024)].due == Decimal("10065.00")
    assert lines[(MCPPayment.PIP, MCPPeriod.PY2025)].due == Decimal("3000.00")
    assert statement.closing_balance == statement.total_due - statement.total_received
    assert statement.closing_balance == Decimal("200.00") + Decimal("10065.00") + Decimal(
        "20130.00"
    ) + Decimal("3000.00")


def test_months_outside_jul_2024_to_dec_2025_are_refused() -> None:
    with pytest.raises(SettlementInputError, match="outside the MCP statement"):
        mcp_close_out(practice(attribution=months("2026-01", 1, 1, 5)), TRACK_2)
    with pytest.raises(SettlementInputError, match="outside the MCP statement"):
        mcp_close_out(practice(attribution=months("2024-06", 1, 1, 5)), TRACK_2)


def test_a_tier_without_an_esp_amount_says_where_to_load_it_from() -> None:
    with pytest.raises(SettlementInputError, match="MCP RFA"):
        mcp_close_out(practice(attribution=months("2024-07", 1, 4, 5)), TRACK_2)


def test_track_1_has_no_ppcp_but_may_get_the_upfront_infrastructure_payment() -> None:
    shipped = BOOK.mcp_track(1)
    track_1 = replace(shipped, esp_pbpm_by_tier={1: Decimal("9.00")})
    with pytest.raises(SettlementInputError) as error:
        mcp_close_out(practice(track=1, attribution=months("2024-07", 1, 1, 5)), track_1)
    assert error.value.field == "ppcp_pbpm"
    statement = mcp_close_out(
        practice(
            track=1,
            ppcp_pbpm=None,
            pip=(),
            received=(),
            attribution=months("2024-07", 1, 1, 5),
            uip_eligible=True,
        ),
        track_1,
    )
    uip = [line for line in statement.lines if line.payment == MCPPayment.UIP]
    assert uip[0].due == Decimal("72500.00")
    assert any(step.to_confirm for step in statement.explanation)


def test_the_shipped_tables_hold_no_esp_amounts_because_none_were_retrieved() -> None:
    assert all(not BOOK.mcp_track(track).esp_pbpm_by_tier for track in (1, 2, 3))
