"""MSSP rules at their edges (domain.md 3, 10): thresholds, caps, limits, quality, legacy tracks."""

from __future__ import annotations

import csv
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest

from settlement.engine.errors import ParameterError, SettlementInputError
from settlement.engine.mssp import Outcome, ThresholdSource
from settlement.engine.parameters import MSSPTrack
from tests.engine.settlement_support import BOOK, settle_with

B = Decimal("240000000")


# --- The MSR ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("n", "shown"), [(7_500, "3.30"), (12_000, "2.88"), (30_000, "2.40")])
def test_the_variable_msr_is_interpolated_inside_its_band(n: int, shown: str) -> None:
    msr = BOOK.msr_table(2025).msr(n)
    assert msr is not None
    # domain.md 3.2's checked values, at the two decimals it shows them with.
    assert round(msr * 100, 2) == Fraction(Decimal(shown))


@pytest.mark.parametrize(
    ("n", "pct"),
    [(5_000, "3.9"), (5_999, "3.6"), (6_000, "3.6"), (60_000, "2.0"), (250_000, "2.0")],
)
def test_the_variable_msr_meets_the_table_at_band_ends(n: int, pct: str) -> None:
    assert BOOK.msr_table(2025).msr(n) == Fraction(Decimal(pct)) / 100


def test_the_shipped_msr_bands_match_the_shared_reference_table() -> None:
    root = Path(__file__).resolve().parents[2]
    candidates = [
        up / "shared" / "data" / "mssp_msr_table.csv" for up in (root.parent, root.parent.parent)
    ]
    shared = next((c for c in candidates if c.exists()), None)
    if shared is None:
        pytest.skip("../shared is not beside this checkout")
    with shared.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    bands = BOOK.msr_table(2025).bands
    assert [(b.low_n, b.high_n, b.pct_at_low, b.pct_at_high) for b in bands] == [
        (
            int(r["n_assigned_low"]),
            int(r["n_assigned_high"]) if r["n_assigned_high"] else None,
            Decimal(r["msr_pct_at_low"]),
            Decimal(r["msr_pct_at_high"]),
        )
        for r in rows
    ]


def test_savings_exactly_at_the_msr_are_shared_from_the_first_dollar() -> None:
    result = settle_with(total_expenditure=B - Decimal("4800000"))  # exactly 2.0%
    assert result.savings_rate == result.msr
    assert result.outcome == Outcome.SHARED_SAVINGS
    assert result.shared_savings == Decimal("2400000")  # 50% of all 4.8M, not of the excess
    assert result.earned_savings_losses == Decimal("2352000.00")


def test_one_dollar_under_the_msr_earns_nothing() -> None:
    result = settle_with(total_expenditure=B - Decimal("4799999"))
    assert result.outcome == Outcome.SAVINGS_BELOW_MSR
    assert result.generated_savings_losses == 0
    assert result.earned_savings_losses == Decimal("0.00")


def test_savings_exactly_at_an_interpolated_msr_are_shared() -> None:
    # 12,000 beneficiaries: MSR = 3.0 - 2000/4999 x 0.3 percent, not a terminating decimal.
    msr = BOOK.msr_table(2025).msr(12_000)
    assert msr is not None
    benchmark = Decimal(4999 * 100_000)
    at_msr = Fraction(benchmark) * msr
    assert at_msr.denominator == 1
    at = settle_with(
        assigned_beneficiaries=12_000,
        msr_mlr="variable",
        total_benchmark=benchmark,
        total_expenditure=benchmark - Decimal(at_msr.numerator),
    )
    under = settle_with(
        assigned_beneficiaries=12_000,
        msr_mlr="variable",
        total_benchmark=benchmark,
        total_expenditure=benchmark - Decimal(at_msr.numerator - 1),
    )
    assert at.outcome == Outcome.SHARED_SAVINGS
    assert under.outcome == Outcome.SAVINGS_BELOW_MSR


def test_losses_exactly_at_the_mlr_are_shared_and_one_dollar_under_are_not() -> None:
    at = settle_with(total_expenditure=B + Decimal("4800000"))
    under = settle_with(total_expenditure=B + Decimal("4799999"))
    assert at.outcome == Outcome.SHARED_LOSSES
    assert at.earned_savings_losses == Decimal("-1440000.00")
    assert under.outcome == Outcome.LOSSES_BELOW_MLR
    assert under.earned_savings_losses == 0


def test_an_entity_specific_msr_overrides_the_table_and_sets_the_mlr() -> None:
    result = settle_with(msr_pct=Decimal("4.5"), total_expenditure=B - Decimal("9600000"))
    assert result.threshold_source == ThresholdSource.ENTITY_SPECIFIC
    assert result.msr == result.mlr == Fraction(45, 1000)
    assert result.outcome == Outcome.SAVINGS_BELOW_MSR


