"""The four ACO REACH readings settled from CMS's text, plus FQHC/RHC claims, on hand-built
beneficiaries (PY2025: AY1 = 7/2022-6/2023 weighted 1/3, AY2 = 7/2023-6/2024 weighted 2/3).

1. Competitor unit: each non-participant TIN/NPI (CCN for a facility line), never a whole TIN;
   preferred providers are not used for alignment at all.
2. Nobody who died before January 1 of the performance year is aligned for it (claims or
   voluntary); the same holds for an MSSP prospective list.
3. The participant list is the one in force on January 1 of the performance year.
4. The PQEM list: GPDC FOG Table B.6.3 codes plus a stated stand-in for the rest.
"""

from __future__ import annotations

import csv
from datetime import date

import pytest

from alignment.engine import (
    CompetitorUnit,
    ListKind,
    ParticipantList,
    Reason,
    Step,
    mssp_parameters,
    reach_parameters,
)
from alignment.engine.mssp import windows_for as mssp_windows_for
from alignment.engine.reach import windows_for as reach_windows_for
from alignment.engine.valuesets import DATA_DIR, expand_codes, load_hcpcs
from alignment.engine.windows import AssignmentMethod
from tests.engine.alignment_population import (
    ACO_CCN,
    ACO_TIN,
    NP_NPI,
    OTHER_CCN,
    OTHER_NPI,
    OTHER_TIN,
    PCP_NPI,
    Population,
    run_mssp,
    run_reach,
)

AY1 = date(2022, 9, 1)
AY2 = date(2023, 9, 1)
PREFERRED_NPI = "1000000009"  # a preferred provider billing under the DCE's own TIN
UNLISTED_NPI = "1999999999"  # a clinician of the DCE's TIN on neither list
UNLISTED_NPI_2 = "1999999998"


def participants() -> ParticipantList:
    return ParticipantList(
        providers=frozenset({(ACO_TIN, PCP_NPI), (ACO_TIN, NP_NPI)}),
        ccns=frozenset({ACO_CCN}),
        preferred=frozenset({(ACO_TIN, PREFERRED_NPI)}),
    )


# ---------------------------------------------------------------- 1. the competitor unit


def test_reach_competes_against_tin_npis_and_mssp_against_tins() -> None:
    assert reach_parameters(2025).competitor_unit is CompetitorUnit.TIN_NPI
    assert not reach_parameters(2025).preferred_providers_compete
    assert mssp_parameters(2025).competitor_unit is CompetitorUnit.TIN_OR_CCN


def test_own_tins_preferred_and_unlisted_clinicians_never_add_up_against_the_dce() -> None:
    # The case: DCE 100; under the DCE's TIN a preferred provider 80 and an unlisted
    # clinician 80. Summed by TIN they would be 160 against 100.
    pop = Population()
    pop.bene(1)
    pop.line(1, AY2, allowed=100)
    pop.line(1, AY2, npi=PREFERRED_NPI, allowed=80)
    pop.line(1, AY2, npi=UNLISTED_NPI, allowed=80)
    row = run_reach(pop, participants=participants()).loc[1]
    assert (row.aligned, row.reason) == (True, Reason.ALIGNED_PLURALITY)
    assert row.top_competitor == f"TIN {ACO_TIN} NPI {UNLISTED_NPI}"
    assert (row.entity_allowed_cents, row.competitor_allowed_cents) == (6667, 5333)


def test_several_unlisted_clinicians_of_the_dce_tin_compete_one_by_one() -> None:
    pop = Population()
    pop.bene(1)  # 100 against 70 and 70 (140 if summed by TIN)
    pop.line(1, AY2, allowed=100)
    pop.line(1, AY2, npi=UNLISTED_NPI, allowed=70)
    pop.line(1, AY2, npi=UNLISTED_NPI_2, allowed=70)
    assert run_reach(pop, participants=participants()).loc[1].aligned


def test_a_preferred_provider_is_not_used_even_when_larger_than_the_dce() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, AY2, allowed=100)
    pop.line(1, AY2, npi=PREFERRED_NPI, allowed=500)
    row = run_reach(pop, participants=participants()).loc[1]
    assert (row.aligned, row.top_competitor, row.competitor_allowed_cents) == (True, "", 0)
    pop.bene(2)  # only a preferred provider's PQEM: nothing to align on
    pop.line(2, AY2, npi=PREFERRED_NPI, allowed=500)
    assert run_reach(pop, participants=participants()).loc[2].reason == (
        Reason.NO_PRIMARY_CARE_SERVICE
    )


