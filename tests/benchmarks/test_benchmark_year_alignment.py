"""Benchmark-year populations come from the alignment engine run for each benchmark year with the
entity's current participant list (42 CFR 425.652(a); domain.md 2 step 1), never silently from a
roster."""

from __future__ import annotations

from datetime import date

import pytest

from benchmarks.services.calculations import benchmark_calculate
from benchmarks.services.populations import benchmark_year_alignment
from core.api import ApplicationError

pytestmark = pytest.mark.django_db


def test_a_beneficiary_seen_only_by_a_non_participant_is_not_in_the_benchmark_year(
    mssp_aco,
) -> None:
    build = mssp_aco.builder
    other = build.beneficiary(years=[2022], birth=date(1949, 1, 1))
    build.part_b(other, thru=date(2022, 5, 1), paid="300.00", tin="990000009", npi="1999999993")
    b1, b2, b3 = mssp_aco.beneficiaries_built
    by2 = benchmark_year_alignment(entity=mssp_aco, year=2022, performance_year=2024)
    assert by2.aligned_ids == sorted([b1.pk, b2.pk, b3.pk])
    assert by2.beneficiary_count == 4
    assert other.pk not in by2.aligned_ids


def test_a_clinician_who_joined_after_the_benchmark_year_still_counts(mssp_aco) -> None:
    """The list in force on Jan 1 of the performance year decides, whatever the BY's list was."""
    build = mssp_aco.builder
    newcomer = build.beneficiary(years=[2022], birth=date(1951, 2, 2))
    build.participant(tin="330000002", serial=81_002, start=date(2024, 1, 1))
    build.part_b(newcomer, thru=date(2022, 6, 1), paid="250.00")
    by2 = benchmark_year_alignment(entity=mssp_aco, year=2022, performance_year=2024)
    assert newcomer.pk in by2.aligned_ids
    # A clinician who joins only in 2025 is not on PY2024's list.
    late = build.beneficiary(years=[2022], birth=date(1951, 3, 3))
    build.participant(tin="330000003", serial=81_003, start=date(2025, 1, 1))
    build.part_b(late, thru=date(2022, 6, 1), paid="250.00")
    by2 = benchmark_year_alignment(entity=mssp_aco, year=2022, performance_year=2024)
    assert late.pk not in by2.aligned_ids


def test_without_claims_in_a_benchmark_years_windows_it_refuses_unless_the_roster_is_chosen(
    mssp_aco,
) -> None:
    from claims.models import PartAClaimHeader, PartBPhysicianLine

    PartBPhysicianLine.objects.filter(entity=mssp_aco, clm_thru_dt__year=2021).delete()
    PartAClaimHeader.objects.filter(entity=mssp_aco, clm_thru_dt__year=2021).delete()
    with pytest.raises(ApplicationError, match=r"BY2021: the entity has no claims"):
        benchmark_calculate(entity=mssp_aco, performance_year=2024)
    calculation = benchmark_calculate(
        entity=mssp_aco, performance_year=2024, parameters={"population": "cclf8_roster"}
    )
    by1 = calculation.populations.get(year=2021)
    assert by1.source == "cclf8_roster"
    assert "chosen explicitly" in by1.description
    assert calculation.parameters["population"] == "cclf8_roster"


def test_an_unknown_population_source_is_refused(mssp_aco) -> None:
    with pytest.raises(ApplicationError, match="not a benchmark-year population source"):
        benchmark_calculate(
            entity=mssp_aco, performance_year=2024, parameters={"population": "guess"}
        )


def test_reach_base_years_align_on_the_two_alignment_years_before_each(reach_dce) -> None:
    by1 = benchmark_year_alignment(entity=reach_dce, year=2017, performance_year=2024)
    assert by1.lineage["windows"]["alignment_year_1"]["start"] == "2014-07-01"
    assert by1.lineage["windows"]["alignment_year_2"]["end"] == "2016-06-30"
    assert len(by1.aligned_ids) == 2
