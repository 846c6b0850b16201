"""domain.md 3.5 (MSSP) and 4.4 (ACO REACH) worked examples, to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from settlement.engine.mssp import Outcome
from settlement.engine.parameters import MSSPTrack, ReachArrangement
from settlement.engine.reach import ReachInput, apply_corridors, settle_reach
from tests.engine.settlement_support import BOOK, settle_with

SAVINGS = Decimal("230400000")  # E_pc $11,520 x 20,000
LOSSES = Decimal("249600000")  # E_pc $12,480 x 20,000


def test_basic_e_meeting_the_qps_earns_4_704_000_after_sequestration() -> None:
    result = settle_with(track=MSSPTrack.BASIC_E, total_expenditure=SAVINGS)
    assert result.gross_savings == Decimal("9600000")
    assert result.savings_rate == Decimal("0.04")
    assert result.outcome == Outcome.SHARED_SAVINGS
    assert result.shared_savings == Decimal("4800000.00")
    assert result.performance_payment_limit == Decimal("24000000")
    assert result.earned_savings_losses == Decimal("4704000.00")


def test_the_sequestration_step_cites_its_source_not_the_quality_regulation() -> None:
    """A practice reads the 2% cut's source as the sequestration and CMS's published results, not
    42 CFR 425.512 (the quality standard) nor a note about our own evidence tags."""
    from core.display import tidy

    result = settle_with(track=MSSPTrack.BASIC_E, total_expenditure=SAVINGS)
    (step,) = [s for s in result.explanation if s.label == "Sequestration on shared savings"]
    cited = tidy(step.citation)
    assert "sequestration" in cited.lower()
    assert "published MSSP financial results" in cited
    assert "425.512" not in cited
    assert "tags it" not in cited


def test_basic_e_meeting_only_the_alternative_standard_shares_at_30_percent() -> None:
    result = settle_with(
        track=MSSPTrack.BASIC_E,
        total_expenditure=SAVINGS,
        met_qps=False,
        met_alt_qps=True,
        quality_score=Decimal("60"),
    )
    assert result.applied_sharing_rate == Decimal("0.30")
    assert result.shared_savings == Decimal("2880000")  # before sequestration, as domain.md shows
    assert result.earned_savings_losses == Decimal("2822400.00")


def test_enhanced_meeting_the_qps_shares_7_200_000_before_sequestration() -> None:
    result = settle_with(track=MSSPTrack.ENHANCED, total_expenditure=SAVINGS)
    assert result.shared_savings == Decimal("7200000")
    assert result.performance_payment_limit == Decimal("48000000")
    assert result.earned_savings_losses == Decimal("7056000.00")


def test_basic_e_losses_are_capped_by_the_revenue_based_limit_at_2_400_000() -> None:
    result = settle_with(track=MSSPTrack.BASIC_E, total_expenditure=LOSSES)
    assert result.gross_savings == Decimal("-9600000")
    assert result.outcome == Outcome.SHARED_LOSSES
    assert result.shared_losses_before_limit == Decimal("2880000")
    assert result.loss_sharing_limit == Decimal("2400000")
    assert result.earned_savings_losses == Decimal("-2400000.00")


@pytest.mark.parametrize(
    ("score", "met_qps", "met_alt", "loss_rate", "owed"),
    [
        ("80", True, False, "0.40", "-3840000.00"),
        ("60", False, True, "0.55", "-5280000.00"),
        ("60", False, False, "0.75", "-7200000.00"),
    ],
    ids=["qps-met", "alternative-only", "no-qps"],
)
def test_enhanced_loss_rates_follow_the_quality_result(
    score: str, met_qps: bool, met_alt: bool, loss_rate: str, owed: str
) -> None:
    result = settle_with(
        track=MSSPTrack.ENHANCED,
        total_expenditure=LOSSES,
        quality_score=Decimal(score),
        met_qps=met_qps,
        met_alt_qps=met_alt,
    )
    assert result.final_loss_rate == Decimal(loss_rate)
    assert result.loss_sharing_limit == Decimal("36000000")
    assert result.earned_savings_losses == Decimal(owed)


def test_basic_a_with_8000_beneficiaries_shares_40_percent_above_a_3_2_percent_msr() -> None:
    result = settle_with(
        track=MSSPTrack.BASIC_A,
        assigned_beneficiaries=8_000,
        total_benchmark=Decimal("88000000"),
        total_expenditure=Decimal("84800000"),
        msr_mlr="variable",
        participant_revenue=None,
    )
    assert result.msr == Decimal("0.032")
    assert result.shared_savings == Decimal("1280000")
    assert result.performance_payment_limit == Decimal("8800000")
    assert result.earned_savings_losses == Decimal("1254400.00")


def test_basic_a_at_3_1_percent_savings_gets_nothing_not_the_excess() -> None:
    result = settle_with(
        track=MSSPTrack.BASIC_A,
        assigned_beneficiaries=8_000,
        total_benchmark=Decimal("88000000"),
        total_expenditure=Decimal("85272000"),  # 3.1% savings
        msr_mlr="variable",
        participant_revenue=None,
    )
    assert result.outcome == Outcome.SAVINGS_BELOW_MSR
    assert result.earned_savings_losses == Decimal("0.00")


def _reach(arrangement: ReachArrangement) -> ReachInput:
    # 5,000 beneficiaries x 12 = 60,000 member-months at $1,000 PBPM; TCOC $54M; 80% earn-back.
    return ReachInput(
        performance_year=2023,  # the 3% Global discount of the example
        arrangement=arrangement,
        benchmark=Decimal("60000000"),
        total_cost_of_care=Decimal("54000000"),
        quality_earn_back_rate=Decimal("0.80"),
        aligned_member_months=60_000,
    )


def test_reach_global_keeps_3_960_000_before_sequestration() -> None:
    params = BOOK.reach_arrangement(2023, ReachArrangement.GLOBAL)
    result = settle_reach(_reach(ReachArrangement.GLOBAL), params)
    assert result.quality_withhold == Decimal("1200000")
    assert result.earned_back == Decimal("960000")
    assert result.final_benchmark == Decimal("57960000")
    assert result.gross_savings == Decimal("3960000")
    assert round(float(result.savings_rate) * 100, 2) == 6.83
    assert result.shared_savings_losses == Decimal("3960000")
    assert result.earned_savings_losses == Decimal("3880800.00")


def test_reach_professional_shares_2_464_200_across_two_corridors() -> None:
    params = BOOK.reach_arrangement(2023, ReachArrangement.PROFESSIONAL)
    result = settle_reach(_reach(ReachArrangement.PROFESSIONAL), params)
    assert result.final_benchmark == Decimal("59760000")
    assert result.gross_savings == Decimal("5760000")
    assert round(float(result.savings_rate) * 100, 2) == 9.64
    amounts = [(s.amount, s.kept) for s in result.slices if s.amount]
    assert amounts == [
        (Decimal("2988000"), Decimal("1494000")),
        (Decimal("2772000"), Decimal("970200")),
    ]
    assert result.shared_savings_losses == Decimal("2464200")
    assert result.earned_savings_losses == Decimal("2414916.00")


def test_reach_global_band_check_keeps_27_5_million_of_30_percent_savings() -> None:
    params = BOOK.reach_arrangement(2023, ReachArrangement.GLOBAL)
    slices = apply_corridors(Decimal("30000000"), Decimal("100000000"), params.corridors)
    assert sum(s.kept for s in slices) == Decimal("27500000")
