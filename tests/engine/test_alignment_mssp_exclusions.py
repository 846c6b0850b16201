"""Claims excluded from assignment, the FQHC/RHC rule and dated code lists (domain.md 1.2, 1.3)."""

from __future__ import annotations

from datetime import date

import pytest

from alignment.engine import Reason, ValueSetDating
from alignment.engine.parameters import mssp_rules
from tests.engine.alignment_population import (
    ACO_CCN,
    OTHER_CCN,
    OTHER_NPI,
    OTHER_TIN,
    Population,
    run_mssp,
)


def _one_line(**line: object) -> Population:
    pop = Population()
    pop.bene(1)
    pop.line(1, date(2025, 3, 1), **line)  # type: ignore[arg-type]
    return pop


@pytest.mark.parametrize("code", ["99304", "99309", "99318"])
def test_nursing_facility_visits_in_a_snf_are_excluded(code: str) -> None:
    assert not run_mssp(_one_line(hcpcs=code, pos="31")).loc[1].aligned


def test_nursing_facility_visits_outside_a_snf_count() -> None:
    assert run_mssp(_one_line(hcpcs="99309", pos="32")).loc[1].aligned


def test_a_nursing_facility_visit_during_a_snf_stay_is_excluded_whatever_the_pos() -> None:
    pop = _one_line(hcpcs="99309", pos="32")
    pop.stay(1, "snf", date(2025, 2, 20), date(2025, 3, 1))
    assert not run_mssp(pop).loc[1].aligned
    # A stay that ended the day before does not exclude it.
    pop2 = _one_line(hcpcs="99309", pos="32")
    pop2.stay(1, "snf", date(2025, 2, 1), date(2025, 2, 28))
    assert run_mssp(pop2).loc[1].aligned


def test_overlapping_stays_are_read_as_their_union() -> None:
    pop = _one_line(hcpcs="99309", pos="32")
    pop.stay(1, "snf", date(2025, 1, 1), date(2025, 3, 31))
    pop.stay(1, "snf", date(2025, 2, 1), date(2025, 2, 5))
    assert not run_mssp(pop).loc[1].aligned


def test_other_codes_in_a_snf_still_count() -> None:
    assert run_mssp(_one_line(hcpcs="99213", pos="31")).loc[1].aligned


@pytest.mark.parametrize("pos", ["21", "51", "61"])
def test_advance_care_planning_inpatient_is_excluded(pos: str) -> None:
    assert not run_mssp(_one_line(hcpcs="99497", pos=pos)).loc[1].aligned


def test_advance_care_planning_in_the_office_counts() -> None:
    assert run_mssp(_one_line(hcpcs="99498", pos="11")).loc[1].aligned


def test_advance_care_planning_during_an_inpatient_stay_is_excluded() -> None:
    pop = _one_line(hcpcs="99497", pos="22")
    pop.stay(1, "inpatient", date(2025, 3, 1), date(2025, 3, 4))
    assert not run_mssp(pop).loc[1].aligned


def test_every_fqhc_service_counts_as_primary_care_by_a_pcp() -> None:
    row = run_mssp(_one_line(tin="", ccn=ACO_CCN, hcpcs="T1015", specialty="", fqhc_rhc=True)).loc[
        1
    ]
    assert row.aligned
    assert row.attributed_ccn == ACO_CCN


def test_the_snf_exclusion_applies_to_fqhc_claims_too() -> None:
    row = run_mssp(
        _one_line(tin="", ccn=ACO_CCN, hcpcs="99310", pos="31", specialty="", fqhc_rhc=True)
    ).loc[1]
    assert not row.aligned


def test_an_fqhc_competitor_outbids_the_aco() -> None:
    pop = _one_line(allowed=50)
    pop.line(
        1,
        date(2025, 5, 1),
        tin="",
        npi=OTHER_NPI,
        ccn=OTHER_CCN,
        hcpcs="T1015",
        specialty="",
        fqhc_rhc=True,
    )
    row = run_mssp(pop).loc[1]
    assert (row.aligned, row.top_competitor) == (False, f"CCN {OTHER_CCN}")


def test_codes_count_only_while_they_are_on_the_dated_list() -> None:
    # G2211 joined the list for PY2024; telephone E/M 99441 left it after 2024.
    assert run_mssp(_one_line(hcpcs="G2211")).loc[1].aligned
    pop = Population()
    pop.bene(1)
    pop.line(1, date(2023, 6, 1), hcpcs="G2211")
    assert run_mssp(pop, year=2023).loc[1].reason == Reason.NO_PRIMARY_CARE_SERVICE
    assert run_mssp(_one_line(hcpcs="99441")).loc[1].reason == Reason.NO_PRIMARY_CARE_SERVICE
    pop = Population()
    pop.bene(1)
    pop.line(1, date(2024, 6, 1), hcpcs="99441")
    assert run_mssp(pop, year=2024).loc[1].aligned


def test_performance_year_dating_applies_the_list_in_force_on_january_first() -> None:
    rules = mssp_rules(2025)
    pop = Population()
    pop.bene(1)
    # A telephone visit in 2024 inside PY2025's expanded window, with an NP visit in 2025.
    pop.line(1, date(2025, 2, 1), npi="1000000003", specialty="50", hcpcs="99213")
    pop.line(1, date(2024, 6, 1), hcpcs="99441", tin=OTHER_TIN, npi=OTHER_NPI, allowed=500)
    by_service = run_mssp(pop).loc[1]
    from dataclasses import replace

    by_year = run_mssp(
        pop, rules=replace(rules, value_set_dating=ValueSetDating.PERFORMANCE_YEAR)
    ).loc[1]
    assert by_service.competitor_allowed_cents == 50000
    assert by_year.competitor_allowed_cents == 0
