"""CCLF record layouts, read from the CMS layout tables shipped with this package.

The tables (`layouts/cclf_layouts_ip_v38.csv`, `..._v36.csv`) are CMS's CCLF Information Packet
Appendix B, one row per field: file, element, field label, start, end, length, COBOL picture. No
offset is typed anywhere else in the code: parsers, generators and the database columns are all
derived from these tables.

Each field gets a *kind* that decides how it is validated and stored:

* ``date``: ``YYYY-MM-DD``; blank, ``1000-01-01`` and ``9999-12-31`` mean null (IP section 3.6).
* ``amount``: a signed decimal ``-9(n).99``: a sign position ("-" or blank), digits, a point and
  the decimals (IP section 1 / Appendix B). Two CCLF5 fields are printed ``X(15)``/``X(17)`` but are
  amounts (domain.md Appendix A: "Parse them as signed decimals").
* ``integer``: an unsigned ``9(n)`` number stored as an integer (claim ids, line numbers).
* ``text``: everything else, right-trimmed; blank means null.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Literal

Kind = Literal["text", "date", "amount", "integer"]

# The CCLF file codes of a delivery, in load order (the beneficiary files first: every claim
# row refers to a beneficiary identifier).
CLAIM_FILE_CODES = ("CCLF1", "CCLF2", "CCLF3", "CCLF4", "CCLF5", "CCLF6", "CCLF7", "CCLFA", "CCLFB")
DATA_FILE_CODES = ("CCLF9", "CCLF8", *CLAIM_FILE_CODES)
SUMMARY_FILE_CODE = "CCLF0"

# Fixed descriptions CMS prints in CCLF0 (IP section 2.7, Table 1).
FILE_DESCRIPTIONS = {
    "CCLF1": "Part A Claims Header File",
    "CCLF2": "Part A Claims Revenue Center Detail File",
    "CCLF3": "Part A Procedure Code File",
    "CCLF4": "Part A Diagnosis Code File",
    "CCLF5": "Part B Physicians File",
    "CCLF6": "Part B DME File",
    "CCLF7": "Part D File",
    "CCLF8": "Beneficiary Demographics File",
    "CCLF9": "BENE XREF File",
    "CCLFA": "Part A BE and Demo Codes File",
    "CCLFB": "Part B BE and Demo Codes File",
}

# 9(n) fields that are codes, not quantities: their leading zeros carry meaning.
_NUMERIC_CODES = {"CLM_TYPE_CD", "BENE_FIPS_STATE_CD", "BENE_FIPS_CNTY_CD"}
# Fields printed as character but holding signed decimals (domain.md Appendix A).
_AMOUNTS_PRINTED_AS_TEXT = {("CCLF5", "CLM_LINE_CVRD_PD_AMT"), ("CCLF5", "CLM_LINE_ALOWD_CHRG_AMT")}
# Identifier fields that must hold a valid MBI when present.
MBI_FIELDS = {"BENE_MBI_ID", "CRNT_NUM", "PRVS_NUM"}

_AMOUNT_PICTURE = re.compile(r"^-9\((\d+)\)\.(9+)$")
_INTEGER_PICTURE = re.compile(r"^9\((\d+)\)$")

VERSIONS = ("v38", "v36")
DEFAULT_VERSION = "v38"


@dataclass(frozen=True)
class Field:
    """One field of a fixed-width record, 0-based half-open [start, end)."""

    label: str
    name: str
    start: int
    end: int
    picture: str
    kind: Kind
    scale: int = 0

    @property
    def width(self) -> int:
        return self.end - self.start

    @property
    def column(self) -> str:
        """The database column that holds the field."""
        return self.label.lower()


@dataclass(frozen=True)
class Layout:
    """The record layout of one CCLF file type in one Information Packet version."""

    code: str
    version: str
    record_length: int
    fields: tuple[Field, ...] = field(repr=False)

    def field(self, label: str) -> Field:
        for f in self.fields:
            if f.label == label:
                return f
        raise KeyError(f"{self.code} has no field {label}")

    def has(self, label: str) -> bool:
        return any(f.label == label for f in self.fields)

    @property
    def labels(self) -> list[str]:
        return [f.label for f in self.fields]


def _kind(code: str, label: str, picture: str, width: int) -> tuple[Kind, int]:
    if picture == "YYYY-MM-DD":
        return "date", 0
    m = _AMOUNT_PICTURE.match(picture)
    if m:
        return "amount", len(m.group(2))
    if (code, label) in _AMOUNTS_PRINTED_AS_TEXT:
        return "amount", 2
    if _INTEGER_PICTURE.match(picture) and label not in _NUMERIC_CODES:
        return "integer", 0
    return "text", 0


@cache
def layouts(version: str = DEFAULT_VERSION) -> dict[str, Layout]:
    """Every record layout of an IP version, keyed by file code (CCLF1 .. CCLFB, CCLF0_DTL)."""
    if version not in VERSIONS:
        raise ValueError(f"Unknown CCLF layout version {version!r}; known: {', '.join(VERSIONS)}")
    source = resources.files("cclf") / "layouts" / f"cclf_layouts_ip_{version}.csv"
    rows: dict[str, list[dict[str, str]]] = {}
    with source.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            rows.setdefault(row["file"], []).append(row)
    result = {}
    for code, fields in rows.items():
        fields.sort(key=lambda r: int(r["element"]))
        built = []
        for r in fields:
            start, end = int(r["start"]) - 1, int(r["end"])
            kind, scale = _kind(code, r["field_label"], r["format"].strip(), end - start)
            if kind == "amount":
                # A sign position, the digits, a point and `scale` decimals. The CCLF6 allowed
                # amount is printed -9(14).99 over 17 bytes: the width, not the picture, rules.
                assert end - start >= scale + 3, (code, r["field_label"])
            built.append(
                Field(
                    label=r["field_label"],
                    name=r["field_name"],
                    start=start,
                    end=end,
                    picture=r["format"].strip(),
                    kind=kind,
                    scale=scale,
                )
            )
        result[code] = Layout(
            code=code, version=version, record_length=built[-1].end, fields=tuple(built)
        )
    return result


def layout(code: str, version: str = DEFAULT_VERSION) -> Layout:
    return layouts(version)[code]
