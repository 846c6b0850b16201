"""Bulk enrolment from a CSV participant list: preview every row's errors, then import all rows or
none. Importing the same file twice changes nothing.

Columns (README, "Participant list CSV"): tin, npi, ccn, specialty_code, role, effective_start,
effective_end; optional tin_legal_name and provider_name (the export writes them too, so an
exported list imports back unchanged).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from core.api import ApplicationError
from core.csvfiles import formula_cell, formula_unescape
from entities.models import Entity, PerformanceYear, SpecialtyCode
from entities.services.participations import build_candidate
from entities.services.rules import (
    Candidate,
    CandidateResult,
    WriteSummary,
    check_candidates,
    lock_program,
    overlaps,
    write_results,
)

REQUIRED_COLUMNS = (
    "tin",
    "npi",
    "ccn",
    "specialty_code",
    "role",
    "effective_start",
    "effective_end",
)
OPTIONAL_COLUMNS = ("tin_legal_name", "provider_name")
MAX_ROWS = 50_000
# An upload larger than this is refused before it is read: 50,000 rows of a participant list
# take about 6 MB.
MAX_FILE_BYTES = 16 * 1024 * 1024
# Service field names as the CSV calls them.
COLUMN_OF_FIELD = {"start_date": "effective_start", "end_date": "effective_end"}


@dataclass
class ImportRow:
    line: int
    values: dict[str, str]
    action: str = "error"  # new, update, unchanged, error
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column, message)
    warnings: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportPreview:
    entity: Entity
    performance_year: int
    rows: list[ImportRow] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    results: list[CandidateResult] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not self.file_errors and all(row.ok for row in self.rows)

    @property
    def error_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if not row.ok]

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.ok and row.action == action)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "rows": len(self.rows),
            "new": self.count("new"),
            "update": self.count("update"),
            "unchanged": self.count("unchanged"),
            "errors": len(self.error_rows),
        }

    def error_lines(self) -> list[str]:
        """Every problem as one plain line: 'line 12, npi: NPI 123... is not valid ...'."""
        lines = list(self.file_errors)
        for row in self.error_rows:
            lines += [f"line {row.line}, {column}: {message}" for column, message in row.errors]
        return lines


class ParticipantImportError(ApplicationError):
    """The file has errors; nothing was written. `preview` holds every row's errors."""

    def __init__(self, preview: ImportPreview) -> None:
        self.preview = preview
        bad = len(preview.error_rows)
        if preview.file_errors:
            message = (
                "The file cannot be read: "
                + " ".join(preview.file_errors)
                + " Nothing was imported."
            )
        else:
            message = f"{bad} row{'s' if bad != 1 else ''} of the file {'have' if bad != 1 else 'has'} errors; nothing was imported."
        errors: list[dict[str, Any]] = [
            {"line": None, "column": None, "message": m} for m in preview.file_errors
        ]
        errors += [
            {"line": row.line, "column": column, "message": msg}
            for row in preview.error_rows
            for column, msg in row.errors
        ]
        super().__init__(message, {"errors": errors})


@dataclass
class ImportOutcome:
    preview: ImportPreview
    summary: WriteSummary


class UnreadableFile(ValueError):
    """The file's bytes are not text in UTF-8 or Windows-1252."""


def participant_file_text(content: bytes | str) -> str:
    if isinstance(content, str):
        return content.lstrip("\ufeff")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Spreadsheet programs on Windows save CSV as cp1252.
        return content.decode("cp1252")
    except UnicodeDecodeError as exc:
        # A byte neither encoding defines (0x81, 0x8D, 0x8F, 0x90, 0x9D): refused, never stored
        # as a replacement character.
        line = content[: exc.start].count(b"\n") + 1
        raise UnreadableFile(
            f"Line {line} holds byte 0x{content[exc.start]:02X}, which is a character neither in "
            "UTF-8 nor in Windows-1252: save the file as CSV UTF-8."
        ) from None


# Characters that cannot be part of a participant-list value: NUL (which PostgreSQL cannot
# store) and the other control characters besides tab, line ends being the CSV's own.
_CONTROL = {chr(c) for c in range(32) if chr(c) not in "\t\r\n"} | {"\x7f"}


def _cell_errors(values: dict[str, str]) -> list[tuple[str, str]]:
    return [
        (
            column,
            f"The {column} cell holds a control character (code {ord(bad)}), which is not text.",
        )
        for column, value in values.items()
        for bad in [next((ch for ch in value if ch in _CONTROL), None)]
        if bad is not None
    ]


def _formula_warnings(values: dict[str, str]) -> list[str]:
    return [
        f"The {column} cell begins with {value[0]!r}: a spreadsheet could run it as a formula "
        "(exports write it after a single quote, as text). Check the value."
        for column, value in values.items()
        if formula_cell(value)
    ]


def _header_name(value: str) -> str:
    return value.strip().lower().replace(" ", "_").replace("-", "_")


