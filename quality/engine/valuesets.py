"""The measures' code lists, read from versioned data files under `valuesets/` (with sources)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Any

VALUESET_DIR = Path(__file__).with_name("valuesets")
CURRENT = "claims_measures_2025.json"


@cache
def value_sets(name: str = CURRENT) -> dict[str, Any]:
    """One value-set file as loaded (cached; treat as read-only)."""
    data: dict[str, Any] = json.loads((VALUESET_DIR / name).read_text(encoding="utf-8"))
    return data


def code_set(key: str, name: str = CURRENT) -> dict[str, Any]:
    sets: dict[str, Any] = value_sets(name)["sets"]
    return dict(sets[key])


def normalise(code: object) -> str:
    """An ICD-10 / HCPCS / revenue code as the lists hold it: upper case, no dot, no blanks."""
    if code is None or (isinstance(code, float) and code != code):
        return ""
    return str(code).strip().upper().replace(".", "")


def starts_with_any(code: object, prefixes: Iterable[str]) -> bool:
    text = normalise(code)
    return bool(text) and any(text.startswith(p) for p in prefixes)


def partial_sets(keys: Iterable[str], name: str = CURRENT) -> list[str]:
    """The labels of the lists among `keys` that are only partly shipped (see the file's note)."""
    return [
        str(code_set(k, name)["label"])
        for k in keys
        if code_set(k, name).get("coverage") != "complete"
    ]
