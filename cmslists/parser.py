"""Reading a CMS list report's CSV files against its layout (cmslists.layouts).

Every row of every file is checked; each problem is a `RowError` naming the file, the line (the
header is line 1) and the column. Nothing is returned for storing while any error remains.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from typing import Any

from cmslists.layouts import Column, layout
from entities.identifiers import is_valid_npi

# domain.md 8.4: MBI positions and the letters CMS leaves out (S, L, O, I, B, Z).
MBI_RE = re.compile(
    r"^[1-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9][AC-HJKMNP-RT-Y][AC-HJKMNP-RT-Y0-9][0-9]"
    r"[AC-HJKMNP-RT-Y]{2}[0-9]{2}$"
)
CCN_RE = re.compile(r"^[0-9]{2}[0-9A-Z][0-9A-Z]{3}$")
TRUE, FALSE = {"1", "Y"}, {"0", "N", ""}
#: ACO REACH reason codes of the alignment report we accept -> the stored reason.
REACH_REASONS = {
    "GHP": "medicare_advantage",
    "OTHER_INIT": "other_initiative",
    "OUTSIDE_US": "outside_us",
    "DECEASED": "deceased",
    "PART_A_B_ONLY": "part_a_b_only",
    "PLURALITY": "plurality",
    "MISSING_ID": "missing_id",
    "OTHER": "other",
}
MAX_ERRORS = 200
#: Tables with a row per beneficiary and participant (TIN/CCN, or TIN/CCN and NPI): a
#: beneficiary may be on several rows. Every other table has one row per beneficiary.
PROVIDER_TABLES = ("1-2", "1-4")


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.line else self.file
        return (
            f"{where}, {self.column}: {self.message}" if self.column else f"{where}: {self.message}"
        )

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "field": self.column, "message": self.message}


@dataclass
class ParsedTable:
    file: str
    table: str
    rows: list[dict[str, Any]] = field(default_factory=list)


def _date(value: str) -> dt.date:
    for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(value, fmt).replace(tzinfo=dt.UTC).date()
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a date (YYYY-MM-DD or MM/DD/YYYY)")


def _value(column: Column, raw: str) -> Any:
    """The column's value, or ValueError with the reason."""
    value = raw.strip()
    kind = column.kind
    if column.required and value == "":
        raise ValueError("is required and blank")
    if kind == "mbi":
        if not MBI_RE.match(value):
            raise ValueError(f"{value!r} is not a valid MBI (11 characters, CMS's pattern)")
        return value
    if kind in ("flag",) or kind.startswith("reason:"):
        if value.upper() not in TRUE | FALSE:
            raise ValueError(f"{value!r} is not a flag (1/0 or Y/N)")
        return value.upper() in TRUE
    if value == "":
        return None
    if kind == "date":
        return _date(value)
    if kind == "sex":
        if value not in ("0", "1", "2"):
            raise ValueError(f"{value!r} is not a sex code (0, 1 or 2)")
        return value
    if kind == "count":
        if not value.isdigit():
            raise ValueError(f"{value!r} is not a whole number")
        return int(value)
    if kind == "step":
        if not (value.isdigit() and len(value) <= 2):
            raise ValueError(f"{value!r} is not an assignment step (1-2 digits)")
        return value
    if kind == "month":
        if not (value.isdigit() and len(value) == 1):
            raise ValueError(f"{value!r} is not a monthly enrollment flag (one digit)")
        return value
    if kind == "tin":
        digits = value.zfill(9) if value.isdigit() else value
        if not (digits.isdigit() and len(digits) == 9):
            raise ValueError(f"{value!r} is not a TIN (9 digits)")
        return digits
    if kind == "npi":
        if not is_valid_npi(value):
            raise ValueError(f"{value!r} is not a valid NPI (10 digits, check digit)")
        return value
    if kind == "tin_or_ccn":
        if value.isdigit() and len(value) in (8, 9):
            return ("tin", value.zfill(9))
        if CCN_RE.match(value.upper()):
            return ("ccn", value.upper())
        raise ValueError(f"{value!r} is neither a TIN (9 digits) nor a CCN (6 characters)")
    if kind == "status":
        if value.upper() not in ("A", "E"):
            raise ValueError(f"{value!r} is not A (aligned) or E (excluded)")
        return value.upper()
    if kind == "reason_code":
        if value.upper() not in REACH_REASONS:
            raise ValueError(f"{value!r} is not one of {', '.join(REACH_REASONS)}")
        return REACH_REASONS[value.upper()]
    if kind == "name" and len(value) > 40:
        raise ValueError("is longer than 40 characters")
    return value


def parse_table(
    *, report: str, table: str, file: str, text: str, errors: list[RowError]
) -> ParsedTable:
    """Every row of one table's CSV, as {column: value}; problems go to `errors`."""
    columns = layout(report)[table]
    parsed = ParsedTable(file=file, table=table)
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        errors.append(RowError(file, 0, "", "the file is empty (no header row)"))
        return parsed
    header = [h.strip().upper() for h in header]
    duplicated = sorted({h for h in header if header.count(h) > 1})
    if duplicated:
        errors.append(RowError(file, 1, duplicated[0], "the column appears twice in the header"))
        return parsed
    missing = [c.name for c in columns if c.required and c.name not in header]
    for name in missing:
        errors.append(RowError(file, 1, name, "a required column is missing from the header"))
    if missing:
        return parsed
    position = {name: i for i, name in enumerate(header)}
    known = [c for c in columns if c.name in position]
    seen: dict[str, int] = {}
    for line, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            errors.append(
                RowError(file, line, "", f"has {len(record)} fields; the header has {len(header)}")
            )
            continue
        row: dict[str, Any] = {"_line": line}
        for column in known:
            try:
                row[column.name] = _value(column, record[position[column.name]])
            except ValueError as exc:
                errors.append(RowError(file, line, column.name, str(exc)))
        mbi = row.get("BENE_MBI_ID")
        if table not in PROVIDER_TABLES and isinstance(mbi, str):
            if mbi in seen:
                errors.append(
                    RowError(
                        file,
                        line,
                        "BENE_MBI_ID",
                        f"the beneficiary is listed twice (also line {seen[mbi]})",
                    )
                )
            seen[mbi] = line
        if len(errors) >= MAX_ERRORS:
            break
        parsed.rows.append(row)
    return parsed
