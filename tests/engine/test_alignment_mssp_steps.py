"""MSSP assignment, step by step (domain.md 1.2), on hand-built populations. PY2025, PPwRR final
list unless a test says otherwise: the 12-month window is CY2025, the expanded window CY2024-25."""

from __future__ import annotations

from datetime import date

import pytest

from alignment.engine import Reason, Step, TieRule
from tests.engine.alignment_population import (
    ACO_CCN,
    ACO_TIN,
    ACO_TIN_2,
    CARDIO_NPI,
    NP_NPI,
    OTHER_CCN,
    OTHER_NPI,
    OTHER_NPI_2,
    OTHER_TIN,
    OTHER_TIN_2,
    OTHER_TIN_3,
    PCP_NPI,
    PCP_NPI_2,
    Population,
    run_mssp,
)


def test_step_1_assigns_when_the_aco_has_the_plurality_of_pcp_charges() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, date(2025, 3, 1), allowed=100)
    pop.line(1, date(2025, 4, 1), tin=OTHER_TIN, npi=OTHER_NPI, allowed=80)
    row = run_mssp(pop).loc[1]
    assert row.aligned
    assert row.step == Step.STEP_1
    assert row.reason == Reason.ALIGNED_PLURALITY
    assert (row.attributed_tin, row.attributed_npi) == (ACO_TIN, PCP_NPI)
    assert row.entity_allowed_cents == 10000
    assert row.top_competitor == f"TIN {OTHER_TIN}"
    assert row.competitor_allowed_cents == 8000


def test_step_1_loses_to_a_single_tin_with_more_charges_and_names_it() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, date(2025, 3, 1), allowed=100)
    pop.line(1, date(2025, 4, 1), tin=OTHER_TIN, npi=OTHER_NPI, allowed=100.01)
    row = run_mssp(pop).loc[1]
    assert not row.aligned
    assert row.step == Step.STEP_1
    assert row.reason == Reason.PLURALITY_LOST
    assert row.top_competitor == f"TIN {OTHER_TIN}"
    assert row.competitor_allowed_cents == 10001
    assert row.attributed_tin == ""


def test_plurality_is_against_each_competitor_not_all_others_combined() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, date(2025, 3, 1), allowed=100)
    pop.line(1, date(2025, 4, 1), tin=OTHER_TIN, npi=OTHER_NPI, allowed=60)
    pop.line(1, date(2025, 5, 1), tin=OTHER_TIN_2, npi=OTHER_NPI_2, allowed=60)
    row = run_mssp(pop).loc[1]
    assert row.aligned
    assert row.competitor_allowed_cents == 6000


def test_the_aco_competes_as_a_whole_across_its_tins_and_ccns() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, date(2025, 3, 1), allowed=40)
    pop.line(1, date(2025, 3, 2), tin=ACO_TIN_2, npi=PCP_NPI_2, allowed=45)
    pop.line(
        1,
        date(2025, 3, 3),
        tin="",
        npi=PCP_NPI_2,
        ccn=ACO_CCN,
        hcpcs="T1015",
        specialty="",
        fqhc_rhc=True,
        allowed=20,
    )
    pop.line(1, date(2025, 4, 1), tin=OTHER_TIN, npi=OTHER_NPI, allowed=100)
    row = run_mssp(pop).loc[1]
    assert row.aligned
    assert row.entity_allowed_cents == 10500
    # The attributed clinician is the ACO's provider with the most charges.
    assert (row.attributed_tin, row.attributed_npi) == (ACO_TIN_2, PCP_NPI_2)


def test_a_non_aco_ccn_competes_as_its_own_entity() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, date(2025, 3, 1), allowed=100)
    pop.line(
        1,
        date(2025, 4, 1),
        tin="",
        npi=OTHER_NPI,
        ccn=OTHER_CCN,
        hcpcs="T1015",
        specialty="",
        fqhc_rhc=True,
        allowed=150,
    )
    row = run_mssp(pop).loc[1]
    assert not row.aligned
    assert row.top_competitor == f"CCN {OTHER_CCN}"