def test_a_fixed_msr_below_5000_beneficiaries_falls_back_to_the_variable_scale() -> None:
    with pytest.raises(SettlementInputError) as error:
        settle_with(assigned_beneficiaries=4_000)
    assert error.value.field == "msr_pct"
    result = settle_with(assigned_beneficiaries=4_000, msr_pct=Decimal("5.1"))
    assert result.msr == Fraction(51, 1000)


def test_the_explanation_says_which_msr_decides_and_why() -> None:
    """ "MSR/MLR choice: fixed 2%" was followed by "MSR given by CMS: 3.9%" with no word on which
    one counts: below 5,000 beneficiaries CMS's variable MSR replaces the fixed choice
    (42 CFR 425.605(b)), and the explanation says so."""
    steps = settle_with(assigned_beneficiaries=4_000, msr_pct=Decimal("3.9")).explanation
    chosen = next(s for s in steps if s.label == "MSR/MLR chosen for the agreement period")
    assert chosen.value == "fixed 2%"
    rule = next(s for s in steps if s.value == "3.9%")
    assert "4,000 assigned beneficiaries (fewer than 5,000)" in rule.label
    assert "CMS's figure for this ACO decides" in rule.label
    assert "not the 2% choice" in rule.label
    assert "425.605(b)" in rule.citation
    assert "issue" not in rule.citation
    variable = settle_with(assigned_beneficiaries=4_000, msr_mlr="variable", msr_pct=Decimal("3.9"))
    assert any("in place of the platform's table" in s.label for s in variable.explanation)


def test_a_one_sided_track_refuses_a_fixed_msr() -> None:
    with pytest.raises(SettlementInputError) as error:
        settle_with(track=MSSPTrack.BASIC_A, participant_revenue=None)
    assert error.value.field == "msr_mlr"


def test_a_fixed_msr_outside_the_allowed_choices_is_refused() -> None:
    with pytest.raises(SettlementInputError, match="one of 0, 0.5, 1, 1.5, 2"):
        settle_with(msr_mlr=Decimal("0.7"))


def test_a_zero_percent_msr_shares_the_smallest_saving() -> None:
    result = settle_with(msr_mlr=Decimal("0"), total_expenditure=B - Decimal("1"))
    assert result.outcome == Outcome.SHARED_SAVINGS
    assert result.earned_savings_losses == Decimal("0.49")  # $0.50 less 2%, half-up to the cent


# --- Caps and limits --------------------------------------------------------------------------


def test_the_performance_payment_limit_binds_at_10_percent_of_the_benchmark() -> None:
    result = settle_with(total_expenditure=B - Decimal("60000000"))  # 25% savings
    assert result.shared_savings_before_limit == Decimal("30000000")
    assert result.shared_savings == result.performance_payment_limit == Decimal("24000000")
    assert result.earned_savings_losses == Decimal("23520000.00")


def test_the_enhanced_payment_limit_binds_at_20_percent() -> None:
    result = settle_with(track=MSSPTrack.ENHANCED, total_expenditure=B - Decimal("80000000"))
    assert result.shared_savings == Decimal("48000000")


def test_the_basic_loss_limit_binds_on_revenue_when_revenue_is_small() -> None:
    result = settle_with(
        total_expenditure=B + Decimal("40000000"), participant_revenue=Decimal("30000000")
    )
    assert result.loss_sharing_limit == Decimal("2400000")  # 8% x $30M < 4% x $240M
    assert result.earned_savings_losses == Decimal("-2400000.00")


def test_the_basic_loss_limit_binds_on_the_benchmark_when_revenue_is_large() -> None:
    result = settle_with(
        total_expenditure=B + Decimal("40000000"), participant_revenue=Decimal("200000000")
    )
    assert result.loss_sharing_limit == Decimal("9600000")  # 4% x $240M < 8% x $200M
    assert result.earned_savings_losses == Decimal("-9600000.00")


@pytest.mark.parametrize(
    ("track", "revenue_limit", "benchmark_limit"),
    [(MSSPTrack.BASIC_C, "0.02", "0.01"), (MSSPTrack.BASIC_D, "0.04", "0.02")],
)
def test_basic_levels_c_and_d_have_their_own_loss_limits(
    track: MSSPTrack, revenue_limit: str, benchmark_limit: str
) -> None:
    big_loss = B + Decimal("100000000")
    small_revenue = settle_with(
        track=track, total_expenditure=big_loss, participant_revenue=Decimal("10000000")
    )
    assert small_revenue.loss_sharing_limit == Decimal(revenue_limit) * Decimal("10000000")
    large_revenue = settle_with(
        track=track, total_expenditure=big_loss, participant_revenue=Decimal("900000000")
    )
    assert large_revenue.loss_sharing_limit == Decimal(benchmark_limit) * B


