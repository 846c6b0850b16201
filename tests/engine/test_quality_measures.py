"""The claims-based quality measures on hand-built claims, one rule at a time.

Each test builds the few claims a rule needs (final-action frames, as `claims.selectors` returns
them) and checks the denominator, numerator, exclusions or windows the CMS specification names.
"""

from __future__ import annotations

import pandas as pd
import pytest

from quality.engine import compute
from quality.engine.admissions import chronic_conditions
from quality.engine.catalog import HIGH_NEEDS, MSSP, REACH, measures_for
from quality.engine.intervals import poisson_count, wilson
from quality.engine.stays import is_planned

Y = 2024


def d(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


def stay(
    bene: int,
    cid: str,
    admit: str,
    discharge: str,
    dx: str = "J189",
    *,
    status: str = "01",
    ccn: str = "100001",
    kind: str = "60",
) -> dict[str, object]:
    return {
        "beneficiary_id": bene,
        "claim_id": cid,
        "source": "A",
        "claim_type_cd": kind,
        "from_date": d(admit),
        "thru_date": d(discharge),
        "line_from_date": d(admit),
        "principal_dx": dx,
        "discharge_status": status,
        "ccn": ccn,
        "facility_npi": "1234567893",
        "hcpcs_cd": "",
        "rendering_npi": "",
    }


def visit(bene: int, cid: str, day: str, hcpcs: str = "99214") -> dict[str, object]:
    return {
        "beneficiary_id": bene,
        "claim_id": cid,
        "source": "B",
        "claim_type_cd": "71",
        "from_date": d(day),
        "thru_date": d(day),
        "line_from_date": d(day),
        "principal_dx": "I509",
        "discharge_status": "",
        "ccn": "",
        "facility_npi": "",
        "hcpcs_cd": hcpcs,
        "rendering_npi": "1111111112",
    }


def people(*rows: tuple[int, str], death: dict[int, str] | None = None) -> pd.DataFrame:
    death = death or {}
    return pd.DataFrame(
        [
            {
                "beneficiary_id": bene,
                "birth_date": d(birth),
                "death_date": d(death[bene]) if bene in death else pd.NaT,
                "start": d(f"{Y}-01-01"),
                "end": d(f"{Y}-12-31"),
                "tin": "123456789",
                "npi": "1999999992",
            }
            for bene, birth in rows
        ]
    )


def claims(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


OLD = "1950-06-01"


# ------------------------------------------------------------------------------------------------
# ACR / 479: 30-day unplanned readmission


def test_an_unplanned_admission_within_30_days_is_a_readmission_and_day_31_is_not() -> None:
    result = compute(
        "ACR",
        year=Y,
        population=people((1, OLD), (2, OLD)),
        claims=claims(
            stay(1, "a1", "2024-03-01", "2024-03-05"),
            stay(1, "a2", "2024-04-04", "2024-04-06", "I509"),  # 30 days after discharge
            stay(2, "b1", "2024-03-01", "2024-03-05"),
            stay(2, "b2", "2024-04-05", "2024-04-07", "I509"),  # 31 days after
        ),
    )
    index = result.cases.set_index("event_claim_id")
    assert index.loc["a1", "outcome"] == 1
    assert index.loc["a1", "outcome_claim_id"] == "a2"
    assert index.loc["b1", "outcome"] == 0
    # Every stay discharged by 1 December is an index stay, the readmissions too.
    assert result.denominator == 4
    assert result.numerator == 1
    assert result.rate == pytest.approx(25.0)
    assert result.basis == "observed"
    assert result.lower is not None
    assert result.upper is not None
    assert result.lower < 25.0 < result.upper


def test_the_interim_rate_counts_only_index_stays_whose_30_days_are_over_by_the_claims_date() -> (
    None
):
    """Claims through 2024-08-30: a stay discharged 2024-08-20 (window to 2024-09-19) is open and
    left out, whatever its outcome so far; one discharged 2024-07-31 closes on the data date and
    counts, as does one long complete; with claims past every window, all three count."""
    population = people((1, OLD), (2, OLD), (3, OLD))
    rows = claims(
        stay(1, "open", "2024-08-16", "2024-08-20"),  # window to 2024-09-19: open
        stay(2, "edge", "2024-07-28", "2024-07-31"),  # window to 2024-08-30: the data date
        stay(3, "done", "2024-03-01", "2024-03-05"),  # window to 2024-04-04
        stay(3, "re", "2024-03-20", "2024-03-22", "I509"),  # its readmission (window 2024-04-21)
    )
    interim = compute("479", year=Y, population=population, claims=rows, as_of=d("2024-08-30"))
    flags = dict(
        zip(interim.cases["event_claim_id"], interim.cases["window_complete"], strict=True)
    )
    assert flags == {"open": False, "edge": True, "done": True, "re": True}
    assert (interim.numerator, interim.denominator, interim.open_cases) == (1, 3, 1)
    assert interim.rate == pytest.approx(100 / 3)
    assert [q["denominator"] for q in interim.quarters] == [2, 1]  # Q1; Q3 without the open stay
    assert "1 to 30 days after the index discharge" in interim.window
    assert "MIPS Quality ID 479" in interim.window

    # Without the rule the open stay counted as "not readmitted": 1 of 4, a lower rate.
    before = compute("479", year=Y, population=population, claims=rows)
    assert (before.numerator, before.denominator, before.open_cases) == (1, 4, 0)
    # Claims past every window (the run-out): the open stay counts; one day short, it does not.
    assert (
        compute("479", year=Y, population=population, claims=rows, as_of=d("2024-09-19")).open_cases
        == 0
    )
    assert (
        compute("479", year=Y, population=population, claims=rows, as_of=d("2024-09-18")).open_cases
        == 1
    )


def test_a_year_whose_claims_cover_every_window_is_unchanged() -> None:
    population = people((1, OLD), (2, OLD))
    rows = claims(
        stay(1, "a1", "2024-11-25", "2024-12-01"),  # the last index discharge: window to 12-31
        stay(2, "b1", "2024-06-01", "2024-06-04", "I5022"),
        visit(2, "v2", "2024-06-10"),
    )
    for code in ("ACR", "TFU"):
        full = compute(code, year=Y, population=population, claims=rows)
        run_out = compute(code, year=Y, population=population, claims=rows, as_of=d("2024-12-31"))
        assert (run_out.numerator, run_out.denominator, run_out.rate, run_out.open_cases) == (
            full.numerator,
            full.denominator,
            full.rate,
            0,
        )
        assert run_out.cases["window_complete"].all()


def test_a_planned_first_readmission_means_no_readmission_is_counted() -> None:
    result = compute(
        "479",
        year=Y,
        population=people((1, OLD)),
        claims=claims(
            stay(1, "a1", "2024-03-01", "2024-03-05"),
            stay(1, "a2", "2024-03-10", "2024-03-11", "Z5111"),  # maintenance chemotherapy
            stay(1, "a3", "2024-03-20", "2024-03-22", "I509"),  # unplanned, but after a planned
        ),
    )
    first = result.cases.set_index("event_claim_id").loc["a1"]
    assert first["outcome"] == 0
    assert result.exclusions["first readmission planned (not counted)"] == 1


def test_the_planned_readmission_algorithm_reads_procedures_and_acute_diagnoses() -> None:
    assert is_planned("Z5111", [])  # always-planned diagnosis
    assert is_planned("N186", ["0TY00Z0"])  # kidney transplant: always planned
    assert is_planned("M170", ["0SRC0J9"])  # knee replacement for arthritis: potentially planned
    assert not is_planned("I214", ["0270346"])  # PCI during an AMI: acute, so unplanned
    assert not is_planned("J189", [])


def test_index_stay_exclusions() -> None:
    result = compute(
        "ACR",
        year=Y,
        population=people((1, "1965-01-01"), (2, OLD), (3, OLD), (4, OLD), (5, OLD)),
        claims=claims(
            stay(1, "young", "2024-02-01", "2024-02-03"),
            stay(2, "died", "2024-02-01", "2024-02-03", status="20"),
            stay(3, "ama", "2024-02-01", "2024-02-03", status="07"),
            stay(4, "psych", "2024-02-01", "2024-02-03", "F200"),
            stay(5, "late", "2024-12-05", "2024-12-10"),  # after 1 December: not in the window
        ),
    )
    assert result.denominator == 0
    assert result.exclusions == {
        "under 65 at admission": 1,
        "died in hospital": 1,
        "left against medical advice": 1,
        "admitted primarily for psychiatric disease": 1,
    }
    assert result.rate is None


def test_a_transfer_chain_is_one_index_stay_ending_at_the_last_hospital() -> None:
    result = compute(
        "ACR",
        year=Y,
        population=people((1, OLD)),
        claims=claims(
            stay(1, "t1", "2024-05-01", "2024-05-03", status="02", ccn="100001"),
            stay(1, "t2", "2024-05-04", "2024-05-10", ccn="100002"),  # the next day, elsewhere
            stay(1, "r1", "2024-06-05", "2024-06-06", "I509"),  # 26 days after the chain ends
        ),
    )
    index = result.cases.set_index("event_claim_id")
    assert list(index.index) == ["t2", "r1"]
    assert index.loc["t2", "event_start"] == d("2024-05-01")
    assert index.loc["t2", "outcome"] == 1


def test_stays_in_a_psychiatric_hospital_are_neither_index_nor_readmission() -> None:
    result = compute(
        "ACR",
        year=Y,
        population=people((1, OLD)),
        claims=claims(
            stay(1, "a1", "2024-03-01", "2024-03-05"),
            stay(1, "psy", "2024-03-10", "2024-03-20", "J189", ccn="104001"),  # CCN 4000-4499
        ),
    )
    assert list(result.cases["event_claim_id"]) == ["a1"]
    assert result.numerator == 0


# ------------------------------------------------------------------------------------------------
# UAMCC / 484: admissions per 100 person-years among beneficiaries with 2+ chronic conditions


def dx_rows(*rows: tuple[int, str, str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "beneficiary_id": bene,
                "claim_id": cid,
                "source": "A" if kind in ("60", "40") else "B",
                "claim_type_cd": kind,
                "thru_date": d(day),
                "dx_code": code,
            }
            for bene, cid, kind, day, code in rows
        ]
    )


def test_chronic_conditions_need_one_inpatient_or_two_ambulatory_claims_in_the_lookback() -> None:
    found = chronic_conditions(
        dx_rows(
            (1, "c1", "60", "2023-05-01", "I214"),  # AMI, inpatient: one claim is enough
            (1, "c2", "71", "2023-02-01", "E119"),  # diabetes, two carrier claims, two dates
            (1, "c3", "71", "2023-08-01", "E119"),
            (2, "c4", "71", "2023-02-01", "I4891"),  # AF: two claims on one date = one
            (2, "c5", "40", "2023-02-01", "I4891"),
            (3, "c6", "71", "2022-03-01", "E119"),  # diabetes looks back two years
            (3, "c7", "71", "2023-03-01", "E119"),
            (3, "c8", "71", "2022-03-01", "I4891"),  # AF looks back one: 2022 is too early
            (3, "c9", "71", "2023-03-01", "I4891"),
            (4, "c10", "71", "2024-01-15", "N184"),  # in the year itself: not a lookback
            (4, "c11", "71", "2024-02-15", "N184"),
        ),
        Y,
    )
    assert found == {1: {"ami", "diabetes"}, 3: {"diabetes"}}


def test_admissions_per_100_person_years_with_the_ten_day_rule_and_planned_admissions() -> None:
    diagnoses = dx_rows(
        (1, "h1", "60", "2023-05-01", "I214"),
        (1, "h2", "60", "2023-06-01", "I509"),
        (2, "h3", "60", "2023-05-01", "I214"),  # one condition only
        (3, "h4", "60", "2023-05-01", "I214"),
        (3, "h5", "60", "2023-06-01", "I509"),
    )
    result = compute(
        "UAMCC",
        year=Y,
        population=people((1, OLD), (2, OLD), (3, OLD)),
        claims=claims(
            stay(1, "u1", "2024-03-01", "2024-03-05", "I509"),  # counted
            stay(1, "u2", "2024-03-12", "2024-03-14", "J189"),  # 7 days after: not at risk
            stay(1, "u3", "2024-06-01", "2024-06-02", "Z5111"),  # planned
            stay(1, "u4", "2024-09-01", "2024-09-03", "J189"),  # counted
            {**stay(3, "hos", "2023-11-01", "2023-11-30", "C349"), "claim_type_cd": "50"},
        ),
        diagnoses=diagnoses,
    )
    assert result.exclusions == {
        "fewer than two of the nine chronic conditions": 1,
        "in hospice before the year": 1,
    }
    case = result.cases.set_index("beneficiary_id").loc[1]
    assert case["outcome"] == 2
    # 366 days less each stay and its 10 days after: u1 5+10 (with u2 inside), u3 2+10, u4 3+10.
    assert case["exposure"] == 366 - (14 + 10) - (2 + 10) - (3 + 10)
    reasons = dict(zip(result.events["claim_id"], result.events["reason"], strict=True))
    assert reasons == {
        "u1": "",
        "u2": "within 10 days of a hospital or SNF discharge",
        "u3": "planned admission",
        "u4": "",
    }
    person_years = case["exposure"] / 365.25
    assert result.rate == pytest.approx(100 * 2 / person_years)
    assert result.unit == "per_100_person_years"


def test_484_is_the_same_rule_for_mssp() -> None:
    diagnoses = dx_rows(
        (1, "h1", "60", "2023-05-01", "I214"), (1, "h2", "60", "2023-06-01", "I509")
    )
    result = compute(
        "484", year=Y, population=people((1, OLD)), claims=claims(), diagnoses=diagnoses
    )
    assert result.numerator == 0
    assert result.denominator == pytest.approx(366 / 365.25, abs=0.01)
    assert result.rate == 0


# ------------------------------------------------------------------------------------------------
# TFU: follow-up within the category's window


def ed(bene: int, cid: str, day: str, dx: str) -> dict[str, object]:
    return {**stay(bene, cid, day, day, dx), "claim_type_cd": "40"}


def revenue(*rows: tuple[int, str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "beneficiary_id": bene,
                "claim_id": cid,
                "revenue_cd": rev,
                "hcpcs_cd": "",
                "service_date": d(day),
                "thru_date": d(day),
                "attending_npi": "",
            }
            for bene, cid, rev, day in rows
        ]
    )


