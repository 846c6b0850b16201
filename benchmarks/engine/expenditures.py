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
from typing import Literal, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from benchmarks.engine import columns as c
from benchmarks.engine.rounding import ONE, TWELVE, ZERO, safe_divide

Valuation = Literal["paid", "pre_reduction"]

# Dual status codes that make an aged beneficiary "aged/dual" (CCLF8 BENE_DUAL_STUS_CD 01-08:
# partial and full benefit duals). domain.md does not say which codes MSSP counts as dual for the
# enrollment type; a parameter of enrollment_types() [to confirm against the MSSP benchmark spec].
DEFAULT_DUAL_CODES = frozenset({"01", "02", "03", "04", "05", "06", "08"})


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


def _cents(values: pd.Series, column: str) -> np.ndarray:
    """Decimal amounts as whole cents (int64): exact, and summed by numpy rather than Python.

    CCLF amounts have two decimals; anything finer is refused rather than rounded.
    """
    if values.dtype.kind in "iu":
        return values.to_numpy(dtype=np.int64) * 100
    cents = [0] * len(values)
    # A plain list is much faster to walk than a Series; most IME/DSH amounts are zero.
    for i, value in enumerate(values.tolist()):
        if not value or value != value:  # zero, None or NaN: nothing to add
            continue
        scaled = (value if type(value) is Decimal else Decimal(value)).scaleb(2)
        whole = int(scaled)
        if whole != scaled:
            raise ValueError(f"{column} {value} is not a whole number of cents.")
        cents[i] = whole
    return np.array(cents, dtype=np.int64)


def _money(cents: Iterable[int]) -> list[Decimal]:
    return [Decimal(int(v)).scaleb(-2) for v in cents]


def claim_expenditures(claims: pd.DataFrame, *, valuation: Valuation) -> pd.DataFrame:
    """Each claim's expenditure: paid (pre-reduction for REACH) minus IME, DSH, uncompensated care.

    claims: BENE_ID, YEAR, MONTH, SERVICE_CATEGORY, PAID_AMOUNT, IME_AMOUNT, DSH_AMOUNT,
        UNCOMPENSATED_CARE_AMOUNT, and for valuation="pre_reduction" PBP_REDUCTION_AMOUNT
        (Decimals with two decimals; missing amounts are zero).
    Returns BENE_ID, YEAR, MONTH, SERVICE_CATEGORY and the money as whole cents (int64):
    PAID_CENTS, EXCLUDED_CENTS (IME + DSH + uncompensated care), REDUCTION_CENTS (the
    PBP/AIPBP reduction added back; zero for "paid") and EXPENDITURE_CENTS.
    """
    out = claims[[c.BENE_ID, c.YEAR, c.MONTH, c.SERVICE_CATEGORY]].copy()
    out[c.PAID_CENTS] = _cents(claims[c.PAID_AMOUNT], c.PAID_AMOUNT)
    out[c.EXCLUDED_CENTS] = (
        _cents(claims[c.IME_AMOUNT], c.IME_AMOUNT)
        + _cents(claims[c.DSH_AMOUNT], c.DSH_AMOUNT)
        + _cents(claims[c.UNCOMPENSATED_CARE_AMOUNT], c.UNCOMPENSATED_CARE_AMOUNT)
    )
    if valuation == "pre_reduction" and c.PBP_REDUCTION_AMOUNT in claims.columns:
        out[c.REDUCTION_CENTS] = _cents(claims[c.PBP_REDUCTION_AMOUNT], c.PBP_REDUCTION_AMOUNT)
    else:
        out[c.REDUCTION_CENTS] = np.zeros(len(out), dtype=np.int64)
    out[c.EXPENDITURE_CENTS] = out[c.PAID_CENTS] + out[c.REDUCTION_CENTS] - out[c.EXCLUDED_CENTS]
    return out


CENTS_COLUMNS = (c.PAID_CENTS, c.EXCLUDED_CENTS, c.REDUCTION_CENTS, c.EXPENDITURE_CENTS)
MONEY_OF_CENTS = {
    c.PAID_CENTS: c.PAID_AMOUNT,
    c.EXCLUDED_CENTS: c.EXCLUDED_AMOUNT,
    c.REDUCTION_CENTS: c.REDUCTION_ADDED,
    c.EXPENDITURE_CENTS: c.EXPENDITURE,
}