def participant_import_preview(
    *, entity: Entity, performance_year: int, content: bytes | str
) -> ImportPreview:
    """Read and check the whole file against the rules and what is stored. Writes nothing."""
    preview = ImportPreview(entity=entity, performance_year=performance_year)
    program = entity.program
    py = PerformanceYear.objects.filter(program=program, year=performance_year).first()
    if py is None:
        preview.file_errors.append(
            f"{program.name} has no performance year {performance_year} in the program registry."
        )
        return preview

    try:
        text = participant_file_text(content)
    except UnreadableFile as exc:
        preview.file_errors.append(str(exc))
        return preview
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        preview.file_errors.append("The file is empty.")
        return preview
    except csv.Error as exc:
        preview.file_errors.append(f"Line 1 is not CSV: {exc}.")
        return preview
    columns = [_header_name(h) for h in header]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    unknown = [c for c in columns if c and c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if len(columns) == 1 and (";" in header[0] or "\t" in header[0]):
        preview.file_errors.append("Columns must be separated by commas.")
        return preview
    if missing:
        preview.file_errors.append(
            f"The header has no {', '.join(missing)} column{'s' if len(missing) > 1 else ''}. "
            f"Expected columns: {','.join(REQUIRED_COLUMNS)}."
        )
    if unknown:
        preview.file_errors.append(
            f"Unknown column{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}."
        )
    duplicates = sorted({c for c in columns if c and columns.count(c) > 1})
    if duplicates:
        preview.file_errors.append(f"Column {', '.join(duplicates)} appears more than once.")
    if preview.file_errors:
        return preview

    specialty_codes = set(SpecialtyCode.objects.values_list("code", flat=True))
    candidates: list[Candidate] = []
    rows_by_line: dict[int, ImportRow] = {}
    for record in _records(reader, preview):
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(preview.rows) >= MAX_ROWS:
            preview.file_errors.append(f"The file has more than {MAX_ROWS:,} rows: split it.")
            return preview
        values = {
            col: formula_unescape(record[i].strip()) if i < len(record) else ""
            for i, col in enumerate(columns)
        }
        row = ImportRow(line=line, values=values)
        preview.rows.append(row)
        if len(record) > len(columns):
            row.errors.append(
                ("", f"The row has {len(record)} cells but the header has {len(columns)} columns.")
            )
            continue
        row.errors += _cell_errors(values)
        if row.errors:
            continue
        row.warnings += _formula_warnings(values)
        candidate, errors = build_candidate(
            tin=values["tin"],
            npi=values["npi"],
            ccn=values["ccn"],
            specialty_code=values["specialty_code"],
            role=values["role"],
            start_date=values["effective_start"],
            end_date=values["effective_end"],
            default_start=py.start_date,
            tin_legal_name=values.get("tin_legal_name", ""),
            provider_name=values.get("provider_name", ""),
            line=line,
            specialty_codes=specialty_codes,
        )
        row.errors += [(COLUMN_OF_FIELD.get(f, f), m) for f, m in errors]
        if candidate is None:
            continue
        typed = values["tin"].replace("-", "").replace(" ", "")
        if typed != candidate.tin:
            # A spreadsheet drops a TIN's leading zeros: the row is read with them restored, and
            # the preview says so, so that a TIN short of a digit for another reason is seen.
            row.warnings.append(
                f"TIN {values['tin']} has {len(typed)} digits: read as {candidate.tin} "
                "(leading zeros restored). Check it is that TIN."
            )
        if not overlaps(candidate.start_date, candidate.end_date, py.start_date, py.end_date):
            row.errors.append(
                (
                    "effective_start",
                    f"The period {candidate.start_date:%Y-%m-%d} to "
                    f"{candidate.end_date or 'open'} does not fall in performance year {performance_year} "
                    f"({py.start_date:%Y-%m-%d} to {py.end_date:%Y-%m-%d}).",
                )
            )
            continue
        candidates.append(candidate)
        rows_by_line[line] = row
    if preview.file_errors:
        return preview
    if not preview.rows:
        preview.file_errors.append("The file has a header but no rows.")
        return preview

    preview.results = check_candidates(entity=entity, candidates=candidates, allow_update=True)
    for result in preview.results:
        assert result.candidate.line is not None
        row = rows_by_line[result.candidate.line]
        row.errors += [(COLUMN_OF_FIELD.get(f, f), m) for f, m in result.errors]
        row.warnings, row.changes = row.warnings + result.warnings, result.changes
        if not row.errors:
            row.action = result.action
    return preview


def _records(reader: Any, preview: ImportPreview) -> Iterator[list[str]]:
    """The reader's records; a line the csv module cannot read ends the file with its error."""
    try:
        yield from reader
    except csv.Error as exc:
        preview.file_errors.append(f"Line {reader.line_num} is not CSV: {exc}.")


def participant_import(
    *, entity: Entity, performance_year: int, content: bytes | str, acting_user: Any = None
) -> ImportOutcome:
    """Import the file: every row or none. Raises ParticipantImportError listing every bad row."""
    with transaction.atomic():
        lock_program(entity.program_id)
        # Checked again under the lock: the preview the user saw may be out of date.
        preview = participant_import_preview(
            entity=entity, performance_year=performance_year, content=content
        )
        if not preview.ok:
            raise ParticipantImportError(preview)
        summary = write_results(
            entity=entity,
            results=preview.results,
            acting_user=acting_user,
            reason=f"Participant list import for performance year {performance_year}",
        )
    return ImportOutcome(preview=preview, summary=summary)
