"""`python manage.py settle_batch --program mssp|reach --input IN.csv --output OUT.csv`

Settles one entity-year per row with the shipped parameter tables. Rows with a bad value are
reported on stderr with their line and column; the other rows are still written. The exit
status is 1 when any row (or the header) failed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from settlement.engine.batch import PROGRAMS, run_batch, write_rows
from settlement.parameters import load_parameter_book


class Command(BaseCommand):
    help = "Settle MSSP or ACO REACH entity-years from a CSV of CMS report figures, one entity-year per row (docs/settlement.md lists the columns)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--program", required=True, choices=PROGRAMS)
        parser.add_argument(
            "--input", required=True, help="CSV, one entity-year per row; - for stdin"
        )
        parser.add_argument("--output", required=True, help="CSV to write; - for stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        program, source, target = options["program"], options["input"], options["output"]
        book = load_parameter_book()
        try:
            if source == "-":
                outcome = run_batch(program, sys.stdin, book)
            else:
                # utf-8-sig: spreadsheets often save CSV with a byte-order mark.
                with Path(source).open(newline="", encoding="utf-8-sig") as handle:
                    outcome = run_batch(program, handle, book)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {source}: {exc}") from exc

        if target == "-":
            write_rows(outcome, self.stdout)
        else:
            with Path(target).open("w", newline="", encoding="utf-8") as handle:
                write_rows(outcome, handle)

        name = "stdin" if source == "-" else source
        for error in outcome.errors:
            self.stderr.write(f"{name} {error}")
        failed = len(outcome.failed_lines)
        summary = f"{len(outcome.rows)} settled, {failed} failed ({outcome.rows_read} rows read)"
        if outcome.errors:
            raise CommandError(summary, returncode=1)
        self.stderr.write(self.style.SUCCESS(summary))
