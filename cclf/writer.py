"""Vectorised writing of fixed-width CCLF records from column arrays, for the synthetic-delivery
generator and for tests that turn delimited samples into real fixed-width files.

Columns are given per field label; a missing column is written blank. Values may be:

* text: a numpy bytes/str array or a list of str (left-justified, blank-padded, cut to width);
* date: a ``datetime64[D]`` array (NaT is written as blank) or ``YYYY-MM-DD`` strings;
* amount: an int64 array of minor units (cents for ``.99``), written sign-then-digits;
* integer: an int64 array, zero-padded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from cclf.layouts import Field, Layout

SPACE, ZERO, DASH, DOT = 32, 48, 45, 46


def _digits_into(out: np.ndarray, values: np.ndarray) -> None:
    """Write non-negative integers zero-padded into the (n, w) byte matrix `out`."""
    v = values.astype(np.int64).copy()
    for i in range(out.shape[1] - 1, -1, -1):
        out[:, i] = ZERO + (v % 10)
        v //= 10


def _text_matrix(values: Any, n: int, width: int) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind == "U":
        arr = np.char.encode(arr, "latin-1")
    elif arr.dtype.kind == "O":
        arr = np.array([("" if v is None else str(v)).encode("latin-1") for v in arr], dtype=bytes)
    if arr.dtype.kind != "S":
        raise TypeError(f"text column must be bytes or str, got {arr.dtype}")
    if arr.ndim == 0:
        arr = np.full(n, arr, dtype=arr.dtype)
    size = max(arr.dtype.itemsize, 1)
    raw = np.frombuffer(np.ascontiguousarray(arr).tobytes(), dtype=np.uint8).reshape(n, size)
    out = np.full((n, width), SPACE, dtype=np.uint8)
    k = min(size, width)
    chunk = raw[:, :k]
    out[:, :k] = np.where(chunk == 0, SPACE, chunk)
    return out


def format_field(f: Field, values: Any, n: int) -> np.ndarray:
    """The (n, width) bytes of one field."""
    w = f.width
    if f.kind == "date" and not (isinstance(values, np.ndarray) and values.dtype.kind in "SUO"):
        d = np.asarray(values, dtype="datetime64[D]")
        if d.ndim == 0:
            d = np.full(n, d)
        text = np.datetime_as_string(d, unit="D").astype("S10")
        out = _text_matrix(text, n, w)
        out[np.isnat(d)] = SPACE
        return out
    if f.kind == "amount" and np.asarray(values).dtype.kind in "iu":
        v = np.asarray(values, dtype=np.int64)
        if v.ndim == 0:
            v = np.full(n, v)
        out = np.empty((n, w), dtype=np.uint8)
        out[:, 0] = np.where(v < 0, DASH, SPACE)
        mag = np.abs(v)
        point = w - f.scale - 1
        _digits_into(out[:, 1:point], mag // 10**f.scale)
        out[:, point] = DOT
        _digits_into(out[:, point + 1 :], mag % 10**f.scale)
        return out
    if f.kind == "integer" and np.asarray(values).dtype.kind in "iu":
        v = np.asarray(values, dtype=np.int64)
        if v.ndim == 0:
            v = np.full(n, v)
        out = np.empty((n, w), dtype=np.uint8)
        _digits_into(out, v)
        return out
    return _text_matrix(values, n, w)


def records(
    layout: Layout,
    columns: Mapping[str, Any],
    n: int,
    line_end: bytes = b"\n",
    blanks: Sequence[str] = (),
) -> bytes:
    """n fixed-width records of `layout`, each ended by `line_end`."""
    unknown = set(columns) - set(layout.labels)
    if unknown:
        raise KeyError(f"{layout.code} has no field(s) {sorted(unknown)}")
    width = layout.record_length + len(line_end)
    out = np.full((n, width), SPACE, dtype=np.uint8)
    for f in layout.fields:
        if f.label in columns and f.label not in blanks:
            out[:, f.start : f.end] = format_field(f, columns[f.label], n)
    out[:, layout.record_length :] = np.frombuffer(line_end, dtype=np.uint8)
    return out.tobytes()


def record(layout: Layout, values: Mapping[str, Any], line_end: bytes = b"\n") -> bytes:
    """One record from scalar values (a convenience for tests)."""
    columns = {}
    for label, value in values.items():
        f = layout.field(label)
        if isinstance(value, int) and f.kind in ("amount", "integer"):
            columns[label] = np.array([value], dtype=np.int64)
        else:
            columns[label] = np.array(["" if value is None else str(value)], dtype=object)
    return records(layout, columns, 1, line_end)


def summary_file(
    contents: Mapping[str, bytes], version: str = "v38", line_end: bytes = b"\n"
) -> bytes:
    """CCLF0: the header record, then one pipe-delimited detail record per file (IP Table 25-26)."""
    from cclf.layouts import FILE_DESCRIPTIONS, layout

    lines = ["File Number  |File Description    |Total Records Count |Record Length"]
    for code in sorted(contents):
        count = contents[code].count(b"\n")
        length = layout(code, version).record_length
        lines.append(f"{code:<7}|{FILE_DESCRIPTIONS[code]:<43}|{count:>11}|{length:>5} ")
    return (line_end.decode().join(lines) + line_end.decode()).encode("ascii")


def write_delivery(
    out: Any,
    *,
    entity_id: str,
    year: int,
    delivered_at: Any,
    contents: Mapping[str, bytes],
    runout: bool = False,
    as_zip: bool = True,
    summary: bytes | None = None,
) -> Any:
    """Write a delivery (zip, or a folder) named as CMS names it, with its CCLF0, into folder `out`.
    `contents` maps file codes (CCLF1..CCLFB) to their records; returns the path written."""
    import zipfile
    from pathlib import Path

    from cclf.names import file_name

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    files = dict(contents)
    files["CCLF0"] = summary if summary is not None else summary_file(contents)
    names = {
        code: file_name(
            entity_id=entity_id, code=code, runout=runout, year=year, delivered_at=delivered_at
        )
        for code in files
    }
    delivery_name = file_name(
        entity_id=entity_id, code="", runout=runout, year=year, delivered_at=delivered_at
    )
    if as_zip:
        path = out / f"{delivery_name}.zip"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for code in sorted(files):
                zf.writestr(names[code], files[code])
        return path
    folder = out / delivery_name
    folder.mkdir(exist_ok=True)
    for code in sorted(files):
        (folder / names[code]).write_bytes(files[code])
    return folder