def test_a_single_unlisted_clinician_is_a_provider_not_on_the_list_and_can_win() -> None:
    # CMS compares with each "provider or supplier not included on the Participant List": one
    # clinician of the DCE's TIN who is not a Participant Provider is such a provider.
    pop = Population()
    pop.bene(1)
    pop.line(1, AY2, allowed=100)
    pop.line(1, AY2, npi=UNLISTED_NPI, allowed=120)
    row = run_reach(pop, participants=participants()).loc[1]
    assert (row.aligned, row.reason) == (False, Reason.PLURALITY_LOST)
    assert row.top_competitor == f"TIN {ACO_TIN} NPI {UNLISTED_NPI}"


def test_the_tin_grouping_the_reading_replaces_would_have_lost_the_beneficiary() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, AY2, allowed=100)
    pop.line(1, AY2, npi=PREFERRED_NPI, allowed=80)
    pop.line(1, AY2, npi=UNLISTED_NPI, allowed=80)
    row = run_reach(
        pop,
        participants=participants(),
        competitor_unit=CompetitorUnit.TIN_OR_CCN,
        preferred_providers_compete=True,
    ).loc[1]
    assert (row.aligned, row.top_competitor) == (False, f"TIN {ACO_TIN}")


def test_other_tins_clinicians_also_compete_one_by_one() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, AY2, allowed=100)
    pop.line(1, AY2, tin=OTHER_TIN, npi=OTHER_NPI, allowed=90)
    pop.line(1, AY2, tin=OTHER_TIN, npi="2000000009", allowed=90)
    row = run_reach(pop, participants=participants()).loc[1]
    assert row.aligned
    assert row.top_competitor.startswith(f"TIN {OTHER_TIN} NPI ")


# ---------------------------------------------------------------- 2. death before the year


@pytest.mark.parametrize("voluntary_requires_eligibility", [True, False])
def test_nobody_who_died_before_the_year_is_aligned(voluntary_requires_eligibility: bool) -> None:
    pop = Population()
    pop.bene(1, death=date(2024, 11, 30))  # claims only
    pop.line(1, AY2, allowed=100)
    pop.bene(2, death=date(2024, 12, 31))  # voluntary designation, and claims
    pop.line(2, AY2, allowed=100)
    pop.designate(2, date(2024, 3, 1))
    result = run_reach(pop, voluntary_requires_eligibility=voluntary_requires_eligibility)
    for bene in (1, 2):
        row = result.loc[bene]
        assert not row.aligned
        assert (row.step, row.reason) == (Step.ELIGIBILITY, Reason.NOT_ELIGIBLE_DIED_BEFORE_PY)


def test_death_before_the_year_holds_without_the_eligibility_screen() -> None:
    pop = Population()
    pop.bene(1, death=date(2024, 6, 1))
    pop.line(1, AY2, allowed=100)
    row = run_reach(pop, apply_eligibility_screen=False).loc[1]
    assert (row.aligned, row.reason) == (False, Reason.NOT_ELIGIBLE_DIED_BEFORE_PY)


def test_death_during_the_year_keeps_the_beneficiary_aligned() -> None:
    pop = Population()
    pop.bene(1, death=date(2025, 1, 1))
    pop.line(1, AY2, allowed=100)
    pop.bene(2, death=date(2025, 8, 14))
    pop.designate(2, date(2024, 3, 1))
    result = run_reach(pop)
    assert result.loc[1].aligned
    assert (result.loc[2].aligned, result.loc[2].step) == (True, Step.VOLUNTARY)


def test_mssp_prospective_list_leaves_out_who_died_before_the_year() -> None:
    window_day = date(2024, 5, 1)  # inside Oct 2023 - Sep 2024
    pop = Population()
    pop.bene(1, death=date(2024, 10, 31))
    pop.line(1, window_day)
    pop.bene(2, death=date(2025, 2, 10))
    pop.line(2, window_day)
    pop.bene(3, death=date(2024, 11, 2))  # voluntary designation
    pop.designate(3, date(2024, 2, 1))
    result = run_mssp(pop, method="prospective")
    assert not result.loc[1].aligned
    assert result.loc[1].reason == Reason.NOT_ELIGIBLE_DIED_BEFORE_PY
    assert result.loc[2].aligned  # died during the year: stays assigned
    assert (result.loc[3].aligned, result.loc[3].reason) == (
        False,
        Reason.NOT_ELIGIBLE_DIED_BEFORE_PY,
    )