def test_the_enhanced_loss_limit_is_15_percent_of_the_benchmark() -> None:
    result = settle_with(
        track=MSSPTrack.ENHANCED, total_expenditure=B * 2, met_qps=False, met_alt_qps=False
    )
    assert result.earned_savings_losses == Decimal("-36000000.00")


def test_basic_losses_need_the_participant_revenue() -> None:
    with pytest.raises(SettlementInputError) as error:
        settle_with(total_expenditure=B + Decimal("9600000"), participant_revenue=None)
    assert error.value.field == "participant_revenue"


def test_one_sided_tracks_never_share_losses() -> None:
    result = settle_with(track=MSSPTrack.BASIC_B, msr_mlr="variable", total_expenditure=B * 2)
    assert result.outcome == Outcome.LOSSES_ONE_SIDED
    assert result.earned_savings_losses == 0
    assert result.final_loss_rate is None


# --- Extreme and uncontrollable circumstances ---------------------------------------------------


def test_the_euc_reduction_comes_off_the_shared_losses_after_the_limit() -> None:
    result = settle_with(
        total_expenditure=B + Decimal("9600000"), euc_loss_reduction=Decimal("600000.50")
    )
    assert result.shared_losses == Decimal("2400000")
    assert result.earned_savings_losses == Decimal("-1799999.50")


def test_an_euc_reduction_larger_than_the_losses_is_refused() -> None:
    with pytest.raises(SettlementInputError) as error:
        settle_with(
            total_expenditure=B + Decimal("9600000"), euc_loss_reduction=Decimal("2400000.01")
        )
    assert error.value.field == "euc_loss_reduction"


def test_an_euc_reduction_without_shared_losses_is_refused() -> None:
    with pytest.raises(SettlementInputError, match="applies only to shared losses"):
        settle_with(euc_loss_reduction=Decimal("1"))


# --- Quality ------------------------------------------------------------------------------------


def test_missing_the_reporting_requirement_forfeits_savings_even_with_a_qps_flag() -> None:
    result = settle_with(met_reporting=False)
    assert result.quality_sharing_rate == 0
    assert result.earned_savings_losses == 0
    assert any("reporting requirement" in step.label for step in result.explanation)


def test_missing_the_reporting_requirement_puts_enhanced_losses_at_75_percent() -> None:
    result = settle_with(
        track=MSSPTrack.ENHANCED, total_expenditure=B + Decimal("9600000"), met_reporting=False
    )
    assert result.final_loss_rate == Decimal("0.75")


def test_the_basic_loss_rate_stays_30_percent_whatever_the_quality() -> None:
    result = settle_with(
        total_expenditure=B + Decimal("9600000"), met_qps=False, participant_revenue=B
    )
    assert result.final_loss_rate == Decimal("0.30")
    assert result.earned_savings_losses == Decimal("-2880000.00")


def test_the_alternative_standard_earns_nothing_before_the_sliding_scale_existed() -> None:
    result = settle_with(
        performance_year=2022, met_qps=False, met_alt_qps=True, quality_score=Decimal("60")
    )
    assert result.quality_sharing_rate == 0
    assert result.earned_savings_losses == 0


def test_the_sliding_scale_needs_a_quality_score() -> None:
    with pytest.raises(SettlementInputError) as error:
        settle_with(met_qps=False, met_alt_qps=True, quality_score=None)
    assert error.value.field == "quality_score"


def test_a_quality_score_above_100_is_refused() -> None:
    with pytest.raises(SettlementInputError) as error:
        settle_with(quality_score=Decimal("100.5"))
    assert error.value.field == "quality_score"


def test_the_enhanced_loss_rate_is_clamped_at_40_percent_for_a_perfect_score() -> None:
    result = settle_with(
        track=MSSPTrack.ENHANCED,
        total_expenditure=B + Decimal("9600000"),
        quality_score=Decimal("100"),
    )
    assert result.final_loss_rate == Decimal("0.40")


# --- PY2024+ half-rate sharing for low-revenue BASIC ACOs ----------------------------------------

BELOW_MSR = B - Decimal("2400000")  # 1% savings against a 2% MSR


def test_an_eligible_low_revenue_basic_aco_below_its_msr_shares_at_half_rate() -> None:
    result = settle_with(performance_year=2024, total_expenditure=BELOW_MSR, low_revenue=True)
    assert result.outcome == Outcome.HALF_RATE_SAVINGS
    assert result.applied_sharing_rate == Decimal("0.25")
    assert result.generated_savings_losses == Decimal("2400000")
    assert result.earned_savings_losses == Decimal("588000.00")


