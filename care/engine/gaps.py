"""Care gaps from claims: annual wellness visit due, HbA1c, blood pressure, depression screening,
breast and colorectal cancer screening.

The measures are those of the MSSP APM Performance Pathway (domain.md 7.1: Quality IDs 001, 236,
134, 112, 113) and the AWV frequency rule of 42 CFR 410.15; the codes are data in
`value_sets.json`, each entry with its source. A gap is "open" when the person is in the measure's
population (age, sex, diagnosis) and no claim line carries one of the measure's codes within its
lookback window before `as_of`. Claims cannot show a result value, so HbA1c and blood pressure
gaps mean "no test or reading on a claim this year", not "poorly controlled".
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from care.engine import columns as c
from care.engine.eligibility import awv_eligible_from
from care.engine.value_sets import GAP_KEYS, value_sets

OUTPUT_COLUMNS = [c.BENEFICIARY_ID, c.GAP, c.LABEL, c.LAST_DONE, c.DETAIL]


def _months_before(as_of: date, months: int) -> pd.Timestamp:
    return pd.Timestamp(as_of) - pd.DateOffset(months=months)


def _ages(beneficiaries: pd.DataFrame, as_of: date) -> pd.Series:
    """Whole years of age on `as_of` (NaN where the birth date is unknown)."""
    birth = pd.to_datetime(beneficiaries[c.BIRTH_DATE])
    as_of_ts = pd.Timestamp(as_of)
    had_birthday = (birth.dt.month < as_of_ts.month) | (
        (birth.dt.month == as_of_ts.month) & (birth.dt.day <= as_of_ts.day)
    )
    return as_of_ts.year - birth.dt.year - (~had_birthday).astype(int)


def _in_population(
    beneficiaries: pd.DataFrame, ages: pd.Series, spec: dict[str, Any], dx_ids: set[Any] | None
) -> pd.Series:
    mask = pd.Series(True, index=beneficiaries.index)
    if "min_age" in spec:
        mask &= ages >= spec["min_age"]
    if "max_age" in spec:
        mask &= ages <= spec["max_age"]
    if "sex_code" in spec:
        mask &= beneficiaries[c.SEX_CODE].astype(str) == spec["sex_code"]
    if dx_ids is not None:
        mask &= beneficiaries[c.BENEFICIARY_ID].isin(dx_ids)
    return mask


def _ids_with_dx(
    diagnoses: pd.DataFrame, prefixes: list[str], since: pd.Timestamp | None
) -> set[Any]:
    codes = diagnoses[c.CODE].astype(str).str.replace(".", "", regex=False).str.upper()
    mask = codes.str.startswith(tuple(prefixes))
    if since is not None:
        mask &= pd.to_datetime(diagnoses[c.SERVICE_DATE]) >= since
    return set(diagnoses.loc[mask, c.BENEFICIARY_ID])


def _last_done(
    procedures: pd.DataFrame, codes: list[str], since: pd.Timestamp, as_of: date
) -> pd.Series:
    """The latest service date per beneficiary with one of `codes` in [since, as_of]."""
    dates = pd.to_datetime(procedures[c.SERVICE_DATE])
    mask = (
        procedures[c.CODE].astype(str).str.upper().isin(codes)
        & (dates >= since)
        & (dates <= pd.Timestamp(as_of))
    )
    return dates[mask].groupby(procedures.loc[mask, c.BENEFICIARY_ID]).max()


def _last_ever(procedures: pd.DataFrame, codes: list[str], as_of: date) -> pd.Series:
    return _last_done(procedures, codes, pd.Timestamp.min, as_of)


def _awv_gaps(
    population: pd.DataFrame, procedures: pd.DataFrame, spec: dict[str, Any], as_of: date
) -> list[dict[str, Any]]:
    """The AWV gap by 42 CFR 410.15 (`eligibility.awv_eligible_from`): open when the person is
    eligible on `as_of`, from the latest IPPE or AWV on claims and the Part B effective date
    (column `part_b_start`, when given)."""
    last = _last_ever(procedures, spec["procedure_codes"], as_of)
    part_b = (
        population[c.PART_B_START]
        if c.PART_B_START in population
        else pd.Series(None, index=population.index, dtype=object)
    )
    rows = []
    for bene_id, b_start in zip(population[c.BENEFICIARY_ID], part_b, strict=True):
        last_visit = last.get(bene_id, pd.NaT)
        last_day = None if pd.isna(last_visit) else pd.Timestamp(last_visit).date()
        start = None if b_start is None or pd.isna(b_start) else pd.Timestamp(b_start).date()
        eligible = awv_eligible_from(last_visit=last_day, part_b_start=start)
        if eligible is not None and eligible > as_of:
            continue
        if last_day is not None:
            detail = (
                f"Last IPPE or AWV on claims {last_day:%Y-%m-%d}; eligible again from "
                f"{eligible:%Y-%m-%d} (42 CFR 410.15: 11 full months after the month of the last visit)"
            )
        elif start is not None:
            detail = (
                f"No IPPE or AWV on claims; Part B from {start:%Y-%m-%d}, eligible from "
                f"{eligible:%Y-%m-%d} (42 CFR 410.15: after the 12-month IPPE period)"
            )
        else:
            detail = "No IPPE or AWV on claims (G0402/G0438/G0439)"
        rows.append(
            {
                c.BENEFICIARY_ID: bene_id,
                c.GAP: "awv",
                c.LABEL: spec["label"],
                c.LAST_DONE: last_visit,
                c.DETAIL: detail,
            }
        )
    return rows


def care_gaps(
    *,
    beneficiaries: pd.DataFrame,
    procedures: pd.DataFrame,
    diagnoses: pd.DataFrame,
    as_of: date,
) -> pd.DataFrame:
    """Open care gaps on `as_of`.

    Inputs: `beneficiaries` [beneficiary_id, birth_date, sex_code ("1" male, "2" female), and
    optionally part_b_start (the Part B effective date, for the AWV's IPPE period)];
    `procedures` [beneficiary_id, service_date, code] (HCPCS/CPT of claim lines);
    `diagnoses` [beneficiary_id, service_date, code] (ICD-10-CM, with or without the dot).
    Returns one row per open gap: [beneficiary_id, gap, label, last_done (NaT when never seen
    in the claims given), detail]. Implements the value sets of `value_sets.json` (domain.md 7.1
    measures, 42 CFR 410.15 for the AWV).
    """
    sets = value_sets()
    ages = _ages(beneficiaries, as_of)
    rows: list[dict[str, Any]] = []
    for key in GAP_KEYS:
        spec = sets[key]
        since = _months_before(as_of, spec.get("lookback_months", 12))
        dx_ids = None
        if "diagnosis_prefixes" in spec:
            # The denominator diagnosis is looked for in the same window as the service.
            dx_ids = _ids_with_dx(diagnoses, spec["diagnosis_prefixes"], since)
        population = beneficiaries[_in_population(beneficiaries, ages, spec, dx_ids)]
        if "exclusion_diagnosis_prefixes" in spec:
            excluded = _ids_with_dx(diagnoses, spec["exclusion_diagnosis_prefixes"], None)
            population = population[~population[c.BENEFICIARY_ID].isin(excluded)]
        if population.empty:
            continue
        if key == "awv":
            rows += _awv_gaps(population, procedures, spec, as_of)
            continue
        if key == "colorectal_cancer_screening":
            met: set[Any] = set()
            for test in spec["tests"]:
                test_since = _months_before(as_of, test["lookback_months"])
                met |= set(_last_done(procedures, test["procedure_codes"], test_since, as_of).index)
            all_codes = [code for test in spec["tests"] for code in test["procedure_codes"]]
            last = _last_ever(procedures, all_codes, as_of)
            detail = "No colonoscopy (10 y), CT colonography or sigmoidoscopy (5 y), FIT-DNA (3 y) or FIT (1 y) on claims"
        else:
            met = set(_last_done(procedures, spec["procedure_codes"], since, as_of).index)
            last = _last_ever(procedures, spec["procedure_codes"], as_of)
            detail = f"No {spec['label'].lower()} code on a claim in the last {spec.get('lookback_months', 12)} months"
        for bene_id in population.loc[~population[c.BENEFICIARY_ID].isin(met), c.BENEFICIARY_ID]:
            rows.append(
                {
                    c.BENEFICIARY_ID: bene_id,
                    c.GAP: key,
                    c.LABEL: spec["label"],
                    c.LAST_DONE: last.get(bene_id, pd.NaT),
                    c.DETAIL: detail,
                }
            )
    return pd.DataFrame(rows, columns=OUTPUT_COLUMNS)
