"""Making Care Primary close-out statement, Jul 2024 - Dec 2025 (domain.md 5).

CMS ended MCP early (by Dec 31 2025), so the model is built only as a closed program: what each
payment mechanism owed the practice over its two performance periods (Jul-Dec 2024 and CY2025)
against what CMS paid, and the balance that closes the account. The payment amounts (ESP per
beneficiary per month by track and risk tier, the practice's PPCP rate, the PIP rate earned) are
not in the shipped parameter tables (domain.md 5: "amounts R, not retrieved"): the caller passes
them in `MCPParameters` and `MCPInput` from the practice's participation documents.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from settlement.engine.errors import SettlementInputError
from settlement.engine.explanation import ExplanationBuilder, Step, fmt_money, fmt_pct
from settlement.engine.parameters import MCPParameters
from settlement.engine.rounding import exact, round_to_cent

ZERO = Decimal("0")
STATEMENT_FIRST_MONTH = "2024-07"
STATEMENT_LAST_MONTH = "2025-12"


class MCPPayment(StrEnum):
    ESP = "Enhanced Services Payment"
    PPCP = "Prospective Primary Care Payment"
    PIP = "Performance Incentive Payment"
    UIP = "Upfront Infrastructure Payment"


class MCPPeriod(StrEnum):
    PY2024 = "Jul-Dec 2024"
    PY2025 = "Jan-Dec 2025"
    WHOLE = "Jul 2024 - Dec 2025"


def period_of(month: str) -> MCPPeriod:
    """The performance period of a month written YYYY-MM; outside the statement it is an error."""
    if (
        len(month) != 7
        or month[4] != "-"
        or not (month[:4] + month[5:]).isdigit()
        or not 1 <= int(month[5:]) <= 12
    ):
        raise SettlementInputError("month", f"{month!r} is not a month written YYYY-MM")
    if not STATEMENT_FIRST_MONTH <= month <= STATEMENT_LAST_MONTH:
        raise SettlementInputError(
            "month",
            f"{month} is outside the MCP statement (Jul 2024 - Dec 2025; the model ended early, domain.md 5)",
        )
    return MCPPeriod.PY2024 if month.startswith("2024") else MCPPeriod.PY2025


@dataclass(frozen=True)
class TierMonth:
    """Attributed beneficiaries in one risk tier in one month."""

    month: str
    tier: int
    beneficiaries: int


@dataclass(frozen=True)
class PIPResult:
    """CMS's PIP determination for a period: the base it applies to and the rate earned."""

    period: MCPPeriod
    base: Decimal
    rate: Decimal


@dataclass(frozen=True)
class PaymentReceived:
    payment: MCPPayment
    period: MCPPeriod
    amount: Decimal


@dataclass(frozen=True)
class MCPInput:
    practice_id: str
    track: int
    attribution: tuple[TierMonth, ...]
    ppcp_pbpm: Decimal | None = None  # the practice's PPCP rate (Tracks 2 and 3)
    pip: tuple[PIPResult, ...] = ()
    uip_eligible: bool = False
    received: tuple[PaymentReceived, ...] = ()


@dataclass(frozen=True)
class StatementLine:
    payment: MCPPayment
    period: MCPPeriod
    due: Decimal
    received: Decimal
    balance: Decimal  # due - received: positive, CMS owes the practice


@dataclass(frozen=True)
class MCPStatement:
    inputs: MCPInput
    parameters: MCPParameters
    lines: tuple[StatementLine, ...]
    total_due: Decimal
    total_received: Decimal
    closing_balance: Decimal
    explanation: tuple[Step, ...]


