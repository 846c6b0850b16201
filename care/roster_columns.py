"""The roster's columns, once: the page's table and the CSV export read the same list, so the
file has the columns the coordinator saw, under the same headers, with the same values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core import display


def _care(bene: Any) -> Any:
    return getattr(bene, "care", None)


def _days_since_primary_care(bene: Any) -> str:
    care = _care(bene)
    if care is None:
        return display.DASH
    if care.last_primary_care_visit is None:
        return "none in the claims"
    return display.count((care.as_of - care.last_primary_care_visit).days)


def _alignment(bene: Any) -> str:
    care = _care(bene)
    if care is None:
        return display.DASH
    if not care.aligned:
        return "not aligned"
    parts = [f"TIN {care.attributed_tin}" if care.attributed_tin else "aligned"]
    if care.newly_aligned:
        parts.append("new")
    if care.alignment_at_risk:
        parts.append("at risk")
    return " · ".join(parts)


def _profile(name: str, show: Callable[[Any], str]) -> Callable[[Any], str]:
    def value(bene: Any) -> str:
        care = _care(bene)
        return show(getattr(care, name)) if care is not None else display.DASH

    return value


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], str]
    # The sort its header asks for first ("" when the column does not sort), high to low for
    # figures; a second click asks for the other direction.
    sort: str = ""
    # Read from claims: empty for a person whose claims CMS withholds.
    from_claims: bool = False
    numeric: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("Name", lambda b: f"{b.last_name}, {b.first_name}", sort="name"),
    Column("Date of birth", lambda b: display.day(b.birth_date), sort="dob"),
    Column("Sex", lambda b: {"1": "M", "2": "F"}.get(b.sex_code, display.DASH)),
    Column("MBI (last 4)", lambda b: b.current_mbi[-4:] or display.DASH),
    Column("Alignment", _alignment, sort="-alignment_risk"),
    Column("Risk tier", _profile("risk_tier", lambda v: (v or display.DASH).capitalize()), from_claims=True),
    Column("Risk score", _profile("risk_score", lambda v: display.number(v, 3)), sort="-risk", from_claims=True, numeric=True),
    Column("Open gaps", _profile("open_gap_count", display.count), sort="-gaps", from_claims=True, numeric=True),
    Column("Cost this year", _profile("spend_this_year", display.money), sort="-cost", from_claims=True, numeric=True),
    Column("Last inpatient discharge", _profile("last_inpatient_discharge", display.day), sort="-discharge", from_claims=True),
    Column("Last ED visit", _profile("last_ed_visit", display.day), from_claims=True),
    Column("Days since primary care visit", _days_since_primary_care, sort="pc_visit", from_claims=True, numeric=True),
)  # fmt: skip
HEADERS = [column.header for column in COLUMNS]
WITHHELD = "withheld by CMS"


def row_values(bene: Any, *, withheld: bool) -> list[str]:
    """The row as the page shows it (a dash for nothing; claims columns say CMS withholds)."""
    return [
        WITHHELD if withheld and column.from_claims else column.value(bene) for column in COLUMNS
    ]


def header_sort(column: Column, current: str) -> str:
    """The sort a click on the column's header asks for: its first direction, or the other
    direction when the roster is already in the first."""
    if not column.sort:
        return ""
    if current == column.sort:
        return column.sort[1:] if column.sort.startswith("-") else f"-{column.sort}"
    return column.sort
