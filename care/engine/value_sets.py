"""The code value sets the care rules use, read from `value_sets.json` (data, with sources)."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

VALUE_SETS_FILE = Path(__file__).with_name("value_sets.json")
GAP_KEYS = (
    "awv",
    "hba1c",
    "blood_pressure",
    "depression_screening",
    "breast_cancer_screening",
    "colorectal_cancer_screening",
)


@cache
def value_sets() -> dict[str, Any]:
    """The value sets as loaded from the JSON file (cached; treat as read-only)."""
    data: dict[str, Any] = json.loads(VALUE_SETS_FILE.read_text(encoding="utf-8"))
    return data


def gap_label(key: str) -> str:
    return str(value_sets()[key]["label"])
