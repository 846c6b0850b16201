"""Every CSV the platform writes goes through these writers, so that no cell can run as a formula
when the file is opened in a spreadsheet (CSV injection).

OWASP's rule (CSV Injection): a text cell that begins with `=`, `+`, `-`, `@`, a tab or a
carriage return is prefixed with a single quote, which spreadsheets show as text and do not
evaluate. Numbers keep their sign: `-1234.56` stays a number, while `-1+cmd|...` gets the quote.
Imports read the quote back off (`formula_unescape`) and warn about cells that would have needed
it (`formula_cell`).

Pure Python (no Django): the settlement engine writes its batch output with it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A number as a spreadsheet reads one (a sign, digits with thousands commas, decimals, an
# exponent or a percent sign): such a cell is data, not a formula, and keeps its sign.
_NUMBER = re.compile(r"[-+]?(\d[\d,]*(\.\d*)?|\.\d+)([eE][-+]?\d+)?%?")


def formula_cell(value: Any) -> bool:
    """True for a text cell a spreadsheet could evaluate as a formula."""
    return (
        isinstance(value, str)
        and value.startswith(FORMULA_PREFIXES)
        and _NUMBER.fullmatch(value) is None
    )


def safe_cell(value: Any) -> Any:
    """The value as written to a CSV: a formula-like text cell gets a leading single quote."""
    return "'" + value if formula_cell(value) else value


def formula_unescape(value: str) -> str:
    """A cell read from a CSV, with the quote `safe_cell` (or a spreadsheet) put before a formula
    character taken off again, so that an exported file imports back unchanged."""
    if value.startswith("'") and formula_cell(value[1:]):
        return value[1:]
    return value


class SafeWriter:
    """csv.writer whose text cells cannot run as formulas."""

    def __init__(self, stream: Any, **kwargs: Any) -> None:
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter(csv.DictWriter):
    """csv.DictWriter whose text cells cannot run as formulas."""

    def __init__(self, stream: Any, fieldnames: Sequence[str], **kwargs: Any) -> None:
        super().__init__(stream, fieldnames, **kwargs)
        # DictWriter turns each row into a list and hands it to `self.writer`.
        self.writer = SafeWriter(stream, **{k: v for k, v in kwargs.items() if k in _FORMAT})  # type: ignore[assignment]


# csv.writer's formatting arguments (the rest of DictWriter's are its own).
_FORMAT = {
    "dialect",
    "delimiter",
    "quotechar",
    "escapechar",
    "doublequote",
    "skipinitialspace",
    "lineterminator",
    "quoting",
    "strict",
}


def writer(stream: Any, **kwargs: Any) -> SafeWriter:
    return SafeWriter(stream, **kwargs)


def dict_writer(stream: Any, fieldnames: Sequence[str], **kwargs: Any) -> SafeDictWriter:
    return SafeDictWriter(stream, fieldnames, **kwargs)
