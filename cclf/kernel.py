# ruff: noqa: SIM109, SIM110 - numba compiles plain loops and comparisons, not generators
"""The compiled fast path of the CCLF parser: check and render a batch of records in one pass.

`BatchRenderer` (cclf.parser) checks a batch column by column with numpy and renders its
COPY text with whole-matrix gathers and masks: clear, but each record's bytes are copied four
or five times (a transposed copy for the checks, a gathered copy, a mask, the compacted text),
and that was most of a load's time (bench/ingest). This kernel, compiled by numba, walks each
record once: it applies the same checks and writes the same COPY text straight into one
buffer, without holding the GIL (the load's COPY goes on meanwhile in the other thread).

It only renders batches that are entirely good. At the first record that fails a check (or
that holds a backslash, which COPY text would need escaped), it stops and says which; the
caller then takes numpy's path for the batch, which names every error by line and field or
escapes the rows. So the error messages have one source, and the kernel only has to agree
with numpy on what is good: `tests/claims/test_parser_kernel.py` holds the two to the same
verdicts and the same text, row for row, on valid and broken records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit

from cclf.layouts import MBI_FIELDS, Field, Layout

# Kinds, for the checks and the output columns.
TEXT, DATE, AMOUNT, INTEGER, MBI = 0, 1, 2, 3, 4
_KINDS = {"text": TEXT, "date": DATE, "amount": AMOUNT, "integer": INTEGER}

OK = -1  # every record rendered
ESCAPE = -2  # a record holds a backslash: numpy's path escapes it

_SPACE, _TILDE, _DASH, _DOT, _ZERO, _TAB, _NEWLINE, _BACKSLASH, _N = (
    32,
    126,
    45,
    46,
    48,
    9,
    10,
    92,
    78,
)
_MONTH_DAYS = np.array([0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _mbi_table() -> np.ndarray:
    """(11, 256): which bytes each MBI position admits (CMS, domain.md 8.4)."""
    from cclf.parser import _MBI_POSITIONS

    return np.stack([p.astype(np.uint8) for p in _MBI_POSITIONS])


@dataclass(frozen=True)
class KernelPlan:
    """The fields a batch is checked on (every field of the layout numpy checks) and the output
    columns (the COPY plan's fields), as arrays the kernel reads."""

    check_start: np.ndarray
    check_width: np.ndarray
    check_kind: np.ndarray
    check_scale: np.ndarray
    check_required: np.ndarray
    out_start: np.ndarray
    out_width: np.ndarray
    out_kind: np.ndarray
    row_bytes: int  # the most bytes one output row takes, without its prefix
    mbi_table: np.ndarray

    @classmethod
    def build(cls, layout: Layout, fields: tuple[Field, ...], required: set[str]) -> KernelPlan:
        checked = [f for f in layout.fields if f.kind != "text" or f.label in MBI_FIELDS]

        def kind(f: Field) -> int:
            return MBI if f.label in MBI_FIELDS else _KINDS[f.kind]

        return cls(
            check_start=np.array([f.start for f in checked], dtype=np.int64),
            check_width=np.array([f.width for f in checked], dtype=np.int64),
            check_kind=np.array([kind(f) for f in checked], dtype=np.int64),
            check_scale=np.array([f.scale for f in checked], dtype=np.int64),
            check_required=np.array(
                [f.label in required or f.label in MBI_FIELDS for f in checked], dtype=np.bool_
            ),
            out_start=np.array([f.start for f in fields], dtype=np.int64),
            out_width=np.array([f.width for f in fields], dtype=np.int64),
            out_kind=np.array([kind(f) for f in fields], dtype=np.int64),
            row_bytes=11 + sum(max(f.width, 2) + 1 for f in fields),
            mbi_table=_mbi_table(),
        )

    def render(
        self,
        data: np.ndarray,
        lines: np.ndarray,
        prefix: Callable[[np.ndarray], np.ndarray] | None = None,
        prefix_width: int = 0,
    ) -> tuple[bytes | None, int]:
        """(COPY text, OK) for a good batch; (None, row) at the first bad record, (None,
        ESCAPE) for a record with a backslash. `prefix(data)`, called only once the whole
        batch is known good, gives (n, prefix_width) bytes put before each row."""
        n = len(data)
        out = np.empty(n * (self.row_bytes + prefix_width), dtype=np.uint8)
        starts = np.empty(n, dtype=np.int64)
        end, status = _render(
            data, lines, prefix_width, starts, self.check_start, self.check_width,
            self.check_kind, self.check_scale, self.check_required, self.out_start,
            self.out_width, self.out_kind, self.mbi_table, out,
        )  # fmt: skip
        if status != OK:
            return None, status
        if prefix is not None and prefix_width:
            head = prefix(data)
            if head.shape != (n, prefix_width):
                raise ValueError(f"prefix gave {head.shape}, expected {(n, prefix_width)}")
            out[starts[:, None] + np.arange(prefix_width)] = head
        return out[:end].tobytes(), OK


@njit(cache=True, nogil=True)
def _is_null(data: np.ndarray, r: int, start: int, width: int) -> bool:
    """Blank, or CMS's lone "~" placeholder."""
    first = data[r, start]
    if first != _SPACE and first != _TILDE:
        return False
    for j in range(start + 1, start + width):
        if data[r, j] != _SPACE:
            return False
    return True


@njit(cache=True, nogil=True)
def _digits(data: np.ndarray, r: int, start: int, end: int) -> bool:
    for j in range(start, end):
        if data[r, j] - _ZERO > 9 or data[r, j] < _ZERO:
            return False
    return True


@njit(cache=True, nogil=True)
def _number(data: np.ndarray, r: int, start: int, end: int) -> int:
    value = 0
    for j in range(start, end):
        value = value * 10 + (data[r, j] - _ZERO)
    return value


@njit(cache=True, nogil=True)
def _date(data: np.ndarray, r: int, s: int) -> int:
    """0: a valid date; 1: a valid date that stands for none (IP 3.6); 2: not a date."""
    if not (
        _digits(data, r, s, s + 4)
        and data[r, s + 4] == _DASH
        and _digits(data, r, s + 5, s + 7)
        and data[r, s + 7] == _DASH
        and _digits(data, r, s + 8, s + 10)
    ):
        return 2
    year, month, day = (
        _number(data, r, s, s + 4),
        _number(data, r, s + 5, s + 7),
        _number(data, r, s + 8, s + 10),
    )
    if month < 1 or month > 12 or year < 1 or day < 1:
        return 2
    leap = (year % 4 == 0 and year % 100 != 0) or year % 400 == 0
    most = _MONTH_DAYS[month] - (1 if month == 2 and not leap else 0)
    if day > most:
        return 2
    if (year == 1000 and month == 1 and day == 1) or (year == 9999 and month == 12 and day == 31):
        return 1
    return 0


@njit(cache=True, nogil=True)
def _render(
    data, lines, prefix_width, starts, check_start, check_width, check_kind, check_scale, check_required,
    out_start, out_width, out_kind, mbi_table, out,
):  # fmt: skip
    n, length = data.shape
    pos = 0
    for r in range(n):
        # Checks first: a bad record stops the batch before anything of it is written.
        for j in range(length):
            byte = data[r, j]
            if byte < _SPACE or byte >= 128:
                # A control character, or a byte of a UTF-8 character (or not): numpy's path
                # checks the record field by field.
                return pos, r
            if byte == _BACKSLASH:
                return pos, -2
        for c in range(len(check_start)):
            s, w, kind = check_start[c], check_width[c], check_kind[c]
            if _is_null(data, r, s, w):
                if check_required[c]:
                    return pos, r
                continue
            if kind == 1:
                if _date(data, r, s) == 2:
                    return pos, r
            elif kind == 2:
                point = s + w - check_scale[c] - 1
                first = data[r, s]
                if not (
                    (first == _SPACE or first == _DASH)
                    and _digits(data, r, s + 1, point)
                    and data[r, point] == _DOT
                    and _digits(data, r, point + 1, s + w)
                ):
                    return pos, r
            elif kind == 3:
                if not _digits(data, r, s, s + w):
                    return pos, r
            elif kind == 4:
                for i in range(11):
                    if not mbi_table[i, data[r, s + i]]:
                        return pos, r
        # The row: room for its prefix, the line number (10 digits), each field after a tab.
        starts[r] = pos
        pos += prefix_width
        line = lines[r]
        for i in range(9, -1, -1):
            out[pos + i] = _ZERO + line % 10
            line //= 10
        pos += 10
        for c in range(len(out_start)):
            out[pos] = _TAB
            pos += 1
            s, w, kind = out_start[c], out_width[c], out_kind[c]
            if kind == 0:
                # Text: right-trimmed; a lone "~" is CMS's placeholder for a missing value.
                e = s + w
                while e > s and data[r, e - 1] == _SPACE:
                    e -= 1
                if e == s + 1 and data[r, s] == _TILDE:
                    e = s
                for j in range(s, e):
                    out[pos] = data[r, j]
                    pos += 1
                continue
            null = _is_null(data, r, s, w)
            if not null and kind == 1:
                null = _date(data, r, s) == 1
            if null:
                out[pos] = _BACKSLASH
                out[pos + 1] = _N
                pos += 2
            else:
                for j in range(s, s + w):
                    out[pos] = data[r, j]
                    pos += 1
        out[pos] = _NEWLINE
        pos += 1
    return pos, -1
