"""MSSP historical benchmark and its update to a performance year (42 CFR 425.652; domain.md 2).

For agreement periods starting on 1 January 2024 or later. Every step of the chain records its
inputs and outputs; each reference value carries its source and whether it is still to be
confirmed. Where domain.md tags a rule [R], the docstring of the step says so and the page shows
the flag of the parameter that carries it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import cast

import pandas as pd

from benchmarks.engine import columns as c
from benchmarks.engine import expenditures as x
from benchmarks.engine.reference import ReferenceTable
from benchmarks.engine.risk import mssp_capped_risk_ratios, normalize, person_year_weighted_mean
from benchmarks.engine.rounding import ONE, TWELVE, ZERO, safe_divide, to_money
from benchmarks.engine.steps import (
    BENEFICIARIES,
    FLAG,
    PERSON_YEARS,
    RATIO,
    SCORE,
    SHARE,
    TEXT,
    USD,
    USD_PER_PERSON_YEAR,
    BenchmarkDataError,
    BenchmarkResult,
    Chain,
    Figure,
    SegmentBenchmark,
    check_weights,
)

# The method as the page names it; its version moves when this implementation of the rule does.
METHOD = (
    "MSSP historical benchmark, 42 CFR 425.652, agreement periods from 2024 "
    "(calculation method version 1)"
)
RULE = "42 CFR 425.652"

Key = tuple[int, str]  # (year, enrollment type)


def _figures(name: str, values: Mapping[Key, Decimal | int], unit: str) -> list[Figure]:
    return [Figure(name, value, etype, unit, year) for (year, etype), value in values.items()]


def _by_type(
    name: str, values: Mapping[str, Decimal | int], unit: str, year: int | None = None
) -> list[Figure]:
    return [Figure(name, value, etype, unit, year) for etype, value in values.items()]


def _weighted(values: Mapping[str, Decimal], shares: Mapping[str, Decimal]) -> Decimal:
    return sum((shares[t] * values[t] for t in shares), ZERO)


def _shares(person_years: Mapping[str, Decimal], types: Iterable[str]) -> dict[str, Decimal]:
    types = list(types)
    total = sum((person_years.get(t, ZERO) for t in types), ZERO)
    return {t: safe_divide(person_years.get(t, ZERO), total) for t in types}


def mssp_benchmark(
    *,
    benchmark_years: pd.DataFrame,
    performance: pd.DataFrame,
    reference: ReferenceTable,
    performance_year: int,
    agreement_start_year: int,
    agreement_period: int,
    renewing: bool | None = None,
) -> BenchmarkResult:
    """The updated MSSP benchmark for a performance year, as an explainable chain.

    benchmark_years: one row per beneficiary x benchmark year x enrollment type of the benchmark
        population (beneficiaries assignable to the ACO in BY1-BY3 with its current participant
        list): BENE_ID, YEAR, ENROLLMENT_TYPE, MONTHS, PERSON_YEARS, PAID_AMOUNT,
        EXCLUDED_AMOUNT, EXPENDITURE (from expenditures.beneficiary_years), RAW_SCORE and
        DEMOGRAPHIC_SCORE (prospective blended scores from risk.risk_scores, scored with the
        performance year's model blend: the same method for BYs and the PY, domain.md 2.10).
    performance: one row per beneficiary x enrollment type assigned in the performance year:
        BENE_ID, ENROLLMENT_TYPE, MONTHS, PERSON_YEARS, RAW_SCORE, DEMOGRAPHIC_SCORE.
    reference: thresholds for each BY; everything else in the performance year (see
        reference.CATALOGUE).
    agreement_period: 1 for the first agreement period; `renewing` (default: period > 1) selects
        equal BY weights for renewing or re-entering ACOs (domain.md 2.6, 10.2).
    """
    ref = reference
    py = performance_year
    renewing = agreement_period > 1 if renewing is None else renewing
    bys = (agreement_start_year - 3, agreement_start_year - 2, agreement_start_year - 1)
    by3 = bys[2]
    chain = Chain()

    # 1. Population -------------------------------------------------------------------------
    py_person_years: dict[str, Decimal] = {}
    py_months: dict[str, int] = {}
    py_benes: dict[str, int] = {}
    for etype, group in performance.groupby(c.ENROLLMENT_TYPE):
        py_months[str(etype)] = int(group[c.MONTHS].sum())
        py_person_years[str(etype)] = Decimal(py_months[str(etype)]) / TWELVE
        py_benes[str(etype)] = int(group[c.BENE_ID].nunique())
    types = [t for t in c.ENROLLMENT_TYPES if py_person_years.get(t, ZERO) > 0]
    if not types:
        raise BenchmarkDataError(f"No assigned beneficiary has eligible months in {py}.")

    by_rows = benchmark_years[benchmark_years[c.YEAR].isin(bys)]
    truncated = x.truncate(
        by_rows,
        {
            (y, t): ref.value("truncation_threshold", y, t)
            for y in bys
            for t in set(by_rows[c.ENROLLMENT_TYPE])
        },
    )
    totals = x.totals_by_type(truncated).set_index([c.YEAR, c.ENROLLMENT_TYPE])
    missing = [
        (y, t)
        for y in bys
        for t in types
        if (y, t) not in totals.index or not totals.loc[(y, t), c.PERSON_YEARS]
    ]
    if missing:
        listed = ", ".join(f"{c.ENROLLMENT_TYPE_LABELS[t]} in {y}" for y, t in missing)
        raise BenchmarkDataError(
            f"The benchmark population has no person-years for {listed}, but the performance year "
            "has beneficiaries of that type; CMS's treatment of this case is not implemented."
        )

    def by_value(column: str) -> dict[Key, Decimal]:
        # The money columns hold Decimals (object dtype), which the pandas stubs cannot know.
        return {(y, t): cast(Decimal, totals.loc[(y, t), column]) for y in bys for t in types}

    months = {(y, t): int(cast(int, totals.loc[(y, t), c.MONTHS])) for y in bys for t in types}
    person_years = {k: Decimal(m) / TWELVE for k, m in months.items()}
    chain.add(
        "population",
        "Benchmark and performance-year populations",
        f"{RULE}(a): beneficiaries assignable in each benchmark year with the ACO's current "
        "participant list; person-years = months of eligibility (to death) / 12 [R]",
        [
            Figure("agreement_start_year", agreement_start_year, unit=TEXT),
            Figure("agreement_period", agreement_period, unit=TEXT),
        ],
        [
            *_figures(
                "beneficiaries",
                {k: int(cast(int, totals.loc[k, "beneficiaries"])) for k in person_years},
                BENEFICIARIES,
            ),
            *_figures("person_years", person_years, PERSON_YEARS),
            *_by_type("beneficiaries", {t: py_benes[t] for t in types}, BENEFICIARIES, py),
            *_by_type("person_years", {t: py_person_years[t] for t in types}, PERSON_YEARS, py),
        ],
    )

    # 2. Expenditures -----------------------------------------------------------------------
    expenditure = by_value(c.EXPENDITURE)
    chain.add(
        "expenditures",
        "Part A and B expenditures, IME, DSH and uncompensated care removed",
        f"{RULE}(a)(1): FFS paid amounts of final-action claims; IME and DSH excluded [V], "
        "uncompensated care excluded [R]",
        _figures("paid_amount", by_value(c.PAID_AMOUNT), USD),
        [
            *_figures("excluded_amount", by_value(c.EXCLUDED_AMOUNT), USD),
            *_figures("expenditure", expenditure, USD),
        ],
    )

    # 3. Truncation -------------------------------------------------------------------------
    truncated_total = by_value(c.TRUNCATED_EXPENDITURE)
    chain.add(
        "truncation",
        "Truncation at the 99th percentile of national expenditures",
        f"{RULE}(a)(4): each beneficiary's annualized expenditure capped at the national 99th "
        "percentile for assignable beneficiaries, per enrollment type and year [V]; partial years "
        "compared annualized [R]",
        [ref.figure("truncation_threshold", y, t) for y in bys for t in types],
        [
            *_figures("amount_truncated", by_value(c.AMOUNT_TRUNCATED), USD),
            *_figures("truncated_expenditure", truncated_total, USD),
        ],
    )

    # 4. Per capita -------------------------------------------------------------------------
    per_capita = {k: truncated_total[k] * TWELVE / months[k] for k in months}
    chain.add(
        "per_capita",
        "Per-capita expenditure by benchmark year and enrollment type",
        f"{RULE}(a)(2): truncated expenditure / person-years (x 12 / months)",
        [],
        _figures("per_capita", per_capita, USD_PER_PERSON_YEAR),
    )

    # 5. Risk scores ------------------------------------------------------------------------
    def mean_scores(frame: pd.DataFrame, column: str) -> dict[str, Decimal]:
        return {
            str(t): person_year_weighted_mean(g[column], g[c.PERSON_YEARS])
            for t, g in frame.groupby(c.ENROLLMENT_TYPE)
            if t in types
        }

    raw: dict[Key, Decimal] = {}
    raw_demo: dict[Key, Decimal] = {}
    for y in bys:
        year_rows = by_rows[by_rows[c.YEAR] == y]
        for t, v in mean_scores(year_rows, c.RAW_SCORE).items():
            raw[(y, t)] = v
        for t, v in mean_scores(year_rows, c.DEMOGRAPHIC_SCORE).items():
            raw_demo[(y, t)] = v
    for t, v in mean_scores(performance, c.RAW_SCORE).items():
        raw[(py, t)] = v
    for t, v in mean_scores(performance, c.DEMOGRAPHIC_SCORE).items():
        raw_demo[(py, t)] = v
    factor_name = {
        bys[0]: "normalization_factor_by1",
        bys[1]: "normalization_factor_by2",
        by3: "normalization_factor_by3",
        py: "normalization_factor_py",
    }
    factor_inputs = []
    normalized: dict[Key, Decimal] = {}
    normalized_demo: dict[Key, Decimal] = {}
    for (y, t), score in raw.items():
        name = factor_name[y]
        figure = ref.figure(name, py, t)
        factor_inputs.append(
            Figure(name, figure.value, t, RATIO, y, figure.source, figure.to_confirm)
        )
        normalized[(y, t)] = normalize(score, ref.value(name, py, t))
        normalized_demo[(y, t)] = normalize(raw_demo[(y, t)], ref.value(name, py, t))
    chain.add(
        "risk_scores",
        "Prospective CMS-HCC risk scores, blended and renormalized",
        f"{RULE}(a)(3): prospective HCC risk scores [V]; the performance year's V24/V28 blend for "
        "every year [V CY2024 PFS]; renormalized so the national assignable mean is 1.0 [R]",
        [
            *_figures("raw_risk_score", raw, SCORE),
            *_figures("raw_demographic_score", raw_demo, SCORE),
            *factor_inputs,
        ],
        [
            *_figures("risk_score", normalized, SCORE),
            *_figures("demographic_score", normalized_demo, SCORE),
        ],
    )

    # 6. Risk adjustment of BY1 and BY2 to BY3 ---------------------------------------------
    risk_adjusted = {
        (y, t): per_capita[(y, t)] * normalized[(by3, t)] / normalized[(y, t)]
        for y in bys
        for t in types
    }
    chain.add(
        "risk_adjust_to_by3",
        "Benchmark-year expenditures risk-adjusted to BY3",
        f"{RULE}(a)(3): per capita x BY3 risk score / the year's risk score [R]",
        [],
        _figures("risk_adjusted_per_capita", risk_adjusted, USD_PER_PERSON_YEAR),
    )

    # 7. Trend BY1 and BY2 to BY3 ---------------------------------------------------------
    trend_inputs = []
    trended: dict[Key, Decimal] = {}
    for i, y in enumerate(bys):
        for t in types:
            if y == by3:
                trended[(y, t)] = risk_adjusted[(y, t)]
                continue
            name = f"trend_by{i + 1}_to_by3"
            trend_inputs.append(ref.figure(name, py, t))
            trended[(y, t)] = risk_adjusted[(y, t)] * ref.value(name, py, t)
    chain.add(
        "trend_to_by3",
        "BY1 and BY2 trended to BY3",
        "domain.md 2.6: national-regional blended growth [V]",
        trend_inputs,
        _figures("trended_per_capita", trended, USD_PER_PERSON_YEAR),
    )

    # 8. Weights ----------------------------------------------------------------------------
    suffix = "renewing" if renewing else "first_period"
    weight_figures = [ref.figure(f"by{i}_weight_{suffix}", py) for i in (1, 2, 3)]
    weights = [ref.value(f"by{i}_weight_{suffix}", py) for i in (1, 2, 3)]
    check_weights(weights, "benchmark-year weights")
    historical = {
        t: sum((w * trended[(y, t)] for w, y in zip(weights, bys, strict=True)), ZERO)
        for t in types
    }
    chain.add(
        "weighting",
        "Historical benchmark: weighted benchmark years",
        "domain.md 2.6, 10.2: 10/30/60 in a first agreement period, equal weights when renewing or "
        "re-entering [V Milliman 2019; confirm against 425.652(a)(7)]",
        [Figure("renewing_or_reentering", "yes" if renewing else "no", unit=TEXT), *weight_figures],
        _by_type("historical_per_capita", historical, USD_PER_PERSON_YEAR),
    )

    # 9. Regional adjustment ------------------------------------------------------------------
    by3_shares = _shares({t: person_years[(by3, t)] for t in types}, types)
    regional = {t: ref.value("regional_per_capita_by3", py, t) for t in types}
    national = {t: ref.value("national_per_capita_by3", py, t) for t in types}
    difference = {t: regional[t] - historical[t] for t in types}
    aggregate_difference = _weighted(difference, by3_shares)
    lower_spending = aggregate_difference > 0
    if lower_spending:
        weight_name = (
            "regional_weight_positive_period_1"
            if agreement_period <= 1
            else "regional_weight_positive_period_2_plus"
        )
    else:
        weight_name = {
            1: "regional_weight_negative_period_1",
            2: "regional_weight_negative_period_2",
            3: "regional_weight_negative_period_3",
        }.get(agreement_period, "regional_weight_negative_period_4_plus")
    regional_weight = ref.value(weight_name, py)
    cap_positive = ref.value("regional_cap_positive_pct", py)
    cap_negative = ref.value("regional_cap_negative_pct", py)
    negative_scale_entry = ref.find("regional_negative_scale", py)
    negative_scale = ONE if negative_scale_entry is None else negative_scale_entry.value
    uncapped = {t: regional_weight * difference[t] for t in types}
    capped = {}
    for t in types:
        value = min(max(uncapped[t], -cap_negative * national[t]), cap_positive * national[t])
        capped[t] = value * negative_scale if value < 0 else value
    overall = _weighted(capped, by3_shares)
    zero_negative = ref.value("regional_no_overall_negative", py) == ONE
    zeroed = zero_negative and overall < 0
    regional_adjustment = dict.fromkeys(types, ZERO) if zeroed else capped
    chain.add(
        "regional_adjustment",
        "Regional adjustment",
        "domain.md 2.7, 10.7: weight x (regional - historical) per enrollment type, the weight "
        "chosen by the aggregate difference (BY3 person-year shares) [R]; capped at +5% [R] / "
        "-1.5% [V] of national per capita; an overall negative adjustment is zero from PY2024 [V]",
        [
            *[ref.figure("regional_per_capita_by3", py, t) for t in types],
            *[ref.figure("national_per_capita_by3", py, t) for t in types],
            *_by_type("by3_share", by3_shares, SHARE, by3),
            ref.figure(weight_name, py),
            ref.figure("regional_cap_positive_pct", py),
            ref.figure("regional_cap_negative_pct", py),
            *([ref.figure("regional_negative_scale", py)] if negative_scale_entry else []),
            ref.figure("regional_no_overall_negative", py),
        ],
        [
            *_by_type("difference_per_capita", difference, USD_PER_PERSON_YEAR),
            Figure("aggregate_difference", aggregate_difference, unit=USD_PER_PERSON_YEAR),
            *_by_type("uncapped_adjustment", uncapped, USD_PER_PERSON_YEAR),
            *_by_type("capped_adjustment", capped, USD_PER_PERSON_YEAR),
            Figure("overall_adjustment", overall, unit=USD_PER_PERSON_YEAR),
            Figure("overall_negative_set_to_zero", "yes" if zeroed else "no", unit=FLAG),
            *_by_type("regional_adjustment", regional_adjustment, USD_PER_PERSON_YEAR),
        ],
    )

    # 10. Prior savings adjustment ------------------------------------------------------------
    adjustment = dict(regional_adjustment)
    if renewing:
        savings = [ref.value(f"prior_savings_per_capita_by{i}", py) for i in (1, 2, 3)]
        share = ref.value("psa_share", py)
        psa_cap = ref.value("psa_cap_pct", py)
        # Years with losses count as zero savings; the average is over the three BYs [R].
        average = sum((max(s, ZERO) for s in savings), ZERO) / Decimal(3)
        psa = {t: min(share * average, psa_cap * national[t]) for t in types}
        psa_overall = _weighted(psa, by3_shares)
        regional_overall = _weighted(regional_adjustment, by3_shares)
        use_psa = psa_overall > max(regional_overall, ZERO)
        adjustment = psa if use_psa else regional_adjustment
        chain.add(
            "prior_savings_adjustment",
            "Prior savings adjustment (renewing or re-entering ACO)",
            "domain.md 2.8, 10.7 [R CY2023 PFS, 425.658]: 50% of average per-capita savings in the "
            "BYs, capped at 5% of national per capita; the higher of it and a positive regional "
            "adjustment, never both (compared in aggregate)",
            [
                *[ref.figure(f"prior_savings_per_capita_by{i}", py) for i in (1, 2, 3)],
                ref.figure("psa_share", py),
                ref.figure("psa_cap_pct", py),
            ],
            [
                Figure("average_savings_per_capita", average, unit=USD_PER_PERSON_YEAR),
                *_by_type("prior_savings_adjustment", psa, USD_PER_PERSON_YEAR),
                Figure("overall_prior_savings_adjustment", psa_overall, unit=USD_PER_PERSON_YEAR),
                Figure(
                    "applied",
                    "prior savings adjustment" if use_psa else "regional adjustment",
                    unit=TEXT,
                ),
            ],
        )
    else:
        chain.add(
            "prior_savings_adjustment",
            "Prior savings adjustment (renewing or re-entering ACO)",
            "domain.md 2.8 [R]",
            [Figure("renewing_or_reentering", "no", unit=TEXT)],
            [Figure("applied", "regional adjustment", unit=TEXT)],
            note="Not applicable: only renewing or re-entering ACOs receive a prior savings adjustment.",
        )

    adjusted = {t: historical[t] + adjustment[t] for t in types}
    chain.add(
        "adjusted_historical_benchmark",
        "Adjusted historical benchmark",
        "domain.md 2.12: historical per capita + regional (or prior savings) adjustment",
        [],
        _by_type("adjusted_historical_per_capita", adjusted, USD_PER_PERSON_YEAR),
    )

    # 11. Annual update --------------------------------------------------------------------------
    penetration = ref.value("regional_penetration", py)
    acpt_weight = ref.value("acpt_weight", py)
    national_growth = {t: ref.value("national_growth_factor", py, t) for t in types}
    regional_growth = {t: ref.value("regional_growth_factor", py, t) for t in types}
    acpt = {t: ref.value("acpt_factor", py, t) for t in types}
    blended_growth = {
        t: penetration * national_growth[t] + (ONE - penetration) * regional_growth[t]
        for t in types
    }
    update = {t: (ONE - acpt_weight) * blended_growth[t] + acpt_weight * acpt[t] for t in types}
    chain.add(
        "annual_update",
        "Annual update: national-regional growth blended with the ACPT",
        "domain.md 2.9, 10.6: national weight = regional penetration [R]; (1 - w) x "
        "national-regional growth + w x ACPT, w = 1/6 in PY2024 and 1/3 after [V]",
        [
            ref.figure("regional_penetration", py),
            *[ref.figure("national_growth_factor", py, t) for t in types],
            *[ref.figure("regional_growth_factor", py, t) for t in types],
            *[ref.figure("acpt_factor", py, t) for t in types],
            ref.figure("acpt_weight", py),
        ],
        [
            *_by_type("national_regional_growth", blended_growth, RATIO),
            *_by_type("update_factor", update, RATIO),
        ],
    )

    # 12. Risk ratio -------------------------------------------------------------------------------
    demographic_adjusted = ref.value("risk_cap_demographic_adjusted", py) == ONE
    ratios = mssp_capped_risk_ratios(
        py_scores={t: normalized[(py, t)] for t in types},
        by3_scores={t: normalized[(by3, t)] for t in types},
        py_person_years={t: py_person_years[t] for t in types},
        cap_pct=ref.value("risk_growth_cap_pct", py),
        py_demographic_scores={t: normalized_demo[(py, t)] for t in types}
        if demographic_adjusted
        else None,
        by3_demographic_scores={t: normalized_demo[(by3, t)] for t in types}
        if demographic_adjusted
        else None,
    )
    chain.add(
        "risk_ratio",
        "Risk ratio BY3 to the performance year, capped",
        "domain.md 2.10, 10.5: PY / BY3 normalized score; positive growth capped at +3% "
        "cumulatively from BY3 [V 425.610(a)(2)], in aggregate across enrollment types (PY "
        "person-year weights) plus demographic growth [R CY2023 PFS]; negative growth uncapped [R]",
        [ref.figure("risk_growth_cap_pct", py), ref.figure("risk_cap_demographic_adjusted", py)],
        [
            *_by_type("uncapped_risk_ratio", ratios.uncapped, RATIO),
            Figure("aggregate_risk_growth", ratios.aggregate_growth, unit=RATIO),
            Figure("aggregate_demographic_growth", ratios.demographic_growth, unit=RATIO),
            Figure("cap", ratios.cap, unit=RATIO),
            Figure("cap_scale", ratios.scale, unit=RATIO),
            *_by_type("risk_ratio", ratios.capped, RATIO),
        ],
    )

    # 13. Updated benchmark ---------------------------------------------------------------------
    # Rounded once, here (rounding.py): the per-capita benchmark to the cent, the total as that
    # per capita times the performance year's person-years, to the cent.
    segments = []
    for t in types:
        pc = to_money(adjusted[t] * update[t] * ratios.capped[t])
        # months x per capita / 12 rather than the person-years: multiplying first keeps the
        # product exact, so a half cent rounds as it should.
        segments.append(SegmentBenchmark(t, py_months[t], pc, to_money(pc * py_months[t] / TWELVE)))
    total = sum((s.total for s in segments), ZERO)
    total_months = sum(s.member_months for s in segments)
    total_person_years = Decimal(total_months) / TWELVE
    chain.add(
        "updated_benchmark",
        "Updated benchmark for the performance year",
        "domain.md 2.12: adjusted historical per capita x update factor x risk ratio, per enrollment "
        "type; the total weights types by the PY's person-years [R SLAAM 3]",
        [*_by_type("person_years", {t: py_person_years[t] for t in types}, PERSON_YEARS, py)],
        [
            *[
                Figure("updated_per_capita", s.per_capita, s.segment, USD_PER_PERSON_YEAR, py)
                for s in segments
            ],
            *[Figure("updated_total", s.total, s.segment, USD, py) for s in segments],
            Figure("person_years", total_person_years, unit=PERSON_YEARS, year=py),
            Figure(
                "updated_per_capita",
                safe_divide(total, total_person_years),
                unit=USD_PER_PERSON_YEAR,
                year=py,
            ),
            Figure("updated_total", total, unit=USD, year=py),
            Figure("member_months", total_months, unit="member-months", year=py),
        ],
    )
    return BenchmarkResult(
        program="mssp",
        performance_year=py,
        method=METHOD,
        segments=tuple(segments),
        member_months_by_enrollment_type={t: py_months[t] for t in types},
        total=total,
        member_months=total_months,
        steps=tuple(chain.steps),
    )
