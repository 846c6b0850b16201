"""What codes mean, for every page and file: ICD-10-CM diagnoses in words, and the block of the
classification each belongs to (the chapter's grouping of related conditions, e.g. "Diabetes
mellitus (E08-E13)").

The descriptions are the CDC/CMS ICD-10-CM tabular list (April 2026 release), written to
core/data/icd10cm.tsv.gz from the maintained `simple-icd-10-cm` package by
core/data/build_icd10cm.py; the table is read once, on first use. A code the list does not hold (a
typo on a claim, a code of another year) reads as the code alone. Claims carry codes without the
dot (`E119`); both forms are taken. `{% load codes %}` then `{{ code|dx }}` writes
"E11.9 Type 2 diabetes mellitus without complications".
"""

from __future__ import annotations

import csv
import gzip
from functools import cache
from pathlib import Path

SOURCE = "ICD-10-CM tabular list, April 2026 (CDC National Center for Health Statistics, CMS)"
TABLE = Path(__file__).with_name("data") / "icd10cm.tsv.gz"


@cache
def _icd10() -> dict[str, tuple[str, str, str]]:
    """code without the dot -> (description, block, block description)."""
    with gzip.open(TABLE, "rt", encoding="utf-8") as fh:
        reader = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        next(reader)
        return {row[0]: (row[1], row[2], row[3]) for row in reader}


def _normal(code: str) -> str:
    return (code or "").strip().upper().replace(".", "")


def _dotted(plain: str) -> str:
    return plain if len(plain) <= 3 else f"{plain[:3]}.{plain[3:]}"


def icd10_description(code: str) -> str:
    """The code's description, or "" when the classification does not hold the code."""
    found = _icd10().get(_normal(code))
    return found[0] if found else ""


def icd10_display(code: str) -> str:
    """'E11.9 Type 2 diabetes mellitus without complications'; the code alone when unknown."""
    plain = _normal(code)
    found = _icd10().get(plain)
    return f"{_dotted(plain)} {found[0]}" if found else plain


def icd10_block(code: str) -> tuple[str, str]:
    """(block, its description) the code falls in: ("E08-E13", "Diabetes mellitus (E08-E13)");
    ("", "") for a code the classification does not hold."""
    found = _icd10().get(_normal(code))
    return (found[1], found[2]) if found else ("", "")
