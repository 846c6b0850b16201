"""Expenditures per beneficiary x month x enrollment type, person-years, truncation, PMPM."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import pytest

from benchmarks.engine import columns as c
from benchmarks.engine import expenditures as x

D = Decimal


def _claims(rows: list[tuple]) -> pd.DataFrame:
    """(bene, year, month, category, paid, ime, dsh, uc, reduction)"""
    columns = [
        c.BENE_ID,
        c.YEAR,
        c.MONTH,
        c.SERVICE_CATEGORY,
        c.PAID_AMOUNT,
        c.IME_AMOUNT,
        c.DSH_AMOUNT,
        c.UNCOMPENSATED_CARE_AMOUNT,
        c.PBP_REDUCTION_AMOUNT,
    ]
    return pd.DataFrame(
        [
            {
                c.BENE_ID: r[0],
                c.YEAR: r[1],
                c.MONTH: r[2],
                c.SERVICE_CATEGORY: r[3],
                c.PAID_AMOUNT: D(r[4]),
                c.IME_AMOUNT: D(r[5]),
                c.DSH_AMOUNT: D(r[6]),
                c.UNCOMPENSATED_CARE_AMOUNT: D(r[7]),
                c.PBP_REDUCTION_AMOUNT: D(r[8]),
            }
            for r in rows
        ],
        columns=columns,
    )


def _months(
    bene: int, year: int, months: range, etype: str, death: date | None = None
) -> list[dict]:
    return [
        {c.BENE_ID: bene, c.YEAR: year, c.MONTH: m, c.ENROLLMENT_TYPE: etype, c.DEATH_DATE: death}
        for m in months
    ]


def test_enrollment_types_follow_status_then_dual_status() -> None:
    status = pd.Series(["10", "10", "20", "21", "11", "31", "10"])
    dual = pd.Series(["02", "NA", "02", "NA", "NA", "01", None])
    assert list(x.enrollment_types(status, dual)) == [
        c.AGED_DUAL,
        c.AGED_NONDUAL,
        c.DISABLED,
        c.ESRD,
        c.ESRD,
        c.ESRD,
        c.AGED_NONDUAL,
    ]


def test_an_unknown_medicare_status_is_named_in_the_error() -> None:
    with pytest.raises(ValueError, match="'99'"):
        x.enrollment_types(pd.Series(["10", "99"]), pd.Series(["NA", "NA"]))


def test_months_after_death_do_not_count() -> None:
    months = pd.DataFrame(_months(1, 2024, range(1, 13), c.AGED_NONDUAL, death=date(2024, 4, 15)))
    kept = x.eligible_months(months)
    assert list(kept[c.MONTH]) == [1, 2, 3, 4]


def test_ime_dsh_and_uncompensated_care_are_removed() -> None:
    claims = _claims([(1, 2024, 1, c.INPATIENT, "10000.00", "800.00", "300.00", "150.00", "0")])
    out = x.claim_expenditures(claims, valuation="paid")
    assert out.loc[0, c.EXCLUDED_AMOUNT] == D("1250.00")
    assert out.loc[0, c.EXPENDITURE] == D("8750.00")


def test_reach_values_claims_before_the_pbp_reduction() -> None:
    claims = _claims([(1, 2024, 1, c.PROFESSIONAL, "80.00", "0", "0", "0", "20.00")])
    assert x.claim_expenditures(claims, valuation="paid").loc[0, c.EXPENDITURE] == D("80.00")
    assert x.claim_expenditures(claims, valuation="pre_reduction").loc[0, c.EXPENDITURE] == D(
        "100.00"
    )


def test_expenditures_follow_the_months_enrollment_type_and_skip_ineligible_months() -> None:
    months = pd.DataFrame(
        _months(1, 2024, range(1, 7), c.AGED_NONDUAL) + _months(1, 2024, range(7, 13), c.ESRD)
    )
    claims = _claims(
        [
            (1, 2024, 3, c.OUTPATIENT, "100.00", "0", "0", "0", "0"),
            (1, 2024, 9, c.INPATIENT, "5000.00", "0", "0", "0", "0"),
            (1, 2024, 9, c.INPATIENT, "-5000.00", "0", "0", "0", "0"),  # a cancellation nets out
            (1, 2024, 10, c.INPATIENT, "7000.00", "0", "0", "0", "0"),
            (2, 2024, 1, c.PROFESSIONAL, "55.00", "0", "0", "0", "0"),  # not eligible that month
        ]
    )
    monthly = x.month_expenditures(x.claim_expenditures(claims, valuation="paid"), months)
    years = x.beneficiary_years(monthly, months).set_index(c.ENROLLMENT_TYPE)
    assert years.loc[c.AGED_NONDUAL, c.EXPENDITURE] == D("100.00")
    assert years.loc[c.ESRD, c.EXPENDITURE] == D("7000.00")
    assert years.loc[c.ESRD, c.PERSON_YEARS] == D("0.5")
    assert 2 not in set(monthly[c.BENE_ID])


def test_a_beneficiary_without_claims_still_has_person_years() -> None:
    months = pd.DataFrame(_months(3, 2024, range(1, 13), c.DISABLED))
    claims = x.claim_expenditures(_claims([]), valuation="paid")
    years = x.beneficiary_years(x.month_expenditures(claims, months), months)
    assert years.loc[0, c.PERSON_YEARS] == 1
    assert years.loc[0, c.EXPENDITURE] == 0


def _year_rows(rows: list[tuple[int, str, int, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                c.BENE_ID: b,
                c.YEAR: 2023,
                c.ENROLLMENT_TYPE: t,
                c.MONTHS: m,
                c.PERSON_YEARS: D(m) / 12,
                c.EXPENDITURE: D(spent),
            }
            for b, t, m, spent in rows
        ]
    )


def test_truncation_caps_annualized_expenditure_at_the_threshold_of_the_type() -> None:
    years = _year_rows(
        [
            (1, c.AGED_NONDUAL, 12, "150000.00"),  # above: capped at 100,000
            (2, c.AGED_NONDUAL, 12, "99999.99"),  # below: unchanged
            (3, c.AGED_NONDUAL, 6, "60000.00"),  # half a year: capped at 50,000
            (4, c.ESRD, 12, "150000.00"),  # ESRD has its own, higher threshold
            (5, c.AGED_NONDUAL, 12, "-200.00"),  # net credits are not truncated
        ]
    )
    thresholds = {(2023, c.AGED_NONDUAL): D("100000"), (2023, c.ESRD): D("250000")}
    out = x.truncate(years, thresholds).set_index(c.BENE_ID)
    assert out.loc[1, c.TRUNCATED_EXPENDITURE] == D("100000")
    assert out.loc[1, c.AMOUNT_TRUNCATED] == D("50000.00")
    assert out.loc[2, c.TRUNCATED_EXPENDITURE] == D("99999.99")
    assert out.loc[3, c.TRUNCATED_EXPENDITURE] == D("50000")
    assert out.loc[4, c.TRUNCATED_EXPENDITURE] == D("150000.00")
    assert out.loc[5, c.TRUNCATED_EXPENDITURE] == D("-200.00")


def test_truncation_without_a_threshold_names_the_type_and_year() -> None:
    with pytest.raises(KeyError, match="esrd in 2023"):
        x.truncate(_year_rows([(1, c.ESRD, 12, "1.00")]), {})


def test_pmpm_by_type_and_category_with_completion() -> None:
    months = pd.DataFrame(
        _months(1, 2025, range(1, 13), c.AGED_NONDUAL) + _months(2, 2025, range(1, 13), c.DISABLED)
    )
    claims = _claims(
        [
            (1, 2025, 1, c.INPATIENT, "1200.00", "0", "0", "0", "0"),
            (1, 2025, 2, c.PROFESSIONAL, "300.00", "0", "0", "0", "0"),
            (2, 2025, 3, c.PROFESSIONAL, "600.00", "0", "0", "0", "0"),
            (2, 2025, 5, c.DME, "999.00", "0", "0", "0", "0"),  # after the YTD window
        ]
    )
    monthly = x.month_expenditures(x.claim_expenditures(claims, valuation="paid"), months)
    table = x.pmpm(monthly, months, year=2025, through_month=3, completion_factors={3: D("1.10")})
    rows = table.set_index([c.ENROLLMENT_TYPE, c.SERVICE_CATEGORY])
    assert rows.loc[(c.AGED_NONDUAL, c.INPATIENT), "pmpm"] == D("400")  # 1,200 / 3 member-months
    assert rows.loc[(c.DISABLED, c.PROFESSIONAL), "completed"] == D("660.00")
    assert rows.loc[(c.DISABLED, c.PROFESSIONAL), "pmpm"] == D("220")
    assert rows.loc[("", ""), c.MONTHS] == 6
    assert rows.loc[("", ""), "pmpm"] == (D("1500") + D("660")) / 6
    assert rows.loc[("", c.DME), c.EXPENDITURE] == 0
