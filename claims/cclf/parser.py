"""A vectorised reader of fixed-width CCLF files.

A file is read in chunks of whole records. Each chunk becomes a numpy byte matrix of shape
(records, record_length), validated column-wise (record length, dates, amounts, integers, MBIs)
and turned into PostgreSQL COPY text in one pass, without a Python loop over records. Memory is
bounded by the chunk size, whatever the size of the file.

Only malformed chunks take a slow path (split on line ends) so that the exact line of a record of
the wrong length can be named.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

import numpy as np

from claims.cclf.layouts import MBI_FIELDS, Field, Layout

SPACE, TILDE, DASH, DOT, ZERO, NINE = 32, 126, 45, 46, 48, 57
TAB, NEWLINE, CR, BACKSLASH = 9, 10, 13, 92
DEFAULT_CHUNK_BYTES = 32 * 1024 * 1024
MAX_ERRORS_PER_FILE = 20

_DAYS_IN_MONTH = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int16)

# MBI format (CMS, domain.md 8.4): C A AN N A AN N A A N N; letters exclude S L O I B Z.
_ALPHA = np.zeros(256, dtype=bool)
for _c in b"ACDEFGHJKMNPQRTUVWXY":
    _ALPHA[_c] = True
_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[ZERO : NINE + 1] = True
_NONZERO_DIGIT = _DIGIT.copy()
_NONZERO_DIGIT[ZERO] = False
_ALNUM = _ALPHA | _DIGIT
_MBI_POSITIONS = (
    _NONZERO_DIGIT,
    _ALPHA,
    _ALNUM,
    _DIGIT,
    _ALPHA,
    _ALNUM,
    _DIGIT,
    _ALPHA,
    _ALPHA,
    _DIGIT,
    _DIGIT,
)


@dataclass(frozen=True)
class RecordError:
    """One problem in a delivery, named by file, line and field. Never carries an MBI value."""

    file: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f" line {self.line}"
        if self.field:
            where += f" field {self.field}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "field": self.field, "message": self.message}


@dataclass
class Batch:
    """A chunk of well-formed records: `data` is (n, record_length) bytes, `lines` their numbers."""

    data: np.ndarray
    lines: np.ndarray


@dataclass
class FileScan:
    """What reading one file found: the record count and the errors (capped)."""

    name: str
    records: int = 0
    errors: list[RecordError] = field(default_factory=list)
    error_count: int = 0

    def add(self, error: RecordError) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_PER_FILE:
            self.errors.append(error)


def iter_batches(
    stream: IO[bytes], layout: Layout, scan: FileScan, chunk_bytes: int = DEFAULT_CHUNK_BYTES
) -> Iterator[Batch]:
    """Yield the records of a fixed-width file in chunks; records of the wrong length are
    reported in `scan` (by line) and left out, every line is counted in `scan.records`."""
    length = layout.record_length
    terminator: int | None = (
        None  # bytes in a line end: 1 (LF) or 2 (CRLF), found on the first line
    )
    carry = b""
    next_line = 1
    eof = False
    while not eof:
        block = stream.read(chunk_bytes)
        if not block:
            eof = True
            if not carry:
                break
            buf, carry = carry + b"\n", b""  # a last line without its line end
        else:
            buf = carry + block
            cut = buf.rfind(b"\n") + 1
            if cut == 0:
                carry = buf
                continue
            buf, carry = buf[:cut], buf[cut:]
        if terminator is None:
            first = buf.index(b"\n")
            terminator = 2 if first > 0 and buf[first - 1] == CR else 1
        batch = _fast_batch(buf, length, terminator, next_line)
        if batch is None:
            batch = _slow_batch(buf, layout, terminator, next_line, scan)
        lines_in_buf = buf.count(b"\n")
        next_line += lines_in_buf
        scan.records += lines_in_buf
        if len(batch.data):
            yield batch


def _fast_batch(buf: bytes, length: int, terminator: int, first_line: int) -> Batch | None:
    width = length + terminator
    if len(buf) % width:
        return None
    n = len(buf) // width
    arr = np.frombuffer(buf, dtype=np.uint8).reshape(n, width)
    if not (arr[:, -1] == NEWLINE).all() or buf.count(b"\n") != n:
        return None
    if terminator == 2 and not (arr[:, length] == CR).all():
        return None
    return Batch(data=arr[:, :length], lines=np.arange(first_line, first_line + n, dtype=np.int64))


def _slow_batch(
    buf: bytes, layout: Layout, terminator: int, first_line: int, scan: FileScan
) -> Batch:
    good: list[bytes] = []
    numbers: list[int] = []
    for offset, raw in enumerate(buf.split(b"\n")[:-1]):
        line = raw[:-1] if terminator == 2 and raw.endswith(b"\r") else raw
        if len(line) == layout.record_length:
            good.append(line)
            numbers.append(first_line + offset)
        else:
            scan.add(
                RecordError(
                    scan.name,
                    first_line + offset,
                    None,
                    f"record length {len(line)}, expected {layout.record_length} ({layout.code})",
                )
            )
    data = np.frombuffer(b"".join(good), dtype=np.uint8).reshape(len(good), layout.record_length)
    return Batch(data=data, lines=np.array(numbers, dtype=np.int64))


# ---------------------------------------------------------------------------------------------
# Field checks. Each returns (null_mask, bad_mask) over the rows of a (n, width) slice.


def _blank(s: np.ndarray) -> np.ndarray:
    return (s == SPACE).all(axis=1)


def _placeholder(s: np.ndarray) -> np.ndarray:
    """A lone "~": CMS's placeholder for a missing value (seen in CCLF extracts), read as blank."""
    return (s[:, 0] == TILDE) & (s[:, 1:] == SPACE).all(axis=1)