def test_step_2_uses_specialists_when_no_pcp_or_npp_service_anywhere() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, date(2025, 3, 1), npi=CARDIO_NPI, specialty="06", allowed=200)
    pop.line(1, date(2025, 4, 1), tin=OTHER_TIN, npi=OTHER_NPI, specialty="06", allowed=150)
    row = run_mssp(pop).loc[1]
    assert row.aligned
    assert row.step == Step.STEP_2
    assert (row.attributed_npi, row.entity_allowed_cents) == (CARDIO_NPI, 20000)


def test_a_pcp_service_anywhere_sends_the_beneficiary_to_step_1_where_the_aco_has_none() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, date(2025, 3, 1), npi=CARDIO_NPI, specialty="06", allowed=500)
    pop.line(1, date(2025, 4, 1), tin=OTHER_TIN, npi=OTHER_NPI, specialty="11", allowed=50)
    row = run_mssp(pop).loc[1]
    assert not row.aligned
    assert row.step == Step.STEP_1
    assert row.reason == Reason.PLURALITY_LOST
    assert (row.entity_allowed_cents, row.competitor_allowed_cents) == (0, 5000)


def test_specialties_outside_the_lists_never_count() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, date(2025, 3, 1), specialty="02", allowed=500)  # general surgery
    row = run_mssp(pop).loc[1]
    assert not row.aligned
    assert row.reason == Reason.NO_PRIMARY_CARE_SERVICE


def test_a_beneficiary_seen_only_elsewhere_fails_the_pre_step() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, date(2025, 4, 1), tin=OTHER_TIN, npi=OTHER_NPI, allowed=50)
    pop.bene(2)
    result = run_mssp(pop)
    assert result.loc[1].step == Step.PRE_STEP
    assert result.loc[1].reason == Reason.NO_ENTITY_SERVICE
    assert result.loc[1].top_competitor == f"TIN {OTHER_TIN}"
    assert result.loc[2].reason == Reason.NO_PRIMARY_CARE_SERVICE


def test_step_3_needs_an_aco_npp_in_12_months_and_an_aco_physician_in_24_months() -> None:
    pop = Population()
    pop.bene(1)  # NP in 2025 and PCP in 2024 at the ACO: step 3, over the expanded window
    pop.line(1, date(2025, 3, 1), npi=NP_NPI, specialty="50", allowed=80)
    pop.line(1, date(2024, 1, 1), allowed=30)
    pop.line(1, date(2024, 6, 1), tin=OTHER_TIN, npi=OTHER_NPI, allowed=100)
    pop.bene(2)  # NP only: condition (b) fails
    pop.line(2, date(2025, 3, 1), npi=NP_NPI, specialty="50", allowed=80)
    pop.bene(3)  # physician visit one day before the expanded window: condition (b) fails
    pop.line(3, date(2025, 3, 1), npi=NP_NPI, specialty="97", allowed=80)
    pop.line(3, date(2023, 12, 31), allowed=30)
    pop.bene(4)  # NP visit only in the earlier year: condition (a) fails
    pop.line(4, date(2024, 3, 1), npi=NP_NPI, specialty="89", allowed=80)
    pop.line(4, date(2024, 5, 1), allowed=30)
    result = run_mssp(pop)
    assert result.loc[1].aligned
    assert result.loc[1].step == Step.STEP_3
    assert (result.loc[1].entity_allowed_cents, result.loc[1].competitor_allowed_cents) == (
        11000,
        10000,
    )
    for bene in (2, 3, 4):
        assert not result.loc[bene].aligned
        assert result.loc[bene].step == Step.PRE_STEP
        assert result.loc[bene].reason == Reason.NO_ENTITY_SERVICE


def test_step_3_compares_over_the_expanded_window_and_can_lose() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, date(2025, 3, 1), npi=NP_NPI, specialty="50", allowed=80)
    pop.line(1, date(2024, 2, 1), allowed=30)
    pop.line(1, date(2024, 2, 2), tin=OTHER_TIN, npi=OTHER_NPI, allowed=111)
    row = run_mssp(pop).loc[1]
    assert not row.aligned
    assert (row.step, row.reason) == (Step.STEP_3, Reason.PLURALITY_LOST)


