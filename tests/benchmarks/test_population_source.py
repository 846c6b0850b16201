"""Populations: the performance year's from its alignment run; each benchmark year's from the
alignment engine run for that year with the current participant list (42 CFR 425.652(a))."""

from __future__ import annotations

from datetime import date

import pytest

from alignment.models import AlignmentResult, AlignmentRun
from benchmarks.services.calculations import benchmark_calculate
from benchmarks.services.inputs import population_months

pytestmark = pytest.mark.django_db


def _run(entity, year: int, aligned: list, not_aligned: list) -> AlignmentRun:
    run = AlignmentRun.objects.create(
        entity=entity,
        program="mssp",
        performance_year=year,
        list_kind="final",
        as_of=date(year, 12, 31),
        version=1,
        status="succeeded",
        parameters_version="test",
        participants_as_of=date(year, 12, 31),
        participants_digest="0" * 64,
        bucket_count=1,
    )
    for bene, is_aligned in [(b, True) for b in aligned] + [(b, False) for b in not_aligned]:
        AlignmentResult.objects.create(
            run=run,
            beneficiary=bene,
            bucket=0,
            aligned=is_aligned,
            step="step_1" if is_aligned else "eligibility",
            reason="aligned_plurality" if is_aligned else "no_primary_care",
        )
    return run


def test_the_aligned_beneficiaries_of_the_years_run_are_the_population(mssp_aco) -> None:
    b1, b2, b3 = mssp_aco.beneficiaries_built
    roster = population_months(entity=mssp_aco, year=2024)
    assert set(roster.months["bene_id"]) == {b1.pk, b2.pk, b3.pk}
    assert roster.source.startswith("CCLF8 roster")
    _run(mssp_aco, 2024, aligned=[b1, b3], not_aligned=[b2])
    aligned = population_months(entity=mssp_aco, year=2024)
    assert set(aligned.months["bene_id"]) == {b1.pk, b3.pk}
    assert aligned.source.startswith("alignment run")


def test_the_calculation_records_where_each_years_population_came_from(mssp_aco) -> None:
    b1, b2, b3 = mssp_aco.beneficiaries_built
    run = _run(mssp_aco, 2024, aligned=[b1, b2, b3], not_aligned=[])
    calculation = benchmark_calculate(entity=mssp_aco, performance_year=2024)
    sources = {y["year"]: y["population_source"] for y in calculation.inputs_summary["years"]}
    assert sources[2024].startswith("alignment run")
    assert sources[2021].startswith("alignment engine")
    rows = {p.year: p for p in calculation.populations.all()}
    assert [rows[y].role for y in (2021, 2022, 2023, 2024)] == ["BY1", "BY2", "BY3", "PY"]
    assert rows[2024].source == "alignment_run"
    assert rows[2024].alignment_run == run
    by1 = rows[2021]
    assert by1.source == "alignment_engine"
    assert set(by1.beneficiary_ids) == {b1.pk, b2.pk, b3.pk}
    # The current participant list (PY2024's), not the list in force in 2021 (there was none).
    assert by1.lineage["participants_as_of"] == "2024-01-01"
    assert by1.lineage["participant_count"] == 1
    assert by1.lineage["windows"]["assignment"] == {"start": "2021-01-01", "end": "2021-12-31"}
    assert sum(r["count"] for r in by1.by_step_reason if r["aligned"]) == 3
