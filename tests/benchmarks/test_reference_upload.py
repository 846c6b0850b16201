"""reference_dataset_upload: CSV per program and year with its source, all or nothing, versioned."""

from __future__ import annotations

from decimal import Decimal

import pytest

from benchmarks.models import ReferenceDataset, ReferenceValue
from benchmarks.services.reference import reference_dataset_upload, reference_table_for
from core.api import ApplicationError
from entities.models import Program

pytestmark = pytest.mark.django_db


def _upload(text: str, *, entity=None, year: int = 2025, program: str = "mssp"):
    return reference_dataset_upload(
        program=Program.objects.get(code=program),
        year=year,
        entity=entity,
        source="CMS PY2025 benchmark report, table 2",
        file_name="values.csv",
        content=text.encode(),
        user=None,
    )


def test_the_shipped_defaults_are_national_version_one_and_flagged() -> None:
    dataset = ReferenceDataset.objects.get(program__code="mssp", year=2024, entity=None, version=1)
    acpt = dataset.values.get(name="acpt_weight")
    assert abs(acpt.value - Decimal(1) / 6) < Decimal("1e-17")
    assert dataset.values.get(name="by1_weight_first_period").to_confirm


def test_it_stores_a_csv_with_its_source_and_fractions() -> None:
    dataset = _upload(
        "name,segment,value,status,note\nnational_growth_factor,aged_dual,1.043,cms,\nacpt_weight,,1/3,V,\n"
    )
    assert dataset.version == 2  # the shipped defaults are version 1
    assert dataset.source.startswith("CMS PY2025")
    assert dataset.values.get(name="national_growth_factor").segment == "aged_dual"
    table, _ = reference_table_for(entity=None, program_code="mssp", years=[2025])
    assert abs(table.value("acpt_weight", 2025) - Decimal(1) / 3) < Decimal("1e-17")
    assert "CMS PY2025" in table.entry("national_growth_factor", 2025, "aged_dual").source


def test_a_bad_file_is_refused_whole_with_every_line_and_field() -> None:
    before = ReferenceValue.objects.count()
    text = (
        "name,segment,value,status\n"
        "national_growth_factor,,1.04,cms\n"
        "no_such_value,,1,cms\n"
        "acpt_factor,elderly,1.05,cms\n"
        "acpt_weight,,one third,cms\n"
        "psa_share,,0.5,maybe\n"
        "regional_rate,,900,cms\n"
    )
    with pytest.raises(ApplicationError) as caught:
        _upload(text)
    errors = {(e["line"], e["field"]) for e in caught.value.extra["errors"]}
    assert errors == {(3, "name"), (4, "segment"), (5, "value"), (6, "status"), (7, "name")}
    assert ReferenceValue.objects.count() == before


def test_entity_specific_values_need_an_entity(entity_a) -> None:
    with pytest.raises(ApplicationError):
        _upload("name,value\nregional_penetration,0.3\n")
    dataset = _upload("name,value\nregional_penetration,0.3\n", entity=entity_a)
    assert dataset.entity == entity_a


def test_the_same_file_twice_changes_nothing() -> None:
    text = "name,value\nnational_growth_factor,1.04\n"
    first = _upload(text)
    second = _upload(text)
    assert first.pk == second.pk
    third = _upload("name,value\nnational_growth_factor,1.05\n")
    assert third.version == first.version + 1


def test_a_later_version_overrides_and_entity_values_win(entity_a) -> None:
    _upload("name,value\nnational_growth_factor,1.04\nacpt_factor,1.05\n")
    _upload("name,value\nnational_growth_factor,1.06\n")
    table, _ = reference_table_for(entity=entity_a, program_code="mssp", years=[2025])
    assert table.value("national_growth_factor", 2025) == Decimal("1.06")
    assert table.value("acpt_factor", 2025) == Decimal("1.05")  # kept from the earlier version
    _upload("name,value\nnational_growth_factor,1.07\n", entity=entity_a)
    table, datasets = reference_table_for(entity=entity_a, program_code="mssp", years=[2025])
    assert table.value("national_growth_factor", 2025) == Decimal("1.07")
    assert len(datasets) == 4  # defaults, two national uploads, the entity's


def test_a_value_that_the_program_does_not_use_is_refused() -> None:
    with pytest.raises(ApplicationError):
        _upload("name,value\ndiscount_pct_global,0.03\n", program="mssp")
