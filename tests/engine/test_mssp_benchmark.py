"""The MSSP historical benchmark, step by step (domain.md 2 and 10), and its totals."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.engine import columns as c
from benchmarks.engine.mssp_benchmark import mssp_benchmark
from benchmarks.engine.reference import MissingReference
from benchmarks.engine.rounding import to_money
from benchmarks.engine.steps import BenchmarkDataError
from tests.engine.benchmark_support import bene_years, performance, table

D = Decimal
AN = c.AGED_NONDUAL
PY = 2024
BYS = (2021, 2022, 2023)


def reference(**overrides: object) -> dict:
    """A hand-checkable PY2024 reference set for one enrollment type (aged/non-dual)."""
    values = {
        **{("truncation_threshold", y, ""): "100000" for y in (*BYS, PY)},
        **{(f"normalization_factor_{w}", PY, ""): "1" for w in ("by1", "by2", "by3", "py")},
        ("by1_weight_first_period", PY, ""): "0.1",
        ("by2_weight_first_period", PY, ""): "0.3",
        ("by3_weight_first_period", PY, ""): "0.6",
        ("by1_weight_renewing", PY, ""): D(1) / 3,
        ("by2_weight_renewing", PY, ""): D(1) / 3,
        ("by3_weight_renewing", PY, ""): D(1) / 3,
        ("trend_by1_to_by3", PY, ""): "1.10",
        ("trend_by2_to_by3", PY, ""): "1.05",
        ("national_per_capita_by3", PY, ""): "12000",
        ("regional_per_capita_by3", PY, ""): "14209",
        ("regional_weight_positive_period_1", PY, ""): "0.35",
        ("regional_weight_positive_period_2_plus", PY, ""): "0.50",
        ("regional_weight_negative_period_1", PY, ""): "0.15",
        ("regional_weight_negative_period_2", PY, ""): "0.25",
        ("regional_weight_negative_period_3", PY, ""): "0.35",
        ("regional_weight_negative_period_4_plus", PY, ""): "0.50",
        ("regional_cap_positive_pct", PY, ""): "0.05",
        ("regional_cap_negative_pct", PY, ""): "0.015",
        ("regional_no_overall_negative", PY, ""): "1",
        ("psa_share", PY, ""): "0.5",
        ("psa_cap_pct", PY, ""): "0.05",
        ("national_growth_factor", PY, ""): "1.04",
        ("regional_growth_factor", PY, ""): "1.05",
        ("regional_penetration", PY, ""): "0.2",
        ("acpt_factor", PY, ""): "1.036",
        ("acpt_weight", PY, ""): D(1) / 6,
        ("risk_growth_cap_pct", PY, ""): "0.03",
        ("risk_cap_demographic_adjusted", PY, ""): "0",
    }
    for key, value in overrides.items():
        values[(key, PY, "")] = value
    return values


def population(extra: Sequence[tuple[Any, ...]] = ()) -> tuple:
    years = bene_years(
        [
            (1, 2021, AN, 12, "10000.00", "0"),
            (2, 2021, AN, 12, "14000.00", "0"),
            (1, 2022, AN, 12, "12500.00", "500.00"),  # 500 of IME/DSH removed: 12,000
            (2, 2022, AN, 12, "13200.00", "0"),
            (1, 2023, AN, 12, "13000.00", "0"),
            (2, 2023, AN, 12, "13400.00", "0"),
            *extra,
        ]
    )
    perf = performance([(1, AN, 12, "1.05"), (2, AN, 12, "1.05")])
    return years, perf


def run(
    values: dict, *, agreement_period: int = 1, years=None, perf=None, renewing: bool | None = None
):
    default_years, default_perf = population()
    return mssp_benchmark(
        benchmark_years=default_years if years is None else years,
        performance=default_perf if perf is None else perf,
        reference=table(values),
        performance_year=PY,
        agreement_start_year=PY,
        agreement_period=agreement_period,
        renewing=renewing,
    )


def test_the_first_agreement_period_chain_step_by_step() -> None:
    result = run(reference())
    assert result.step("expenditures").output("expenditure", AN, 2022) == D("25200.00")
    assert result.step("per_capita").output("per_capita", AN, 2021) == D("12000")
    assert result.step("per_capita").output("per_capita", AN, 2022) == D("12600")
    assert result.step("per_capita").output("per_capita", AN, 2023) == D("13200")
    # Trend to BY3: 12,000 x 1.10 and 12,600 x 1.05
    assert result.step("trend_to_by3").output("trended_per_capita", AN, 2021) == D("13200.00")
    assert result.step("trend_to_by3").output("trended_per_capita", AN, 2022) == D("13230.00")
    # 10/30/60: 1,320 + 3,969 + 7,920
    assert result.step("weighting").output("historical_per_capita", AN) == D("13209")
    # Regional: 35% x (14,209 - 13,209) = 350, under the 5% cap of 600
    assert result.step("regional_adjustment").output("regional_adjustment", AN) == D("350")
    assert result.step("adjusted_historical_benchmark").output(
        "adjusted_historical_per_capita", AN
    ) == D("13559")
    # Update: 5/6 x (0.2 x 1.04 + 0.8 x 1.05) + 1/6 x 1.036 = 1.046
    update = result.step("annual_update").output("update_factor", AN)
    assert abs(update - D("1.046")) < D("1e-15")
    # Risk ratio 1.05 capped at 1.03
    assert result.step("risk_ratio").output("risk_ratio", AN) == D("1.03")
    expected = to_money(D("13559") * D("1.046") * D("1.03"))  # 14,608.19542
    assert expected == D("14608.20")
    assert result.segments[0].per_capita == expected
    assert result.total == expected * 2
    assert result.person_years == 2


def test_renewing_acos_weight_benchmark_years_equally() -> None:
    no_savings = {f"prior_savings_per_capita_by{i}": "0" for i in (1, 2, 3)}
    result = run(reference(**no_savings), agreement_period=2)
    historical = result.step("weighting").output("historical_per_capita", AN)
    assert abs(historical - (D("13200") + D("13230") + D("13200")) / 3) < D("1e-15")


def test_a_positive_regional_adjustment_is_capped_at_five_percent_of_national() -> None:
    result = run(reference(regional_per_capita_by3="20000"))
    step = result.step("regional_adjustment")
    assert step.output("uncapped_adjustment", AN) == D("0.35") * (D("20000") - D("13209"))
    assert step.output("regional_adjustment", AN) == D("600.00")


def test_a_negative_regional_adjustment_is_capped_then_zeroed_from_2024() -> None:
    kept = run(reference(regional_per_capita_by3="10000", regional_no_overall_negative="0"))
    step = kept.step("regional_adjustment")
    assert step.output("uncapped_adjustment", AN) == D("0.15") * (D("10000") - D("13209"))
    assert step.output("regional_adjustment", AN) == D("-180.000")  # -1.5% x 12,000
    zeroed = run(reference(regional_per_capita_by3="10000"))
    assert zeroed.step("regional_adjustment").output("overall_negative_set_to_zero") == "yes"
    assert zeroed.step("regional_adjustment").output("regional_adjustment", AN) == 0


def test_the_negative_regional_weight_grows_with_the_agreement_period() -> None:
    values = reference(regional_per_capita_by3="13000", regional_no_overall_negative="0")
    second = run(values, agreement_period=2, renewing=False)
    assert second.step("regional_adjustment").output("uncapped_adjustment", AN) == D("0.25") * (
        D("13000") - D("13209")
    )


def test_the_prior_savings_adjustment_and_a_positive_regional_adjustment_are_not_added() -> None:
    small = run(
        reference(
            prior_savings_per_capita_by1="600",
            prior_savings_per_capita_by2="-300",
            prior_savings_per_capita_by3="900",
        ),
        agreement_period=2,
    )
    psa = small.step("prior_savings_adjustment")
    assert psa.output("average_savings_per_capita") == D("500")  # (600 + 0 + 900) / 3
    assert psa.output("prior_savings_adjustment", AN) == D("250.0")
    assert psa.output("applied") == "regional adjustment"
    historical = small.step("weighting").output("historical_per_capita", AN)
    regional = small.step("regional_adjustment").output("regional_adjustment", AN)
    assert small.step("adjusted_historical_benchmark").output(
        "adjusted_historical_per_capita", AN
    ) == (historical + regional)

    large = run(
        reference(
            prior_savings_per_capita_by1="3000",
            prior_savings_per_capita_by2="3000",
            prior_savings_per_capita_by3="3000",
        ),
        agreement_period=2,
    )
    psa = large.step("prior_savings_adjustment")
    assert psa.output("prior_savings_adjustment", AN) == D("600.00")  # 1,500 capped at 5% x 12,000
    assert psa.output("applied") == "prior savings adjustment"
    historical = large.step("weighting").output("historical_per_capita", AN)
    assert large.step("adjusted_historical_benchmark").output(
        "adjusted_historical_per_capita", AN
    ) == (historical + D("600.00"))


def test_the_acpt_weighs_one_third_after_2024() -> None:
    result = run(reference(acpt_weight=D(1) / 3))
    update = result.step("annual_update").output("update_factor", AN)
    assert abs(update - (D(2) / 3 * D("1.048") + D(1) / 3 * D("1.036"))) < D("1e-15")


def test_risk_decline_passes_through_uncapped() -> None:
    years, _ = population()
    result = run(
        reference(), perf=performance([(1, AN, 12, "0.95"), (2, AN, 12, "0.95")]), years=years
    )
    assert result.step("risk_ratio").output("risk_ratio", AN) == D("0.95")


def test_truncation_applies_inside_the_chain() -> None:
    years = bene_years(
        [
            (1, 2021, AN, 12, "10000.00", "0"),
            (2, 2021, AN, 12, "250000.00", "0"),  # truncated at 100,000
            (1, 2022, AN, 12, "12000.00", "0"),
            (2, 2022, AN, 12, "12000.00", "0"),
            (1, 2023, AN, 12, "13000.00", "0"),
            (2, 2023, AN, 12, "13400.00", "0"),
        ]
    )
    result = run(reference(), years=years)
    assert result.step("truncation").output("amount_truncated", AN, 2021) == D("150000.00")
    assert result.step("per_capita").output("per_capita", AN, 2021) == D("55000")


def test_a_performance_year_type_missing_from_a_benchmark_year_is_a_clear_error() -> None:
    years, _ = population()
    perf = performance([(1, AN, 12, "1.0"), (3, c.ESRD, 12, "1.0")])
    with pytest.raises(BenchmarkDataError, match="ESRD in 2021"):
        run(reference(), years=years, perf=perf)


def test_a_missing_reference_value_is_named() -> None:
    values = reference()
    del values[("acpt_factor", PY, "")]
    with pytest.raises(MissingReference, match="'acpt_factor' for 2024"):
        run(values)


def test_every_step_lists_its_reference_sources() -> None:
    result = run(reference())
    sourced = [f for step in result.steps for f in step.inputs if f.source]
    assert {f.name for f in sourced} >= {
        "truncation_threshold",
        "acpt_factor",
        "regional_per_capita_by3",
    }


@pytest.mark.fuzz
@settings(max_examples=40, deadline=None)
@given(
    months=st.lists(st.integers(min_value=1, max_value=12), min_size=1, max_size=6),
    amounts=st.lists(st.integers(min_value=0, max_value=5_000_000), min_size=6, max_size=6),
    risk=st.decimals(min_value=D("0.5"), max_value=D("2"), places=3),
    regional=st.integers(min_value=5000, max_value=20000),
)
def test_benchmark_totals_equal_per_capita_times_person_years_to_the_cent(
    months, amounts, risk, regional
) -> None:
    types = [AN, c.AGED_DUAL, c.DISABLED]
    rows = []
    for y in BYS:
        for i, t in enumerate(types):
            rows.append((10 * i + 1, y, t, 12, D(amounts[i]) / 100 + 9000, "0"))
            rows.append((10 * i + 2, y, t, 7, D(amounts[i + 3]) / 100 + 5000, "0"))
    perf_rows = [(100 + n, types[n % 3], m, str(risk)) for n, m in enumerate(months)]
    result = run(
        reference(regional_per_capita_by3=str(regional)),
        years=bene_years(rows),
        perf=performance(perf_rows),
    )
    for segment in result.segments:
        assert segment.per_capita == to_money(segment.per_capita)
        # Person-years are months / 12: multiplying first keeps the product exact.
        assert segment.total == to_money(segment.per_capita * segment.member_months / 12)
        assert abs(segment.total - segment.per_capita * segment.person_years) <= D("0.005") + D(
            "1e-20"
        )
    assert result.total == sum(s.total for s in result.segments)
    assert to_money(result.per_capita * result.member_months / 12) == result.total
    assert result.member_months == sum(months)
