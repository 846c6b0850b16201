"""`python manage.py mcp_closeout --input PRACTICE.csv --output STATEMENT.csv [--pdf STATEMENT.pdf]`

The Making Care Primary close-out statement of one practice for Jul 2024 - Dec 2025 (domain.md 5):
each payment (Enhanced Services, Prospective Primary Care, Performance Incentive, Upfront
Infrastructure) by period, due against received, and the closing balance, with every step
explained. The input file's records are described in `settlement/engine/mcp_closeout.py` and
README.md. The ESP amounts by risk tier are not shipped (no source retrieved gives them): the
file must give each tier's amount with its source. Bad values are reported with their line and
column, and nothing is written; the exit status is then 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError, CommandParser

from settlement.engine.errors import ParameterError, SettlementInputError
from settlement.engine.mcp import mcp_close_out
from settlement.engine.mcp_closeout import read_closeout, write_statement_csv
from settlement.parameters import load_parameter_book
from settlement.statements import mcp_statement_pdf, mcp_step_text


class Command(BaseCommand):
    help = "Write a Making Care Primary close-out statement (Jul 2024 - Dec 2025) as CSV and PDF."
    # The models' checks only (as load_cclf): the URL and template checks, which import every
    # page's module, are about serving pages, which this command does not.
    requires_system_checks = [Tags.models]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, help="the practice's close-out CSV")
        parser.add_argument("--output", required=True, help="statement CSV to write")
        parser.add_argument("--pdf", help="statement PDF to write (optional)")

    def handle(self, *args: Any, **options: Any) -> None:
        source = options["input"]
        book = load_parameter_book()
        try:
            # utf-8-sig: spreadsheets often save CSV with a byte-order mark.
            with Path(source).open(newline="", encoding="utf-8-sig") as handle:
                read = read_closeout(handle, book)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {source}: {exc}") from exc
        if read.errors:
            for error in read.errors:
                self.stderr.write(f"{source} {error}")
            raise CommandError(f"{len(read.errors)} error(s); nothing written", returncode=1)
        assert read.inputs is not None
        assert read.parameters is not None
        try:
            statement = mcp_close_out(read.inputs, read.parameters)
        except (SettlementInputError, ParameterError) as exc:
            raise CommandError(f"{source}: {exc}", returncode=1) from exc
        with Path(options["output"]).open("w", newline="", encoding="utf-8") as handle:
            write_statement_csv(statement, handle, step_text=mcp_step_text)
        if options.get("pdf"):
            Path(options["pdf"]).write_bytes(mcp_statement_pdf(statement))
        self.stderr.write(
            self.style.SUCCESS(
                f"{read.inputs.practice_id}: {len(statement.lines)} statement lines, closing "
                f"balance {statement.closing_balance:,.2f}"
            )
        )
