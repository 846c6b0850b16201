"""Properties that hold for any input (hypothesis): caps, monotonicity, exact distribution,
and agreement of the batch calculator with the engine."""

from __future__ import annotations

import io
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from typing import Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from settlement.engine.batch import mssp_output_row, run_batch
from settlement.engine.columns import MSSP_OPTIONAL, MSSP_REQUIRED
from settlement.engine.distribution import (
    AllocationBasis,
    AllocationMethod,
    ParticipantFigures,
    allocate,
)
from settlement.engine.mssp import VARIABLE, MSSPInput
from settlement.engine.parameters import MSSPTrack, ReachArrangement, Risk
from settlement.engine.reach import ReachInput, settle_reach
from settlement.engine.rounding import round_to_cent
from tests.engine.settlement_support import BOOK, settle

# Hundreds of examples a property: the fuzz lane (make test runs them, derandomized).
pytestmark = pytest.mark.fuzz

CURRENT = [t for t in MSSPTrack if not t.startswith("TRACK_")]
cents = st.integers(min_value=100_000_00, max_value=2_000_000_000_00).map(
    lambda c: Decimal(c).scaleb(-2)
)


@st.composite
def mssp_inputs(draw: st.DrawFn) -> MSSPInput:
    year = draw(st.integers(2021, 2026))
    tracks = CURRENT + ([t for t in MSSPTrack if t.startswith("TRACK_")] if year == 2021 else [])
    track = draw(st.sampled_from(tracks))
    params = BOOK.mssp_track(year, track)
    benchmark = draw(cents)
    ratio = draw(st.decimals(min_value=Decimal("0.6"), max_value=Decimal("1.4"), places=4))
    if params.risk == Risk.ONE_SIDED:
        msr_mlr: Decimal | Literal["variable"] = VARIABLE
    else:
        options: list[Decimal | Literal["variable"]] = [VARIABLE, *params.fixed_msr_options]
        msr_mlr = draw(st.sampled_from(options))
    return MSSPInput(
        performance_year=year,
        track=track,
        assigned_beneficiaries=draw(st.integers(5_000, 120_000)),
        total_benchmark=benchmark,
        total_expenditure=round_to_cent(benchmark * ratio),
        msr_mlr=msr_mlr,
        met_qps=draw(st.booleans()),
        met_alt_qps=draw(st.booleans()),
        met_reporting=draw(st.booleans()),
        quality_score=draw(st.decimals(min_value=0, max_value=100, places=2)),
        msr_pct=draw(st.none() | st.decimals(min_value=0, max_value=Decimal("12.2"), places=2)),
        participant_revenue=draw(cents),
        low_revenue=draw(st.none() | st.booleans()),
        entity_id=draw(st.from_regex(r"A[0-9]{4}", fullmatch=True)),
    )


@settings(max_examples=300, deadline=None)
@given(mssp_inputs())
def test_earned_savings_never_exceed_the_performance_payment_limit(inputs: MSSPInput) -> None:
    result = settle(inputs)
    assert result.shared_savings <= result.performance_payment_limit
    assert result.earned_savings_losses <= round_to_cent(result.performance_payment_limit)
    if result.loss_sharing_limit is not None:
        assert -result.earned_savings_losses <= round_to_cent(result.loss_sharing_limit)
    if result.parameters.risk == Risk.ONE_SIDED:
        assert result.earned_savings_losses >= 0


@settings(max_examples=200, deadline=None)
@given(mssp_inputs(), st.integers(0, 50_000_000_00))
def test_sharing_never_falls_as_savings_rise(inputs: MSSPInput, less_cents: int) -> None:
    lower_spending = replace(
        inputs,
        total_expenditure=max(
            inputs.total_expenditure - Decimal(less_cents).scaleb(-2), Decimal(0)
        ),
    )
    assert settle(lower_spending).earned_savings_losses >= settle(inputs).earned_savings_losses


