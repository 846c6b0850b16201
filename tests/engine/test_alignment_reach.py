"""ACO REACH alignment (domain.md 1.4). PY2025: AY1 = 7/2022-6/2023 (weight 1/3),
AY2 = 7/2023-6/2024 (weight 2/3)."""

from __future__ import annotations

from datetime import date

from alignment.engine import Reason, Step
from tests.engine.alignment_population import (
    ACO_TIN,
    CARDIO_NPI,
    NP_NPI,
    OTHER_NPI,
    OTHER_NPI_2,
    OTHER_TIN,
    OTHER_TIN_3,
    PCP_NPI,
    Population,
    run_reach,
)

AY1 = date(2022, 9, 1)
AY2 = date(2023, 9, 1)


def test_alignment_year_2_weighs_twice_alignment_year_1() -> None:
    pop = Population()
    pop.bene(1)  # DCE 100 in AY2 (66.67) beats 150 in AY1 (50.00)
    pop.line(1, AY2, allowed=100)
    pop.line(1, AY1, tin=OTHER_TIN, npi=OTHER_NPI, allowed=150)
    pop.bene(2)  # DCE 100 in AY1 (33.33) loses to 60 in AY2 (40.00)
    pop.line(2, AY1, allowed=100)
    pop.line(2, AY2, tin=OTHER_TIN, npi=OTHER_NPI, allowed=60)
    result = run_reach(pop)
    one, two = result.loc[1], result.loc[2]
    assert one.aligned
    assert (one.step, one.reason) == (Step.PRIMARY_CARE, Reason.ALIGNED_PLURALITY)
    assert (one.entity_allowed_cents, one.competitor_allowed_cents) == (6667, 5000)
    assert not two.aligned
    assert two.reason == Reason.PLURALITY_LOST
    assert (two.entity_allowed_cents, two.competitor_allowed_cents) == (3333, 4000)


def test_weighted_thirds_are_compared_exactly_before_rounding() -> None:
    pop = Population()
    pop.bene(1)  # 3 x 1/3 = 1.00 against 1 x 2/3 + ... : 300 cents AY1 = 100, 151 AY2 -> 100.67
    pop.line(1, AY1, allowed=3.00)
    pop.line(1, AY2, tin=OTHER_TIN, npi=OTHER_NPI, allowed=1.51)
    row = run_reach(pop).loc[1]
    assert not row.aligned
    assert (row.entity_allowed_cents, row.competitor_allowed_cents) == (100, 101)


def test_services_outside_both_alignment_years_do_not_count() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, date(2024, 7, 1))
    pop.line(1, date(2022, 6, 30))
    assert run_reach(pop).loc[1].reason == Reason.NO_PRIMARY_CARE_SERVICE


def test_preferred_providers_never_align() -> None:
    # Preferred providers are not used for alignment at all: neither for the DCE nor as a
    # competitor (test_alignment_reach_readings.py pins the reading).
    pop = Population()
    pop.bene(1)
    pop.line(1, AY2, tin=OTHER_TIN_3, npi=OTHER_NPI_2, allowed=100)
    row = run_reach(pop).loc[1]
    assert not row.aligned
    assert (row.reason, row.top_competitor) == (Reason.NO_PRIMARY_CARE_SERVICE, "")
    pop.designate(1, date(2024, 6, 1), tin=OTHER_TIN_3, npi=OTHER_NPI_2)
    assert not run_reach(pop).loc[1].aligned


def test_only_participant_tin_npi_pairs_count_for_the_dce() -> None:
    pop = Population()
    pop.bene(1)  # a clinician billing under the participant TIN who is not a participant provider
    pop.line(1, AY2, tin=ACO_TIN, npi="1999999999", allowed=100)
    row = run_reach(pop).loc[1]
    assert not row.aligned
    assert row.top_competitor == f"TIN {ACO_TIN} NPI 1999999999"


def test_listed_specialists_count_only_without_primary_care_pqem() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, AY2, npi=CARDIO_NPI, specialty="06", allowed=300)
    pop.bene(2)
    pop.line(2, AY2, npi=CARDIO_NPI, specialty="06", allowed=300)
    pop.line(2, AY1, tin=OTHER_TIN, npi=OTHER_NPI, specialty="11", allowed=10)
    result = run_reach(pop)
    assert result.loc[1].aligned
    assert (result.loc[1].step, result.loc[1].attributed_npi) == (Step.SPECIALIST, CARDIO_NPI)
    assert not result.loc[2].aligned
    assert result.loc[2].step == Step.PRIMARY_CARE


def test_nurse_practitioners_are_primary_care_specialties() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, AY2, npi=NP_NPI, specialty="50")
    assert run_reach(pop).loc[1].step == Step.PRIMARY_CARE


def test_voluntary_alignment_comes_first() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, AY2, tin=OTHER_TIN, npi=OTHER_NPI, allowed=900)
    pop.designate(1, date(2024, 3, 1), tin=ACO_TIN, npi=PCP_NPI)
    row = run_reach(pop).loc[1]
    assert (row.aligned, row.step, row.attributed_npi) == (True, Step.VOLUNTARY, PCP_NPI)


def test_fqhc_claims_count_only_by_their_pqem_codes() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, AY2, tin="", ccn="011234", hcpcs="T1015", specialty="", fqhc_rhc=True)
    assert run_reach(pop).loc[1].reason == Reason.NO_PRIMARY_CARE_SERVICE
