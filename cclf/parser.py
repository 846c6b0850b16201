"""A vectorised reader of fixed-width CCLF files.

A file is read in chunks of whole records. Each chunk becomes a numpy byte matrix of shape
(records, record_length), validated column-wise (record length, dates, amounts, integers, MBIs)
and turned into PostgreSQL COPY text in one pass, without a Python loop over records. Memory is
bounded by the chunk size, whatever the size of the file.

Only malformed chunks take a slow path (split on line ends) so that the exact line of a record of
the wrong length can be named.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np

from cclf.kernel import OK as KERNEL_OK
from cclf.kernel import KernelPlan
from cclf.layouts import MBI_FIELDS, Field, Layout

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


# Row-wise tests are written as loops over the (few) columns of a field: numpy is slow at
# reducing many short rows, fast at combining whole columns.


def _all_equal(s: np.ndarray, value: int) -> np.ndarray:
    out = s[:, 0] == value
    for i in range(1, s.shape[1]):
        out &= s[:, i] == value
    return out


def _blank(s: np.ndarray) -> np.ndarray:
    return _all_equal(s, SPACE)


def _placeholder(s: np.ndarray) -> np.ndarray:
    """A lone "~": CMS's placeholder for a missing value (seen in CCLF extracts), read as blank."""
    out = s[:, 0] == TILDE
    for i in range(1, s.shape[1]):
        out &= s[:, i] == SPACE
    return out


def _digits(s: np.ndarray) -> np.ndarray:
    # uint8 arithmetic wraps, so one comparison tests 0 <= byte - "0" <= 9.
    out = (s[:, 0] - ZERO) <= 9
    for i in range(1, s.shape[1]):
        out &= (s[:, i] - ZERO) <= 9
    return out


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
    bad = s[:, 0] < SPACE
    for i in range(1, s.shape[1]):
        bad |= s[:, i] < SPACE
    return null, bad


_MESSAGES = {
    "date": "not a date (YYYY-MM-DD)",
    "amount": "not a signed amount ({picture})",
    "integer": "not a number ({picture})",
    "mbi": "not a valid MBI (blank or malformed)",
    "required": "missing (this field may not be blank)",
    "text": "control character in text",
}


# Fields a record cannot do without: its key and the beneficiary it is about.
REQUIRED_FIELDS = MBI_FIELDS | {"CUR_CLM_UNIQ_ID", "CLM_LINE_NUM", "CLM_VAL_SQNC_NUM"}