def test_follow_up_within_the_window_of_each_category() -> None:
    result = compute(
        "TFU",
        year=Y,
        population=people((1, OLD), (2, OLD), (3, OLD)),
        claims=claims(
            stay(1, "hf", "2024-03-01", "2024-03-05", "I5022"),  # heart failure: 14 days
            visit(1, "v1", "2024-03-19"),  # day 14: in time
            stay(2, "cad", "2024-03-01", "2024-03-05", "I240"),  # CAD high acuity: 7 days
            visit(2, "v2", "2024-03-13"),  # day 8: late
            stay(3, "pna", "2024-03-01", "2024-03-05", "J189"),  # not one of the conditions
        ),
    )
    outcomes = dict(zip(result.cases["event_claim_id"], result.cases["outcome"], strict=True))
    assert outcomes == {"hf": 1, "cad": 0}
    assert dict(zip(result.cases["event_claim_id"], result.cases["category"], strict=True)) == {
        "hf": "heart_failure",
        "cad": "cad_high",
    }
    assert result.rate == pytest.approx(50.0)
    assert not result.lower_is_better


def test_tfu_leaves_out_the_events_whose_follow_up_window_is_still_open() -> None:
    """Claims through 2024-03-19: heart failure's 14 days after a 2024-03-05 discharge close on
    the data date (counted, followed up); CAD high acuity's 7 days after 2024-03-15 run to
    2024-03-22 (open, left out though no visit yet); asthma's 14 days after 2024-02-01 long over."""
    result = compute(
        "TFU",
        year=Y,
        population=people((1, OLD), (2, OLD), (3, OLD)),
        claims=claims(
            stay(1, "hf", "2024-03-01", "2024-03-05", "I5022"),
            visit(1, "v1", "2024-03-19"),
            stay(2, "cad", "2024-03-12", "2024-03-15", "I240"),
            stay(3, "asthma", "2024-01-29", "2024-02-01", "J4541"),
        ),
        as_of=d("2024-03-19"),
    )
    flags = dict(zip(result.cases["event_claim_id"], result.cases["window_complete"], strict=True))
    assert flags == {"asthma": True, "hf": True, "cad": False}
    assert (result.numerator, result.denominator, result.open_cases) == (1, 2, 1)
    assert result.rate == pytest.approx(50.0)
    assert "Heart failure, 14 days" in result.window
    assert "Coronary artery disease, high acuity, 7 days" in result.window
    assert "CBE #3455" in result.window