def _digits(s: np.ndarray) -> np.ndarray:
    return ((s >= ZERO) & (s <= NINE)).all(axis=1)


def _number(s: np.ndarray) -> np.ndarray:
    """Digits as integers, row-wise (for short slices of validated digits)."""
    out = np.zeros(len(s), dtype=np.int32)
    for i in range(s.shape[1]):
        out = out * 10 + (s[:, i].astype(np.int32) - ZERO)
    return out


def check_date(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    null = _blank(s) | _placeholder(s)
    shape_ok = (
        _digits(s[:, 0:4])
        & (s[:, 4] == DASH)
        & _digits(s[:, 5:7])
        & (s[:, 7] == DASH)
        & _digits(s[:, 8:10])
    )
    year, month, day = _number(s[:, 0:4]), _number(s[:, 5:7]), _number(s[:, 8:10])
    month_ok = (month >= 1) & (month <= 12)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    max_day = _DAYS_IN_MONTH[np.clip(month, 0, 12)] - ((month == 2) & ~leap)
    valid = shape_ok & month_ok & (day >= 1) & (day <= max_day) & (year >= 1)
    # IP section 3.6: 1000-01-01 and 9999-12-31 stand for a missing date.
    sentinel = valid & (
        ((year == 1000) & (month == 1) & (day == 1))
        | ((year == 9999) & (month == 12) & (day == 31))
    )
    return null | sentinel, ~null & ~valid


def check_amount(s: np.ndarray, scale: int) -> tuple[np.ndarray, np.ndarray]:
    null = _blank(s) | _placeholder(s)
    point = s.shape[1] - scale - 1
    valid = (
        ((s[:, 0] == SPACE) | (s[:, 0] == DASH))
        & _digits(s[:, 1:point])
        & (s[:, point] == DOT)
        & _digits(s[:, point + 1 :])
    )
    return null, ~null & ~valid


def check_integer(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    null = _blank(s) | _placeholder(s)
    return null, ~null & ~_digits(s)


def check_mbi(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    null = _blank(s) | _placeholder(s)
    valid = np.ones(len(s), dtype=bool)
    for i, allowed in enumerate(_MBI_POSITIONS):
        valid &= allowed[s[:, i]]
    return null, ~valid & ~null


def check_text(s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    null = _blank(s) | _placeholder(s)
    # Control characters (tab, CR, NUL...) cannot be data in a fixed-width CMS file.
    bad = (s < SPACE).any(axis=1)
    return null, bad


_MESSAGES = {
    "date": "not a date (YYYY-MM-DD)",
    "amount": "not a signed amount ({picture})",
    "integer": "not a number ({picture})",
    "mbi": "not a valid MBI",
    "text": "control character in text",
}


def field_check(f: Field, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    if f.label in MBI_FIELDS:
        null, bad = check_mbi(s)
        return null, bad, "mbi"
    if f.kind == "date":
        null, bad = check_date(s)
    elif f.kind == "amount":
        null, bad = check_amount(s, f.scale)
    elif f.kind == "integer":
        null, bad = check_integer(s)
    else:
        null, bad = check_text(s)
    return null, bad, f.kind


def error_message(f: Field, check: str, s: np.ndarray) -> str:
    message = _MESSAGES[check].format(picture=f.picture)
    if check in ("date", "amount", "integer"):
        # The value itself helps and cannot be an identifier.
        message += f": {bytes(s).decode('latin-1').rstrip()!r}"
    return message


# ---------------------------------------------------------------------------------------------
# COPY text


@dataclass(frozen=True)
class CopyPlan:
    """Which fields go to the staging table, in order, and the byte layout of one output row."""

    layout: Layout
    fields: tuple[Field, ...]

    @property
    def columns(self) -> list[str]:
        return ["source_line", *[f.column for f in self.fields]]


LINE_DIGITS = 10


def copy_plan(layout: Layout, labels: list[str] | None = None) -> CopyPlan:
    fields = layout.fields if labels is None else tuple(layout.field(label) for label in labels)
    return CopyPlan(layout=layout, fields=tuple(fields))


@dataclass
class ParsedBatch:
    """One batch checked and rendered: COPY text for the good rows and the errors found."""

    copy_text: bytes
    rows: int
    errors: list[RecordError]
    error_count: int


def render_batch(
    batch: Batch, plan: CopyPlan, file_name: str, want_copy: bool = True
) -> ParsedBatch:
    """Validate every field of a batch and render PostgreSQL COPY text (tab-separated, \\N for
    null, text right-trimmed, dates and amounts as printed). Rows are rendered only when the batch
    has no error, since a delivery with any error is rejected whole."""
    data, n = batch.data, len(batch.data)
    errors: list[RecordError] = []
    error_count = 0
    null_by_label: dict[str, np.ndarray] = {}
    for f in plan.layout.fields:
        s = data[:, f.start : f.end]
        null, bad, check = field_check(f, s)
        null_by_label[f.label] = null
        if bad.any():
            rows = np.flatnonzero(bad)
            error_count += len(rows)
            for r in rows[:MAX_ERRORS_PER_FILE]:
                errors.append(
                    RecordError(
                        file_name, int(batch.lines[r]), f.label, error_message(f, check, s[r])
                    )
                )
    if error_count or not want_copy or n == 0:
        return ParsedBatch(b"", n, errors, error_count)
    nulls = [null_by_label[f.label] for f in plan.fields]
    return ParsedBatch(_render(data, batch.lines, plan, nulls), n, errors, 0)


def _render(data: np.ndarray, lines: np.ndarray, plan: CopyPlan, nulls: list[np.ndarray]) -> bytes:
    n = len(data)
    widths = [max(f.width, 2) for f in plan.fields]
    total = LINE_DIGITS + 1 + sum(w + 1 for w in widths)
    out = np.full((n, total), SPACE, dtype=np.uint8)
    keep = np.zeros((n, total), dtype=bool)
    # The source line number, zero-padded (PostgreSQL reads leading zeros).
    digits = lines.copy()
    for i in range(LINE_DIGITS - 1, -1, -1):
        out[:, i] = ZERO + digits % 10
        digits //= 10
    keep[:, : LINE_DIGITS + 1] = True
    out[:, LINE_DIGITS] = TAB
    pos = LINE_DIGITS + 1
    for f, w, null in zip(plan.fields, widths, nulls, strict=True):
        s = data[:, f.start : f.end]
        out[:, pos : pos + f.width] = s
        if f.kind == "text":
            nonblank = s != SPACE
            # Right-trim: the length up to the last non-blank byte.
            length = f.width - np.argmax(nonblank[:, ::-1], axis=1)
        else:
            length = np.full(n, f.width, dtype=np.int64)
        if null.any():
            rows = np.flatnonzero(null)
            out[rows, pos] = BACKSLASH
            out[rows, pos + 1] = ord("N")
            length[rows] = 2
        keep[:, pos : pos + w] = np.arange(w) < length[:, None]
        pos += w
        out[:, pos] = TAB
        keep[:, pos] = True
        pos += 1
    out[:, pos - 1] = NEWLINE
    escape_rows = np.flatnonzero((data == BACKSLASH).any(axis=1))
    if len(escape_rows):
        # COPY text treats "\" as an escape: render those few rows again with it doubled.
        keep[escape_rows] = False
        text = out[keep].tobytes()
        return text + b"".join(
            _render_row_escaped(data[r], int(lines[r]), plan) for r in escape_rows
        )
    return out[keep].tobytes()


def _render_row_escaped(record: np.ndarray, line: int, plan: CopyPlan) -> bytes:
    raw = bytes(record)
    values = [str(line).zfill(LINE_DIGITS).encode()]
    for f in plan.fields:
        s = record[f.start : f.end][None, :]
        null, _, _ = field_check(f, s)
        if null[0]:
            values.append(b"\\N")
            continue
        value = raw[f.start : f.end]
        if f.kind == "text":
            value = value.rstrip(b" ")
        values.append(value.replace(b"\\", b"\\\\"))
    return b"\t".join(values) + b"\n"
