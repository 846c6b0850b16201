"""The ACO REACH benchmark, step by step (domain.md 4.1), and the worked example of domain.md 4.4."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import pytest

from benchmarks.engine import columns as c
from benchmarks.engine.reach_benchmark import reach_benchmark
from benchmarks.engine.rounding import to_money
from tests.engine.benchmark_support import bene_years, performance, table

D = Decimal
AD = c.AGED_DISABLED
PY = 2024
BYS = (2017, 2018, 2019)


def reference(**overrides: str) -> dict:
    values = {
        **{("truncation_threshold", y, ""): "1000000" for y in BYS},
        ("truncate_expenditures", PY, ""): "1",
        **{(f"normalization_factor_{w}", PY, ""): "1" for w in ("by1", "by2", "by3", "py")},
        ("by1_weight", PY, ""): "0.1",
        ("by2_weight", PY, ""): "0.3",
        ("by3_weight", PY, ""): "0.6",
        ("trend_factor_by1", PY, ""): "1",
        ("trend_factor_by2", PY, ""): "1",
        ("trend_factor_by3", PY, ""): "1",
        ("reference_year_risk_score", PY, ""): "1",
        ("risk_cap_pct", PY, ""): "0.03",
        ("coding_intensity_factor", PY, ""): "0",
        ("regional_rate", PY, ""): "1000",
        ("blend_historical_weight", PY, ""): "0.55",
        ("blend_regional_weight", PY, ""): "0.45",
        ("blend_ceiling_pct", PY, ""): "0.05",
        ("adjusted_uspcc", PY, ""): "1000",
        ("heba_top_decile_pbpm", PY, ""): "30",
        ("heba_bottom_deciles_pbpm", PY, ""): "-6",
        ("rta_threshold_pct", PY, ""): "0.01",
        ("discount_pct_global", PY, ""): "0.03",
        ("discount_pct_professional", PY, ""): "0",
        ("quality_withhold_pct", PY, ""): "0.02",
    }
    for key, value in overrides.items():
        values[(key, PY, "")] = value
    return values


def history(pbpm: str = "1000", risk: str = "1", reduction: str = "0") -> object:
    rows = [
        (b, y, c.AGED_NONDUAL, 12, str(D(pbpm) * 12 - D(reduction)), "0")
        for y in BYS
        for b in (1, 2)
    ]
    frame = bene_years(rows, risk=risk)
    frame[c.REDUCTION_ADDED] = D(reduction)  # type: ignore[call-overload]  # pandas-stubs refuse an object scalar
    frame[c.EXPENDITURE] = (
        frame[c.PAID_AMOUNT] + frame[c.REDUCTION_ADDED] - frame[c.EXCLUDED_AMOUNT]
    )
    return frame


def run(
    values: dict,
    *,
    arrangement: Literal["global", "professional"] = "global",
    risk: str = "1",
    beneficiaries: int = 5000,
    **kwargs,
):
    return reach_benchmark(
        benchmark_years=kwargs.pop("years", history()),
        performance=performance([(n, c.AGED_NONDUAL, 12, risk) for n in range(beneficiaries)]),
        reference=table(values),
        performance_year=PY,
        arrangement=arrangement,
        **kwargs,
    )


def test_the_worked_example_global() -> None:
    # domain.md 4.4: 60,000 member-months at $1,000 PBPM; 3% discount; 2% withhold, 80% earned.
    result = run(reference(), earned_withhold_share=D("0.80"))
    assert result.member_months == 60_000
    assert result.step("retrospective_trend").output("benchmark_pbpm", AD, PY) == D("1000.00")
    assert result.total == D("60000000.00")
    assert result.extras["discount"] == D("1800000.00")
    assert result.extras["quality_withhold"] == D("1200000.00")
    assert result.extras["earned_withhold"] == D("960000.00")
    assert result.extras["final_benchmark"] == D("57960000.00")


def test_the_worked_example_professional() -> None:
    result = run(reference(), arrangement="professional", earned_withhold_share=D("0.80"))
    assert result.extras["discount"] == 0
    assert result.extras["final_benchmark"] == D("59760000.00")


def test_the_historical_baseline_weights_trended_standardized_years() -> None:
    values = reference(trend_factor_by1="1.20", trend_factor_by2="1.10", trend_factor_by3="1.05")
    result = run(values, beneficiaries=10, years=history(pbpm="1100", risk="1.1"))
    step = result.step("risk_standardization")
    assert step.output("standardized_pbpm", AD, 2017) == D("1000")  # 1,100 / 1.1
    expected = D("0.1") * 1200 + D("0.3") * 1100 + D("0.6") * 1050
    assert result.step("historical_baseline").output("historical_pbpm", AD) == expected


def test_benchmark_years_count_claims_before_the_pbp_reduction() -> None:
    result = run(reference(), beneficiaries=10, years=history(reduction="600"))
    assert result.step("expenditures").output("reduction_added", AD, 2019) == D("1200")
    assert result.step("pbpm").output("pbpm", AD, 2019) == D("1000")


@pytest.mark.parametrize(
    ("regional", "ceiling", "floor", "expected_adjustment"),
    [
        ("1100", "0.05", None, D("45.00")),  # 45% x 100, under the ceiling
        ("1200", "0.05", None, D("50.00")),  # 90 capped at 5% of the USPCC
        ("1200", "0.03", None, D("30.00")),  # PY2025 ceiling 3%
        ("800", "0.05", None, D("-90.00")),  # no floor configured
        ("800", "0.05", "0.03", D("-30.00")),  # a configured floor
    ],
)
def test_the_regional_blend_and_its_ceiling(regional, ceiling, floor, expected_adjustment) -> None:
    overrides = {"regional_rate": regional, "blend_ceiling_pct": ceiling}
    if floor is not None:
        overrides["blend_floor_pct"] = floor
    result = run(reference(**overrides), beneficiaries=10)
    step = result.step("regional_blend")
    assert step.output("blend_adjustment", AD) == expected_adjustment
    assert step.output("blended_standardized_pbpm", AD) == D(1000) + expected_adjustment


@pytest.mark.parametrize(
    ("raw", "expected"), [("1.10", D("1.03")), ("0.90", D("0.97")), ("1.01", D("1.01"))]
)
def test_the_performance_year_risk_is_capped_both_ways_then_reduced_by_the_cif(
    raw, expected
) -> None:
    result = run(reference(coding_intensity_factor="0.01"), risk=raw, beneficiaries=10)
    assert result.step("risk_score").output("capped_risk_score", AD) == expected
    assert result.step("risk_score").output("risk_score", AD, PY) == expected * D("0.99")
    assert result.step("risk_adjusted_benchmark").output("risk_adjusted_pbpm", AD) == D(
        1000
    ) * expected * D("0.99")


def test_heba_adds_thirty_and_takes_six_dollars_pbpm() -> None:
    values = reference(heba_top_decile_months="1200", heba_bottom_deciles_months="3000")
    result = run(values)
    # (30 x 1,200 - 6 x 3,000) / 60,000 member-months = 0.30 PBPM
    assert result.step("heba").output("heba_pbpm", AD) == D("0.3")
    assert result.total == D("1000.30") * 60_000


@pytest.mark.parametrize(
    ("actual", "prospective", "factor"),
    [
        ("1.05", "1.04", D(1)),
        ("1.06", "1.04", D("1.06") / D("1.04")),
        ("1.02", "1.04", D("1.02") / D("1.04")),
    ],
)
def test_the_retrospective_trend_applies_only_beyond_one_percent(
    actual, prospective, factor
) -> None:
    result = run(
        reference(rta_actual_trend=actual, rta_prospective_trend=prospective), beneficiaries=10
    )
    assert result.step("retrospective_trend").output("rta_factor", AD) == factor
    assert result.step("retrospective_trend").output("benchmark_pbpm", AD, PY) == to_money(
        1000 * factor
    )


def test_the_selector_figures_are_consistent() -> None:
    result = run(reference(), beneficiaries=7)
    segment = result.segments[0]
    assert segment.per_capita == D("12000.00")
    assert segment.total == to_money(segment.per_capita * segment.member_months / 12)
    assert result.member_months_by_enrollment_type == {c.AGED_NONDUAL: 84}
