"""Projected settlement with a seeded bootstrap band."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from settlement.engine.errors import SettlementInputError
from settlement.engine.mssp import MSSPInput
from settlement.engine.parameters import MSSPTrack
from settlement.engine.projection import ProjectionAssumptions, project_mssp
from tests.engine.settlement_support import BOOK, mssp_input

# Small synthetic populations (under 5,000) need an entity-specific MSR; 2% as in domain.md 3.5.
TEMPLATE: MSSPInput = mssp_input(track=MSSPTrack.BASIC_E, msr_pct=Decimal("2.0"))
PARAMS = BOOK.mssp_track(2025, MSSPTrack.BASIC_E)


def ytd_frame(n: int, *, seed: int, mean_paid: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    paid_cents = rng.gamma(0.8, mean_paid * 100 / 0.8, n).astype(int)
    return pd.DataFrame(
        {
            "beneficiary_key": [f"K{i:05d}" for i in range(n)],
            "eligible_months": [6] * n,
            "paid_amount": [Decimal(int(c)).scaleb(-2) for c in paid_cents],
            "benchmark_pbpm": [Decimal("1000.00")] * n,
        }
    )


def project(frame: pd.DataFrame, seed: int = 11, completion: str = "0.95"):  # noqa: ANN201
    return project_mssp(
        frame,
        template=TEMPLATE,
        params=PARAMS,
        msr_table=BOOK.msr_table(2025),
        assumptions=ProjectionAssumptions(6, Decimal(completion), seed=seed, replicates=200),
    )


def test_the_point_projection_completes_and_annualises_year_to_date_claims() -> None:
    frame = pd.DataFrame(
        {
            "beneficiary_key": ["A", "B"],
            "eligible_months": [6, 6],
            "paid_amount": [Decimal("5700.00"), Decimal("5700.00")],
            "benchmark_pbpm": [Decimal("1000.00"), Decimal("1000.00")],
        }
    )
    result = project(frame)
    assert result.point.inputs.total_benchmark == Decimal("24000.00")  # 2 x $1,000 x 6 x 12/6
    assert result.point.inputs.total_expenditure == Decimal("24000.00")  # 11,400 / 0.95 x 2
    assert result.point.inputs.assigned_beneficiaries == 2


def test_the_band_brackets_the_point_and_is_reproducible_with_its_seed() -> None:
    frame = ytd_frame(3000, seed=3, mean_paid=5500)
    first, again, other = project(frame), project(frame), project(frame, seed=12)
    assert first.savings_rate_low <= first.point.savings_rate <= first.savings_rate_high
    assert first.savings_rate_low < first.savings_rate_high
    assert (first.savings_rate_low, first.savings_rate_high) == (
        again.savings_rate_low,
        again.savings_rate_high,
    )
    assert (first.savings_rate_low, first.savings_rate_high) != (
        other.savings_rate_low,
        other.savings_rate_high,
    )
    assert first.earned_low <= first.earned_high


def test_a_smaller_completion_factor_projects_higher_spending() -> None:
    frame = ytd_frame(500, seed=4, mean_paid=5000)
    low = project(frame, completion="0.85").point.inputs.total_expenditure
    high = project(frame, completion="0.99").point.inputs.total_expenditure
    assert low > high


def test_float_money_is_refused() -> None:
    frame = ytd_frame(3, seed=1, mean_paid=100).assign(paid_amount=[1.5, 2.5, 3.5])
    with pytest.raises(SettlementInputError, match="never float"):
        project(frame)


def test_a_missing_column_is_named() -> None:
    with pytest.raises(SettlementInputError) as error:
        project(ytd_frame(3, seed=1, mean_paid=100).drop(columns=["benchmark_pbpm"]))
    assert error.value.field == "benchmark_pbpm"


def test_a_reach_projection_settles_with_the_reach_engine_and_is_seeded() -> None:
    from settlement.engine.parameters import ReachArrangement
    from settlement.engine.projection import project_reach
    from settlement.engine.reach import ReachInput, settle_reach

    params = BOOK.reach_arrangement(2025, ReachArrangement.PROFESSIONAL)
    template = ReachInput(
        2025, ReachArrangement.PROFESSIONAL, Decimal(1), Decimal(0), Decimal("0.8")
    )
    frame = ytd_frame(300, seed=5, mean_paid=5400)

    def run(seed: int, months: int = 6, completion: str = "0.9"):  # noqa: ANN202
        return project_reach(
            frame.assign(eligible_months=months),
            template=template,
            params=params,
            assumptions=ProjectionAssumptions(
                months, Decimal(completion), seed=seed, replicates=80
            ),
        )

    first, again = run(3), run(3)
    assert (first.earned_low, first.earned_high) == (again.earned_low, again.earned_high)
    assert first.earned_low <= first.point.earned_savings_losses <= first.earned_high
    assert first.savings_rate_low <= first.point.savings_rate <= first.savings_rate_high
    # Twelve months at completion 1: the point is the REACH engine on the frame's totals.
    whole = run(3, months=12, completion="1")
    totals = settle_reach(
        ReachInput(
            2025, ReachArrangement.PROFESSIONAL, Decimal("1000.00") * 12 * 300,
            sum(frame["paid_amount"], Decimal(0)), Decimal("0.8"),
        ),
        params,
    )  # fmt: skip
    assert whole.point.earned_savings_losses == totals.earned_savings_losses
    assert whole.point.final_benchmark == totals.final_benchmark
