"""A projected MSSP or ACO REACH settlement during the year, with a seeded bootstrap interval.

From year-to-date claims per aligned beneficiary (paid amounts for MSSP, amounts before the
PBP/AIPBP reductions for REACH), a completion factor (for claims incurred
but not yet paid) and the months elapsed, project the year's totals and settle them with the
same engine as the final settlement. The interval resamples beneficiaries with replacement
(a nonparametric bootstrap, seeded so a projection can be reproduced) and reports the central
`interval` of the replicate savings rates and earned amounts.

This is a projection, not a CMS rule: the rounding of projected totals to the cent happens in
`rounding.py` like every other rounding, and is labelled as the projection's own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

from settlement.engine.columns import (
    BENCHMARK_PBPM,
    ELIGIBLE_MONTHS,
    PAID_AMOUNT,
    PROJECTION_COLUMNS,
)
from settlement.engine.errors import SettlementInputError
from settlement.engine.explanation import ExplanationBuilder, Step, fmt_money, fmt_pct
from settlement.engine.mssp import MSSPInput, MSSPResult, settle_mssp
from settlement.engine.parameters import MSRTable, MSSPTrackParameters, ReachParameters
from settlement.engine.reach import ReachInput, ReachResult, settle_reach
from settlement.engine.rounding import from_cents, round_to_cent, to_cents

_CHUNK = 50


@dataclass(frozen=True)
class ProjectionAssumptions:
    months_elapsed: int  # months of the performance year with claims (1-12)
    completion_factor: Decimal  # share of incurred claims already paid (0 < c <= 1)
    seed: int
    replicates: int = 500
    interval: Decimal = Decimal("0.90")


@dataclass(frozen=True)
class ProjectedSettlement:
    assumptions: ProjectionAssumptions
    beneficiaries: int
    ytd_paid: Decimal
    ytd_benchmark: Decimal
    point: MSSPResult | ReachResult
    savings_rate_low: Fraction
    savings_rate_high: Fraction
    earned_low: Decimal
    earned_high: Decimal
    explanation: tuple[Step, ...]


def _cents_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    values = []
    for position, value in enumerate(frame[column].tolist()):
        if isinstance(value, float):
            raise SettlementInputError(
                column, f"row {position + 1}: money must be Decimal or text, never float"
            )
        try:
            values.append(to_cents(Decimal(str(value))))
        except (ValueError, ArithmeticError) as exc:
            raise SettlementInputError(
                column, f"row {position + 1}: {value!r} is not an amount in cents"
            ) from exc
    return np.asarray(values, dtype=np.int64)


def _project_totals(
    paid: int, benchmark: int, assumptions: ProjectionAssumptions
) -> tuple[Decimal, Decimal]:
    """Full-year benchmark and completed expenditure from year-to-date cents."""
    scale = Fraction(12, assumptions.months_elapsed)
    completed = Fraction(paid, 100) / Fraction(assumptions.completion_factor)
    # Rounding: projected totals to the cent before they are settled (the projection's own rule).
    return round_to_cent(Fraction(benchmark, 100) * scale), round_to_cent(completed * scale)


def project_mssp(
    frame: pd.DataFrame,
    *,
    template: MSSPInput,
    params: MSSPTrackParameters,
    msr_table: MSRTable,
    assumptions: ProjectionAssumptions,
) -> ProjectedSettlement:
    """Project the year's MSSP settlement from year-to-date figures (see the module docstring).

    `frame` needs the columns of `columns.PROJECTION_COLUMNS`: one row per aligned beneficiary
    with eligible months so far, paid amount so far and the benchmark per beneficiary-month of
    the beneficiary's enrollment type. `template` carries the track, MSR choice and quality
    assumptions; its totals and beneficiary count are replaced by the projection's.
    """

    def settle(n: int, total_benchmark: Decimal, total_expenditure: Decimal) -> MSSPResult:
        return settle_mssp(
            replace(
                template,
                assigned_beneficiaries=n,
                total_benchmark=total_benchmark,
                total_expenditure=total_expenditure,
                euc_loss_reduction=Decimal(0),
            ),
            params,
            msr_table,
        )

    return project(frame, settle=settle, assumptions=assumptions, spent_label="paid claims")


def project_reach(
    frame: pd.DataFrame,
    *,
    template: ReachInput,
    params: ReachParameters,
    assumptions: ProjectionAssumptions,
) -> ProjectedSettlement:
    """Project the year's ACO REACH settlement from year-to-date figures (domain.md 4.1-4.2).

    `frame` as for `project_mssp`, with the total cost of care so far valued before the
    PBP/AIPBP reductions (domain.md 4.2, 4.3) and the benchmark per beneficiary-month before the
    discount and the quality withhold. `template` carries the arrangement, the share of the
    withhold earned back and any stop-loss or cash-flow figures given; its benchmark and total
    cost of care are replaced by the projection's, and the engine applies discount, withhold,
    corridors and sequestration to them as in the final settlement.
    """

    def settle(_n: int, total_benchmark: Decimal, total_expenditure: Decimal) -> ReachResult:
        return settle_reach(
            replace(template, benchmark=total_benchmark, total_cost_of_care=total_expenditure),
            params,
        )

    return project(
        frame,
        settle=settle,
        assumptions=assumptions,
        spent_label="total cost of care (before PBP/AIPBP reductions)",
    )


def project(
    frame: pd.DataFrame,
    *,
    settle: Callable[[int, Decimal, Decimal], MSSPResult | ReachResult],
    assumptions: ProjectionAssumptions,
    spent_label: str,
) -> ProjectedSettlement:
    """The projection shared by the programs: validate the frame, project the year's totals,
    settle them with `settle(beneficiaries, total_benchmark, total_expenditure)` (the program's
    engine) and bootstrap the interval over beneficiaries."""
    missing = [c for c in PROJECTION_COLUMNS if c not in frame.columns]
    if missing:
        raise SettlementInputError(missing[0], "column missing from the projection input")
    if frame.empty:
        raise SettlementInputError(PAID_AMOUNT, "no beneficiaries to project")
    if not 1 <= assumptions.months_elapsed <= 12:
        raise SettlementInputError("months_elapsed", "must be between 1 and 12")
    if not 0 < assumptions.completion_factor <= 1:
        raise SettlementInputError("completion_factor", "must be above 0 and at most 1")
    if assumptions.replicates < 20:
        raise SettlementInputError("replicates", "use at least 20 bootstrap replicates")

    months = frame[ELIGIBLE_MONTHS].astype("int64").to_numpy()
    if (months < 0).any() or (months > assumptions.months_elapsed).any():
        raise SettlementInputError(
            ELIGIBLE_MONTHS, f"must be between 0 and {assumptions.months_elapsed}"
        )
    paid = _cents_column(frame, PAID_AMOUNT)
    pbpm = _cents_column(frame, BENCHMARK_PBPM)
    benchmark = pbpm * months
    n = len(frame)

    ex = ExplanationBuilder(parameters="projection assumptions (not a CMS rule)")
    ex.input("Aligned beneficiaries in the projection", f"{n:,}")
    ex.input("Months of claims so far", str(assumptions.months_elapsed))
    ex.input(
        "Share of incurred claims paid to date (1 / completion factor)",
        fmt_pct(assumptions.completion_factor),
    )
    ex.input(
        "Bootstrap",
        f"{assumptions.replicates} replicates, seed {assumptions.seed}, central {fmt_pct(assumptions.interval, 0)}",
    )
    ytd_paid, ytd_benchmark = int(paid.sum()), int(benchmark.sum())
    ex.figure(f"Year-to-date {spent_label}", fmt_money(from_cents(ytd_paid)))
    ex.figure(
        "Year-to-date benchmark (benchmark PBPM x eligible months)",
        fmt_money(from_cents(ytd_benchmark)),
    )
    point_benchmark, point_expenditure = _project_totals(ytd_paid, ytd_benchmark, assumptions)
    ex.rule(
        "Projected expenditure = claims to date / completion factor x 12 / months elapsed; benchmark x 12 / months elapsed",
        f"benchmark {fmt_money(point_benchmark)}; expenditure {fmt_money(point_expenditure)}",
    )

    point = settle(n, point_benchmark, point_expenditure)
    rng = np.random.default_rng(assumptions.seed)
    probabilities = np.full(n, 1.0 / n)
    rates: list[Fraction] = []
    earned: list[Decimal] = []
    remaining = assumptions.replicates
    while remaining:
        size = min(_CHUNK, remaining)
        remaining -= size
        # Resample beneficiaries with replacement: counts[i, j] is how often beneficiary j is
        # drawn into replicate i. Sums stay in whole cents (int64), hence exact.
        counts = rng.multinomial(n, probabilities, size=size).astype(np.int64)
        for paid_sum, benchmark_sum in zip(counts @ paid, counts @ benchmark, strict=True):
            total_benchmark, total_expenditure = _project_totals(
                int(paid_sum), int(benchmark_sum), assumptions
            )
            if total_benchmark <= 0:
                continue
            result = settle(n, total_benchmark, total_expenditure)
            rates.append(result.savings_rate)
            earned.append(result.earned_savings_losses)
    rates.sort()
    earned.sort()
    tail = (1 - Fraction(assumptions.interval)) / 2
    low_index = int(tail * len(rates))
    high_index = max(len(rates) - 1 - low_index, low_index)
    ex.figure(
        "Projected savings rate (point; interval)",
        f"{fmt_pct(point.savings_rate)}; {fmt_pct(rates[low_index])} to {fmt_pct(rates[high_index])}",
    )
    ex.figure(
        "Projected earned savings (losses) (point; interval)",
        f"{fmt_money(point.earned_savings_losses)}; {fmt_money(earned[low_index])} to {fmt_money(earned[high_index])}",
    )
    return ProjectedSettlement(
        assumptions=assumptions,
        beneficiaries=n,
        ytd_paid=from_cents(ytd_paid),
        ytd_benchmark=from_cents(ytd_benchmark),
        point=point,
        savings_rate_low=rates[low_index],
        savings_rate_high=rates[high_index],
        earned_low=earned[low_index],
        earned_high=earned[high_index],
        explanation=ex.build() + point.explanation,
    )
