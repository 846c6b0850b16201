"""ACO REACH entity types: a benchmark whose entity-type rule is unsourced refused rather than
computed with the Standard method, and the alignment minimum with its buffer. (The High Needs
criteria, their job and the page: tests/benchmarks/test_high_needs_page.py.)"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from benchmarks.services.calculations import calculation_parameters
from benchmarks.services.reference import reference_dataset_upload
from core.api import ApplicationError
from entities.models import EntityYear, Track

pytestmark = pytest.mark.django_db


def set_type(entity: Any, year: int, code: str) -> None:
    EntityYear.objects.update_or_create(
        entity=entity,
        performance_year=year,
        defaults={
            "track": Track.objects.get(program=entity.program, code="global"),
            "entity_type": Track.objects.get(program=entity.program, code=code),
        },
    )


def test_benchmark_refuses_unsourced_entity_type_methods(entity_b) -> None:
    set_type(entity_b, 2025, "high_needs")
    with pytest.raises(ApplicationError, match="does not compute"):
        calculation_parameters(entity=entity_b, performance_year=2025, given={})
    set_type(entity_b, 2025, "new_entrant")
    with pytest.raises(ApplicationError, match="blend_historical_weight and blend_regional_weight"):
        calculation_parameters(entity=entity_b, performance_year=2025, given={})
    reference_dataset_upload(
        program=entity_b.program, year=2025, entity=entity_b,
        source="CMS PY2025 benchmark report of the DCE", file_name="weights.csv",
        content=b"name,segment,value,status,note\nblend_historical_weight,,0.2,cms,\n"
        b"blend_regional_weight,,0.8,cms,\n",
        user=None,
    )  # fmt: skip
    assert (
        calculation_parameters(entity=entity_b, performance_year=2025, given={})["arrangement"]
        == "global"
    )
    set_type(entity_b, 2025, "standard")
    assert calculation_parameters(entity=entity_b, performance_year=2025, given={})


def test_minimum_check_says_whether_the_alignment_buffer_covers_a_shortfall(entity_b) -> None:
    from alignment.selectors import RosterOfRecord, program_minimum_check

    set_type(entity_b, 2026, "high_needs")

    def check(count: int) -> Any:
        roster = RosterOfRecord(
            entity_id=entity_b.pk, performance_year=2026, period=None, source="cms_list",
            as_of=dt.date(2026, 1, 10), label="list", count=count,
        )  # fmt: skip
        return program_minimum_check(entity=entity_b, roster=roster)

    # PY2026 High Needs minimum 1,250; the 10% buffer reaches down to 1,125.
    assert check(1250).note == ""
    assert check(1125).note.startswith("Within the 10% alignment buffer (at least 1,125)")
    assert check(1124).note == "Also below the 10% alignment buffer (1,125)."