@pytest.mark.parametrize(
    ("as_of", "window_day"),
    [
        (date(2025, 10, 15), date(2024, 11, 5)),  # Q4: Oct 2024 - Sep 2025
        (date(2025, 4, 20), date(2024, 6, 5)),  # Q2: Apr 2024 - Mar 2025
    ],
)
def test_mssp_quarterly_ppwrr_list_leaves_out_who_died_before_the_year(
    as_of: date, window_day: date
) -> None:
    # CMS's quarterly lists mark them DECEASED_EXCLUDED ("date of death prior to the start of
    # the performance year"); the rolling window still holds their months of the year before.
    pop = Population()
    pop.bene(1, death=date(2024, 12, 20))
    pop.line(1, window_day)
    pop.bene(2, death=date(2025, 1, 1))  # died on the first day of the year: stays
    pop.line(2, window_day)
    pop.bene(3)  # alive, same services
    pop.line(3, window_day)
    result = run_mssp(pop, method="ppwrr", list_kind="quarterly", as_of=as_of)
    assert (result.loc[1].aligned, result.loc[1].reason) == (
        False,
        Reason.NOT_ELIGIBLE_DIED_BEFORE_PY,
    )
    assert result.loc[1].step == Step.ELIGIBILITY
    assert result.loc[2].aligned
    assert result.loc[3].aligned
    # Without the rule the months before the death pass the screen and the services assign.
    unchecked = run_mssp(
        pop, method="ppwrr", list_kind="quarterly", as_of=as_of, requires_alive_at_start=False
    )
    assert unchecked.loc[1].aligned


def test_mssp_final_ppwrr_list_already_leaves_them_out_by_criterion_a() -> None:
    pop = Population()
    pop.bene(1, death=date(2024, 10, 31))
    pop.line(1, date(2024, 5, 1))
    row = run_mssp(pop, method="ppwrr").loc[1]
    assert (row.aligned, row.reason) == (False, Reason.NOT_ELIGIBLE_NO_PART_A_AND_B)


# ---------------------------------------------------------------- 3. which participant list


@pytest.mark.parametrize(
    ("list_kind", "as_of"),
    [
        (ListKind.FINAL, date(2026, 3, 31)),
        (ListKind.QUARTERLY, date(2025, 10, 15)),
        (ListKind.QUARTERLY, date(2025, 7, 1)),
        (ListKind.QUARTERLY, date(2024, 11, 1)),  # a run before the year starts
    ],
)
def test_reach_uses_the_list_in_force_on_january_1(list_kind: ListKind, as_of: date) -> None:
    params = reach_parameters(2025)
    windows = reach_windows_for(params, list_kind=list_kind, as_of=as_of)
    assert windows.participants_as_of == date(2025, 1, 1)


def test_mssp_keeps_the_list_of_the_run_date_capped_at_year_end() -> None:
    params = mssp_parameters(2025, AssignmentMethod.PPWRR)
    final = mssp_windows_for(params, list_kind=ListKind.FINAL, as_of=date(2026, 3, 31))
    quarterly = mssp_windows_for(params, list_kind=ListKind.QUARTERLY, as_of=date(2025, 10, 15))
    assert final.participants_as_of == date(2025, 12, 31)
    assert quarterly.participants_as_of == date(2025, 10, 15)


def test_the_january_list_decides_who_aligns_whatever_changes_mid_year() -> None:
    # A clinician who joins on July 1 is not on the January list: a beneficiary of theirs is
    # not aligned by claims this year. One who leaves on June 30 is on it: theirs stay aligned.
    joining, leaving = "1000000021", "1000000022"
    january = ParticipantList(providers=frozenset({(ACO_TIN, PCP_NPI), (ACO_TIN, leaving)}))
    pop = Population()
    pop.bene(1)
    pop.line(1, AY2, npi=joining, allowed=100)
    pop.bene(2)
    pop.line(2, AY2, npi=leaving, allowed=100)
    result = run_reach(pop, participants=january, as_of=date(2025, 10, 15), list_kind="quarterly")
    assert not result.loc[1].aligned
    assert (result.loc[2].aligned, result.loc[2].attributed_npi) == (True, leaving)


# ---------------------------------------------------------------- 4. the PQEM code list


TABLE_B_6_3_SEEN = [  # the part of GPDC FOG Rev. 1.1 Table B.6.3 retrieved
    "96160", "96161", "99201", "99202", "99203", "99204", "99205", "99211", "99212", "99213",
    "99214", "99215", "99324", "99325", "99326", "99327", "99328", "99334", "99335", "99336",
    "99337", "99304", "99305",
]  # fmt: skip


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(newline="") as fh:
        return list(csv.DictReader(fh))


