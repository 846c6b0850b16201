"""Which claims-based measures a program year uses, and how each is computed.

- ACO REACH (PY2023 on): ACR and UAMCC for every ACO; TFU for Standard and New Entrant ACOs, DAH
  instead for High Needs Population ACOs (ACO REACH PY2023 Quality Measurement Methodology; 2023
  Quality Performance Report note 1).
- MSSP (APP): Quality ID 479 from PY2022; Quality ID 484 in PY2022-PY2024, not in the PY2025 APP
  Plus set, and in it again from PY2026 (42 CFR 425.512(a); CY2025 PFS final rule, APP Plus
  measure set; CMS Quality Payment Program measures data of PY2025 and PY2026, where 484 lists
  the APP Plus program in PY2026 only).
"""

from __future__ import annotations

from dataclasses import dataclass

# Program and entity-type codes as the entity registry holds them (entities/data/registry).
MSSP = "mssp"
REACH = "reach"
HIGH_NEEDS = "high_needs"


@dataclass(frozen=True)
class MeasureSpec:
    code: str
    title: str
    kind: str  # "readmission" | "admissions" | "follow_up" | "days_at_home"
    program: str
    first_year: int
    last_year: int | None = None
    entity_types: tuple[str, ...] = ()  # REACH entity types it applies to; () = all
    excluded_types: tuple[str, ...] = ()
    years_out: tuple[int, ...] = ()  # years within first..last the program's set leaves it out

    def applies(self, program: str, year: int, entity_type: str = "") -> bool:
        if program != self.program or year < self.first_year:
            return False
        if self.last_year is not None and year > self.last_year:
            return False
        if year in self.years_out:
            return False
        if self.entity_types and entity_type not in self.entity_types:
            return False
        return entity_type not in self.excluded_types or not entity_type


MEASURES = (
    MeasureSpec("ACR", "All-Condition Readmission", "readmission", REACH, 2023),
    MeasureSpec(
        "UAMCC", "Unplanned Admissions for Multiple Chronic Conditions", "admissions", REACH, 2023
    ),
    MeasureSpec(
        "TFU",
        "Timely Follow-Up After Acute Exacerbations",
        "follow_up",
        REACH,
        2023,
        excluded_types=(HIGH_NEEDS,),
    ),
    MeasureSpec("DAH", "Days at Home", "days_at_home", REACH, 2023, entity_types=(HIGH_NEEDS,)),
    MeasureSpec("479", "Hospital-Wide 30-Day Readmission (HWR)", "readmission", MSSP, 2022),
    MeasureSpec(
        "484",
        "Admissions for Multiple Chronic Conditions",
        "admissions",
        MSSP,
        2022,
        years_out=(2025,),
    ),
)


def measures_for(program: str, year: int, entity_type: str = "") -> list[MeasureSpec]:
    return [m for m in MEASURES if m.applies(program, year, entity_type)]


def measure(code: str) -> MeasureSpec:
    for m in MEASURES:
        if m.code == code:
            return m
    raise KeyError(code)
