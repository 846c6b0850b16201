"""The eligibility screen (domain.md 1.1 A-D), death, prospective year-end exclusions and
voluntary alignment precedence (1.2)."""

from __future__ import annotations

from datetime import date

import pytest

from alignment.engine import Reason, Step
from tests.engine.alignment_population import (
    ACO_TIN,
    NP_NPI,
    OTHER_NPI,
    OTHER_TIN,
    PCP_NPI,
    Population,
    run_mssp,
)


def _seen_at_the_aco(**bene: object) -> Population:
    pop = Population()
    pop.bene(1, **bene)  # type: ignore[arg-type]
    pop.line(1, date(2025, 3, 1))
    return pop


@pytest.mark.parametrize(
    ("months", "reason"),
    [
        ({date(2025, 5, 1): {"part_b": False}}, Reason.NOT_ELIGIBLE_PART_A_OR_B_ONLY),
        ({date(2025, 5, 1): {"part_a": False}}, Reason.NOT_ELIGIBLE_PART_A_OR_B_ONLY),
        ({date(2025, 7, 1): {"group_health_plan": True}}, Reason.NOT_ELIGIBLE_GROUP_HEALTH_PLAN),
        ({date(2025, 12, 1): {"outside_us": True}}, Reason.NOT_ELIGIBLE_OUTSIDE_US),
    ],
)
def test_each_exclusion_criterion_blocks_assignment(months: dict, reason: Reason) -> None:
    row = run_mssp(_seen_at_the_aco(months=months)).loc[1]
    assert not row.aligned
    assert (row.step, row.reason) == (Step.ELIGIBILITY, reason)


def test_a_month_with_neither_part_is_not_a_partial_month() -> None:
    months = {date(2025, 5, 1): {"part_a": False, "part_b": False}}
    assert run_mssp(_seen_at_the_aco(months=months)).loc[1].aligned


def test_residence_counts_only_in_the_last_month_of_the_window() -> None:
    months = {date(2025, 3, 1): {"outside_us": True}}
    assert run_mssp(_seen_at_the_aco(months=months)).loc[1].aligned


def test_no_month_of_part_a_and_b_in_the_window() -> None:
    row = run_mssp(_seen_at_the_aco(enrolled_to=date(2024, 12, 1))).loc[1]
    assert row.reason == Reason.NOT_ELIGIBLE_NO_PART_A_AND_B


def test_another_shared_savings_initiative_blocks_assignment() -> None:
    assert (
        run_mssp(_seen_at_the_aco(other_initiative=True)).loc[1].reason
        == Reason.NOT_ELIGIBLE_OTHER_INITIATIVE
    )


def test_the_first_failed_criterion_is_reported() -> None:
    months = {date(2025, 5, 1): {"part_b": False, "group_health_plan": True}}
    assert (
        run_mssp(_seen_at_the_aco(months=months)).loc[1].reason
        == Reason.NOT_ELIGIBLE_PART_A_OR_B_ONLY
    )


def test_a_beneficiary_who_dies_stays_assigned() -> None:
    # Died in June; the months after show no enrollment and, oddly, Part A only: not looked at.
    months = {date(2025, 8, 1): {"part_b": False}, date(2025, 12, 1): {"outside_us": True}}
    row = run_mssp(_seen_at_the_aco(death=date(2025, 6, 15), months=months)).loc[1]
    assert row.aligned


def test_duplicate_enrollment_months_are_refused() -> None:
    pop = _seen_at_the_aco()
    pop.months.append(dict(pop.months[0]))
    with pytest.raises(ValueError, match="two rows for beneficiary 1"):
        run_mssp(pop)