def field_check(f: Field, s: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """(null, bad, check): rows read as null, rows in error, and the check that applied."""
    if f.label in MBI_FIELDS:
        null, bad = check_mbi(s)
        return null, bad | null, "mbi"
    if f.kind == "date":
        null, bad = check_date(s)
    elif f.kind == "amount":
        null, bad = check_amount(s, f.scale)
    elif f.kind == "integer":
        null, bad = check_integer(s)
    else:
        null, bad = check_text(s)
    if f.label in REQUIRED_FIELDS and null.any():
        # A blank key is reported as missing; a malformed one keeps its own message.
        return null, bad | null, "required" if not bad.any() else f.kind
    return null, bad, f.kind


def _not_utf8(value: bytes, position: int) -> str:
    # The byte and its position, not the text: a text field may hold a name or an address.
    return f"not UTF-8 text: byte 0x{value[position]:02X} at position {position + 1} of the field"


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
    mbis: np.ndarray | None = None  # distinct MBI codes (int64) of the batch, when asked for


class BatchRenderer:
    """Checks batches of one layout and renders them as COPY text.

    The work is done on whole byte matrices rather than record by record:

    * checks run column by column on a column-major copy of the batch (contiguous columns);
    * the output row (line number, then each field and a tab) is one gather of record columns;
    * text fields are right-trimmed from their lengths, found column by column;
    * the kept bytes (up to each field's length) are picked with one mask.
    """

    def __init__(self, plan: CopyPlan, file_name: str, mbi_field: str | None = None) -> None:
        self.plan, self.file_name, self.layout = plan, file_name, plan.layout
        self.mbi_field = mbi_field
        self.checked_fields = [
            f for f in self.layout.fields if f.kind != "text" or f.label in MBI_FIELDS
        ]
        self.text_fields = [f for f in self.layout.fields if f not in self.checked_fields]
        length = self.layout.record_length
        # Output row: the line number (10 digits), a tab, then per field its bytes, at least 2
        # (room for "\\N"), and a tab; the last tab becomes the line end.
        src: list[int] = list(range(LINE_DIGITS + 1))  # placeholders, overwritten below
        field_of: list[int] = [len(plan.fields)] * (LINE_DIGITS + 1)  # the "always kept" field
        offset: list[int] = [0] * (LINE_DIGITS + 1)
        self.slots: list[tuple[Field, int, int]] = []
        self.tab_positions: list[int] = [LINE_DIGITS]
        for i, f in enumerate(plan.fields):
            width = max(f.width, 2)
            self.slots.append((f, len(src), width))
            for k in range(width):
                src.append(f.start + min(k, f.width - 1))
                field_of.append(i)
                offset.append(k)
            self.tab_positions.append(len(src))
            src.append(0)
            field_of.append(len(plan.fields))
            offset.append(0)
        self.src = np.array(src, dtype=np.intp)
        self.field_of = np.array(field_of, dtype=np.intp)
        self.offset = np.array(offset, dtype=np.int8)
        self.width = len(src)
        self.tab_positions_arr = np.array(self.tab_positions[:-1], dtype=np.intp)
        self.line_end = self.tab_positions[-1]
        # Text fields (right-trimmed in the output).
        self.text_index = [
            i for i, f in enumerate(plan.fields) if f.kind == "text" and f.label not in MBI_FIELDS
        ]
        self.length = length
        self.kernel = KernelPlan.build(self.layout, plan.fields, REQUIRED_FIELDS)
        self.compiled = True  # False: numpy's path only (the tests compare the two)

    def render(
        self,
        batch: Batch,
        want_copy: bool = True,
        prefix: Callable[[np.ndarray], np.ndarray] | None = None,
    ) -> ParsedBatch:
        """Check a batch and render its COPY text. `prefix(data)`, called only for a batch
        without errors, gives (n, k) bytes put before each row (columns the record does not
        hold, such as lineage); it must end with a tab. A prefix that tells its `width` (k)
        lets the batch take the compiled path (cclf.kernel)."""
        data, n = batch.data, len(batch.data)
        width = 0 if prefix is None else getattr(prefix, "width", None)
        if self.compiled and want_copy and n and width is not None:
            # The compiled path renders a good batch in one pass; a batch with an error (or a
            # backslash to escape) takes numpy's path below, which names every error.
            text, status = self.kernel.render(data, batch.lines, prefix, width)
            if status == KERNEL_OK and text is not None:
                return ParsedBatch(text, n, [], 0, self._mbis(data))
        errors: list[RecordError] = []
        count = 0

        def report(rows: np.ndarray, f: Field | None, message: Any) -> None:
            nonlocal count
            count += len(rows)
            for r in rows[: max(MAX_ERRORS_PER_FILE - len(errors), 0)]:
                text = message(r) if callable(message) else message
                errors.append(
                    RecordError(self.file_name, int(batch.lines[r]), f.label if f else None, text)
                )

        # The checks work column by column: on a column-major copy each column is contiguous
        # (on the records as read, a column is one byte every record length: slow).
        cols = columns(data)
        # Control characters anywhere in a record (tab, CR, NUL...) make it unreadable.
        ctrl = (data < SPACE).any(axis=1)
        if ctrl.any():
            report(np.flatnonzero(ctrl), None, "control character in record")
        # Text is UTF-8 (ASCII in every delivery seen): a byte outside ASCII must be part of a
        # UTF-8 character of its field, never stored as a replacement character.
        for r in np.flatnonzero((data >= 0x80).any(axis=1)):
            for f in self.text_fields:
                value = bytes(data[r, f.start : f.end])
                try:
                    value.decode("utf-8")
                except UnicodeDecodeError as exc:
                    report(np.array([r]), f, _not_utf8(value, exc.start))
        nulls: dict[str, np.ndarray] = {}
        for f in self.checked_fields:
            s = cols[:, f.start : f.end]
            null, bad, check = field_check(f, s)
            nulls[f.label] = null
            if bad.any():
                rows = np.flatnonzero(bad)
                report(rows, f, lambda r, f=f, check=check, s=s: error_message(f, check, s[r]))
        mbis = self._mbis(cols)
        if count or not want_copy or n == 0:
            return ParsedBatch(b"", n, errors, count, mbis)
        head = prefix(cols) if prefix is not None else None
        return ParsedBatch(self._copy_text(data, batch.lines, nulls, head, cols), n, [], 0, mbis)

    def _mbis(self, data: np.ndarray) -> np.ndarray | None:
        """The distinct MBI codes of the batch's `mbi_field`, when asked for."""
        if self.mbi_field is None:
            return None
        start = self.layout.field(self.mbi_field).start
        return np.unique(mbi_codes(data[:, start : start + 11]))

    def _text_lengths(self, cols: np.ndarray) -> np.ndarray:
        """Right-trimmed length of every text field: (n, fields + 1) int8 (a field is at most
        100 bytes). `cols` is the column-major view of the records: going left to right, each
        non-blank byte sets its field's length to its position."""
        n = len(cols)
        lengths = np.zeros((n, len(self.plan.fields) + 1), dtype=np.int8)
        length = np.empty(n, dtype=np.int8)
        for i in self.text_index:
            f = self.plan.fields[i]
            length[:] = 0
            for k in range(f.width):
                np.copyto(length, k + 1, where=cols[:, f.start + k] != SPACE)
            lengths[:, i] = length
        return lengths

    def _copy_text(
        self,
        data: np.ndarray,
        lines: np.ndarray,
        nulls: dict[str, np.ndarray],
        head: np.ndarray | None = None,
        cols: np.ndarray | None = None,
    ) -> bytes:
        out = np.take(data, self.src, axis=1)
        lengths = self._text_lengths(columns(data) if cols is None else cols)
        lengths[:, -1] = 127  # line number and tabs: always kept
        out[:, self.tab_positions_arr] = TAB
        out[:, self.line_end] = NEWLINE
        digits = lines.copy()
        for i in range(LINE_DIGITS - 1, -1, -1):
            out[:, i] = ZERO + digits % 10
            digits //= 10
        for i, (f, pos, _width) in enumerate(self.slots):
            if i in self.text_index:
                continue
            lengths[:, i] = f.width
            null = nulls.get(f.label)
            if null is not None and null.any():
                rows = np.flatnonzero(null)
                out[rows, pos] = BACKSLASH
                out[rows, pos + 1] = ord("N")
                lengths[rows, i] = 2
        keep = np.take(lengths, self.field_of, axis=1) > self.offset
        text_rows = np.flatnonzero((data == TILDE).any(axis=1))
        for r in text_rows:
            # "~" alone stands for a missing value (seen in CCLF extracts): blank text.
            for i in self.text_index:
                f, pos, _ = self.slots[i]
                value = bytes(data[r, f.start : f.end]).rstrip(b" ")
                if value == b"~":
                    keep[r, pos : pos + f.width] = False
        if head is not None:
            out = np.concatenate([head, out], axis=1)
            keep = np.concatenate([np.ones(head.shape, dtype=bool), keep], axis=1)
        escape_rows = np.flatnonzero((data == BACKSLASH).any(axis=1))
        if len(escape_rows):
            # COPY text treats "\\" as an escape: those few rows are rendered again, doubled.
            keep[escape_rows] = False
            text = out[keep].tobytes()
            return text + b"".join(
                (b"" if head is None else head[r].tobytes())
                + _render_row_escaped(data[r], int(lines[r]), self.plan)
                for r in escape_rows
            )
        return out[keep].tobytes()


def columns(data: np.ndarray, block: int = 1024) -> np.ndarray:
    """The records (n, length) as a column-major array of the same shape: `columns(d)[:, j]`
    is contiguous. Transposed in blocks of records (cache-friendly)."""
    n, width = data.shape
    out = np.empty((width, n), dtype=data.dtype)
    for r in range(0, n, block):
        out[:, r : r + block] = data[r : r + block].T
    return out.T


_MBI_VALUE = np.zeros(256, dtype=np.int64)
for _i, _c in enumerate(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"):
    _MBI_VALUE[_c] = _i


def mbi_codes(s: np.ndarray) -> np.ndarray:
    """Each 11-character MBI as an int64 (base 36), for fast distinct counts."""
    code = np.zeros(len(s), dtype=np.int64)
    for i in range(11):
        code = code * 36 + _MBI_VALUE[s[:, i]]
    return code


def mbi_decode(codes: Any) -> list[str]:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = []
    for code in list(codes):
        chars = []
        for _ in range(11):
            code, r = divmod(code, 36)
            chars.append(alphabet[r])
        out.append("".join(reversed(chars)))
    return out


def render_batch(
    batch: Batch, plan: CopyPlan, file_name: str, want_copy: bool = True
) -> ParsedBatch:
    """Validate every field of a batch and render PostgreSQL COPY text (see BatchRenderer)."""
    return BatchRenderer(plan, file_name).render(batch, want_copy)


def _render_row_escaped(record: np.ndarray, line: int, plan: CopyPlan) -> bytes:
    raw = bytes(record)
    values = [str(line).zfill(LINE_DIGITS).encode()]
    for f in plan.fields:
        s = record[f.start : f.end][None, :]
        null, _, _ = field_check(f, s)
        if null[0]:
            values.append(b"\\N" if f.kind != "text" or f.label in MBI_FIELDS else b"")
            continue
        value = raw[f.start : f.end]
        if f.kind == "text":
            value = value.rstrip(b" ")
        values.append(value.replace(b"\\", b"\\\\"))
    return b"\t".join(values) + b"\n"
