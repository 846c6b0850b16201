"""The Making Care Primary close-out file: one CSV per practice read into `MCPInput` and the
track's `MCPParameters`, and the statement written back as rows (domain.md 5).

No shipped source gives the Enhanced Services Payment amounts by risk tier or the PIP rate
(domain.md 5: "amounts R, not retrieved"; parameters/README.md), so the file must carry them,
each with the document it was taken from. The file has the columns

    record, payment, period, month, tier, value, source

and one record per line (blank cells where a record does not use a column):

* `practice`  value = the practice id
* `track`     value = 1, 2 or 3
* `esp_rate`  tier, value = ESP per beneficiary per month (USD), source = where it comes from
              (required: the practice's participation documents or the RFA payment tables)
* `attribution`  month (YYYY-MM, Jul 2024 - Dec 2025), tier, value = attributed beneficiaries
* `ppcp_pbpm` value = the practice's PPCP rate (Tracks 2-3), source
* `pip`       period (2024 or 2025), value = "BASE RATE_PCT" from CMS's PIP determination
* `uip_eligible` value = true or false (Track 1)
* `received`  payment (ESP, PPCP, PIP, UIP), period (2024, 2025 or whole), value = amount paid

Every bad value is reported with its line and column; nothing is computed from a bad file.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from typing import TextIO

from core import csvfiles

from settlement.engine.batch import MAX_DECIMALS, MAX_INTEGER_DIGITS, MAX_WHOLE_DIGITS, RowError
from settlement.engine.explanation import Step
from settlement.engine.mcp import (
    MCPInput,
    MCPPayment,
    MCPPeriod,
    MCPStatement,
    PaymentReceived,
    PIPResult,
    TierMonth,
)
from settlement.engine.parameters import MCPParameters, ParameterBook

COLUMNS = ("record", "payment", "period", "month", "tier", "value", "source")
RECORDS = (
    "practice",
    "track",
    "esp_rate",
    "attribution",
    "ppcp_pbpm",
    "pip",
    "uip_eligible",
    "received",
)
PERIODS = {"2024": MCPPeriod.PY2024, "2025": MCPPeriod.PY2025, "whole": MCPPeriod.WHOLE}
PAYMENTS = {"ESP": MCPPayment.ESP, "PPCP": MCPPayment.PPCP, "PIP": MCPPayment.PIP,
            "UIP": MCPPayment.UIP}  # fmt: skip
STATEMENT_COLUMNS = ("payment", "period", "due", "received", "balance")


@dataclass(frozen=True)
class CloseOutFile:
    inputs: MCPInput | None
    parameters: MCPParameters | None
    errors: tuple[RowError, ...]


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:
        return None
    if not value.is_finite():
        return None
    # As in the batch calculator: beyond these bounds a figure is a typing error (1e400), and
    # the arithmetic could not carry it to the cent.
    if value and value.adjusted() >= MAX_WHOLE_DIGITS:
        return None
    if value.as_tuple().exponent < -MAX_DECIMALS:  # type: ignore[operator]
        return None
    return value


def read_closeout(handle: TextIO, book: ParameterBook) -> CloseOutFile:
    """Read a close-out file (the module docstring's columns) against the shipped tables."""
    reader = csv.DictReader(handle)
    missing = [c for c in ("record", "value") if c not in (reader.fieldnames or ())]
    if missing:
        return CloseOutFile(None, None, (RowError(1, ", ".join(missing), "missing column(s)"),))
    return parse_closeout(enumerate(reader, start=2), book)


def parse_closeout(rows: Iterable[tuple[int, dict[str, str]]], book: ParameterBook) -> CloseOutFile:
    errors: list[RowError] = []
    practice, track, ppcp, uip = "", None, None, False
    esp: dict[int, Decimal] = {}
    esp_sources: list[str] = []
    attribution: list[TierMonth] = []
    pip: list[PIPResult] = []
    received: list[PaymentReceived] = []

    for line, raw in rows:
        row = {k: (v or "").strip() for k, v in raw.items() if k}
        record, value = row.get("record", "").lower(), row.get("value", "")

        def fail(column: str, message: str, line: int = line) -> None:
            errors.append(RowError(line, column, message))

        def integer(column: str, row: dict[str, str] = row) -> int | None:
            text = row.get(column, "")
            if not (text.isascii() and text.isdigit()) or len(text) > MAX_INTEGER_DIGITS:
                fail(column, f"{text!r} is not a whole number")
                return None
            return int(text)

        def money(text: str, column: str = "value") -> Decimal | None:
            amount = _decimal(text)
            if amount is None or amount < 0:
                fail(
                    column,
                    f"{text!r} is not an amount of zero or more "
                    f"(at most {MAX_WHOLE_DIGITS} whole digits and {MAX_DECIMALS} decimals)",
                )
                return None
            return amount

        def period(
            column: str = "period", whole: bool = False, row: dict[str, str] = row
        ) -> MCPPeriod | None:
            found = PERIODS.get(row.get(column, "").lower())
            if found is None or (found == MCPPeriod.WHOLE and not whole):
                allowed = "2024, 2025 or whole" if whole else "2024 or 2025"
                fail(column, f"{row.get(column, '')!r} is not {allowed}")
                return None
            return found

        if record == "practice":
            practice = value or practice
            if not value:
                fail("value", "the practice id is empty")
        elif record == "track":
            if value not in ("1", "2", "3"):
                fail("value", f"{value!r} is not track 1, 2 or 3")
            else:
                track = int(value)
        elif record == "esp_rate":
            tier, amount = integer("tier"), money(value)
            if not row.get("source"):
                fail("source", "say where the ESP amount comes from (no shipped source has it)")
            if tier is not None and tier in esp:
                fail("tier", f"tier {tier} has two ESP amounts")
            elif tier is not None and amount is not None:
                esp[tier] = amount
                source = row.get("source", "")
                if source and source not in esp_sources:
                    esp_sources.append(source)
        elif record == "attribution":
            month, tier, count = row.get("month", ""), integer("tier"), integer("value")
            if tier is not None and count is not None:
                attribution.append(TierMonth(month, tier, count))
        elif record == "ppcp_pbpm":
            ppcp = money(value)
        elif record == "pip":
            which, parts = period(), value.split()
            if len(parts) != 2:
                fail(
                    "value",
                    f"{value!r} is not the base amount and the rate in percent (two numbers)",
                )
                continue
            base, rate = money(parts[0]), money(parts[1])
            if which is not None and base is not None and rate is not None:
                pip.append(PIPResult(which, base, rate / 100))
        elif record == "uip_eligible":
            if value.lower() not in ("true", "false"):
                fail("value", f"{value!r} is not true or false")
            uip = value.lower() == "true"
        elif record == "received":
            payment = PAYMENTS.get(row.get("payment", "").upper())
            if payment is None:
                fail("payment", f"{row.get('payment', '')!r} is not ESP, PPCP, PIP or UIP")
            which, amount = period(whole=True), money(value)
            if payment is not None and which is not None and amount is not None:
                received.append(PaymentReceived(payment, which, amount))
        else:
            fail("record", f"{record!r} is not one of {', '.join(RECORDS)}")

    if not practice:
        errors.append(RowError(1, "record", "the file has no practice record"))
    if track is None:
        errors.append(RowError(1, "record", "the file has no track record"))
    if errors:
        return CloseOutFile(None, None, tuple(errors))
    assert track is not None
    shipped = book.mcp_track(track)
    params = replace(
        shipped,
        esp_pbpm_by_tier={**shipped.esp_pbpm_by_tier, **esp},
        esp_source="; ".join(esp_sources),
    )
    inputs = MCPInput(
        practice_id=practice,
        track=track,
        attribution=tuple(attribution),
        ppcp_pbpm=ppcp,
        pip=tuple(pip),
        uip_eligible=uip,
        received=tuple(received),
    )
    return CloseOutFile(inputs, params, ())


def statement_rows(statement: MCPStatement) -> list[dict[str, str]]:
    """The statement's lines and the total, amounts to the cent as the engine rounded them."""
    rows = [
        {
            "payment": line.payment.value,
            "period": line.period.value,
            "due": f"{line.due:f}",
            "received": f"{line.received:f}",
            "balance": f"{line.balance:f}",
        }
        for line in statement.lines
    ]
    rows.append(
        {
            "payment": "Total (closing balance)",
            "period": MCPPeriod.WHOLE.value,
            "due": f"{statement.total_due:f}",
            "received": f"{statement.total_received:f}",
            "balance": f"{statement.closing_balance:f}",
        }
    )
    return rows


def write_statement_csv(
    statement: MCPStatement, handle: TextIO, step_text: Callable[[Step], str] = Step.as_text
) -> None:
    """The statement lines, then the explanation steps (each as `step_text` writes it), as one
    CSV."""
    writer = csvfiles.writer(handle, lineterminator="\n")
    writer.writerow(STATEMENT_COLUMNS)
    for row in statement_rows(statement):
        writer.writerow([row[c] for c in STATEMENT_COLUMNS])
    writer.writerow([])
    writer.writerow(["step", "explanation"])
    for number, step in enumerate(statement.explanation, start=1):
        writer.writerow([number, step_text(step)])