def test_pqem_list_holds_the_table_b_6_3_codes_retrieved() -> None:
    assert set(TABLE_B_6_3_SEEN) <= load_hcpcs("reach_pqem_hcpcs.csv").all_codes()
    verified = [r for r in _rows("reach_pqem_hcpcs.csv") if r["evidence"] == "V"]
    assert {code for r in verified for code in expand_codes(r["code"])} == set(TABLE_B_6_3_SEEN)
    assert all("Table B.6.3" in r["source"] for r in verified)


def test_the_rest_of_the_pqem_list_is_the_stated_stand_in_code_for_code() -> None:
    # Every other row is the MSSP list, with the same dates, and says so: no code is left out
    # (the issue found about 40 missing) and none is added beyond the two sources.
    mssp = {
        (code, r["valid_from"], r["valid_to"])
        for r in _rows("mssp_primary_care_hcpcs.csv")
        for code in expand_codes(r["code"])
    }
    rows = _rows("reach_pqem_hcpcs.csv")
    stand_in_rows = [r for r in rows if r["evidence"] != "V"]

    def entries(chosen: list[dict[str, str]]) -> set[tuple[str, str, str]]:
        return {
            (code, r["valid_from"], r["valid_to"])
            for r in chosen
            for code in expand_codes(r["code"])
        }

    assert entries(stand_in_rows) <= mssp  # nothing added beyond the stated stand-in
    assert mssp <= entries(rows)  # and nothing of it left out (rows already in B.6.3 merged)
    assert all(r["source"].startswith("Stand-in, not a CMS REACH table") for r in stand_in_rows)
    for code in ("99484", "99492", "99494", "G2211", "99406", "99407", "G0442", "G0447", "G0463"):
        assert code in load_hcpcs("reach_pqem_hcpcs.csv").all_codes()


def test_a_code_on_the_pqem_list_aligns_and_one_off_it_does_not() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, date(2024, 3, 1), hcpcs="G2211", allowed=40)  # CY2024 PFS addition, from 2024
    pop.bene(2)
    pop.line(2, AY1, hcpcs="G2211", allowed=40)  # before the code was on the list
    pop.bene(3)
    pop.line(3, AY2, hcpcs="93000", allowed=40)  # an ECG: not PQEM
    result = run_reach(pop)
    assert result.loc[1].aligned
    assert result.loc[2].reason == Reason.NO_PRIMARY_CARE_SERVICE
    assert result.loc[3].reason == Reason.NO_PRIMARY_CARE_SERVICE


# ---------------------------------------------------------------- FQHC / RHC claims


def test_fqhc_pqem_lines_count_for_a_participant_ccn() -> None:
    pop = Population()
    pop.bene(1)  # a PQEM visit at the DCE's FQHC by a family physician
    pop.line(1, AY2, tin="", npi=OTHER_NPI, ccn=ACO_CCN, specialty="08", fqhc_rhc=True)
    row = run_reach(pop, participants=participants()).loc[1]
    assert (row.aligned, row.step, row.attributed_ccn) == (True, Step.PRIMARY_CARE, ACO_CCN)


def test_fqhc_pqem_lines_of_another_ccn_compete_as_that_ccn() -> None:
    pop = Population()
    pop.bene(1)
    pop.line(1, AY2, allowed=100)
    pop.line(
        1, AY2, tin="", npi=OTHER_NPI, ccn=OTHER_CCN, specialty="11", fqhc_rhc=True, allowed=150
    )
    row = run_reach(pop, participants=participants()).loc[1]
    assert (row.aligned, row.top_competitor) == (False, f"CCN {OTHER_CCN}")


def test_fqhc_lines_count_only_as_pqem_with_a_listed_specialty() -> None:
    # Unlike MSSP, no REACH text makes every FQHC/RHC service primary care: a non-PQEM code,
    # or a PQEM code with no practitioner specialty, does not count.
    pop = Population()
    pop.bene(1)
    pop.line(1, AY2, tin="", ccn=ACO_CCN, hcpcs="T1015", specialty="08", fqhc_rhc=True)
    pop.bene(2)
    pop.line(2, AY2, tin="", ccn=ACO_CCN, hcpcs="99213", specialty="", fqhc_rhc=True)
    result = run_reach(pop, participants=participants())
    assert result.loc[1].reason == Reason.NO_PRIMARY_CARE_SERVICE
    assert result.loc[2].reason == Reason.NO_PRIMARY_CARE_SERVICE
    # The MSSP rule, by contrast: every FQHC/RHC service is a primary care service by a PCP.
    mssp = Population()
    mssp.bene(2)
    mssp.line(2, date(2025, 5, 1), tin="", ccn=ACO_CCN, hcpcs="99213", specialty="", fqhc_rhc=True)
    assert run_mssp(mssp).loc[2].aligned
