"""`python manage.py settle_batch --program mssp|reach --input IN.csv --output OUT.csv`

Settles one entity-year per row with the shipped parameter tables. Rows with a bad value are
reported on stderr with their line and column; the other rows are still written. The exit
status is 1 when any row (or the header) failed.

Rows are read, settled and written one at a time, so memory does not grow with the file; the
output is written to a temporary name beside OUT.csv and renamed when complete.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any, TextIO

from django.core.checks import Tags
from django.core.management.base import BaseCommand, CommandError, CommandParser

from settlement.engine.batch import PROGRAMS, stream_batch
from settlement.parameters import load_parameter_book


class Command(BaseCommand):
    help = "Settle MSSP or ACO REACH entity-years from a CSV of CMS report figures, one entity-year per row (docs/settlement.md lists the columns)."
    # The models' checks only (as load_cclf): the URL and template checks, which import every
    # page's module, are about serving pages, which this command does not.
    requires_system_checks = [Tags.models]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--program", required=True, choices=PROGRAMS)
        parser.add_argument(
            "--input", required=True, help="CSV, one entity-year per row; - for stdin"
        )
        parser.add_argument("--output", required=True, help="CSV to write; - for stdout")

    def handle(self, *args: Any, **options: Any) -> None:
        program, source, target = options["program"], options["input"], options["output"]
        book = load_parameter_book()
        with ExitStack() as stack:
            try:
                if source == "-":
                    reader: TextIO = sys.stdin
                else:
                    # utf-8-sig: spreadsheets often save CSV with a byte-order mark.
                    reader = stack.enter_context(
                        Path(source).open(newline="", encoding="utf-8-sig")
                    )
            except OSError as exc:
                raise CommandError(f"cannot read {source}: {exc}") from exc
            if target == "-":
                outcome = stream_batch(program, reader, book, self.stdout)
            else:
                final = Path(target)
                part = final.with_name(final.name + ".part")
                try:
                    with part.open("w", newline="", encoding="utf-8") as handle:
                        outcome = stream_batch(program, reader, book, handle)
                    part.replace(final)
                finally:
                    part.unlink(missing_ok=True)

        name = "stdin" if source == "-" else source
        for error in outcome.errors:
            self.stderr.write(f"{name} {error}")
        failed = len(outcome.failed_lines)
        summary = f"{outcome.settled} settled, {failed} failed ({outcome.rows_read} rows read)"
        if outcome.errors:
            raise CommandError(summary, returncode=1)
        self.stderr.write(self.style.SUCCESS(summary))
