"""Expenditures per beneficiary x month x enrollment type, person-years, truncation and PMPM.

Rules (domain.md 2.2-2.4, 4.3 and 10.8): Part A and B paid amounts of final-action claims (the
claims service has already signed cancellations, kept final actions and dropped denials), with
IME, DSH and uncompensated-care amounts removed; for ACO REACH, claims valued at their
pre-reduction amount (paid plus the PBP/AIPBP reduction, i.e. the CCLF inclusion amount); months
of eligibility up to the month of death, divided by 12, as person-years; each beneficiary's
annualized expenditure truncated at the year's 99th-percentile threshold for the enrollment type.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Literal

import pandas as pd

from benchmarks.engine import columns as c
from benchmarks.engine.rounding import ONE, TWELVE, ZERO, safe_divide

Valuation = Literal["paid", "pre_reduction"]

# Dual status codes that make an aged beneficiary "aged/dual" (CCLF8 BENE_DUAL_STUS_CD 01-08:
# partial and full benefit duals). domain.md does not say which codes MSSP counts as dual for the
# enrollment type; a parameter of enrollment_types() [to confirm against the MSSP benchmark spec].
DEFAULT_DUAL_CODES = frozenset({"01", "02", "03", "04", "05", "06", "08"})

_MONEY_COLUMNS = (c.PAID_AMOUNT, c.IME_AMOUNT, c.DSH_AMOUNT, c.UNCOMPENSATED_CARE_AMOUNT)


def enrollment_types(
    medicare_status: pd.Series,
    dual_status: pd.Series,
    *,
    dual_codes: Iterable[str] = DEFAULT_DUAL_CODES,
) -> pd.Series:
    """Enrollment type from CCLF8's Medicare status and dual status (42 CFR 425.652(a)(2)).

    ESRD (status 11, 21, 31) comes first, then disabled (20), then aged (10) split by dual status.
    Raises ValueError on any other status code, naming the codes.
    """
    status = medicare_status.astype(str).str.strip()
    dual = dual_status.astype(object).where(dual_status.notna(), "").astype(str).str.strip()
    duals = set(dual_codes)
    result = pd.Series(pd.NA, index=status.index, dtype=object)
    result[status.isin(["11", "21", "31"])] = c.ESRD
    result[status == "20"] = c.DISABLED
    aged = status == "10"
    result[aged & dual.isin(duals)] = c.AGED_DUAL
    result[aged & ~dual.isin(duals)] = c.AGED_NONDUAL
    unknown = sorted(set(status[result.isna()]))
    if unknown:
        raise ValueError(
            f"Unknown Medicare status code(s) {unknown}: expected 10, 11, 20, 21 or 31."
        )
    return result


def eligible_months(member_months: pd.DataFrame) -> pd.DataFrame:
    """Drop months after the month of death: person-years run to death (domain.md 2.3).

    member_months: BENE_ID, YEAR, MONTH, ENROLLMENT_TYPE, optional DEATH_DATE (date or null).
    """
    if c.DEATH_DATE not in member_months.columns or member_months.empty:
        return member_months.reset_index(drop=True)
    death = pd.to_datetime(member_months[c.DEATH_DATE])
    death_index = death.dt.year * 12 + death.dt.month
    month_index = member_months[c.YEAR] * 12 + member_months[c.MONTH]
    alive = death.isna() | (month_index <= death_index)
    return member_months[alive].reset_index(drop=True)


def claim_expenditures(claims: pd.DataFrame, *, valuation: Valuation) -> pd.DataFrame:
    """Each claim's expenditure: paid (pre-reduction for REACH) minus IME, DSH, uncompensated care.

    claims: BENE_ID, YEAR, MONTH, SERVICE_CATEGORY, PAID_AMOUNT, IME_AMOUNT, DSH_AMOUNT,
        UNCOMPENSATED_CARE_AMOUNT, and for valuation="pre_reduction" PBP_REDUCTION_AMOUNT
        (Decimals; missing amounts are zero).
    Adds EXCLUDED_AMOUNT, REDUCTION_ADDED and EXPENDITURE.
    """
    out = claims.copy()
    for column in _MONEY_COLUMNS:
        out[column] = (
            out[column].map(lambda v: ZERO if v is None or pd.isna(v) else v).astype(object)
        )
    out[c.EXCLUDED_AMOUNT] = (
        out[c.IME_AMOUNT] + out[c.DSH_AMOUNT] + out[c.UNCOMPENSATED_CARE_AMOUNT]
    )
    if valuation == "pre_reduction":
        reduction = out.get(c.PBP_REDUCTION_AMOUNT, pd.Series(ZERO, index=out.index, dtype=object))
        out[c.REDUCTION_ADDED] = reduction.map(
            lambda v: ZERO if v is None or pd.isna(v) else v
        ).astype(object)
    else:
        out[c.REDUCTION_ADDED] = pd.Series([ZERO] * len(out), index=out.index, dtype=object)
    out[c.EXPENDITURE] = out[c.PAID_AMOUNT] + out[c.REDUCTION_ADDED] - out[c.EXCLUDED_AMOUNT]
    return out


def month_expenditures(claims: pd.DataFrame, member_months: pd.DataFrame) -> pd.DataFrame:
    """Expenditures per beneficiary x month x enrollment type x service category.

    claims: output of claim_expenditures(). member_months: output of eligible_months(). Claims in
    a month the beneficiary is not eligible for (not aligned, after death) are left out.
    Returns BENE_ID, YEAR, MONTH, ENROLLMENT_TYPE, SERVICE_CATEGORY, PAID_AMOUNT,
    EXCLUDED_AMOUNT, REDUCTION_ADDED, EXPENDITURE.
    """
    keys = [c.BENE_ID, c.YEAR, c.MONTH]
    months = member_months[[*keys, c.ENROLLMENT_TYPE]].drop_duplicates(keys)
    joined = claims.merge(months, on=keys, how="inner")
    money = [c.PAID_AMOUNT, c.EXCLUDED_AMOUNT, c.REDUCTION_ADDED, c.EXPENDITURE]
    grouped = joined.groupby([*keys, c.ENROLLMENT_TYPE, c.SERVICE_CATEGORY], sort=True)[money]
    return grouped.agg(lambda s: sum(s, ZERO)).reset_index()


def beneficiary_years(monthly: pd.DataFrame, member_months: pd.DataFrame) -> pd.DataFrame:
    """Per beneficiary x year x enrollment type: months, person-years and expenditures.

    monthly: output of month_expenditures(); member_months: output of eligible_months().
    Returns BENE_ID, YEAR, ENROLLMENT_TYPE, MONTHS, PERSON_YEARS, PAID_AMOUNT, EXCLUDED_AMOUNT,
    REDUCTION_ADDED, EXPENDITURE. A beneficiary with eligible months and no claims has zeros.
    """
    keys = [c.BENE_ID, c.YEAR, c.ENROLLMENT_TYPE]
    months = (
        member_months.drop_duplicates([c.BENE_ID, c.YEAR, c.MONTH])
        .groupby(keys)
        .size()
        .rename(c.MONTHS)
        .reset_index()
    )
    money = [c.PAID_AMOUNT, c.EXCLUDED_AMOUNT, c.REDUCTION_ADDED, c.EXPENDITURE]
    if monthly.empty:
        spent = pd.DataFrame(columns=[*keys, *money])
    else:
        spent = monthly.groupby(keys)[money].agg(lambda s: sum(s, ZERO)).reset_index()
    out = months.merge(spent, on=keys, how="left")
    for column in money:
        out[column] = (
            out[column].map(lambda v: ZERO if v is None or pd.isna(v) else v).astype(object)
        )
    out[c.PERSON_YEARS] = out[c.MONTHS].map(lambda m: Decimal(int(m)) / TWELVE).astype(object)
    return out[[*keys, c.MONTHS, c.PERSON_YEARS, *money]]


def truncate(years: pd.DataFrame, thresholds: Mapping[tuple[int, str], Decimal]) -> pd.DataFrame:
    """Truncate each beneficiary's annualized expenditure at the threshold of its year and type.

    The threshold is an annual per-capita amount (the 99th percentile of national FFS
    expenditures for assignable beneficiaries, per enrollment type and year; 425.652(a)(4)). A
    beneficiary with part of a year is compared on an annualized basis: its expenditure is capped
    at threshold x person-years [R: annualization as in the MSSP specifications; to confirm].

    years: output of beneficiary_years(). thresholds: (year, enrollment type) -> threshold.
    Adds TRUNCATED_EXPENDITURE and AMOUNT_TRUNCATED.
    """
    out = years.copy()
    truncated = []
    for year, etype, person_years, spent in zip(
        out[c.YEAR], out[c.ENROLLMENT_TYPE], out[c.PERSON_YEARS], out[c.EXPENDITURE], strict=True
    ):
        try:
            threshold = thresholds[(int(year), etype)]
        except KeyError:
            raise KeyError(f"No truncation threshold for {etype} in {year}.") from None
        truncated.append(min(spent, threshold * person_years))
    out[c.TRUNCATED_EXPENDITURE] = pd.Series(truncated, index=out.index, dtype=object)
    out[c.AMOUNT_TRUNCATED] = out[c.EXPENDITURE] - out[c.TRUNCATED_EXPENDITURE]
    return out


def totals_by_type(years: pd.DataFrame) -> pd.DataFrame:
    """Sum per year x enrollment type of every money column and the person-years, with counts.

    years: output of truncate() (or beneficiary_years()). Returns YEAR, ENROLLMENT_TYPE,
    beneficiaries, MONTHS, PERSON_YEARS and the money columns present.
    """
    money = [
        col
        for col in (
            c.PAID_AMOUNT,
            c.EXCLUDED_AMOUNT,
            c.REDUCTION_ADDED,
            c.EXPENDITURE,
            c.TRUNCATED_EXPENDITURE,
            c.AMOUNT_TRUNCATED,
        )
        if col in years.columns
    ]
    grouped = years.groupby([c.YEAR, c.ENROLLMENT_TYPE])
    out = grouped[[c.PERSON_YEARS, *money]].agg(lambda s: sum(s, ZERO))
    out["beneficiaries"] = grouped[c.BENE_ID].nunique()
    out[c.MONTHS] = grouped[c.MONTHS].sum()
    return out.reset_index()


def pmpm(
    monthly: pd.DataFrame,
    member_months: pd.DataFrame,
    *,
    year: int,
    through_month: int,
    completion_factors: Mapping[int, Decimal] | None = None,
) -> pd.DataFrame:
    """Year-to-date PMPM by enrollment type and service category, with completion.

    monthly: output of month_expenditures(); member_months: output of eligible_months().
    completion_factors: month -> multiplier estimating ultimate from paid-to-date expenditures
        for claims incurred in that month (1 when absent: fully run out).
    Amounts are not truncated here (truncation is an annual, per-beneficiary rule).

    Returns ENROLLMENT_TYPE ("" for all), SERVICE_CATEGORY ("" for all), MONTHS (member-months),
    EXPENDITURE (paid to date), "completed" (with completion), "pmpm" (completed / member-months).
    """
    factors = dict(completion_factors or {})
    in_window = member_months[
        (member_months[c.YEAR] == year) & (member_months[c.MONTH] <= through_month)
    ]
    months_by_type = (
        in_window.drop_duplicates([c.BENE_ID, c.YEAR, c.MONTH])
        .groupby(c.ENROLLMENT_TYPE)
        .size()
        .to_dict()
    )
    spent = monthly[(monthly[c.YEAR] == year) & (monthly[c.MONTH] <= through_month)].copy()
    spent["completed"] = [
        amount * factors.get(int(month), ONE)
        for amount, month in zip(spent[c.EXPENDITURE], spent[c.MONTH], strict=True)
    ]
    rows = []
    types = [t for t in c.ENROLLMENT_TYPES if months_by_type.get(t)]
    for etype in [*types, ""]:
        months = sum(months_by_type.values()) if etype == "" else months_by_type[etype]
        subset = spent if etype == "" else spent[spent[c.ENROLLMENT_TYPE] == etype]
        for category in [*c.SERVICE_CATEGORIES, ""]:
            part = subset if category == "" else subset[subset[c.SERVICE_CATEGORY] == category]
            paid = sum(part[c.EXPENDITURE], ZERO)
            completed = sum(part["completed"], ZERO)
            rows.append(
                {
                    c.ENROLLMENT_TYPE: etype,
                    c.SERVICE_CATEGORY: category,
                    c.MONTHS: int(months),
                    c.EXPENDITURE: paid,
                    "completed": completed,
                    "pmpm": safe_divide(completed, Decimal(int(months))),
                }
            )
    return pd.DataFrame(rows)
