"""Care gaps from claims (care.engine.gaps): small hand-built frames, no database."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from care.engine.gaps import care_gaps
from care.engine.value_sets import GAP_KEYS, value_sets

AS_OF = date(2025, 6, 30)


def benes(*rows: tuple[int, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"beneficiary_id": i, "birth_date": pd.Timestamp(b), "sex_code": s} for i, b, s in rows]
    )


def lines(*rows: tuple[int, str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"beneficiary_id": i, "service_date": pd.Timestamp(d), "code": code}
            for i, d, code in rows
        ],
        columns=["beneficiary_id", "service_date", "code"],
    )


def gaps_of(result: pd.DataFrame, bene_id: int) -> set[str]:
    return set(result.loc[result["beneficiary_id"] == bene_id, "gap"])


def test_every_value_set_names_its_source() -> None:
    for key in GAP_KEYS:
        assert value_sets()[key]["source"], key


def test_awv_is_due_without_one_in_the_last_twelve_months_and_not_after_g0439() -> None:
    people = benes((1, "1950-01-01", "1"), (2, "1950-01-01", "1"), (3, "1950-01-01", "1"))
    procs = lines((2, "2025-01-15", "G0439"), (3, "2024-05-01", "G0438"))
    result = care_gaps(beneficiaries=people, procedures=procs, diagnoses=lines(), as_of=AS_OF)
    assert "awv" in gaps_of(result, 1)
    assert "awv" not in gaps_of(result, 2)
    assert "awv" in gaps_of(result, 3)
    last = result[(result["beneficiary_id"] == 3) & (result["gap"] == "awv")]["last_done"].iloc[0]
    assert last == pd.Timestamp("2024-05-01")


def test_hba1c_gap_only_for_diabetics_in_the_age_band() -> None:
    people = benes(
        (1, "1950-01-01", "1"),
        (2, "1950-01-01", "1"),
        (3, "1940-01-01", "1"),
        (4, "1950-01-01", "2"),
    )
    dx = lines((1, "2025-02-01", "E11.9"), (2, "2025-02-01", "E119"), (3, "2025-02-01", "E11.9"))
    procs = lines((2, "2025-03-01", "83036"))
    result = care_gaps(beneficiaries=people, procedures=procs, diagnoses=dx, as_of=AS_OF)
    assert "hba1c" in gaps_of(result, 1)
    assert "hba1c" not in gaps_of(result, 2)  # tested this year
    assert "hba1c" not in gaps_of(result, 3)  # 85: outside 18-75
    assert "hba1c" not in gaps_of(result, 4)  # no diabetes diagnosis


def test_blood_pressure_gap_for_hypertension_without_a_reading_code() -> None:
    people = benes((1, "1950-01-01", "1"), (2, "1950-01-01", "1"))
    dx = lines((1, "2025-02-01", "I10"), (2, "2025-02-01", "I10"))
    procs = lines((2, "2025-04-01", "3074F"))
    result = care_gaps(beneficiaries=people, procedures=procs, diagnoses=dx, as_of=AS_OF)
    assert "blood_pressure" in gaps_of(result, 1)
    assert "blood_pressure" not in gaps_of(result, 2)


def test_depression_screening_is_met_by_g0444_within_the_year() -> None:
    people = benes((1, "1950-01-01", "1"), (2, "1950-01-01", "1"))
    procs = lines((1, "2024-05-01", "G0444"), (2, "2024-09-01", "G8510"))
    result = care_gaps(beneficiaries=people, procedures=procs, diagnoses=lines(), as_of=AS_OF)
    assert "depression_screening" in gaps_of(result, 1)  # over 12 months ago
    assert "depression_screening" not in gaps_of(result, 2)


def test_breast_cancer_screening_applies_to_women_52_to_74_with_a_27_month_lookback() -> None:
    people = benes(
        (1, "1960-01-01", "2"),  # 65, no mammogram
        (2, "1960-01-01", "2"),  # mammogram 24 months ago: met
        (3, "1960-01-01", "1"),  # man: not in population
        (4, "1940-01-01", "2"),  # 85: not in population
    )
    procs = lines((2, "2023-07-15", "77067"))
    result = care_gaps(beneficiaries=people, procedures=procs, diagnoses=lines(), as_of=AS_OF)
    assert "breast_cancer_screening" in gaps_of(result, 1)
    assert "breast_cancer_screening" not in gaps_of(result, 2)
    assert "breast_cancer_screening" not in gaps_of(result, 3)
    assert "breast_cancer_screening" not in gaps_of(result, 4)


@pytest.mark.parametrize(
    ("code", "when", "open_gap"),
    [
        ("45378", "2017-01-01", False),  # colonoscopy within 10 years
        ("45378", "2014-01-01", True),  # colonoscopy over 10 years ago
        ("82274", "2025-01-01", False),  # FIT this year
        ("82274", "2024-01-01", True),  # FIT last year is not enough
        ("81528", "2023-01-01", False),  # FIT-DNA within 3 years
    ],
)
def test_colorectal_screening_uses_each_tests_own_lookback(
    code: str, when: str, open_gap: bool
) -> None:
    people = benes((1, "1955-01-01", "1"))
    result = care_gaps(
        beneficiaries=people, procedures=lines((1, when, code)), diagnoses=lines(), as_of=AS_OF
    )
    assert ("colorectal_cancer_screening" in gaps_of(result, 1)) is open_gap


def test_colorectal_cancer_history_excludes_the_person_from_screening() -> None:
    people = benes((1, "1955-01-01", "1"))
    result = care_gaps(
        beneficiaries=people,
        procedures=lines(),
        diagnoses=lines((1, "2019-01-01", "C18.9")),
        as_of=AS_OF,
    )
    assert "colorectal_cancer_screening" not in gaps_of(result, 1)


def test_claims_after_the_as_of_date_are_ignored() -> None:
    people = benes((1, "1950-01-01", "1"))
    result = care_gaps(
        beneficiaries=people,
        procedures=lines((1, "2025-07-15", "G0439")),
        diagnoses=lines(),
        as_of=AS_OF,
    )
    assert "awv" in gaps_of(result, 1)


def test_the_care_engine_loads_no_django_drf_or_celery() -> None:
    import subprocess
    import sys

    code = (
        "import sys, care.engine.gaps, care.engine.worklist; "
        "bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework', 'celery')]; "
        "sys.exit(1 if bad else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
