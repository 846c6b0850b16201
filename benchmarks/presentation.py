"""How benchmark figures are shown: step tables pivoted by segment, numbers formatted by unit."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from benchmarks.engine import columns as c
from benchmarks.engine.reference import CATALOGUE
from core.display import words

MONEY_UNITS = {"USD", "USD per person-year", "USD per beneficiary per month"}
COUNT_UNITS = {"member-months", "beneficiaries"}
SEGMENT_ORDER = ["", *c.ENROLLMENT_TYPES, c.AGED_DISABLED]


def format_value(value: Any, unit: str) -> str:
    """A figure's value for a page: money with cents, counts whole, ratios to 6 decimals."""
    if value is None or value == "":
        return "—"
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    if unit in MONEY_UNITS:
        return f"{number:,.2f}"
    if unit in COUNT_UNITS:
        return f"{number:,.0f}"
    if unit == "person-years":
        return f"{number:,.2f}"
    text = f"{number:.6f}".rstrip("0").rstrip(".")
    return text or "0"


def label(name: str) -> str:
    """A figure's name in words: a reference value by its meaning in the catalogue ("Normalization
    factor of the BY1 risk scores (score / factor)", not "Normalization factor by1"), any other
    through the shared formatting layer ("Person years")."""
    if name in CATALOGUE:
        return CATALOGUE[name].description
    return words(name)


@dataclass
class Row:
    name: str
    year: int | None
    unit: str
    cells: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    to_confirm: bool = False

    @property
    def label(self) -> str:
        return label(self.name)


@dataclass
class Table:
    segments: list[str]
    rows: list[Row]

    @property
    def headers(self) -> list[str]:
        return [c.SEGMENT_LABELS.get(s, s) for s in self.segments]

    def grid(self) -> list[tuple[Row, list[dict[str, Any] | None]]]:
        return [(row, [row.cells.get(s) for s in self.segments]) for row in self.rows]


def pivot(figures: list[dict[str, Any]]) -> Table:
    """Figures (as stored) -> rows (name, year) x columns (segment)."""
    rows: dict[tuple[str, int | None], Row] = {}
    segments: set[str] = set()
    for f in figures:
        key = (f["name"], f.get("year"))
        row = rows.get(key)
        if row is None:
            row = rows[key] = Row(f["name"], f.get("year"), f.get("unit", ""))
        segment = f.get("segment", "")
        segments.add(segment)
        row.cells[segment] = {
            "value": format_value(f.get("value"), f.get("unit", "")),
            "exact": f.get("value"),
            "to_confirm": f.get("to_confirm", False),
            "source": f.get("source", ""),
        }
        if f.get("source") and f["source"] not in row.sources:
            row.sources.append(f["source"])
        row.to_confirm = row.to_confirm or bool(f.get("to_confirm"))
    ordered = [s for s in SEGMENT_ORDER if s in segments] + sorted(segments - set(SEGMENT_ORDER))
    return Table(ordered, list(rows.values()))
