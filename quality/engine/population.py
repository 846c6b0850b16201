"""The measured population: beneficiaries aligned/assigned to the entity in the year.

Columns of the `population` frame every measure takes:
    beneficiary_id   int
    birth_date       datetime64 (NaT if unknown: such a beneficiary is not in age-limited cohorts)
    death_date       datetime64 or NaT
    start, end       the span of the year the beneficiary is aligned (datetime64)
    tin, npi         the TIN and NPI the beneficiary is aligned through ("" if not known)
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

POPULATION_COLUMNS = ["beneficiary_id", "birth_date", "death_date", "start", "end", "tin", "npi"]


def year_bounds(year: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    return pd.Timestamp(date(year, 1, 1)), pd.Timestamp(date(year, 12, 31))


def normalised(population: pd.DataFrame, year: int) -> pd.DataFrame:
    """The population with every column present, dates parsed and spans clipped to the year and
    to the date of death."""
    frame = population.copy()
    first, last = year_bounds(year)
    for col in POPULATION_COLUMNS:
        if col not in frame:
            frame[col] = "" if col in ("tin", "npi") else pd.NaT
    for col in ("birth_date", "death_date", "start", "end"):
        frame[col] = pd.to_datetime(frame[col])
    frame["start"] = frame["start"].fillna(first)
    frame.loc[frame["start"] < first, "start"] = first
    frame["end"] = frame["end"].fillna(last)
    frame.loc[frame["end"] > last, "end"] = last
    died = frame["death_date"].notna() & (frame["death_date"] < frame["end"])
    frame.loc[died, "end"] = frame.loc[died, "death_date"]
    frame["tin"] = frame["tin"].fillna("").astype(str)
    frame["npi"] = frame["npi"].fillna("").astype(str)
    frame["beneficiary_id"] = frame["beneficiary_id"].astype(int)
    return frame[frame["end"] >= frame["start"]].drop_duplicates("beneficiary_id")


def age_on(birth: Any, day: Any) -> int | None:
    if pd.isna(birth):
        return None
    return int(day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day)))


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame's rows as dicts (what the measure loops read)."""
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def records_by(frame: pd.DataFrame, key: str = "beneficiary_id") -> dict[int, list[dict[str, Any]]]:
    """The frame's rows as dicts grouped by `key` (in the frame's order): one conversion of the
    whole frame, not one per group (what made the measure loops slow)."""
    grouped: dict[int, list[dict[str, Any]]] = {}
    for row in records(frame):
        grouped.setdefault(int(str(row[key])), []).append(row)
    return grouped


def day_index(day: Any, first: Any) -> int:
    """Days from `first` to `day` (both timestamps)."""
    return int((day - first).days)
