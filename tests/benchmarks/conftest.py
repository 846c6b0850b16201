"""A small synthetic MSSP ACO (entity A) and REACH DCE (entity B) with claims and reference data."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from benchmarks.services.reference import reference_dataset_upload
from entities.models import Entity, EntityYear, Track
from tests.benchmarks.builders import ClaimsBuilder

MSSP_NATIONAL_2024 = """name,segment,value,status,note
normalization_factor_by1,,1.01,cms,
normalization_factor_by2,,1.02,cms,
normalization_factor_by3,,1.03,cms,
normalization_factor_py,,1.04,cms,
national_per_capita_by3,,11000,cms,
national_growth_factor,,1.04,cms,
acpt_factor,,1.049,cms,revised 2023-2024 ACPT
"""
MSSP_ENTITY_2024 = """name,segment,value,status,note
trend_by1_to_by3,,1.08,cms,
trend_by2_to_by3,,1.04,cms,
regional_per_capita_by3,,12000,cms,
regional_growth_factor,,1.05,cms,
regional_penetration,,0.25,cms,
"""
THRESHOLDS = "name,segment,value,status,note\ntruncation_threshold,,50000,cms,\n"


def upload(
    program: Any, year: int, entity: Any, text: str, source: str = "Synthetic CMS report"
) -> Any:
    return reference_dataset_upload(
        program=program,
        year=year,
        entity=entity,
        source=source,
        file_name="ref.csv",
        content=text.encode(),
        user=None,
    )


@pytest.fixture
def mssp_aco(entity_a: Entity) -> Entity:
    """Entity A: agreement starting 2024 (BYs 2021-2023), PY2024, three beneficiaries.

    Bene 1 (aged/non-dual): claims every year, diabetes and CHF coded each year.
    Bene 2 (aged/non-dual): dies 15 Jun 2024; one large inpatient claim in 2022 above the threshold.
    Bene 3 (aged/dual, full dual): an IME/DSH/UC inpatient stay in 2023.
    """
    entity_a.agreement_start = date(2024, 1, 1)
    # Preliminary prospective assignment: each benchmark year is assigned on its calendar year.
    entity_a.assignment_method = "preliminary_prospective"
    entity_a.save()
    build = ClaimsBuilder(entity_a)
    # The current (PY2024) participant list; the benchmark years are aligned with it.
    build.participant(tin="330000001", serial=81_001, start=date(2024, 1, 1))
    years = [2021, 2022, 2023, 2024]
    b1 = build.beneficiary(years=years, birth=date(1948, 3, 10), sex="2")
    b2 = build.beneficiary(years=years, birth=date(1940, 7, 1), sex="1", death=date(2024, 6, 15))
    b3 = build.beneficiary(years=years, birth=date(1952, 1, 20), sex="2", dual="02")
    for year in years:
        build.part_b(b1, thru=date(year, 3, 1), paid="1200.00", dx=("E1122", "I5022"))
        build.part_b(b2, thru=date(year, 2, 1), paid="800.00", dx=("J449",))
        build.part_b(b3, thru=date(year, 4, 1), paid="600.00", dx=("N184",))
    build.part_a(b1, thru=date(2021, 5, 1), paid="9000.00", dx=("I5022",))
    build.part_a(b2, thru=date(2022, 8, 1), paid="70000.00", dx=("J449",))  # truncated at 50,000
    build.part_a(
        b3,
        thru=date(2023, 9, 1),
        paid="20000.00",
        ime="1500.00",
        dsh="700.00",
        uc="300.00",
        dx=("N184",),
    )
    build.part_a(b1, thru=date(2024, 4, 1), paid="5000.00", dx=("E1122",))
    build.part_a(b2, thru=date(2024, 9, 1), paid="3000.00")  # after death: not counted
    program = entity_a.program
    for year in (2021, 2022, 2023, 2024):
        upload(
            program, year, None, THRESHOLDS, source=f"Synthetic MSSP {year} truncation thresholds"
        )
    upload(program, 2024, None, MSSP_NATIONAL_2024)
    upload(
        program, 2024, entity_a, MSSP_ENTITY_2024, source="Synthetic historical benchmark report"
    )
    entity_a.beneficiaries_built = (b1, b2, b3)
    entity_a.builder = build
    return entity_a


REACH_NATIONAL_2024 = """name,segment,value,status,note
normalization_factor_by1,,1,cms,
normalization_factor_by2,,1,cms,
normalization_factor_by3,,1,cms,
normalization_factor_py,,1.02,cms,
trend_factor_by1,,1.20,cms,
trend_factor_by2,,1.15,cms,
trend_factor_by3,,1.10,cms,
coding_intensity_factor,,0.01,cms,
adjusted_uspcc,,1000,cms,
"""
REACH_ENTITY_2024 = """name,segment,value,status,note
reference_year_risk_score,,1.0,cms,
regional_rate,,1050,cms,
heba_top_decile_months,,12,cms,
heba_bottom_deciles_months,,6,cms,
"""


@pytest.fixture
def reach_dce(entity_b: Entity) -> Entity:
    """Entity B, a Global DCE for PY2024 with BY2017-2019 claims (PBP reductions included)."""
    EntityYear.objects.create(
        entity=entity_b,
        performance_year=2024,
        track=Track.objects.get(program__code="reach", code="global"),
    )
    build = ClaimsBuilder(entity_b)
    build.participant(tin="440000001", serial=82_001, start=date(2024, 1, 1))
    # REACH aligns each benchmark year on the two July-June years before it (from 2014-07).
    b1 = build.beneficiary(years=[2017, 2018, 2019, 2024], birth=date(1945, 5, 5), sex="2")
    b2 = build.beneficiary(
        years=[2017, 2018, 2019, 2024], birth=date(1958, 9, 9), sex="1", status="20", orec="1"
    )
    # Office visits alone (no diagnoses) in 2015-2016: BY2017's alignment years.
    for year in (2015, 2016):
        build.part_b(b1, thru=date(year, 3, 1), paid="90.00")
        build.part_b(b2, thru=date(year, 9, 1), paid="90.00")
    for year in [2017, 2018, 2019, 2024]:
        build.part_b(b1, thru=date(year, 3, 1), paid="900.00", dx=("E1122",), reduction="100.00")
        build.part_b(b2, thru=date(year, 6, 1), paid="400.00", dx=("F200",))
        build.part_a(
            b1, thru=date(year, 7, 1), paid="4000.00", claim_type="40", bill="131", hcpcs=("99213",)
        )
    program = entity_b.program
    for year in (2017, 2018, 2019):
        upload(program, year, None, THRESHOLDS)
    upload(program, 2024, None, REACH_NATIONAL_2024)
    upload(program, 2024, entity_b, REACH_ENTITY_2024)
    return entity_b
