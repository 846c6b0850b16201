"""Dated value sets: the primary-care HCPCS lists and the specialty code lists of domain.md 1.3
and 1.4, kept as versioned data files (`valuesets/*.csv`) rather than code.

Each entry is valid from `valid_from` to `valid_to` (inclusive; blank = open). Whether an entry
applies to a claim line is decided by the line's service date or by the performance year; that
choice is a parameter (`value_set_dating` in parameters.py).
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd

DATA_DIR = Path(__file__).resolve().parent / "valuesets"
_OPEN_START = date(1900, 1, 1)
_OPEN_END = date(9999, 12, 31)
_CODE_RANGE = re.compile(r"^(?P<prefix>[A-Z]?)(?P<lo>\d+)-(?P=prefix)(?P<hi>\d+)$")


@dataclass(frozen=True)
class ValueSetEntry:
    code: str
    valid_from: date
    valid_to: date


@dataclass(frozen=True)
class DatedValueSet:
    """A named, versioned list of codes, each valid over a date range."""

    name: str
    version: str
    entries: tuple[ValueSetEntry, ...]

    def codes_on(self, day: date) -> frozenset[str]:
        return frozenset(e.code for e in self.entries if e.valid_from <= day <= e.valid_to)

    def all_codes(self) -> frozenset[str]:
        return frozenset(e.code for e in self.entries)

    def on(self, day: date) -> DatedValueSet:
        """The entries valid on `day`, made valid for all time (performance-year dating)."""
        kept = tuple(
            ValueSetEntry(e.code, _OPEN_START, _OPEN_END)
            for e in self.entries
            if e.valid_from <= day <= e.valid_to
        )
        return DatedValueSet(self.name, f"{self.version}@{day.isoformat()}", kept)

    def member_mask(
        self, labels: pd.Index, label_codes: npt.NDArray[np.integer], days: npt.NDArray[np.int32]
    ) -> npt.NDArray[np.bool_]:
        """Vectorised membership: row i is a member when `labels[label_codes[i]]` has an entry
        valid on day `days[i]` (days since 1970-01-01). A code of -1 is never a member."""
        by_code: dict[str, list[tuple[int, int]]] = {}
        for e in self.entries:
            by_code.setdefault(e.code, []).append((_day(e.valid_from), _day(e.valid_to)))
        depth = max((len(v) for v in by_code.values()), default=0)
        n = len(labels)
        # One (from, to) pair per label and per entry depth; labels absent from the set get an
        # empty interval. The trailing slot serves code -1.
        starts = np.full((max(depth, 1), n + 1), 1, dtype=np.int32)
        ends = np.zeros((max(depth, 1), n + 1), dtype=np.int32)
        for i, label in enumerate(labels):
            for k, (lo, hi) in enumerate(by_code.get(str(label), ())):
                starts[k, i], ends[k, i] = lo, hi
        codes = np.where(label_codes < 0, n, label_codes)
        mask = np.zeros(len(codes), dtype=bool)
        for k in range(starts.shape[0]):
            mask |= (starts[k][codes] <= days) & (days <= ends[k][codes])
        return mask


def _day(d: date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def _parse_date(text: str, default: date) -> date:
    return date.fromisoformat(text) if text.strip() else default


def expand_codes(code: str) -> list[str]:
    """'99201-99205' -> ['99201', ..., '99205']; 'G0438-G0439' -> ['G0438', 'G0439']."""
    code = code.strip().upper()
    m = _CODE_RANGE.match(code)
    if not m:
        return [code]
    prefix, lo, hi = m["prefix"], m["lo"], m["hi"]
    width = len(lo)
    return [f"{prefix}{n:0{width}d}" for n in range(int(lo), int(hi) + 1)]


def _version(path: Path) -> str:
    return f"{path.stem}:{hashlib.sha256(path.read_bytes()).hexdigest()[:12]}"


@cache
def load_hcpcs(file_name: str) -> DatedValueSet:
    """A HCPCS value set from `valuesets/<file_name>` (columns code, valid_from, valid_to)."""
    path = DATA_DIR / file_name
    entries: list[ValueSetEntry] = []
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            lo = _parse_date(row["valid_from"], _OPEN_START)
            hi = _parse_date(row["valid_to"], _OPEN_END)
            entries.extend(ValueSetEntry(c, lo, hi) for c in expand_codes(row["code"]))
    return DatedValueSet(path.stem, _version(path), tuple(entries))


@cache
def load_specialties(value_set: str, file_name: str = "specialties.csv") -> DatedValueSet:
    """One specialty value set (pcp, npp, mssp_specialist, ...) from `valuesets/specialties.csv`."""
    path = DATA_DIR / file_name
    entries: list[ValueSetEntry] = []
    with path.open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["value_set"] != value_set:
                continue
            entries.append(
                ValueSetEntry(
                    row["code"].strip().zfill(2),
                    _parse_date(row["valid_from"], _OPEN_START),
                    _parse_date(row["valid_to"], _OPEN_END),
                )
            )
    if not entries:
        raise ValueError(f"No specialty value set named {value_set!r} in {path.name}.")
    return DatedValueSet(value_set, _version(path), tuple(entries))


def code_range(first: str, last: str) -> frozenset[str]:
    """The codes of a range given by its ends, e.g. code_range('99304', '99318')."""
    return frozenset(expand_codes(f"{first}-{last}"))
