"""ACO REACH performance-year benchmark, Standard ACO, claims-aligned (domain.md 4.1).

Worked per benchmark group (aged & disabled; ESRD) in PBPM terms, as the rate books are. The
chain: historical baseline (benchmark-year expenditures at pre-reduction amounts, risk-standardized,
trended with the adjusted USPCC trend and weighted), the normalized and capped performance-year
risk score with the coding intensity factor, the historical/regional blend with its ceiling (and
floor when configured), HEBA, the retrospective trend adjustment beyond +/-1%, and finally the
Global discount and the quality withhold. Settlement applies the quality earn-back; given an
earned share, this chain also shows the final benchmark of domain.md 4.4.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Literal, cast

import pandas as pd

from benchmarks.engine import columns as c
from benchmarks.engine import expenditures as x
from benchmarks.engine.reference import ReferenceTable
from benchmarks.engine.risk import normalize, person_year_weighted_mean, reach_capped_risk_score
from benchmarks.engine.rounding import ONE, TWELVE, ZERO, to_money
from benchmarks.engine.steps import (
    BENEFICIARIES,
    MEMBER_MONTHS,
    PERSON_YEARS,
    RATIO,
    SCORE,
    TEXT,
    USD,
    USD_PBPM,
    BenchmarkDataError,
    BenchmarkResult,
    Chain,
    Figure,
    SegmentBenchmark,
    check_weights,
)

# The method as the page names it; its version moves when this implementation of the rule does.
METHOD = (
    "ACO REACH Standard ACO benchmark, ACO REACH Financial Operating Guide section 4.1 "
    "(calculation method version 1)"
)
STANDARD_BENCHMARK_YEARS = (2017, 2018, 2019)  # REACH PY2024 FOG Overview 4.1.1 [V]

Arrangement = Literal["global", "professional"]
Key = tuple[int, str]  # (year, benchmark group)


def _figures(name: str, values: Mapping[Key, Decimal | int], unit: str) -> list[Figure]:
    return [Figure(name, value, group, unit, year) for (year, group), value in values.items()]


def _by_group(
    name: str, values: Mapping[str, Decimal | int | None], unit: str, year: int | None = None
) -> list[Figure]:
    return [Figure(name, value, group, unit, year) for group, value in values.items()]


def _with_groups(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["group"] = out[c.ENROLLMENT_TYPE].map(c.REACH_GROUP_OF_TYPE)
    return out


def reach_benchmark(
    *,
    benchmark_years: pd.DataFrame,
    performance: pd.DataFrame,
    reference: ReferenceTable,
    performance_year: int,
    arrangement: Arrangement,
    years: tuple[int, int, int] = STANDARD_BENCHMARK_YEARS,
    earned_withhold_share: Decimal | None = None,
) -> BenchmarkResult:
    """The REACH benchmark for a performance year, as an explainable chain.

    benchmark_years: beneficiary x benchmark year x enrollment type of the beneficiaries who would
        have been claims-aligned in each benchmark year with the current participant list:
        BENE_ID, YEAR, ENROLLMENT_TYPE, MONTHS, PERSON_YEARS, PAID_AMOUNT, REDUCTION_ADDED,
        EXCLUDED_AMOUNT, EXPENDITURE (expenditures valued "pre_reduction"), RAW_SCORE.
    performance: BENE_ID, ENROLLMENT_TYPE, MONTHS, PERSON_YEARS, RAW_SCORE for the aligned PY.
    arrangement: "global" (discount) or "professional" (none; its discount parameter is 0).
    earned_withhold_share: the share of the withhold the quality score earns back (settlement's
        figure); when given, the chain ends with the final benchmark of domain.md 4.4.
    """
    ref = reference
    py = performance_year
    chain = Chain()
    bys = tuple(years)
    perf = _with_groups(performance)
    hist = _with_groups(benchmark_years[benchmark_years[c.YEAR].isin(bys)])

    # 1. Population ------------------------------------------------------------------------------
    py_months = {str(g): int(v) for g, v in perf.groupby("group")[c.MONTHS].sum().items()}
    groups = [g for g in c.REACH_GROUPS if py_months.get(g, 0) > 0]
    if not groups:
        raise BenchmarkDataError(f"No aligned beneficiary has eligible months in {py}.")
    type_months = {
        str(t): int(v) for t, v in perf.groupby(c.ENROLLMENT_TYPE)[c.MONTHS].sum().items()
    }
    truncating = ref.value("truncate_expenditures", py) == ONE
    if truncating:
        hist = x.truncate(
            hist,
            {
                (y, t): ref.value("truncation_threshold", y, t)
                for y in bys
                for t in set(hist[c.ENROLLMENT_TYPE])
            },
        )
    else:
        untruncated: dict[str, Any] = {
            c.TRUNCATED_EXPENDITURE: hist[c.EXPENDITURE],
            c.AMOUNT_TRUNCATED: ZERO,
        }
        hist = hist.assign(**untruncated)
    grouped = hist.groupby([c.YEAR, "group"])
    money = [
        c.PAID_AMOUNT,
        c.REDUCTION_ADDED,
        c.EXCLUDED_AMOUNT,
        c.EXPENDITURE,
        c.AMOUNT_TRUNCATED,
        c.TRUNCATED_EXPENDITURE,
    ]
    totals = grouped[money].agg(x.decimal_sum)
    totals[c.MONTHS] = grouped[c.MONTHS].sum()
    totals["beneficiaries"] = grouped[c.BENE_ID].nunique()
    missing = [
        (y, g)
        for y in bys
        for g in groups
        if (y, g) not in totals.index or not totals.loc[(y, g), c.MONTHS]
    ]
    if missing:
        listed = ", ".join(f"{c.SEGMENT_LABELS[g]} in {y}" for y, g in missing)
        raise BenchmarkDataError(f"The benchmark-year population has no months for {listed}.")

    def by_value(column: str) -> dict[Key, Decimal]:
        # The money columns hold Decimals (object dtype), which the pandas stubs cannot know.
        return {(y, g): cast(Decimal, totals.loc[(y, g), column]) for y in bys for g in groups}

    months = {k: int(v) for k, v in by_value(c.MONTHS).items()}
    chain.add(
        "population",
        "Benchmark-year and performance-year populations",
        "REACH FOG 4.1.1 [V]: beneficiaries who would have been claims-aligned in each benchmark "
        "year with the current Participant Provider list; member-months to death",
        [Figure("arrangement", arrangement, unit=TEXT)],
        [
            *_figures(
                "beneficiaries",
                {k: int(cast(int, totals.loc[k, "beneficiaries"])) for k in months},
                BENEFICIARIES,
            ),
            *_figures("member_months", months, MEMBER_MONTHS),
            *_by_group("member_months", {g: py_months[g] for g in groups}, MEMBER_MONTHS, py),
            *[Figure("member_months", m, t, MEMBER_MONTHS, py) for t, m in type_months.items()],
        ],
    )

    # 2. Expenditures at pre-reduction amounts -----------------------------------------------------
    chain.add(
        "expenditures",
        "Expenditures at pre-reduction (inclusion) amounts, IME, DSH and uncompensated care removed",
        "REACH FOG 4.1.1 [V]: amounts reduced by other programs count before the reduction; CCLF "
        "PBP/AIPBP inclusion amount (domain.md 4.3) [V]",
        _figures("paid_amount", by_value(c.PAID_AMOUNT), USD),
        [
            *_figures("reduction_added", by_value(c.REDUCTION_ADDED), USD),
            *_figures("excluded_amount", by_value(c.EXCLUDED_AMOUNT), USD),
            *_figures("expenditure", by_value(c.EXPENDITURE), USD),
        ],
    )

    # 3. Truncation ------------------------------------------------------------------------------
    chain.add(
        "truncation",
        "Truncation of beneficiary expenditures",
        "Annualized per-beneficiary expenditure capped at the year's threshold per enrollment type "
        "when the parameter says so [R: to confirm for REACH]",
        [
            ref.figure("truncate_expenditures", py),
            *(
                [
                    ref.figure("truncation_threshold", y, t)
                    for y in bys
                    for t in sorted(set(hist[c.ENROLLMENT_TYPE]))
                ]
                if truncating
                else []
            ),
        ],
        [
            *_figures("amount_truncated", by_value(c.AMOUNT_TRUNCATED), USD),
            *_figures("truncated_expenditure", by_value(c.TRUNCATED_EXPENDITURE), USD),
        ],
    )

    # 4. PBPM ---------------------------------------------------------------------------------------
    pbpm = {k: by_value(c.TRUNCATED_EXPENDITURE)[k] / months[k] for k in months}
    chain.add(
        "pbpm",
        "Benchmark-year expenditure per beneficiary per month",
        "expenditure / member-months",
        [],
        _figures("pbpm", pbpm, USD_PBPM),
    )

    # 5. Benchmark-year risk and standardization -------------------------------------------------
    raw: dict[Key, Decimal] = {}
    for (y, g), rows in hist.groupby([c.YEAR, "group"]):
        if g in groups:
            raw[(int(cast(int, y)), str(g))] = person_year_weighted_mean(
                rows[c.RAW_SCORE], rows[c.PERSON_YEARS]
            )
    factor_inputs = []
    normalized: dict[Key, Decimal] = {}
    for i, y in enumerate(bys):
        for g in groups:
            name = f"normalization_factor_by{i + 1}"
            entry = ref.figure(name, py, g)
            factor_inputs.append(
                Figure(name, entry.value, g, RATIO, y, entry.source, entry.to_confirm)
            )
            normalized[(y, g)] = normalize(raw[(y, g)], ref.value(name, py, g))
    standardized = {k: pbpm[k] / normalized[k] for k in pbpm}
    chain.add(
        "risk_standardization",
        "Benchmark-year expenditures standardized to a risk score of 1.0",
        "domain.md 4.1.3: normalized CMS-HCC scores, the PY's V24/V28 blend [V PY2024; R PY2025-26]; "
        "PBPM / normalized score [R]",
        [*_figures("raw_risk_score", raw, SCORE), *factor_inputs],
        [
            *_figures("risk_score", normalized, SCORE),
            *_figures("standardized_pbpm", standardized, USD_PBPM),
        ],
    )

    # 6. Trend and weights ---------------------------------------------------------------------------
    trended = {
        (y, g): standardized[(y, g)] * ref.value(f"trend_factor_by{i + 1}", py, g)
        for i, y in enumerate(bys)
        for g in groups
    }
    weights = [ref.value(f"by{i}_weight", py) for i in (1, 2, 3)]
    check_weights(weights, "benchmark-year weights")
    historical = {
        g: sum((w * trended[(y, g)] for w, y in zip(weights, bys, strict=True)), ZERO)
        for g in groups
    }
    chain.add(
        "historical_baseline",
        "Historical baseline: trended and weighted benchmark years",
        "REACH FOG 4.1.1-4.1.2 [V]: BY2017/2018/2019 weighted 10/30/60, trended with the "
        "prospective adjusted USPCC trend (rate book)",
        [
            *[ref.figure(f"trend_factor_by{i + 1}", py, g) for i in range(3) for g in groups],
            *[ref.figure(f"by{i}_weight", py) for i in (1, 2, 3)],
        ],
        [
            *_figures("trended_pbpm", trended, USD_PBPM),
            *_by_group("historical_pbpm", historical, USD_PBPM),
        ],
    )

    # 7. Performance-year risk score -----------------------------------------------------------------
    py_raw = {
        str(g): person_year_weighted_mean(rows[c.RAW_SCORE], rows[c.PERSON_YEARS])
        for g, rows in perf.groupby("group")
        if g in groups
    }
    risk = {}
    for g in groups:
        risk[g] = reach_capped_risk_score(
            normalized=normalize(py_raw[g], ref.value("normalization_factor_py", py, g)),
            reference_score=ref.value("reference_year_risk_score", py, g),
            cap_pct=ref.value("risk_cap_pct", py),
            coding_intensity_factor=ref.value("coding_intensity_factor", py),
            score_2019=ref.optional("risk_score_2019", py, g),
            cap_2019_pct=ref.optional("risk_cap_2019_pct", py),
        )
    optional_2019 = [
        ref.figure(name, py, g)
        for name, g in [("risk_score_2019", g) for g in groups] + [("risk_cap_2019_pct", "")]
        if ref.find(name, py, g) is not None
    ]
    chain.add(
        "risk_score",
        "Performance-year risk score: normalized, capped, coding intensity",
        "domain.md 4.1.3, 10.5 [V Milliman 2025]: symmetric 3% cap on normalized growth from the "
        "2022 reference year; PY2026 asymmetric 3% cap from 2019; then the CIF",
        [
            *_by_group("raw_risk_score", py_raw, SCORE, py),
            *[ref.figure("normalization_factor_py", py, g) for g in groups],
            *[ref.figure("reference_year_risk_score", py, g) for g in groups],
            ref.figure("risk_cap_pct", py),
            *optional_2019,
            ref.figure("coding_intensity_factor", py),
        ],
        [
            *_by_group(
                "normalized_risk_score", {g: r.normalized for g, r in risk.items()}, SCORE, py
            ),
            *_by_group("cap_lower_bound", {g: r.lower_bound for g, r in risk.items()}, SCORE),
            *_by_group("cap_upper_bound", {g: r.upper_bound for g, r in risk.items()}, SCORE),
            *_by_group("capped_risk_score", {g: r.capped_2019 for g, r in risk.items()}, SCORE),
            *_by_group("risk_score", {g: r.final for g, r in risk.items()}, SCORE, py),
        ],
    )

    # 8. Regional blend ------------------------------------------------------------------------------
    w_hist = ref.value("blend_historical_weight", py)
    w_reg = ref.value("blend_regional_weight", py)
    check_weights([w_hist, w_reg], "blend weights")
    ceiling_pct = ref.value("blend_ceiling_pct", py)
    floor_pct = ref.optional("blend_floor_pct", py)
    blended = {}
    adjustments = {}
    for g in groups:
        uspcc = ref.value("adjusted_uspcc", py, g)
        raw_adjustment = w_reg * (ref.value("regional_rate", py, g) - historical[g])
        adjustment = min(raw_adjustment, ceiling_pct * uspcc)
        if floor_pct is not None:
            adjustment = max(adjustment, -floor_pct * uspcc)
        adjustments[g] = (raw_adjustment, adjustment)
        blended[g] = historical[g] + adjustment
    chain.add(
        "regional_blend",
        "Blend of the historical baseline and the regional rate",
        "domain.md 4.1.4 [V CMS PY2025 Quick Reference]: w_hist x historical + w_reg x regional, "
        "55/45 in PY2024-2025; the blend adjustment at most 5% (3% from PY2025) of the adjusted FFS "
        "USPCC; a floor exists whose value domain.md does not give (applied only when configured)",
        [
            *[ref.figure("regional_rate", py, g) for g in groups],
            ref.figure("blend_historical_weight", py),
            ref.figure("blend_regional_weight", py),
            ref.figure("blend_ceiling_pct", py),
            *([ref.figure("blend_floor_pct", py)] if floor_pct is not None else []),
            *[ref.figure("adjusted_uspcc", py, g) for g in groups],
        ],
        [
            *_by_group(
                "uncapped_blend_adjustment", {g: a[0] for g, a in adjustments.items()}, USD_PBPM
            ),
            *_by_group("blend_adjustment", {g: a[1] for g, a in adjustments.items()}, USD_PBPM),
            *_by_group("blended_standardized_pbpm", blended, USD_PBPM),
        ],
        note=""
        if floor_pct is not None
        else "No floor configured for this year: only the ceiling applies.",
    )

    risk_adjusted = {g: blended[g] * risk[g].final for g in groups}
    chain.add(
        "risk_adjusted_benchmark",
        "Risk-adjusted benchmark",
        "blended standardized PBPM x performance-year risk score",
        [],
        _by_group("risk_adjusted_pbpm", risk_adjusted, USD_PBPM),
    )

    # 9. HEBA ----------------------------------------------------------------------------------------
    top_pbpm = ref.value("heba_top_decile_pbpm", py)
    bottom_pbpm = ref.value("heba_bottom_deciles_pbpm", py)
    heba = {}
    heba_inputs = [
        ref.figure("heba_top_decile_pbpm", py),
        ref.figure("heba_bottom_deciles_pbpm", py),
    ]
    for g in groups:
        top_months = ref.optional("heba_top_decile_months", py, g) or ZERO
        bottom_months = ref.optional("heba_bottom_deciles_months", py, g) or ZERO
        for name in ("heba_top_decile_months", "heba_bottom_deciles_months"):
            if ref.find(name, py, g) is not None:
                heba_inputs.append(ref.figure(name, py, g))
        heba[g] = (top_pbpm * top_months + bottom_pbpm * bottom_months) / py_months[g]
    with_heba = {g: risk_adjusted[g] + heba[g] for g in groups}
    chain.add(
        "heba",
        "Health Equity Benchmark Adjustment",
        "domain.md 4.1.5 [R REACH RFA 2022]: +$30 PBPM for top-decile beneficiaries, -$6 PBPM for "
        "the bottom five deciles (a signed amount), spread over the group's aligned member-months",
        heba_inputs,
        [
            *_by_group("heba_pbpm", heba, USD_PBPM),
            *_by_group("pbpm_with_heba", with_heba, USD_PBPM),
        ],
    )

    # 10. Retrospective trend adjustment ---------------------------------------------------------
    threshold = ref.value("rta_threshold_pct", py)
    rta = {}
    rta_inputs = [ref.figure("rta_threshold_pct", py)]
    for g in groups:
        actual = ref.optional("rta_actual_trend", py, g)
        prospective = ref.optional("rta_prospective_trend", py, g)
        if actual is None or prospective is None:
            rta[g] = ONE
            continue
        rta_inputs += [
            ref.figure("rta_actual_trend", py, g),
            ref.figure("rta_prospective_trend", py, g),
        ]
        ratio = actual / prospective
        rta[g] = ratio if abs(ratio - ONE) > threshold else ONE
    final_pbpm = {g: to_money(with_heba[g] * rta[g]) for g in groups}
    chain.add(
        "retrospective_trend",
        "Retrospective trend adjustment",
        "domain.md 4.1.6, 10.9 [V Milliman]: actual / prospective trend, applied only beyond +/-1%; "
        "without the actual trend (known after the year) the factor is 1",
        rta_inputs,
        [
            *_by_group("rta_factor", rta, RATIO),
            *_by_group("benchmark_pbpm", final_pbpm, USD_PBPM, py),
        ],
    )

    # 11. Totals, discount, withhold ------------------------------------------------------------------
    # Rounded once (rounding.py): the PBPM to the cent above; each total = PBPM x member-months.
    segments = tuple(
        SegmentBenchmark(
            g,
            py_months[g],
            final_pbpm[g] * TWELVE,
            to_money(final_pbpm[g] * py_months[g]),
        )
        for g in groups
    )
    total = sum((s.total for s in segments), ZERO)
    member_months = sum(py_months[g] for g in groups)
    discount_name = f"discount_pct_{arrangement}"
    discount = to_money(total * ref.value(discount_name, py))
    withhold = to_money(total * ref.value("quality_withhold_pct", py))
    after = total - discount - withhold
    extras = {
        "benchmark_before_discount": total,
        "discount": discount,
        "quality_withhold": withhold,
        "benchmark_after_discount_and_withhold": after,
    }
    outputs = [
        *[Figure("benchmark_total", s.total, s.segment, USD, py) for s in segments],
        Figure("member_months", member_months, unit=MEMBER_MONTHS, year=py),
        Figure("person_years", Decimal(member_months) / TWELVE, unit=PERSON_YEARS, year=py),
        Figure("benchmark_total", total, unit=USD, year=py),
        Figure("discount", discount, unit=USD),
        Figure("quality_withhold", withhold, unit=USD),
        Figure("benchmark_after_discount_and_withhold", after, unit=USD, year=py),
    ]
    if earned_withhold_share is not None:
        earned = to_money(withhold * earned_withhold_share)
        extras["earned_withhold"] = earned
        extras["final_benchmark"] = after + earned
        outputs += [
            Figure("earned_withhold_share", earned_withhold_share, unit=RATIO),
            Figure("earned_withhold", earned, unit=USD),
            Figure("final_benchmark", after + earned, unit=USD, year=py),
        ]
    chain.add(
        "discount_and_withhold",
        "Benchmark total, discount and quality withhold",
        "domain.md 4.1.7-4.1.8, 4.4: total = PBPM x member-months; Global discount (Professional "
        "none); 2% quality withhold of the benchmark, earned back on quality at settlement; "
        "benchmark x (1 - discount) - withhold + earned withhold [3P order of operations]",
        [
            Figure("arrangement", arrangement, unit=TEXT),
            ref.figure(discount_name, py),
            ref.figure("quality_withhold_pct", py),
        ],
        outputs,
    )
    return BenchmarkResult(
        program="reach",
        performance_year=py,
        method=METHOD,
        segments=segments,
        member_months_by_enrollment_type=type_months,
        total=total,
        member_months=member_months,
        steps=tuple(chain.steps),
        extras=extras,
    )
