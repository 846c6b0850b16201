"""The layouts of CMS's list reports, read from the tables in `layouts/` (one row per column:
table, column, kind, required, description). No column name is typed anywhere else: the
parser, the synthetic writer and the documentation take them from here.

* `mssp_alr.csv`: the MSSP Assignment List Report's tables, as CMS delivers them (one CSV per
  table, the table number at the end of the file name: `..._1-1.csv`). Column names as in the
  report's data dictionary (Table 1-1 assigned beneficiaries with its exclusion flags, Table 1-2
  beneficiaries by participant TIN/CCN, Table 1-5 turnover with its reason flags).
* `reach_bar.csv`: the ACO REACH beneficiary alignment report. CMS publishes no layout for it;
  this is the CSV we accept (docs/cms-lists.md), with CMS's field-name conventions.

Kinds: `mbi`, `name`, `text`, `date` (YYYY-MM-DD or MM/DD/YYYY; blank is null), `sex` (0, 1,
2), `flag` (1/0, Y/N; blank is 0), `count` (digits), `step` (1-2 digits), `month` (one digit,
or blank), `tin` (9 digits), `npi` (10 digits with a valid check digit), `tin_or_ccn`,
`status` (A, E), `reason_code` (REACH reason codes), and `reason:<reason>` (a flag that, set,
excludes the beneficiary for that reason).

`enrollflag.csv` holds the meaning of Table 1-1's monthly `ENROLLFLAG1`..`ENROLLFLAG12` codes
(the beneficiary's enrollment type in each month of the list's twelve-month window, as the
report's data dictionary gives them): a code not in it has no meaning the platform may use.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

MSSP_ALR = "mssp_alr"
REACH_BAR = "reach_bar"
REPORTS = (MSSP_ALR, REACH_BAR)


@dataclass(frozen=True)
class Column:
    table: str
    name: str
    kind: str
    required: bool
    description: str


@cache
def layout(report: str) -> dict[str, tuple[Column, ...]]:
    """Table -> its columns, in the report's order."""
    if report not in REPORTS:
        raise ValueError(f"Unknown CMS list report {report!r}; known: {', '.join(REPORTS)}")
    source = resources.files("cmslists") / "layouts" / f"{report}.csv"
    tables: dict[str, list[Column]] = {}
    text = source.read_text(encoding="utf-8")
    for row in csv.DictReader(io.StringIO(text)):
        tables.setdefault(row["table"], []).append(
            Column(
                table=row["table"],
                name=row["column"],
                kind=row["kind"],
                required=row["required"] == "Y",
                description=row["description"],
            )
        )
    return {table: tuple(columns) for table, columns in tables.items()}


@dataclass(frozen=True)
class EnrollmentFlag:
    code: str
    enrollment_type: str  # blank: not enrolled in Part A and Part B that month
    meaning: str


@cache
def enrollment_flags() -> dict[str, EnrollmentFlag]:
    """Table 1-1's ENROLLFLAG codes -> their enrollment type and meaning."""
    source = resources.files("cmslists") / "layouts" / "enrollflag.csv"
    rows = csv.DictReader(io.StringIO(source.read_text(encoding="utf-8")))
    return {
        row["code"]: EnrollmentFlag(row["code"], row["enrollment_type"], row["meaning"])
        for row in rows
    }