@pytest.mark.parametrize(
    "overrides",
    [
        {"performance_year": 2023},
        {"low_revenue": False},
        {"assigned_beneficiaries": 4_999, "msr_pct": Decimal("2")},
        {"met_qps": False, "met_alt_qps": True},
        {"track": MSSPTrack.ENHANCED},
    ],
    ids=["before-PY2024", "not-low-revenue", "under-5000", "only-alternative-qps", "enhanced"],
)
def test_half_rate_sharing_needs_every_condition(overrides: dict) -> None:
    inputs = {
        "performance_year": 2024,
        "total_expenditure": BELOW_MSR,
        "low_revenue": True,
        **overrides,
    }
    result = settle_with(**inputs)
    assert result.outcome == Outcome.SAVINGS_BELOW_MSR
    assert result.earned_savings_losses == 0


def test_a_low_revenue_aco_that_meets_its_msr_shares_at_the_full_rate() -> None:
    result = settle_with(performance_year=2024, low_revenue=True)
    assert result.outcome == Outcome.SHARED_SAVINGS
    assert result.applied_sharing_rate == Decimal("0.50")


# --- Legacy tracks (PY2021) ---------------------------------------------------------------------


def test_track_1_shares_half_of_savings_above_the_variable_msr() -> None:
    result = settle_with(
        performance_year=2021, track=MSSPTrack.TRACK_1, msr_mlr="variable", participant_revenue=None
    )
    assert result.msr == Fraction(25, 1000)  # 20,000 beneficiaries: the 20,000-49,999 band's 2.5%
    assert result.applied_sharing_rate == Decimal("0.50")
    assert result.shared_savings == Decimal("4800000")


def test_track_2_caps_savings_at_15_percent_and_losses_at_10_percent() -> None:
    savings = settle_with(performance_year=2021, track=MSSPTrack.TRACK_2, total_expenditure=B / 2)
    assert savings.shared_savings == Decimal("36000000")
    losses = settle_with(
        performance_year=2021,
        track=MSSPTrack.TRACK_2,
        total_expenditure=B * 2,
        quality_score=Decimal("50"),
    )
    # 1 - 60% x 50 / 100 = 70%, above the 60% ceiling of 42 CFR 425.606(f)(2).
    assert losses.final_loss_rate == Decimal("0.60")
    assert losses.shared_losses_before_limit == Decimal("144000000")
    assert losses.earned_savings_losses == Decimal("-24000000.00")


def test_track_3_shares_like_enhanced_in_py2021() -> None:
    result = settle_with(
        performance_year=2021, track=MSSPTrack.TRACK_3, total_expenditure=B + Decimal("9600000")
    )
    assert result.final_loss_rate == Decimal("0.40")
    assert result.earned_savings_losses == Decimal("-3840000.00")


def test_track_1_plus_shares_losses_at_30_percent_with_a_revenue_limit() -> None:
    result = settle_with(
        performance_year=2021,
        track=MSSPTrack.TRACK_1_PLUS,
        total_expenditure=B + Decimal("9600000"),
    )
    assert result.earned_savings_losses == Decimal("-2400000.00")
    assert any(step.to_confirm for step in result.explanation)


def test_legacy_tracks_have_no_parameters_after_py2021() -> None:
    with pytest.raises(ParameterError) as error:
        settle_with(performance_year=2022, track=MSSPTrack.TRACK_1, msr_mlr="variable")
    assert error.value.field == "performance_year"


# --- The explanation ----------------------------------------------------------------------------


def test_the_explanation_runs_from_inputs_through_rules_to_the_result() -> None:
    result = settle_with()
    kinds = [str(step.kind) for step in result.explanation]
    assert kinds[0] == "input"
    assert kinds[-1] == "result"
    assert kinds.index("rule") > kinds.index("figure") > kinds.index("input")
    assert all(
        "mssp_tracks 2026.1: PY2025 BASIC_E" in s.parameters or "mssp_msr" in s.parameters
        for s in result.explanation
        if str(s.kind) == "rule"
    )
    assert result.explanation[-1].value == "$4,704,000.00"


def test_values_the_sources_tag_as_recalled_are_flagged_to_confirm_in_the_explanation() -> None:
    result = settle_with(total_expenditure=B + Decimal("9600000"))  # BASIC E loss limit is [R]
    limit_steps = [s for s in result.explanation if s.label.startswith("Loss sharing limit")]
    assert limit_steps
    assert limit_steps[0].to_confirm


def test_a_loss_in_the_explanation_reads_with_the_pages_minus_sign() -> None:
    steps = settle_with(total_expenditure=B + Decimal("4800000")).explanation
    gross = next(s for s in steps if s.label.startswith("Gross savings (losses)"))
    rate = next(s for s in steps if s.label.startswith("Savings rate"))
    assert (gross.value, rate.value) == ("−$4,800,000.00", "−2%")