@settings(max_examples=200, deadline=None)
@given(
    st.integers(-(10**12), 10**12).map(lambda c: Decimal(c).scaleb(-2)),
    st.lists(
        st.tuples(
            st.integers(0, 50_000),
            st.integers(0, 10**9),
            st.integers(0, 10**9),
            st.integers(0, 100),
        ),
        min_size=1,
        max_size=25,
    ),
    st.sampled_from(list(AllocationBasis)),
)
def test_the_distribution_always_sums_to_the_whole(
    total: Decimal, rows: list, basis: AllocationBasis
) -> None:
    participants = [
        ParticipantFigures(f"{i:09d}", f"TIN {i}", n, Decimal(b), Decimal(e), Decimal(q))
        for i, (n, b, e, q) in enumerate(rows)
    ]
    try:
        allocation = allocate(total, participants, AllocationMethod.single(basis))
    except ValueError:  # no participant has weight on this basis: refused, nothing to check
        return
    assert sum(s.amount for s in allocation.shares) == total
    # Every part is within one cent of its exact share.
    assert all(
        abs(s.amount - Decimal(s.exact_amount.numerator) / s.exact_amount.denominator)
        < Decimal("0.01")
        for s in allocation.shares
    )


def _csv(rows: list[MSSPInput]) -> str:
    columns = MSSP_REQUIRED + MSSP_OPTIONAL
    lines = [",".join(columns)]
    for r in rows:
        values = {
            "entity_id": r.entity_id,
            "performance_year": str(r.performance_year),
            "track": str(r.track),
            "assigned_beneficiaries": str(r.assigned_beneficiaries),
            "total_benchmark": str(r.total_benchmark),
            "total_expenditure": str(r.total_expenditure),
            "msr_mlr": str(r.msr_mlr),
            "quality_score": "" if r.quality_score is None else str(r.quality_score),
            "met_qps": str(r.met_qps).lower(),
            "met_alt_qps": str(r.met_alt_qps).lower(),
            "met_reporting": str(r.met_reporting).lower(),
            "msr_pct": "" if r.msr_pct is None else str(r.msr_pct),
            "participant_revenue": ""
            if r.participant_revenue is None
            else str(r.participant_revenue),
            "low_revenue": "" if r.low_revenue is None else str(r.low_revenue).lower(),
            "euc_loss_reduction": "",
        }
        lines.append(",".join(values[c] for c in columns))
    return "\n".join(lines) + "\n"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mssp_inputs(), min_size=1, max_size=8))
def test_the_batch_calculator_agrees_with_the_engine(rows: list[MSSPInput]) -> None:
    outcome = run_batch("mssp", io.StringIO(_csv(rows)), BOOK)
    assert outcome.errors == []
    assert outcome.rows == [mssp_output_row(settle(r)) for r in rows]


@settings(max_examples=200, deadline=None)
@given(
    cents,
    st.decimals(min_value=Decimal("0.2"), max_value=Decimal("1.8"), places=4),
    st.decimals(min_value=0, max_value=1, places=2),
    st.sampled_from(list(ReachArrangement)),
    st.integers(2021, 2026),
)
def test_reach_keeps_at_most_what_it_saves_and_is_monotone(
    benchmark: Decimal, ratio: Decimal, earn_back: Decimal, arrangement: ReachArrangement, year: int
) -> None:
    params = BOOK.reach_arrangement(year, arrangement)
    inputs = ReachInput(year, arrangement, benchmark, round_to_cent(benchmark * ratio), earn_back)
    result = settle_reach(inputs, params)
    assert abs(result.shared_savings_losses) <= abs(result.gross_savings)
    cheaper = settle_reach(
        replace(inputs, total_cost_of_care=inputs.total_cost_of_care - Decimal("1000")), params
    )
    assert cheaper.earned_savings_losses >= result.earned_savings_losses


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=-(10**12), max_value=10**12, places=6))
def test_rounding_a_decimal_and_its_exact_fraction_agree(amount: Decimal) -> None:
    rounded = round_to_cent(amount)
    assert rounded == round_to_cent(Fraction(amount))
    assert abs(rounded - amount) <= Decimal("0.005")
    assert str(rounded) != "-0.00"