def test_ed_visits_count_unless_they_end_in_an_admission() -> None:
    result = compute(
        "TFU",
        year=Y,
        population=people((1, OLD)),
        claims=claims(
            ed(1, "ed1", "2024-02-01", "J4551"),  # asthma ED visit
            visit(1, "v1", "2024-02-06"),
            ed(1, "ed2", "2024-05-01", "J441"),  # COPD ED visit, admitted the next day
            stay(1, "ip", "2024-05-02", "2024-05-06", "J441"),
        ),
        revenue=revenue((1, "ed1", "0450", "2024-02-01"), (1, "ed2", "0450", "2024-05-01")),
    )
    assert sorted(result.cases["event_claim_id"]) == ["ed1", "ip"]
    assert result.cases.set_index("event_claim_id").loc["ed1", "outcome"] == 1


def test_events_cut_short_by_death_or_the_year_end_are_not_counted() -> None:
    result = compute(
        "TFU",
        year=Y,
        population=people((1, OLD), (2, OLD), death={1: "2024-03-10"}),
        claims=claims(
            stay(1, "died", "2024-03-01", "2024-03-05", "I509"),
            stay(2, "dec", "2024-12-20", "2024-12-22", "I509"),  # 14 days run into next year
        ),
    )
    assert result.denominator == 0
    assert result.exclusions == {
        "died within the follow-up window": 1,
        "follow-up window runs past the year or the alignment": 1,
    }