def test_py2024_has_no_step_3() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, date(2024, 3, 1), npi=NP_NPI, specialty="50", allowed=80)
    pop.line(1, date(2023, 5, 1), allowed=30)
    row = run_mssp(pop, year=2024).loc[1]
    assert not row.aligned
    assert row.step == Step.PRE_STEP
    # The same pattern one year later is step 3.
    pop2 = Population()
    pop2.bene(1)
    pop2.line(1, date(2025, 3, 1), npi=NP_NPI, specialty="50", allowed=80)
    pop2.line(1, date(2024, 5, 1), allowed=30)
    assert run_mssp(pop2, year=2025).loc[1].step == Step.STEP_3


def test_services_on_the_window_edges() -> None:
    pop = Population()
    for bene, day in (
        (1, date(2025, 1, 1)),
        (2, date(2025, 12, 31)),
        (3, date(2026, 1, 1)),
        (4, date(2024, 12, 31)),
    ):
        pop.bene(bene)
        pop.line(bene, day)
    result = run_mssp(pop)
    assert result.loc[1].aligned
    assert result.loc[2].aligned
    assert result.loc[3].reason == Reason.NO_PRIMARY_CARE_SERVICE
    # 2024-12-31 lies in the expanded window only: a physician visit there is no pre-step.
    assert result.loc[4].reason == Reason.NO_ENTITY_SERVICE


class TestTies:
    def _tied(self, aco_day: date, other_day: date) -> Population:
        pop = Population()
        pop.bene(1)
        pop.line(1, aco_day, allowed=100)
        pop.line(1, other_day, tin=OTHER_TIN, npi=OTHER_NPI, allowed=100)
        return pop

    def test_a_tie_goes_to_the_aco_when_its_service_is_more_recent(self) -> None:
        row = run_mssp(self._tied(date(2025, 6, 2), date(2025, 6, 1))).loc[1]
        assert row.aligned
        assert row.reason == Reason.ALIGNED_TIE_MOST_RECENT

    def test_a_tie_goes_to_the_competitor_when_its_service_is_more_recent(self) -> None:
        row = run_mssp(self._tied(date(2025, 6, 1), date(2025, 6, 2))).loc[1]
        assert not row.aligned
        assert row.reason == Reason.TIE_LOST_MOST_RECENT
        assert row.top_competitor == f"TIN {OTHER_TIN}"

    def test_a_same_day_tie_is_not_assigned_unless_the_parameter_says_so(self) -> None:
        pop = self._tied(date(2025, 6, 1), date(2025, 6, 1))
        assert run_mssp(pop).loc[1].reason == Reason.TIE_UNRESOLVED
        row = run_mssp(pop, ties=TieRule(same_day_tie_aligns=True)).loc[1]
        assert row.aligned

    def test_among_tied_competitors_the_most_recent_is_named(self) -> None:
        pop = Population()
        pop.bene(1)
        pop.line(1, date(2025, 6, 1), allowed=50)
        pop.line(1, date(2025, 6, 2), tin=OTHER_TIN, npi=OTHER_NPI, allowed=100)
        pop.line(1, date(2025, 6, 3), tin=OTHER_TIN_3, npi=OTHER_NPI_2, allowed=100)
        assert run_mssp(pop).loc[1].top_competitor == f"TIN {OTHER_TIN_3}"


@pytest.mark.parametrize(
    ("bene_lines", "aligned"),
    [
        pytest.param({"allowed": 0}, False, id="zero-allowed line is dropped"),
        pytest.param({"denied": True}, False, id="denied line is dropped"),
        pytest.param({"hcpcs": "80053"}, False, id="a lab code is not primary care"),
        pytest.param({"hcpcs": "99214"}, True, id="office visit counts"),
    ],
)
def test_which_lines_count(bene_lines: dict[str, object], aligned: bool) -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, date(2025, 3, 1), **bene_lines)  # type: ignore[arg-type]
    assert bool(run_mssp(pop).loc[1].aligned) is aligned