class TestProspective:
    """PY2025 prospective: the offset window Oct 2023-Sep 2024, exclusions during 2025."""

    def test_it_assigns_on_the_offset_window(self) -> None:
        pop = Population()
        pop.bene(1)
        pop.line(1, date(2023, 10, 1))
        pop.bene(2)
        pop.line(2, date(2024, 10, 1))
        result = run_mssp(pop, method="prospective")
        assert result.loc[1].aligned
        assert result.loc[2].reason == Reason.NO_PRIMARY_CARE_SERVICE

    def test_the_final_list_drops_those_excluded_during_the_year_but_not_the_dead(self) -> None:
        pop = Population()
        pop.bene(1, months={date(2025, 11, 1): {"group_health_plan": True}})
        pop.line(1, date(2024, 3, 1))
        pop.bene(2, death=date(2025, 2, 10), enrolled_to=date(2025, 2, 1))
        pop.line(2, date(2024, 3, 1))
        final = run_mssp(pop, method="prospective", list_kind="final")
        assert final.loc[1].reason == Reason.NOT_ELIGIBLE_GROUP_HEALTH_PLAN
        assert final.loc[2].aligned
        # A quarterly list in Q3 sees exclusions only up to the end of Q2.
        q3 = run_mssp(pop, method="prospective", list_kind="quarterly", as_of=date(2025, 8, 15))
        assert q3.loc[1].aligned


class TestVoluntaryAlignment:
    def test_it_takes_precedence_over_a_lost_plurality(self) -> None:
        pop = Population()
        pop.bene(1)
        pop.line(1, date(2025, 3, 1), allowed=10)
        pop.line(1, date(2025, 4, 1), tin=OTHER_TIN, npi=OTHER_NPI, allowed=500)
        pop.designate(1, date(2024, 6, 1), npi=NP_NPI)
        row = run_mssp(pop).loc[1]
        assert row.aligned
        assert (row.step, row.reason) == (Step.VOLUNTARY, Reason.ALIGNED_VOLUNTARY)
        assert (row.attributed_tin, row.attributed_npi) == (ACO_TIN, NP_NPI)
        # The claims picture stays visible beside it.
        assert row.top_competitor == f"TIN {OTHER_TIN}"

    def test_it_needs_no_primary_care_visit(self) -> None:
        pop = Population()
        pop.bene(1)
        pop.designate(1, date(2024, 6, 1))
        assert run_mssp(pop).loc[1].step == Step.VOLUNTARY

    def test_the_beneficiary_must_still_be_eligible(self) -> None:
        pop = Population()
        pop.bene(1, months={date(2025, 2, 1): {"group_health_plan": True}})
        pop.designate(1, date(2024, 6, 1))
        row = run_mssp(pop).loc[1]
        assert (row.aligned, row.reason) == (False, Reason.NOT_ELIGIBLE_GROUP_HEALTH_PLAN)

    def test_designations_signed_during_the_year_wait_for_the_next_one(self) -> None:
        pop = Population()
        pop.bene(1)
        pop.designate(1, date(2025, 1, 1))
        assert not run_mssp(pop).loc[1].aligned

    def test_the_latest_designation_governs(self) -> None:
        pop = Population()
        pop.bene(1)
        pop.line(1, date(2025, 4, 1), tin=OTHER_TIN, npi=OTHER_NPI, allowed=500)
        pop.designate(1, date(2023, 6, 1))
        pop.designate(1, date(2024, 6, 1), tin=OTHER_TIN, npi=OTHER_NPI)
        row = run_mssp(pop).loc[1]
        assert not row.aligned
        assert row.step == Step.PRE_STEP

    def test_a_clinician_not_on_the_participant_list_does_not_count(self) -> None:
        pop = Population()
        pop.bene(1)
        pop.designate(1, date(2024, 6, 1), tin=ACO_TIN, npi="1999999999")
        assert not run_mssp(pop).loc[1].aligned
        pop = Population()
        pop.bene(1)
        pop.designate(1, date(2024, 6, 1), tin=ACO_TIN, npi=PCP_NPI)
        assert run_mssp(pop).loc[1].aligned