# ------------------------------------------------------------------------------------------------
# DAH: days at home


def test_days_at_home_subtract_hospital_snf_and_ed_days() -> None:
    result = compute(
        "DAH",
        year=2023,
        population=people((1, OLD)).assign(start=d("2023-01-01"), end=d("2023-12-31")),
        claims=claims(
            stay(1, "ip", "2023-03-01", "2023-03-05"),  # 5 days
            stay(1, "snf", "2023-03-05", "2023-03-14", kind="20"),  # 10 days, 1 shared
            ed(1, "ed", "2023-07-01", "R079"),  # 1 day
        ),
        revenue=revenue((1, "ed", "0450", "2023-07-01")),
    )
    case = result.cases.iloc[0]
    assert case["exposure"] == 365
    assert case["outcome"] == 365 - 14 - 1
    assert result.rate == pytest.approx(350.0)
    assert result.unit == "days_per_person_year"


def test_days_at_home_count_only_days_alive() -> None:
    result = compute(
        "DAH",
        year=2023,
        population=people((1, OLD), death={1: "2023-06-30"}).assign(
            start=d("2023-01-01"), end=d("2023-12-31")
        ),
        claims=claims(),
    )
    assert result.cases.iloc[0]["exposure"] == 181
    assert result.rate == pytest.approx(365.0)


# ------------------------------------------------------------------------------------------------
# Catalog and intervals


def test_each_program_year_uses_its_measures() -> None:
    codes = lambda program, year, kind="": [m.code for m in measures_for(program, year, kind)]  # noqa: E731
    assert codes(REACH, 2024, "standard") == ["ACR", "UAMCC", "TFU"]
    assert codes(REACH, 2024, HIGH_NEEDS) == ["ACR", "UAMCC", "DAH"]
    assert codes(MSSP, 2024) == ["479", "484"]
    assert codes(MSSP, 2025) == ["479"]
    assert codes(MSSP, 2026) == ["479", "484"]  # back in the APP Plus set (CMS QPP data, PY2026)


def test_the_intervals() -> None:
    low, high = wilson(1, 4) or (0, 0)
    assert (round(low, 4), round(high, 4)) == (0.0456, 0.6994)
    assert wilson(0, 0) is None
    low, high = poisson_count(10)
    assert (round(low, 2), round(high, 2)) == (4.79, 18.39)
