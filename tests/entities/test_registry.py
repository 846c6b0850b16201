"""The program registry shipped as data: programs, years, tracks, parameters with their sources."""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import re
from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError

from entities.models import (
    EntityYear,
    ParameterBand,
    PerformanceYear,
    Program,
    ProgramParameter,
    SpecialtyCode,
    Track,
)
from entities.registry_data import REGISTRY_DIR
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


OUR_FILES = re.compile(r"domain\.md|shared/|\.(?:csv|py|md|json)\b|\bissue \d|\bREADME\b", re.I)
REGISTRY_MODELS = (Program, PerformanceYear, Track, ProgramParameter, ParameterBand, SpecialtyCode)


def test_no_stored_source_names_our_files() -> None:
    """Staff read a source in the console's edit forms as stored: it cites the CMS document or
    regulation, never our rules digest, a data file of ours or an issue."""
    for path in sorted(REGISTRY_DIR.glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                for field in ("source", "notes"):
                    assert not OUR_FILES.search(row.get(field) or ""), (path.name, number, field)
    for model in REGISTRY_MODELS:
        for field in ("source", "notes"):
            if not any(f.name == field for f in model._meta.get_fields()):
                continue
            named = model.objects.filter(**{f"{field}__iregex": OUR_FILES.pattern})
            assert not named.exists(), (model.__name__, field, named.values_list(field)[:3])


def test_the_data_migration_rewrites_sources_an_existing_database_still_holds() -> None:
    migration = importlib.import_module("entities.migrations.0007_registry_sources_cite_cms")
    old = "domain.md 3.3 (42 CFR 425.605, 425.610; glide path 425.600(a)(4))"
    edited = "42 CFR 425.605 (as staff wrote it)"
    Track.objects.filter(program__code="mssp", code="basic_a").update(source=old)
    Track.objects.filter(program__code="mssp", code="basic_b").update(source=edited)
    ParameterBand.objects.filter(table="msr_variable").update(
        source="42 CFR 425.604(b)/425.605(b); CMS-1345-P (2011) p.268; "
        "shared/data/mssp_msr_table.csv (domain.md 3.2)"
    )
    migration.forwards(django_apps, None)
    basic_a = Track.objects.get(program__code="mssp", code="basic_a")
    assert basic_a.source == "42 CFR 425.605, 425.610; BASIC glide path: 42 CFR 425.600(a)(4)"
    assert Track.objects.get(program__code="mssp", code="basic_b").source == edited
    band = ParameterBand.objects.filter(table="msr_variable").first()
    assert band.source.startswith("42 CFR 425.604(b), 425.605(b); CMS-1345-P")
    assert not OUR_FILES.search(band.source)


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
