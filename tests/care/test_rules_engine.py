"""The care work rules on hand-built cases, no database: the AWV's month arithmetic (42 CFR
410.15), who gets no generated work (deceased, hospice, not aligned), and what a discharge's
status and bill type call for. Dates are far from today on purpose: nothing reads the clock."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from care.engine.eligibility import add_months, awv_eligible_from, excluded, in_hospice
from care.engine.gaps import care_gaps
from care.engine.worklist import discharge_kind, discharges_without_follow_up, snf_admissions


@pytest.mark.parametrize(
    ("last_visit", "part_b_start", "expected"),
    [
        # A visit on 15 March 2025: April 2025 .. February 2026 are the 11 full months after
        # the month of the visit, so eligible from 1 March 2026 (not 15 March, not 1 April).
        (date(2025, 3, 15), None, date(2026, 3, 1)),
        # On the last day of a month: 11 full months are February .. December.
        (date(2024, 1, 31), None, date(2025, 1, 1)),
        # A visit in December: eligible from 1 December of the next year.
        (date(2023, 12, 1), None, date(2024, 12, 1)),
        # Part B from 1 June 2024: the first 12 months (to 31 May 2025) are the IPPE period.
        (None, date(2024, 6, 1), date(2025, 6, 1)),
        # Mid-month Part B start: no longer within 12 months after it from 15 June 2025.
        (None, date(2024, 6, 15), date(2025, 6, 15)),
        # 29 February + 12 months is 28 February (the month has no 29th).
        (None, date(2020, 2, 29), date(2021, 2, 28)),
        # An IPPE in the IPPE period, Part B later: the later of the two dates applies.
        (date(2024, 8, 20), date(2024, 6, 1), date(2025, 8, 1)),
        # Neither known: eligible now.
        (None, None, None),
    ],
)
def test_awv_eligibility_counts_whole_months(last_visit, part_b_start, expected) -> None:
    assert awv_eligible_from(last_visit=last_visit, part_b_start=part_b_start) == expected


def test_add_months_clamps_to_the_end_of_a_short_month() -> None:
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert add_months(date(2024, 5, 10), -5) == date(2023, 12, 10)


def _people(*rows: tuple[int, str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "beneficiary_id": b,
                "birth_date": pd.Timestamp("1940-05-05"),
                "sex_code": "1",
                "part_b_start": pd.Timestamp(start) if start else pd.NaT,
            }
            for b, start in rows
        ]
    )


def _procs(*rows: tuple[int, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"beneficiary_id": b, "service_date": pd.Timestamp(d), "code": c} for b, d, c in rows],
        columns=["beneficiary_id", "service_date", "code"],
    )


def test_the_awv_gap_opens_on_the_first_day_of_eligibility_and_not_before() -> None:
    people = _people((1, None), (2, None), (3, "2011-09-01"), (4, "2011-08-01"))
    procedures = _procs((1, "2011-03-15", "G0439"), (2, "2011-04-02", "G0438"))
    no_dx = pd.DataFrame(columns=["beneficiary_id", "service_date", "code"])
    # As of 1 March 2012: 1's visit (March 2011) makes them eligible today; 2's (April 2011) on
    # 1 April. 3's Part B began 1 September 2011 (IPPE period to 31 August 2012); 4's Part B
    # began 1 August 2011 and is still within its 12 months too.
    gaps = care_gaps(
        beneficiaries=people, procedures=procedures, diagnoses=no_dx, as_of=date(2012, 3, 1)
    )
    awv = gaps[gaps["gap"] == "awv"]
    assert list(awv["beneficiary_id"]) == [1]
    assert "2012-03-01" in awv.iloc[0]["detail"]
    gaps = care_gaps(
        beneficiaries=people, procedures=procedures, diagnoses=no_dx, as_of=date(2012, 8, 1)
    )
    # 1 August 2012: 2 is eligible since 1 April; 4's IPPE period ended 31 July; 3 still in it.
    assert sorted(gaps[gaps["gap"] == "awv"]["beneficiary_id"]) == [1, 2, 4]


def test_deceased_hospice_and_not_aligned_people_are_excluded_with_the_reason() -> None:
    as_of = date(2013, 10, 31)
    people = pd.DataFrame(
        [
            {"beneficiary_id": 1, "death_date": pd.Timestamp("2013-09-02")},
            {"beneficiary_id": 2, "hospice_start": pd.Timestamp("2013-07-01")},
            {"beneficiary_id": 3},  # a recent "still a patient" hospice claim
            {"beneficiary_id": 4},  # a hospice claim, but months ago
            {"beneficiary_id": 5},  # aligned, nothing else: kept
            {"beneficiary_id": 6},  # not in the population
            {"beneficiary_id": 7, "hospice_start": pd.Timestamp("2013-01-01"),
             "hospice_end": pd.Timestamp("2013-03-31")},  # hospice ended (revoked): kept
            # A date of death after the claims' date (the file is newer than its claims).
            {"beneficiary_id": 8, "death_date": pd.Timestamp("2013-12-01")},
        ]
    )  # fmt: skip
    for col in ("death_date", "hospice_start", "hospice_end"):
        people[col] = people.get(col, pd.Series(dtype="datetime64[ns]"))
    hospice_claims = pd.DataFrame(
        [
            {"beneficiary_id": 3, "discharge_date": pd.Timestamp("2013-10-15"), "discharge_status": "30"},
            {"beneficiary_id": 4, "discharge_date": pd.Timestamp("2013-05-31"), "discharge_status": "30"},
        ]
    )  # fmt: skip
    reasons = excluded(
        beneficiaries=people,
        hospice_claims=hospice_claims,
        population={1, 2, 3, 4, 5, 7, 8},
        as_of=as_of,
    )
    assert reasons == {
        1: "deceased", 2: "hospice", 3: "hospice", 6: "not_in_population", 8: "deceased"
    }  # fmt: skip
    # Without a population of record, nobody is excluded for not being in it.
    assert 6 not in excluded(
        beneficiaries=people, hospice_claims=hospice_claims, population=None, as_of=as_of
    )


def test_a_hospice_discharge_claim_ends_the_hospice_stay() -> None:
    # The latest hospice claim says the patient was discharged (01 home, revocation): not in
    # hospice; 31 days is the limit for a "still a patient" bill to count.
    claims = [(date(2013, 9, 30), "30"), (date(2013, 10, 20), "01")]
    assert not in_hospice(
        hospice_start=None, hospice_end=None, hospice_claims=claims, as_of=date(2013, 10, 31)
    )
    recent = [(date(2013, 9, 30), "30")]
    assert in_hospice(
        hospice_start=None, hospice_end=None, hospice_claims=recent, as_of=date(2013, 10, 31)
    )
    assert not in_hospice(hospice_start=None, hospice_end=None, hospice_claims=recent, as_of=date(2013, 11, 1))  # fmt: skip


@pytest.mark.parametrize(
    ("status", "bill_type", "kind"),
    [
        ("01", "111", "community"),  # home or self care
        ("06", "111", "community"),  # home health
        ("07", "111", "community"),  # left against medical advice
        ("81", "111", "community"),  # home, planned readmission
        ("", "111", "community"),  # no status on the claim
        ("20", "111", "expired"),
        ("41", "111", "expired"),
        ("03", "111", "snf"),
        ("61", "111", "snf"),  # swing bed
        ("83", "111", "snf"),
        ("02", "111", "transfer"),  # to another short-term hospital
        ("62", "111", "transfer"),  # to an inpatient rehabilitation facility
        ("50", "111", "hospice"),
        ("30", "111", "interim"),  # still a patient
        ("01", "112", "interim"),  # interim bill, first claim
        ("01", "113", "interim"),  # interim bill, continuing
        ("01", "114", "community"),  # interim bill, last claim: the discharge
        ("99", "111", "unknown"),
    ],
)
def test_the_discharge_status_and_bill_frequency_decide_the_kind(status, bill_type, kind) -> None:
    assert discharge_kind(status=status, bill_type=bill_type) == kind


def _stays(*rows: tuple[int, str, str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "beneficiary_id": b,
                "claim_id": cid,
                "admission_date": pd.Timestamp(d) - pd.Timedelta(days=4),
                "discharge_date": pd.Timestamp(d),
                "discharge_status": status,
                "bill_type": bill,
            }
            for b, cid, d, status, bill in rows
        ]
    )


def test_only_discharges_to_the_community_get_a_seven_day_follow_up() -> None:
    as_of = date(2014, 2, 28)
    stays = _stays(
        (1, "home", "2014-02-20", "01", "111"),
        (2, "died", "2014-02-20", "20", "111"),
        (3, "snf", "2014-02-20", "03", "111"),
        (4, "transfer", "2014-02-20", "02", "111"),
        (5, "interim", "2014-02-20", "30", "112"),
        (6, "ama", "2014-02-21", "07", "111"),
    )
    follow_ups = discharges_without_follow_up(stays=stays, procedures=_procs(), as_of=as_of)
    assert list(follow_ups["source_key"]) == ["discharge:home", "discharge:ama"]
    assert "left against medical advice" in follow_ups.iloc[1]["detail"]
    # Contact due two days after the discharge (transitional care management, CPT 99495/99496).
    assert list(follow_ups["due_date"]) == [date(2014, 2, 22), date(2014, 2, 23)]
    snf = snf_admissions(stays=stays, as_of=as_of)
    assert list(snf["source_key"]) == ["snf:snf"]
    assert list(snf["kind"]) == ["snf_admission"]
    assert list(snf["due_date"]) == [date(2014, 2, 22)]
