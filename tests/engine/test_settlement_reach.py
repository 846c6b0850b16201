"""ACO REACH settlement rules beyond the worked example (domain.md 4.1-4.3)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from settlement.engine.errors import SettlementInputError
from settlement.engine.parameters import ReachArrangement
from settlement.engine.reach import (
    ReachCashFlows,
    ReachInput,
    StopLossAdjustment,
    StopLossBand,
    StopLossParameters,
    settle_reach,
    stop_loss_adjustment,
)
from tests.engine.settlement_support import BOOK

GLOBAL, PROFESSIONAL = ReachArrangement.GLOBAL, ReachArrangement.PROFESSIONAL


def reach(arrangement: ReachArrangement = GLOBAL, year: int = 2023, **overrides: Any) -> ReachInput:
    base = ReachInput(
        performance_year=year,
        arrangement=arrangement,
        benchmark=Decimal("60000000"),
        total_cost_of_care=Decimal("54000000"),
        quality_earn_back_rate=Decimal("0.80"),
    )
    return replace(base, **overrides)


def settle(inputs: ReachInput):  # noqa: ANN201 - the test's own shorthand
    return settle_reach(inputs, BOOK.reach_arrangement(inputs.performance_year, inputs.arrangement))


def test_losses_run_through_the_same_marginal_corridors() -> None:
    # Professional: final benchmark $59.76M; losses of 12% = $7,171,200.
    result = settle(reach(PROFESSIONAL, total_cost_of_care=Decimal("59760000") * Decimal("1.12")))
    assert result.gross_savings == Decimal("-7171200")
    expected = (
        Decimal("2988000") * Decimal("0.5")
        + Decimal("2988000") * Decimal("0.35")
        + Decimal("1195200") * Decimal("0.15")
    )
    assert result.shared_savings_losses == -expected
    # Sequestration applies to losses too [3P, to confirm]: the DCE owes 98% of its share.
    assert expected == Decimal("2719080")
    assert result.earned_savings_losses == Decimal("-2664698.40")


def test_a_global_dce_keeps_10_percent_beyond_half_the_benchmark() -> None:
    result = settle(reach(total_cost_of_care=Decimal("0")))  # 100% savings
    final = Decimal("57960000")
    expected = final * (
        Decimal("0.25")
        + Decimal("0.10") * Decimal("0.5")
        + Decimal("0.15") * Decimal("0.25")
        + Decimal("0.5") * Decimal("0.1")
    )
    assert result.shared_savings_losses == expected


def test_the_global_discount_follows_the_performance_year() -> None:
    assert settle(reach(year=2022)).discount == Decimal("1200000")  # 2%
    assert settle(reach(year=2025)).discount == Decimal("2100000")  # 3.5% [3P]
    assert settle(reach(PROFESSIONAL, year=2025)).discount == 0


def test_gpdc_years_withhold_5_percent() -> None:
    result = settle(reach(year=2021))
    assert result.quality_withhold == Decimal("3000000")


def test_the_withhold_is_2_percent_to_py2025_and_5_percent_in_py2026_to_confirm() -> None:
    # RFA Table 6.16 gives 2% from PY2023; CMS's PY2026 model update raises it (summaries: 5%).
    assert settle(reach(year=2025)).quality_withhold == Decimal("1200000")
    py2026 = settle(reach(year=2026))
    assert py2026.quality_withhold == Decimal("3000000")
    params = BOOK.reach_arrangement(2026, GLOBAL)
    assert params.to_confirm("quality_withhold_rate")
    assert "Performance Year 2026 Model Update" in params.source("quality_withhold_rate")


def test_capitation_cash_flows_do_not_change_the_savings() -> None:
    plain = settle(reach())
    flows = ReachCashFlows(
        pcc_base_paid=Decimal("1800000"),
        pcc_enhanced_paid=Decimal("400000"),
        tcc_paid=Decimal("20000000"),
        apo_paid=Decimal("500000"),
        apo_claims_reduced=Decimal("450000.25"),
    )
    with_flows = settle(reach(cash_flows=flows))
    assert with_flows.gross_savings == plain.gross_savings
    assert with_flows.earned_savings_losses == plain.earned_savings_losses == Decimal("3880800.00")
    assert with_flows.cash_flow_adjustments == Decimal("-449999.75")  # -400,000 - 49,999.75
    assert with_flows.net_settlement == Decimal("3430800.25")
    informational = [line for line in with_flows.cash_flows if not line.settles]
    assert {line.amount for line in informational} == {Decimal("1800000"), Decimal("20000000")}
    labels = [step.label for step in with_flows.explanation]
    assert (
        "TCC paid during the year (already in TCOC at FFS value) (no settlement effect)" in labels
    )


def test_tcc_is_refused_for_a_professional_dce() -> None:
    with pytest.raises(SettlementInputError) as error:
        settle(reach(PROFESSIONAL, cash_flows=ReachCashFlows(tcc_paid=Decimal("1"))))
    assert error.value.field == "tcc_paid"


def test_stop_loss_takes_the_charge_from_the_benchmark_and_the_payout_from_costs() -> None:
    result = settle(
        reach(stop_loss=StopLossAdjustment(charge=Decimal("300000"), payout=Decimal("500000")))
    )
    assert result.final_benchmark == Decimal("57660000")
    assert result.total_cost_of_care == Decimal("53500000")
    assert result.gross_savings == Decimal("4160000")


def test_the_stop_loss_payout_is_computed_from_beneficiary_costs_and_bands() -> None:
    parameters = StopLossParameters(
        charge_rate=Decimal("0.005"),
        bands=(
            StopLossBand(Decimal("100000"), Decimal("250000"), Decimal("0.5")),
            StopLossBand(Decimal("250000"), None, Decimal("0.9")),
        ),
    )
    adjustment = stop_loss_adjustment(
        parameters,
        benchmark=Decimal("60000000"),
        beneficiary_costs=[Decimal("50000"), Decimal("150000"), Decimal("300000")],
    )
    assert adjustment.charge == Decimal("300000")
    # 150k: 50k x 50%; 300k: 150k x 50% + 50k x 90%.
    assert adjustment.payout == Decimal("25000") + Decimal("75000") + Decimal("45000")


@pytest.mark.parametrize(
    ("field", "overrides"),
    [
        ("benchmark", {"benchmark": Decimal("0")}),
        ("total_cost_of_care", {"total_cost_of_care": Decimal("-1")}),
        ("quality_withhold_earned_pct", {"quality_earn_back_rate": Decimal("1.2")}),
        ("stop_loss_payout", {"stop_loss": StopLossAdjustment(Decimal("0"), Decimal("-5"))}),
    ],
)
def test_bad_reach_inputs_name_their_field(field: str, overrides: dict) -> None:
    with pytest.raises(SettlementInputError) as error:
        settle(reach(**overrides))
    assert error.value.field == field


def test_the_explanation_never_mentions_an_msr() -> None:
    result = settle(reach())
    labels = [step.label for step in result.explanation]
    assert "No MSR or MLR in ACO REACH: sharing starts at the first dollar" in labels
    assert result.explanation[-1].value == "$3,880,800.00"
