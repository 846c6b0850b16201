"""Helpers for the benchmark engine tests: hand-built reference tables and populations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal

import pandas as pd

from benchmarks.engine import columns as c
from benchmarks.engine.reference import ReferenceTable, ReferenceValue

D = Decimal


def table(values: Mapping[tuple[str, int, str], Decimal | str | int]) -> ReferenceTable:
    return ReferenceTable(
        ReferenceValue(name, year, segment, D(str(value)), source="test fixture", status="cms")
        for (name, year, segment), value in values.items()
    )


def bene_years(
    rows: Iterable[tuple[int, int, str, int, str | Decimal, str]],
    risk: str = "1",
    demographic: str = "0.5",
) -> pd.DataFrame:
    """(bene, year, enrollment type, months, paid, excluded) -> a benchmark_years frame."""
    records = []
    for bene, year, etype, months, paid, excluded in rows:
        records.append(
            {
                c.BENE_ID: bene,
                c.YEAR: year,
                c.ENROLLMENT_TYPE: etype,
                c.MONTHS: months,
                c.PERSON_YEARS: D(months) / 12,
                c.PAID_AMOUNT: D(paid),
                c.REDUCTION_ADDED: D(0),
                c.EXCLUDED_AMOUNT: D(excluded),
                c.EXPENDITURE: D(paid) - D(excluded),
                c.RAW_SCORE: D(risk),
                c.DEMOGRAPHIC_SCORE: D(demographic),
            }
        )
    return pd.DataFrame(records)


def performance(
    rows: Iterable[tuple[int, str, int, str]], demographic: str = "0.5"
) -> pd.DataFrame:
    """(bene, enrollment type, months, raw risk score) -> a performance frame."""
    return pd.DataFrame(
        [
            {
                c.BENE_ID: bene,
                c.ENROLLMENT_TYPE: etype,
                c.MONTHS: months,
                c.PERSON_YEARS: D(months) / 12,
                c.RAW_SCORE: D(score),
                c.DEMOGRAPHIC_SCORE: D(demographic),
            }
            for bene, etype, months, score in rows
        ]
    )
