"""The program registry shipped as data: programs, years, tracks, parameters with their sources."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from entities.models import (
    EntityYear,
    PerformanceYear,
    Program,
    ProgramParameter,
    SpecialtyCode,
    Track,
)
from entities.selectors import parameter_bands, program_parameter
from tests.factories import EntityFactory

pytestmark = pytest.mark.django_db


def test_the_four_programs_have_their_calendars_and_tracks() -> None:
    reach = Program.objects.get(code="reach")
    assert reach.cms_id_matches("D1234")
    assert not reach.cms_id_matches("A1234")
    gpdc = PerformanceYear.objects.get(program=reach, year=2021)
    assert (gpdc.start_date, gpdc.end_date, gpdc.label) == (
        dt.date(2021, 4, 1),
        dt.date(2021, 12, 31),
        "GPDC PY1",
    )
    mcp = Program.objects.get(code="mcp")
    assert mcp.status == "closed"
    assert list(mcp.performance_years.values_list("start_date", flat=True)) == [
        dt.date(2024, 7, 1),
        dt.date(2025, 1, 1),
    ]
    assert list(Track.objects.filter(program__code="mssp").values_list("code", flat=True)) == [
        "basic_a",
        "basic_b",
        "basic_c",
        "basic_d",
        "basic_e",
        "enhanced",
    ]
    assert set(
        Track.objects.filter(program=reach, category="entity_type").values_list("code", flat=True)
    ) == {
        "standard",
        "new_entrant",
        "high_needs",
    }
    lead = Program.objects.get(code="lead")
    assert lead.performance_years.count() == 10
    assert lead.entity_id_to_confirm


def test_parameters_resolve_by_track_then_program_wide_with_their_source() -> None:
    mssp = Program.objects.get(code="mssp")
    rate = program_parameter(
        program=mssp, performance_year=2025, key="max_sharing_rate", track="enhanced"
    )
    assert rate.value == Decimal("75")
    assert rate.fraction == Decimal("0.75")
    assert rate.evidence == "R"
    assert rate.to_confirm
    assert "425.610" in rate.source
    sequestration = program_parameter(
        program=mssp, performance_year=2025, key="sequestration_rate", track="basic_e"
    )
    assert sequestration.track is None
    assert sequestration.value == Decimal("2")
    assert program_parameter(program=mssp, performance_year=2025, key="qps_score").value == Decimal(
        "76.70"
    )
    unknown = program_parameter(program=mssp, performance_year=2026, key="qps_score")
    assert unknown.value is None
    assert unknown.to_confirm


def test_the_msr_bands_match_the_shared_table_and_interpolate() -> None:
    mssp = Program.objects.get(code="mssp")
    bands = parameter_bands(program=mssp, performance_year=2025, table="msr_variable")
    assert len(bands) == 10
    band = next(b for b in bands if b.lower <= 7500 <= (b.upper or 10**9))
    msr = band.value_at_lower + (Decimal(7500) - band.lower) / (band.upper - band.lower) * (
        band.value_at_upper - band.value_at_lower
    )
    assert round(msr, 2) == Decimal("3.30")  # domain.md 3.2 checked value
    corridor = parameter_bands(
        program=Program.objects.get(code="reach"),
        performance_year=2025,
        table="risk_corridor",
        track="professional",
    )
    assert [(b.lower, b.value_at_lower) for b in corridor] == [
        (Decimal("0"), Decimal("50")),
        (Decimal("5"), Decimal("35")),
        (Decimal("10"), Decimal("15")),
        (Decimal("15"), Decimal("5")),
    ]


def test_recalled_values_are_flagged_to_confirm() -> None:
    assert not ProgramParameter.objects.filter(evidence="R", to_confirm=False).exists()
    assert not ProgramParameter.objects.filter(evidence="3P", to_confirm=False).exists()
    assert ProgramParameter.objects.filter(evidence="V", to_confirm=False).count() > 50


def test_the_specialty_table_gives_the_assignment_classes() -> None:
    assert set(
        SpecialtyCode.objects.filter(provider_class="pcp").values_list("code", flat=True)
    ) == {
        "01",
        "08",
        "11",
        "37",
        "38",
    }
    assert set(
        SpecialtyCode.objects.filter(provider_class="npp").values_list("code", flat=True)
    ) == {"50", "89", "97"}
    assert SpecialtyCode.objects.get(code="06").provider_class == "specialist"
    assert SpecialtyCode.objects.get(code="06").to_confirm


def test_an_entity_id_must_match_its_programs_pattern() -> None:
    entity = EntityFactory.build(
        program=Program.objects.get(code="reach"), cms_id="A1234", legal_name="X"
    )
    with pytest.raises(ValidationError) as excinfo:
        entity.full_clean()
    assert excinfo.value.message_dict["cms_id"] == [
        "CMS ID A1234 does not look like a ACO REACH ID (for example D1234)."
    ]


def test_an_entity_year_takes_only_its_programs_tracks_and_registered_years(entity_a) -> None:
    year = EntityYear(
        entity=entity_a,
        performance_year=2025,
        track=Track.objects.get(program__code="reach", code="global"),
    )
    with pytest.raises(ValidationError, match="is not a Medicare Shared Savings Program track"):
        year.full_clean()
    year = EntityYear(
        entity=entity_a,
        performance_year=2040,
        track=Track.objects.get(program__code="mssp", code="enhanced"),
    )
    with pytest.raises(ValidationError, match="no performance year 2040"):
        year.full_clean()
