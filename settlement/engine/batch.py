"""The batch calculator: settle one entity-year per CSV row, as finance teams do with the
figures of CMS's reports. Pure: it reads rows from any text stream and returns output rows and
errors; `manage.py settle_batch` and the upload page wrap it.

A row with a bad value is reported with its line (as a spreadsheet shows it: the header is line
1) and column, and the other rows are still computed. A header that lacks a required column or
has an unknown one fails the whole file: an unknown column is most often a misspelt optional
one, and silently ignoring it would settle on the wrong figures.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import TYPE_CHECKING, Any, Literal, TextIO, TypeVar

from core import csvfiles

from settlement.engine.columns import (
    MSSP_OPTIONAL,
    MSSP_OUTPUT,
    MSSP_REQUIRED,
    REACH_OPTIONAL,
    REACH_OUTPUT,
    REACH_REQUIRED,
)
from settlement.engine.distribution import ParticipantFigures
from settlement.engine.errors import ParameterError, SettlementInputError
from settlement.engine.explanation import explanation_text
from settlement.engine.mssp import VARIABLE, MSSPInput, MSSPResult, settle_mssp
from settlement.engine.parameters import MSSPTrack, ParameterBook, ReachArrangement, Risk
from settlement.engine.reach import (
    ReachCashFlows,
    ReachInput,
    ReachResult,
    StopLossAdjustment,
    settle_reach,
)
from settlement.engine.rounding import rate_pct_for_display, round_to_cent

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

PROGRAMS = ("mssp", "reach")
ZERO = Decimal(0)
E = TypeVar("E", bound=Enum)
# Bounds on the figures of a row: a total of ten trillion dollars, twelve decimal places, and
# nine-digit counts are beyond any entity-year; beyond them a value is refused as a typing error.
MAX_WHOLE_DIGITS = 13
MAX_DECIMALS = 12
MAX_INTEGER_DIGITS = 9


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class BatchOutcome:
    program: str
    columns: tuple[str, ...]
    rows: list[dict[str, str]] = field(default_factory=list)
    results: list[tuple[int, MSSPResult | ReachResult]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0
    settled: int = 0

    @property
    def failed_lines(self) -> set[int]:
        return {e.line for e in self.errors}


class RowParser:
    """Reads typed values out of one CSV row, collecting every bad value instead of stopping.

    A required value that is missing or bad is reported in `errors` and read as a placeholder
    (0, False, the enum's first member) so that the typed value can still be assigned: a row
    with errors is never settled."""

    def __init__(self, line: int, row: Mapping[str, str]) -> None:
        self.line = line
        self.row = row
        self.errors: list[RowError] = []

    def _text(self, column: str) -> str:
        return (self.row.get(column) or "").strip()

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.line, column, message))

    def text(self, column: str) -> str:
        value = self._text(column)
        if not value:
            self.fail(column, "is empty")
        return value

    def _integer(self, column: str, required: bool) -> int | None:
        value = self._text(column)
        if not value:
            if required:
                self.fail(column, "is empty")
            return None
        if not (value.isascii() and value.isdigit()):
            self.fail(column, f"{value!r} is not a whole number")
            return None
        if len(value.lstrip("0")) > MAX_INTEGER_DIGITS:
            self.fail(column, f"{value!r} is too large (at most {MAX_INTEGER_DIGITS} digits)")
            return None
        return int(value)

    def integer(self, column: str) -> int:
        value = self._integer(column, True)
        return 0 if value is None else value

    def optional_integer(self, column: str) -> int | None:
        return self._integer(column, False)

    def _decimal(self, column: str, required: bool, percent: bool) -> Decimal | None:
        value = self._text(column)
        if not value:
            if required:
                self.fail(column, "is empty")
            return None
        cleaned = value.replace(",", "").replace("$", "")
        if percent:
            cleaned = cleaned.removesuffix("%")
        try:
            number = Decimal(cleaned)
        except InvalidOperation:
            self.fail(column, f"{value!r} is not a number")
            return None
        if not number.is_finite():
            self.fail(column, f"{value!r} is not a number")
            return None
        # Figures beyond these bounds are typing errors (1e400), and the arithmetic could not
        # carry them to the cent: the row is refused here, naming the column.
        if number and number.adjusted() >= MAX_WHOLE_DIGITS:
            self.fail(column, f"{value!r} is too large (at most {MAX_WHOLE_DIGITS} whole digits)")
            return None
        if number.as_tuple().exponent < -MAX_DECIMALS:  # type: ignore[operator]
            self.fail(column, f"{value!r} has more than {MAX_DECIMALS} decimal places")
            return None
        return number

    def decimal(self, column: str, *, percent: bool = False) -> Decimal:
        value = self._decimal(column, True, percent)
        return ZERO if value is None else value

    def optional_decimal(self, column: str, *, percent: bool = False) -> Decimal | None:
        return self._decimal(column, False, percent)

    def _boolean(self, column: str, required: bool) -> bool | None:
        value = self._text(column).lower()
        if not value:
            if required:
                self.fail(column, "is empty (true or false)")
            return None
        if value not in ("true", "false"):
            self.fail(column, f"{self._text(column)!r} is not true or false")
            return None
        return value == "true"

    def boolean(self, column: str) -> bool:
        return self._boolean(column, True) or False

    def optional_boolean(self, column: str) -> bool | None:
        return self._boolean(column, False)

    def choice(self, column: str, enum: type[E]) -> E:
        members = list(enum)
        value = self.text(column)
        if value:
            try:
                return enum(value.upper())
            except ValueError:
                self.fail(column, f"{value!r} is not one of {', '.join(m.value for m in members)}")
        return members[0]

    def msr_mlr(self, column: str) -> Decimal | Literal["variable"]:
        """The MSR/MLR election: "variable", or a fixed rate in percent."""
        text = self.text(column).lower()
        if text == VARIABLE:
            return VARIABLE
        if text:
            return self.decimal(column, percent=True)
        return ZERO


def _money(amount: Decimal) -> str:
    # Rounding: output amounts to the cent (rounding.py); earned amounts are already in cents.
    return f"{round_to_cent(amount):f}"


def _pct(rate: Any) -> str:
    return f"{rate_pct_for_display(rate):f}"


def parse_mssp_row(line: int, row: Mapping[str, str]) -> tuple[MSSPInput | None, list[RowError]]:
    p = RowParser(line, row)
    entity_id = p.text("entity_id")
    year = p.integer("performance_year")
    track = p.choice("track", MSSPTrack)
    n = p.integer("assigned_beneficiaries")
    benchmark = p.decimal("total_benchmark")
    expenditure = p.decimal("total_expenditure")
    msr_mlr = p.msr_mlr("msr_mlr")
    msr_pct = p.optional_decimal("msr_pct", percent=True)
    score = p.optional_decimal("quality_score")
    met_qps = p.boolean("met_qps")
    met_alt = p.boolean("met_alt_qps")
    met_reporting = p.boolean("met_reporting")
    revenue = p.optional_decimal("participant_revenue")
    low_revenue = p.optional_boolean("low_revenue")
    euc = p.optional_decimal("euc_loss_reduction")
    if p.errors:
        return None, p.errors
    return (
        MSSPInput(
            performance_year=year,
            track=track,
            assigned_beneficiaries=n,
            total_benchmark=benchmark,
            total_expenditure=expenditure,
            msr_mlr=msr_mlr,
            met_qps=met_qps,
            met_alt_qps=met_alt,
            met_reporting=met_reporting,
            quality_score=score,
            msr_pct=msr_pct,
            participant_revenue=revenue,
            low_revenue=low_revenue,
            euc_loss_reduction=euc if euc is not None else ZERO,
            entity_id=entity_id,
        ),
        [],
    )


def _text(value: Decimal | int | bool | str | Enum | None) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return f"{value:f}"
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def mssp_input_row(inputs: MSSPInput) -> dict[str, str]:
    """The batch calculator's columns of `inputs` (parse_mssp_row reads them back); optional
    figures left at their defaults are left out, as a row that does not give them."""
    row = {
        "entity_id": inputs.entity_id,
        "performance_year": _text(inputs.performance_year),
        "track": _text(inputs.track),
        "assigned_beneficiaries": _text(inputs.assigned_beneficiaries),
        "total_benchmark": _text(inputs.total_benchmark),
        "total_expenditure": _text(inputs.total_expenditure),
        "msr_mlr": _text(inputs.msr_mlr),
        "quality_score": _text(inputs.quality_score),
        "met_qps": _text(inputs.met_qps),
        "met_alt_qps": _text(inputs.met_alt_qps),
        "met_reporting": _text(inputs.met_reporting),
    }
    optional: dict[str, Decimal | bool | None] = {
        "msr_pct": inputs.msr_pct,
        "participant_revenue": inputs.participant_revenue,
        "low_revenue": inputs.low_revenue,
        "euc_loss_reduction": inputs.euc_loss_reduction or None,
    }
    row.update({k: _text(v) for k, v in optional.items() if v is not None})
    return row


def settle_mssp_input(
    inputs: MSSPInput, book: ParameterBook, *, as_reported: bool = False
) -> MSSPResult:
    params = book.mssp_track(inputs.performance_year, inputs.track)
    return settle_mssp(
        inputs, params, book.msr_table(inputs.performance_year), as_reported=as_reported
    )


def settle_mssp_reported(inputs: MSSPInput, book: ParameterBook) -> MSSPResult:
    """Settle figures copied from CMS's reports, accepting CMS's own rounding (settle_mssp)."""
    return settle_mssp_input(inputs, book, as_reported=True)


def mssp_output_row(result: MSSPResult) -> dict[str, str]:
    loss_rate = result.final_loss_rate if result.parameters.risk == Risk.TWO_SIDED else None
    return {
        "entity_id": result.inputs.entity_id,
        "performance_year": str(result.inputs.performance_year),
        "gross_savings": _money(result.gross_savings),
        "savings_rate_pct": _pct(result.savings_rate),
        "msr_pct": _pct(result.msr),
        "generated_savings_losses": _money(result.generated_savings_losses),
        "final_sharing_rate_pct": _pct(result.final_sharing_rate),
        "final_loss_rate_pct": _pct(loss_rate) if loss_rate is not None else "",
        "earned_savings_losses": f"{result.earned_savings_losses:f}",
        "warnings": "; ".join(result.warnings),
        "explanation": explanation_text(result.explanation),
    }


# The REACH figures only CMS's reports hold: stop-loss and the year's capitation and advance
# payments (all optional).
REACH_STOP_LOSS = ("stop_loss_charge", "stop_loss_payout")
REACH_CASH_FLOWS = (
    "pcc_base_paid",
    "pcc_enhanced_paid",
    "tcc_paid",
    "apo_paid",
    "apo_claims_reduced",
)


def reach_adjustments(p: RowParser) -> tuple[StopLossAdjustment | None, ReachCashFlows | None]:
    """The stop-loss and cash flows a row gives (None where it gives none of their figures)."""
    charge = p.optional_decimal("stop_loss_charge")
    payout = p.optional_decimal("stop_loss_payout")
    flows = {name: p.optional_decimal(name) for name in REACH_CASH_FLOWS}
    stop_loss = None
    if charge is not None or payout is not None:
        stop_loss = StopLossAdjustment(charge=charge or ZERO, payout=payout or ZERO)
    cash_flows = None
    if any(value is not None for value in flows.values()):
        cash_flows = ReachCashFlows(**{k: v or ZERO for k, v in flows.items()})
    return stop_loss, cash_flows


def parse_reach_row(line: int, row: Mapping[str, str]) -> tuple[ReachInput | None, list[RowError]]:
    p = RowParser(line, row)
    entity_id = p.text("entity_id")
    year = p.integer("performance_year")
    arrangement = p.choice("arrangement", ReachArrangement)
    benchmark = p.decimal("benchmark")
    tcoc = p.decimal("total_cost_of_care")
    earned_pct = p.decimal("quality_withhold_earned_pct", percent=True)
    member_months = p.optional_integer("aligned_member_months")
    stop_loss, cash_flows = reach_adjustments(p)
    if p.errors:
        return None, p.errors
    return (
        ReachInput(
            performance_year=year,
            arrangement=arrangement,
            benchmark=benchmark,
            total_cost_of_care=tcoc,
            quality_earn_back_rate=earned_pct / 100,
            stop_loss=stop_loss,
            cash_flows=cash_flows,
            aligned_member_months=member_months,
            entity_id=entity_id,
        ),
        [],
    )


def reach_input_row(inputs: ReachInput) -> dict[str, str]:
    """The batch calculator's columns of `inputs` (parse_reach_row reads them back); stop-loss,
    cash flows and member-months are left out where the input has none."""
    row = {
        "entity_id": inputs.entity_id,
        "performance_year": _text(inputs.performance_year),
        "arrangement": _text(inputs.arrangement),
        "benchmark": _text(inputs.benchmark),
        "total_cost_of_care": _text(inputs.total_cost_of_care),
        "quality_withhold_earned_pct": _text(inputs.quality_earn_back_rate * 100),
    }
    if inputs.aligned_member_months is not None:
        row["aligned_member_months"] = _text(inputs.aligned_member_months)
    if inputs.stop_loss is not None:
        row["stop_loss_charge"] = _text(inputs.stop_loss.charge)
        row["stop_loss_payout"] = _text(inputs.stop_loss.payout)
    if inputs.cash_flows is not None:
        row.update({k: _text(getattr(inputs.cash_flows, k)) for k in REACH_CASH_FLOWS})
    return row


def settle_reach_input(inputs: ReachInput, book: ParameterBook) -> ReachResult:
    return settle_reach(inputs, book.reach_arrangement(inputs.performance_year, inputs.arrangement))


def reach_output_row(result: ReachResult) -> dict[str, str]:
    return {
        "entity_id": result.inputs.entity_id,
        "performance_year": str(result.inputs.performance_year),
        "arrangement": str(result.inputs.arrangement),
        "final_benchmark": _money(result.final_benchmark),
        "gross_savings": _money(result.gross_savings),
        "savings_rate_pct": _pct(result.savings_rate),
        "shared_savings_losses": _money(result.shared_savings_losses),
        "sequestration": _money(result.sequestration),
        "earned_savings_losses": f"{result.earned_savings_losses:f}",
        "cash_flow_adjustments": f"{result.cash_flow_adjustments:f}",
        "net_settlement": f"{result.net_settlement:f}",
        "explanation": explanation_text(result.explanation),
    }


@dataclass(frozen=True)
class _Program:
    required: tuple[str, ...]
    optional: tuple[str, ...]
    output: tuple[str, ...]
    parse: Callable[[int, Mapping[str, str]], tuple[Any, list[RowError]]]
    settle: Callable[[Any, ParameterBook], Any]
    to_row: Callable[[Any], dict[str, str]]


_PROGRAMS = {
    "mssp": _Program(
        MSSP_REQUIRED,
        MSSP_OPTIONAL,
        MSSP_OUTPUT,
        parse_mssp_row,
        settle_mssp_reported,
        mssp_output_row,
    ),
    "reach": _Program(
        REACH_REQUIRED,
        REACH_OPTIONAL,
        REACH_OUTPUT,
        parse_reach_row,
        settle_reach_input,
        reach_output_row,
    ),
}


def _start_line(end_line: int, row: dict[Any, Any]) -> int:
    """The line a record starts on: the reader counts the line breaks inside quoted cells."""
    cells = [v for v in row.values() if isinstance(v, str)]
    cells += [v for extra in row.get(None) or () for v in [extra] if isinstance(v, str)]
    breaks = sum(v.count("\n") + v.count("\r") - v.count("\r\n") for v in cells)
    return end_line - breaks


def run_batch(
    program: str,
    stream: TextIO | Iterable[str],
    book: ParameterBook,
    *,
    sink: Callable[[dict[str, str]], None] | None = None,
) -> BatchOutcome:
    """Settle every row of a CSV for `program` ("mssp" or "reach"); see the module docstring.

    With `sink`, each output row is handed to it as soon as it is settled and not kept (nor its
    result): memory stays the same whatever the number of rows (`settle_batch`). Without, the
    outcome holds the rows and results (the upload page shows them).
    """
    spec = _PROGRAMS[program]
    required, optional = spec.required, spec.optional
    outcome = BatchOutcome(program=program, columns=spec.output)
    reader = csv.DictReader(stream)
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in required and c not in optional]
    duplicated = sorted({c for c in header if header.count(c) > 1})
    for column in missing:
        outcome.errors.append(RowError(1, column, "required column is missing from the header"))
    for column in unknown:
        outcome.errors.append(
            RowError(1, column, "unknown column (check the spelling of optional columns)")
        )
    for column in duplicated:
        outcome.errors.append(RowError(1, column, "column appears twice in the header"))
    if outcome.errors:
        return outcome
    try:
        for row in reader:
            line = _start_line(reader.line_num, row)
            outcome.rows_read += 1
            if None in row:
                outcome.errors.append(RowError(line, "", "more values than header columns"))
                continue
            inputs, errors = spec.parse(line, row)
            if errors:
                outcome.errors.extend(errors)
                continue
            try:
                result = spec.settle(inputs, book)
                row_out = spec.to_row(result)
            except (ParameterError, SettlementInputError) as exc:
                outcome.errors.append(RowError(line, exc.field, exc.message))
                continue
            except ArithmeticError as exc:
                # The bounds above keep values in range; should a figure still overflow, the
                # row is refused and the others are settled.
                outcome.errors.append(
                    RowError(line, "", f"the figures cannot be settled ({type(exc).__name__})")
                )
                continue
            outcome.settled += 1
            if sink is not None:
                sink(row_out)
            else:
                outcome.results.append((line, result))
                outcome.rows.append(row_out)
    except csv.Error as exc:
        outcome.errors.append(RowError(reader.line_num, "", f"unreadable CSV: {exc}"))
    except UnicodeDecodeError:
        outcome.errors.append(
            RowError(reader.line_num + 1, "", "not UTF-8 text (save the file as CSV UTF-8)")
        )
    return outcome


def write_rows(outcome: BatchOutcome, stream: SupportsWrite[str]) -> None:
    writer = csvfiles.dict_writer(stream, fieldnames=list(outcome.columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(outcome.rows)


def stream_batch(
    program: str, source: TextIO | Iterable[str], book: ParameterBook, target: SupportsWrite[str]
) -> BatchOutcome:
    """Settle `source` and write each output row to `target` as it is settled (header first);
    the outcome keeps the errors and counts, not the rows."""
    writer = csvfiles.dict_writer(
        target, fieldnames=list(_PROGRAMS[program].output), lineterminator="\n"
    )
    writer.writeheader()
    return run_batch(program, source, book, sink=writer.writerow)


PARTICIPANT_COLUMNS = (
    "tin",
    "name",
    "attributed_beneficiaries",
    "benchmark",
    "expenditure",
    "quality_score",
)


def parse_participants(
    stream: TextIO | Iterable[str],
) -> tuple[list[ParticipantFigures], list[RowError]]:
    """Participant TINs for a distribution, one per row: tin (nine digits), name, attributed
    beneficiaries, and optionally the TIN's benchmark, expenditure and quality score."""
    reader = csv.DictReader(stream)
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    errors = [
        RowError(1, c, "required column is missing from the header")
        for c in PARTICIPANT_COLUMNS[:3]
        if c not in header
    ]
    errors += [RowError(1, c, "unknown column") for c in header if c not in PARTICIPANT_COLUMNS]
    if errors:
        return [], errors
    participants: list[ParticipantFigures] = []
    seen: set[str] = set()
    for row in reader:
        p = RowParser(_start_line(reader.line_num, row), row)
        tin = p.text("tin")
        if tin and (len(tin) != 9 or not tin.isdigit()):
            p.fail("tin", f"{tin!r} is not a nine-digit TIN")
        elif tin in seen:
            p.fail("tin", f"{tin} appears twice")
        name = p.text("name")
        n = p.integer("attributed_beneficiaries")
        benchmark = p.optional_decimal("benchmark")
        expenditure = p.optional_decimal("expenditure")
        score = p.optional_decimal("quality_score")
        if score is not None and not 0 <= score <= 100:
            p.fail("quality_score", "must be between 0 and 100")
        if p.errors:
            errors.extend(p.errors)
            continue
        seen.add(tin)
        participants.append(ParticipantFigures(tin, name, n, benchmark, expenditure, score))
    return participants, errors
