"""Writes: loading one CMS data-sharing file.

All or nothing: every row is checked against the file's layout (`datasharing.layouts`) first,
and a file with any error is refused whole, each error naming its line and column. Loading the
same file again (same bytes, same entity) changes nothing and returns the file already stored.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction

from core import display
from core.api import ApplicationError
from core.logging import MBI_PATTERN
from datasharing.layouts import EFFECTIVE, LAYOUTS, MBI, PREFERENCE, SUPPRESSION, Layout
from datasharing.models import DataSharingFile, DataSharingRecord

MAX_ERRORS = 50


@dataclass(frozen=True)
class LoadResult:
    file: DataSharingFile
    created: bool


def _date(value: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%m/%d/%Y"):
        try:
            return datetime.strptime(value, fmt).date()  # noqa: DTZ007 - a calendar date
        except ValueError:
            continue
    return None


def _parse(layout: Layout, text: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows of a file as {mbi, preference, suppression, effective_date, line}, and errors."""
    reader = csv.reader(io.StringIO(text))
    header = [h.strip().upper() for h in next(reader, [])]
    errors: list[str] = []
    if not header or header == [""]:
        return [], ["The file is empty: a header row is required."]
    for column in layout.columns:
        if column.required and column.header not in header:
            errors.append(f"Header: column {column.header} is missing ({layout.title}).")
    for name in header:
        if layout.column(name) is None:
            errors.append(
                f"Header: column {name or '(blank)'} is not in the {layout.title} layout."
            )
    if errors:
        return [], errors
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[str, date], int] = {}
    for line, values in enumerate(reader, start=2):
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            errors.append(f"Line {line}: {len(values)} values for {len(header)} columns.")
            continue
        record = {h: v.strip() for h, v in zip(header, values, strict=True)}
        row: dict[str, Any] = {
            "line": line,
            "preference": layout.implied_preference,
            "suppression": "",
        }
        for column in layout.columns:
            value = record.get(column.header, "")
            if value == "" and column.required:
                errors.append(f"Line {line}, {column.header}: a value is required.")
                continue
            if column.kind == "mbi":
                value = value.upper()
                if not MBI_PATTERN.fullmatch(value):
                    errors.append(
                        f"Line {line}, {column.header}: not a Medicare Beneficiary Identifier."
                    )
                row["mbi"] = value
            elif column.kind == "date" and value:
                parsed = _date(value)
                if parsed is None:
                    errors.append(f"Line {line}, {column.header}: not a date (YYYY-MM-DD).")
                if column.header == EFFECTIVE:
                    row["effective_date"] = parsed
            elif column.kind == "code":
                codes = dict(column.codes)
                if value.upper() not in codes:
                    allowed = ", ".join(repr(c) for c in codes if c) or "blank"
                    errors.append(
                        f"Line {line}, {column.header}: {value!r} is not one of {allowed}."
                    )
                    continue
                meaning = codes[value.upper()]
                if column.header == PREFERENCE:
                    row["preference"] = meaning
                elif column.header == SUPPRESSION:
                    row["suppression"] = meaning
        if "mbi" in row and row.get("effective_date"):
            key = (row["mbi"], row["effective_date"])
            if key in seen:
                errors.append(
                    f"Line {line}, {MBI}: the same beneficiary and {EFFECTIVE} as line {seen[key]}."
                )
            seen[key] = line
        rows.append(row)
        if len(errors) >= MAX_ERRORS:
            errors.append(f"Stopped after {MAX_ERRORS} errors.")
            break
    if not rows and not errors:
        errors.append("The file has a header and no rows.")
    return rows, errors


def data_sharing_file_load(
    *,
    entity: Any,
    kind: str,
    content: bytes,
    name: str,
    file_date: date,
    performance_year: int | None = None,
    uploaded_by: Any = None,
) -> LoadResult:
    """Load one data-sharing file of `kind` (a key of `datasharing.layouts.LAYOUTS`) for an entity.

    Raises ApplicationError listing every error (line and column) when any row is bad; nothing is
    stored then. The same bytes loaded again for the entity are not stored twice."""
    layout = LAYOUTS.get(kind)
    if layout is None:
        raise ApplicationError(
            f"Unknown data-sharing file kind {kind!r}: one of {', '.join(LAYOUTS)}.",
            {"field": "kind"},
        )
    program = getattr(getattr(entity, "program", None), "code", "")
    if program and program != layout.program:
        raise ApplicationError(
            f"The {layout.title} is a {layout.program.upper()} file; this entity is in "
            f"{program.upper()}.",
            {"field": "kind"},
        )
    digest = hashlib.sha256(content).hexdigest()
    existing = DataSharingFile.objects.filter(entity=entity, sha256=digest).first()
    if existing is not None:
        return LoadResult(existing, created=False)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApplicationError(
            f"{name}: the file is not UTF-8 text (a CSV export is expected).", {"field": "file"}
        ) from None
    rows, errors = _parse(layout, text)
    if errors:
        raise ApplicationError(
            f"{name} was not loaded: {display.counted(len(errors), 'error')}. " + " ".join(errors),
            {"field": "file", "errors": errors},
        )
    with transaction.atomic():
        stored = DataSharingFile.objects.create(
            entity=entity,
            kind=kind,
            name=name[:200],
            file_date=file_date,
            performance_year=performance_year,
            sha256=digest,
            records=len(rows),
            uploaded_by=uploaded_by,
        )
        DataSharingRecord.objects.bulk_create(
            [
                DataSharingRecord(
                    entity=entity,
                    file=stored,
                    line=row["line"],
                    mbi=row["mbi"],
                    preference=row["preference"],
                    suppression=row["suppression"],
                    effective_date=row["effective_date"],
                )
                for row in rows
            ],
            batch_size=5000,
        )
    return LoadResult(stored, created=True)