def month_expenditures(claims: pd.DataFrame, member_months: pd.DataFrame) -> pd.DataFrame:
    """Expenditures per beneficiary x month x enrollment type x service category, in cents.

    claims: output of claim_expenditures(). member_months: output of eligible_months(). Claims in
    a month the beneficiary is not eligible for (not aligned, after death) are left out.
    Returns BENE_ID, YEAR, MONTH, ENROLLMENT_TYPE, SERVICE_CATEGORY and the CENTS columns.
    """
    keys = [c.BENE_ID, c.YEAR, c.MONTH]
    months = (
        member_months[[*keys, c.ENROLLMENT_TYPE]]
        .drop_duplicates(keys)
        .sort_values(keys, kind="stable")
        .reset_index(drop=True)
    )
    # Each claim finds its eligible month through one int64 key (a hash lookup, not a merge),
    # and is grouped by (month row, category code): integers throughout, strings only at the end.
    row = pd.Index(_month_key(months)).get_indexer(pd.Index(_month_key(claims)))
    keep = row >= 0
    category = pd.Categorical(claims[c.SERVICE_CATEGORY].to_numpy()[keep])
    n_categories = max(len(category.categories), 1)
    group = row[keep].astype(np.int64) * n_categories + category.codes
    sums = (
        pd.DataFrame({col: claims[col].to_numpy(dtype=np.int64)[keep] for col in CENTS_COLUMNS})
        .groupby(group, sort=True)
        .sum()
    )
    month_row, code = np.divmod(sums.index.to_numpy(dtype=np.int64), n_categories)
    out = months.iloc[month_row].reset_index(drop=True)
    out[c.SERVICE_CATEGORY] = np.asarray(category.categories, dtype=object)[code]
    for col in CENTS_COLUMNS:
        out[col] = sums[col].to_numpy()
    return out


def decimal_sum(values: pd.Series) -> Decimal:
    """The exact sum of a column of Decimals (pandas' own sum is not exact on objects)."""
    return sum(values, ZERO)


def _month_key(frame: pd.DataFrame) -> npt.NDArray[np.int64]:
    """One int64 per beneficiary x month: bene id x 2^20 + year x 12 + month."""
    key: npt.NDArray[np.int64] = (
        frame[c.BENE_ID].to_numpy(dtype=np.int64) * (1 << 20)
        + frame[c.YEAR].to_numpy(dtype=np.int64) * 12
        + frame[c.MONTH].to_numpy(dtype=np.int64)
    )
    return key


def beneficiary_years(monthly: pd.DataFrame, member_months: pd.DataFrame) -> pd.DataFrame:
    """Per beneficiary x year x enrollment type: months, person-years and expenditures (Decimal).

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
    spent = monthly.groupby(keys)[list(CENTS_COLUMNS)].sum().reset_index()
    out = months.merge(spent, on=keys, how="left")
    for cents, money in MONEY_OF_CENTS.items():
        out[money] = pd.Series(
            _money(out[cents].fillna(0).astype(np.int64)), index=out.index, dtype=object
        )
    out[c.PERSON_YEARS] = out[c.MONTHS].map(lambda m: Decimal(int(m)) / TWELVE).astype(object)
    return out[[*keys, c.MONTHS, c.PERSON_YEARS, *MONEY_OF_CENTS.values()]]


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
    out = grouped[[c.PERSON_YEARS, *money]].agg(decimal_sum)
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
    spent = monthly[(monthly[c.YEAR] == year) & (monthly[c.MONTH] <= through_month)]
    # Sum cents by type x category x incurred month first, then apply the month's factor.
    cells = spent.groupby([c.ENROLLMENT_TYPE, c.SERVICE_CATEGORY, c.MONTH])[
        c.EXPENDITURE_CENTS
    ].sum()
    paid: dict[tuple[str, str], Decimal] = {}
    completed: dict[tuple[str, str], Decimal] = {}
    for cell, cents in cells.items():
        etype, category, month = cast(tuple[str, str, int], cell)
        amount = Decimal(int(cents)).scaleb(-2)
        for key in ((etype, category), (etype, ""), ("", category), ("", "")):
            paid[key] = paid.get(key, ZERO) + amount
            completed[key] = completed.get(key, ZERO) + amount * factors.get(int(month), ONE)
    rows = []
    types = [t for t in c.ENROLLMENT_TYPES if months_by_type.get(t)]
    for etype in [*types, ""]:
        months = sum(months_by_type.values()) if etype == "" else months_by_type[etype]
        for category in [*c.SERVICE_CATEGORIES, ""]:
            key = (etype, category)
            rows.append(
                {
                    c.ENROLLMENT_TYPE: etype,
                    c.SERVICE_CATEGORY: category,
                    c.MONTHS: int(months),
                    c.EXPENDITURE: paid.get(key, ZERO),
                    "completed": completed.get(key, ZERO),
                    "pmpm": safe_divide(completed.get(key, ZERO), Decimal(int(months))),
                }
            )
    return pd.DataFrame(rows)
