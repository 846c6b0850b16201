"""Lead-specialist conditions as data: `conditions.json` beside this module (or any file of its
shape), read into frozen dataclasses. A malformed definition raises `DefinitionError` naming the
condition and the field."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_PATH = Path(__file__).with_name("conditions.json")


class DefinitionError(ValueError):
    pass


@dataclass(frozen=True)
class Condition:
    code: str
    label: str
    lead_role: str
    trigger_codes: tuple[str, ...]
    trigger_source: str
    min_claims: int
    specialty_codes: tuple[str, ...]
    specialty_source: str
    service_codes: tuple[str, ...]
    service_source: str

    def triggers(self, dx: str) -> bool:
        """True when the ICD-10 code (no dot) is one of the triggers; `X*` matches a prefix."""
        code = dx.replace(".", "").strip().upper()
        return any(
            code.startswith(t[:-1]) if t.endswith("*") else code == t for t in self.trigger_codes
        )

    def qualifies_service(self, hcpcs: str) -> bool:
        """True when the HCPCS code is one of the qualifying services (`A-B`: a numeric range)."""
        code = hcpcs.strip().upper()
        for item in self.service_codes:
            low, _, high = item.partition("-")
            if not high:
                if code == low:
                    return True
            elif code.isdigit() and len(code) == len(low) and low <= code <= high:
                return True
        return False


@dataclass(frozen=True)
class Definitions:
    version: str
    note: str
    conditions: tuple[Condition, ...]
    window_months: int
    window_source: str
    plurality: str

    def get(self, code: str) -> Condition | None:
        return next((c for c in self.conditions if c.code == code), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "note": self.note,
            "conditions": [
                {
                    **c.__dict__,
                    "trigger_codes": list(c.trigger_codes),
                    "specialty_codes": list(c.specialty_codes),
                    "service_codes": list(c.service_codes),
                }
                for c in self.conditions
            ],
            "rules": {
                "window_months": self.window_months,
                "window_source": self.window_source,
                "plurality": self.plurality,
            },
        }


_TEXT = ("code", "label", "lead_role", "trigger_source", "specialty_source", "service_source")
_LISTS = ("trigger_codes", "specialty_codes", "service_codes")


def _condition(raw: Any, index: int) -> Condition:
    if not isinstance(raw, dict):
        raise DefinitionError(f"conditions[{index}]: expected an object.")
    name = raw.get("code") or f"conditions[{index}]"
    for field in _TEXT:
        if not isinstance(raw.get(field), str) or not raw[field].strip():
            raise DefinitionError(f"{name}: {field} must be a non-empty text.")
    for field in _LISTS:
        value = raw.get(field)
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise DefinitionError(f"{name}: {field} must be a non-empty list of codes.")
    if not isinstance(raw.get("min_claims"), int) or raw["min_claims"] < 1:
        raise DefinitionError(f"{name}: min_claims must be a whole number of at least 1.")
    for item in raw["service_codes"]:
        low, _, high = item.partition("-")
        if high and (len(low) != len(high) or not low.isdigit() or not high.isdigit()):
            raise DefinitionError(f"{name}: service_codes range {item!r} is not NNNNN-NNNNN.")
    return Condition(
        **{f: raw[f].strip() for f in _TEXT},
        trigger_codes=tuple(c.replace(".", "").upper() for c in raw["trigger_codes"]),
        specialty_codes=tuple(c.upper() for c in raw["specialty_codes"]),
        service_codes=tuple(c.upper() for c in raw["service_codes"]),
        min_claims=raw["min_claims"],
    )


def definitions_from(data: Any) -> Definitions:
    """Definitions from their JSON shape (a dict); raises DefinitionError."""
    if not isinstance(data, dict) or not isinstance(data.get("conditions"), list):
        raise DefinitionError("The definitions need a 'conditions' list.")
    conditions = tuple(_condition(raw, i) for i, raw in enumerate(data["conditions"]))
    codes = [c.code for c in conditions]
    if len(set(codes)) != len(codes):
        raise DefinitionError("Two conditions share a code.")
    rules = data.get("rules") or {}
    window = rules.get("window_months", 12)
    if not isinstance(window, int) or not 1 <= window <= 36:
        raise DefinitionError("rules: window_months must be between 1 and 36.")
    return Definitions(
        version=str(data.get("version") or "unversioned"),
        note=str(data.get("note") or ""),
        conditions=conditions,
        window_months=window,
        window_source=str(rules.get("window_source") or ""),
        plurality=str(rules.get("plurality") or ""),
    )


def load_definitions(path: Path = DEFAULT_PATH) -> Definitions:
    return definitions_from(json.loads(path.read_text(encoding="utf-8")))