def mcp_close_out(inputs: MCPInput, params: MCPParameters) -> MCPStatement:
    """The close-out statement of one MCP practice (domain.md 5), each line rounded to the cent.

    ESP = sum over months and tiers of beneficiaries x the track's tier PBPM; PPCP = attributed
    beneficiary months x the practice's PPCP rate (Tracks 2-3 only); PIP = base x rate earned,
    at most the track's maximum when the parameters give one; UIP = the Track 1 amount for an
    eligible practice. Balance = due - received.
    """
    if inputs.track not in (1, 2, 3) or inputs.track != params.track:
        raise SettlementInputError(
            "track", f"must be 1, 2 or 3 and match the parameters (Track {params.track})"
        )
    ex = ExplanationBuilder(parameters=params.label)
    ex.input("Practice / track", f"{inputs.practice_id} / Track {inputs.track}")
    due: dict[tuple[MCPPayment, MCPPeriod], Decimal] = defaultdict(lambda: ZERO)
    member_months: dict[MCPPeriod, int] = defaultdict(int)

    with exact():
        for row in inputs.attribution:
            period = period_of(row.month)
            if row.beneficiaries < 0:
                raise SettlementInputError(
                    "beneficiaries", f"negative count in {row.month} tier {row.tier}"
                )
            rate = params.esp_pbpm_by_tier.get(row.tier)
            if rate is None:
                raise SettlementInputError(
                    "tier",
                    f"no ESP amount for Track {inputs.track} risk tier {row.tier}: the amounts were not "
                    "retrieved (domain.md 5); give it (an esp_rate row) from the practice's MCP "
                    "participation documents or the MCP RFA (Aug 2023) payment tables",
                )
            due[(MCPPayment.ESP, period)] += rate * row.beneficiaries
            member_months[period] += row.beneficiaries
    ex.rule(
        "ESP = attributed beneficiaries x the tier's per-beneficiary-per-month amount, by month",
        "; ".join(f"tier {t}: {fmt_money(r)}" for t, r in sorted(params.esp_pbpm_by_tier.items())),
        citation=f"domain.md 5; amounts supplied by the user from: {params.esp_source}"
        if params.esp_source
        else "domain.md 5 (amounts from the MCP RFA, supplied)",
        to_confirm=not params.esp_source,
    )

    if inputs.ppcp_pbpm is not None:
        if inputs.track == 1:
            raise SettlementInputError(
                "ppcp_pbpm", "Track 1 has no Prospective Primary Care Payment"
            )
        with exact():
            for period, months in member_months.items():
                due[(MCPPayment.PPCP, period)] += inputs.ppcp_pbpm * months
        ex.rule(
            "PPCP = attributed beneficiary months x the practice's PPCP rate",
            fmt_money(inputs.ppcp_pbpm),
            citation="domain.md 5 (replaces part of FFS primary care revenue in Track 2, all of it in Track 3)",
        )

    for pip in inputs.pip:
        if pip.period == MCPPeriod.WHOLE:
            raise SettlementInputError("pip", "a PIP result belongs to one performance period")
        rate = pip.rate
        if params.pip_max_rate is not None and rate > params.pip_max_rate:
            raise SettlementInputError(
                "pip",
                f"rate {fmt_pct(rate)} exceeds the Track maximum {fmt_pct(params.pip_max_rate)}",
            )
        with exact():
            due[(MCPPayment.PIP, pip.period)] += pip.base * rate
        ex.rule(
            f"PIP {pip.period} = base x rate earned",
            f"{fmt_money(pip.base)} x {fmt_pct(rate)}",
            citation="domain.md 5 (upside only; rate from CMS's PIP determination)",
        )

    if inputs.uip_eligible:
        if inputs.track != 1 or params.uip_total is None:
            raise SettlementInputError(
                "uip_eligible",
                "the Upfront Infrastructure Payment is for eligible Track 1 practices",
            )
        due[(MCPPayment.UIP, MCPPeriod.WHOLE)] += params.uip_total
        ex.rule(
            f"UIP for an eligible Track 1 practice, in {params.uip_installments} installments",
            fmt_money(params.uip_total),
            citation=params.source("uip_total"),
            to_confirm=params.to_confirm("uip_total"),
        )

    received: dict[tuple[MCPPayment, MCPPeriod], Decimal] = defaultdict(lambda: ZERO)
    with exact():
        for payment in inputs.received:
            received[(payment.payment, payment.period)] += payment.amount

    lines = []
    order = list(MCPPayment)
    for key in sorted(
        set(due) | set(received), key=lambda k: (order.index(k[0]), list(MCPPeriod).index(k[1]))
    ):
        # Rounding: each statement line is rounded to the cent (rounding.py, issue 7).
        line_due = round_to_cent(due[key])
        line_received = round_to_cent(received[key])
        with exact():
            balance = line_due - line_received
        lines.append(StatementLine(key[0], key[1], line_due, line_received, balance))
        ex.figure(
            f"{key[0]}, {key[1]}: due - received",
            f"{fmt_money(line_due)} - {fmt_money(line_received)} = {fmt_money(balance)}",
        )
    with exact():
        total_due = sum((line.due for line in lines), ZERO)
        total_received = sum((line.received for line in lines), ZERO)
        closing = total_due - total_received
    ex.result(
        "Closing balance (positive: CMS owes the practice)"
        if closing >= 0
        else "Closing balance (the practice repays CMS)",
        fmt_money(closing),
    )
    return MCPStatement(
        inputs=inputs,
        parameters=params,
        lines=tuple(lines),
        total_due=total_due,
        total_received=total_received,
        closing_balance=closing,
        explanation=ex.build(),
    )
