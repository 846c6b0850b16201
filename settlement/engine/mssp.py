"""MSSP financial reconciliation for one ACO and one performance year (domain.md 3; 42 CFR
425.604, .605, .606, .610, .512).

Inputs are the figures of CMS's reconciliation report (updated benchmark, assigned beneficiary
expenditures, person-years, quality result); parameters come from the `MSSPTrackParameters` and
`MSRTable` the caller passes. Amounts are exact until the one rounding of the earned amount.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Final, Literal

from settlement.engine.errors import SettlementInputError
from settlement.engine.explanation import ExplanationBuilder, Step, fmt_money, fmt_pct
from settlement.engine.parameters import (
    LossLimitMethod,
    LossRateMethod,
    MSRTable,
    MSSPTrack,
    MSSPTrackParameters,
    Risk,
)
from settlement.engine.rounding import exact, round_to_cent

VARIABLE: Final = "variable"
ZERO = Decimal("0")
HUNDRED = Decimal("100")
# CMS's reports give the EUC loss reduction in whole dollars: a reported reduction above the
# shared losses by less than this is its rounding, not a wrong figure.
EUC_ROUNDING = Decimal("1")


class ThresholdSource(StrEnum):
    VARIABLE: Final = "variable"
    FIXED = "fixed"
    ENTITY_SPECIFIC = "entity-specific"


class Outcome(StrEnum):
    SHARED_SAVINGS = "shared savings"
    HALF_RATE_SAVINGS = "shared savings at half rate (low-revenue BASIC ACO below its MSR)"
    SAVINGS_BELOW_MSR = "savings below the MSR: nothing shared"
    SHARED_LOSSES = "shared losses"
    LOSSES_BELOW_MLR = "losses below the MLR: nothing shared"
    LOSSES_ONE_SIDED = "losses on a one-sided track: nothing shared"
    NO_SAVINGS_OR_LOSSES = "expenditures equal the benchmark"


@dataclass(frozen=True)
class MSSPInput:
    """One entity-year as CMS reports it. Percent inputs are in percent (2 means 2%)."""

    performance_year: int
    track: MSSPTrack
    assigned_beneficiaries: int
    total_benchmark: Decimal
    total_expenditure: Decimal
    msr_mlr: Decimal | Literal["variable"]
    met_qps: bool
    met_alt_qps: bool
    met_reporting: bool
    quality_score: Decimal | None = None
    msr_pct: Decimal | None = None
    participant_revenue: Decimal | None = None
    low_revenue: bool | None = None
    euc_loss_reduction: Decimal = ZERO
    entity_id: str = ""


@dataclass(frozen=True)
class MSSPResult:
    """The settlement of one entity-year, with every intermediate figure and its explanation.

    Signs: `gross_savings` and `generated_savings_losses` are positive for savings and negative
    for losses; `earned_savings_losses` is positive when CMS pays the ACO (after sequestration)
    and negative when the ACO owes CMS. Only `earned_savings_losses` is rounded (to the cent).
    """

    inputs: MSSPInput
    parameters: MSSPTrackParameters
    gross_savings: Decimal
    savings_rate: Fraction
    msr: Fraction
    mlr: Fraction | None
    threshold_source: ThresholdSource
    outcome: Outcome
    generated_savings_losses: Decimal
    quality_sharing_rate: Decimal  # the final sharing rate the quality result gives
    applied_sharing_rate: Decimal  # the rate applied to savings (half the above when halved)
    final_loss_rate: Decimal | None
    shared_savings_before_limit: Decimal
    performance_payment_limit: Decimal
    shared_savings: Decimal  # after the performance payment limit, before sequestration
    sequestration: Decimal
    shared_losses_before_limit: Decimal
    loss_sharing_limit: Decimal | None
    shared_losses: Decimal  # after the loss sharing limit, before the EUC reduction
    euc_loss_reduction: Decimal
    earned_savings_losses: Decimal
    explanation: tuple[Step, ...]
    # What the figures as reported did not let the engine check, or what it read as CMS's
    # rounding (settlements of reported figures only; see `settle_mssp`'s `as_reported`).
    warnings: tuple[str, ...] = ()

    @property
    def final_sharing_rate(self) -> Decimal:
        """The ACO's final sharing rate: the quality rate, halved when the PY2024+ low-revenue
        rule applied. Defined whether or not savings were shared (the MSR decides that)."""
        if self.outcome == Outcome.HALF_RATE_SAVINGS:
            return self.applied_sharing_rate
        return self.quality_sharing_rate


def _validate(inputs: MSSPInput, params: MSSPTrackParameters) -> None:
    if inputs.assigned_beneficiaries <= 0:
        raise SettlementInputError("assigned_beneficiaries", "must be a positive whole number")
    if inputs.total_benchmark <= 0:
        raise SettlementInputError("total_benchmark", "must be greater than zero")
    if inputs.total_expenditure < 0:
        raise SettlementInputError("total_expenditure", "must not be negative")
    if inputs.quality_score is not None and not ZERO <= inputs.quality_score <= HUNDRED:
        raise SettlementInputError("quality_score", "must be between 0 and 100")
    if inputs.msr_pct is not None and not ZERO <= inputs.msr_pct < HUNDRED:
        raise SettlementInputError("msr_pct", "must be a percent between 0 and 100")
    if inputs.participant_revenue is not None and inputs.participant_revenue < 0:
        raise SettlementInputError("participant_revenue", "must not be negative")
    if inputs.euc_loss_reduction < 0:
        raise SettlementInputError("euc_loss_reduction", "must not be negative")
    if inputs.msr_mlr != VARIABLE:
        if params.risk == Risk.ONE_SIDED:
            raise SettlementInputError(
                "msr_mlr",
                f"{params.track} is one-sided: its MSR is the variable, size-based one "
                "(42 CFR 425.605(b)(1)); give 'variable'",
            )
        if inputs.msr_mlr not in params.fixed_msr_options:
            options = ", ".join(f"{o.normalize():f}" for o in params.fixed_msr_options)
            raise SettlementInputError(
                "msr_mlr", f"a fixed MSR/MLR must be one of {options} percent, or 'variable'"
            )


def _thresholds(
    inputs: MSSPInput, params: MSSPTrackParameters, table: MSRTable, ex: ExplanationBuilder
) -> tuple[Fraction, Fraction | None, ThresholdSource]:
    """The MSR and, for two-sided tracks, the MLR (domain.md 3.2)."""
    two_sided = params.risk == Risk.TWO_SIDED
    n = inputs.assigned_beneficiaries
    if inputs.msr_pct is not None:
        msr = Fraction(inputs.msr_pct) / 100
        both = " (and, the ACO being two-sided, the same MLR)" if two_sided else ""
        if inputs.msr_mlr == VARIABLE:
            why = (
                f"The variable, size-based MSR applies; CMS's figure for this ACO is used{both} "
                "in place of the platform's table"
            )
        elif n < params.fixed_msr_min_beneficiaries:
            chosen = f"{Decimal(inputs.msr_mlr).normalize():f}%"
            why = (
                f"Fixed {chosen} MSR/MLR chosen, but with {n:,} assigned beneficiaries (fewer than "
                f"{params.fixed_msr_min_beneficiaries:,}) CMS applies the variable, size-based "
                f"MSR this year: CMS's figure for this ACO decides{both}, not the {chosen} choice"
            )
        else:
            chosen = f"{Decimal(inputs.msr_mlr).normalize():f}%"
            why = (
                f"Fixed {chosen} MSR/MLR chosen; CMS's MSR for this ACO, as given, decides{both} "
                f"in place of the {chosen} choice"
            )
        ex.rule(
            why,
            fmt_pct(msr),
            citation="42 CFR 425.605(b)(1) (variable MSR); 425.605(b)(2)(i) (symmetric MLR)",
            to_confirm=inputs.msr_mlr != VARIABLE
            and n < params.fixed_msr_min_beneficiaries
            and params.to_confirm("fixed_msr_min_beneficiaries"),
        )
        return msr, (msr if two_sided else None), ThresholdSource.ENTITY_SPECIFIC

    if inputs.msr_mlr != VARIABLE:
        if n >= params.fixed_msr_min_beneficiaries:
            msr = Fraction(inputs.msr_mlr) / 100
            ex.rule(
                "Fixed symmetric MSR/MLR chosen for the agreement period",
                fmt_pct(msr),
                citation="42 CFR 425.605(b)(2)(i)(A)-(B); domain.md 3.2",
            )
            return msr, msr, ThresholdSource.FIXED
        ex.rule(
            f"Fewer than {params.fixed_msr_min_beneficiaries:,} assigned beneficiaries: the variable "
            "scale replaces the fixed MSR/MLR this year",
            citation="domain.md 3.2 (42 CFR 425.605(b))",
            to_confirm=params.to_confirm("fixed_msr_min_beneficiaries"),
        )

    variable = table.msr(n)
    if variable is None:
        raise SettlementInputError(
            "msr_pct",
            f"{n:,} assigned beneficiaries is below the variable MSR table (it starts at "
            f"{table.lowest_n:,}); CMS sets the MSR of smaller ACOs from its SLAAM table, which is "
            "not shipped here: give the MSR from CMS's report in msr_pct",
        )
    msr = variable
    ex.rule(
        f"Variable MSR for {n:,} assigned beneficiaries, interpolated linearly inside its band"
        + (" (MLR = MSR)" if two_sided else ""),
        fmt_pct(msr),
        citation="42 CFR 425.605(b)(1); domain.md 3.2",
        parameters=table.label,
    )
    return msr, (msr if two_sided else None), ThresholdSource.VARIABLE


def quality_sharing_rate(
    params: MSSPTrackParameters,
    *,
    quality_score: Decimal | None,
    met_qps: bool,
    met_alt_qps: bool,
    met_reporting: bool,
) -> tuple[Decimal, bool, bool]:
    """The final sharing rate a quality result gives on the track, and whether the QPS and the
    alternative QPS count as met (domain.md 3.4, 42 CFR 425.512): the track maximum with the
    standard met (and the reporting requirement), maximum x score / 100 with the alternative
    standard where the year has the sliding scale, else 0."""
    qps = met_qps and met_reporting
    alternative = not qps and met_alt_qps and met_reporting and params.alternative_qps_sliding_scale
    if qps:
        return params.max_sharing_rate, True, False
    if alternative:
        if quality_score is None:
            raise SettlementInputError(
                "quality_score", "required: the alternative standard's sliding scale uses it"
            )
        with exact():
            return params.max_sharing_rate * quality_score / HUNDRED, False, True
    return ZERO, False, False


def _quality_sharing_rate(
    inputs: MSSPInput, params: MSSPTrackParameters, ex: ExplanationBuilder
) -> tuple[Decimal, bool, bool]:
    """The final sharing rate from the quality result (`quality_sharing_rate`), with its
    explanation steps."""
    rate, qps, alternative = quality_sharing_rate(
        params,
        quality_score=inputs.quality_score,
        met_qps=inputs.met_qps,
        met_alt_qps=inputs.met_alt_qps,
        met_reporting=inputs.met_reporting,
    )
    if not inputs.met_reporting and (inputs.met_qps or inputs.met_alt_qps):
        ex.rule(
            "Quality reporting requirement not met: an ACO that does not report the required "
            "measures and field CAHPS does not meet the quality performance standard",
            citation="42 CFR 425.512(a)(3)(ii), (a)(4)(ii)",
        )
    if qps:
        ex.rule(
            "Quality performance standard met: final sharing rate = track maximum",
            fmt_pct(rate),
            citation=f"42 CFR 425.512; {params.source('max_sharing_rate')}",
            to_confirm=params.to_confirm("max_sharing_rate"),
        )
    elif alternative:
        ex.rule(
            "Alternative quality standard met: final sharing rate = maximum x quality score / 100",
            f"{fmt_pct(params.max_sharing_rate)} x {inputs.quality_score} / 100 = {fmt_pct(rate)}",
            citation="42 CFR 425.512 (CY2023 PFS sliding scale); domain.md 3.4",
            to_confirm=params.to_confirm("alternative_qps_sliding_scale"),
        )
    else:
        why = "neither the quality performance standard nor the alternative standard met"
        if inputs.met_alt_qps and inputs.met_reporting and not params.alternative_qps_sliding_scale:
            why = (
                f"the alternative quality standard earns no sliding-scale sharing in "
                f"PY{inputs.performance_year}"
            )
        ex.rule(
            f"Final sharing rate 0%: {why}",
            citation="42 CFR 425.512(a)(1); domain.md 3.4",
            to_confirm=params.to_confirm("alternative_qps_sliding_scale"),
        )
    return rate, qps, alternative


def _loss_rate(
    inputs: MSSPInput,
    params: MSSPTrackParameters,
    standard_met: bool,
    ex: ExplanationBuilder,
) -> Decimal | None:
    """The shared loss rate of a two-sided track (domain.md 3.3, 3.4)."""
    method = params.loss_rate_method
    if method == LossRateMethod.NONE:
        return None
    if method == LossRateMethod.FIXED:
        assert params.shared_loss_rate is not None
        ex.rule(
            "Shared loss rate is fixed whatever the quality",
            fmt_pct(params.shared_loss_rate),
            citation=params.source("shared_loss_rate"),
            to_confirm=params.to_confirm("shared_loss_rate"),
        )
        return params.shared_loss_rate
    assert params.loss_rate_quality_not_met is not None
    if not standard_met:
        ex.rule(
            "No quality standard met: shared loss rate at its maximum",
            fmt_pct(params.loss_rate_quality_not_met),
            citation=params.source("loss_rate_quality_not_met"),
            to_confirm=params.to_confirm("loss_rate_quality_not_met"),
        )
        return params.loss_rate_quality_not_met
    if inputs.quality_score is None:
        raise SettlementInputError(
            "quality_score", f"required: the {params.track} shared loss rate depends on it"
        )
    assert params.loss_rate_quality_factor is not None
    floor = params.loss_rate_floor if params.loss_rate_floor is not None else ZERO
    ceiling = params.loss_rate_ceiling if params.loss_rate_ceiling is not None else Decimal(1)
    with exact():
        raw = 1 - params.loss_rate_quality_factor * inputs.quality_score / HUNDRED
    rate = min(max(raw, floor), ceiling)
    ex.rule(
        "Shared loss rate = 1 - maximum sharing rate x quality score / 100, clamped",
        f"1 - {fmt_pct(params.loss_rate_quality_factor)} x {inputs.quality_score} / 100 = "
        f"{fmt_pct(raw)}; within [{fmt_pct(floor)}, {fmt_pct(ceiling)}]: {fmt_pct(rate)}",
        citation=f"{params.source('loss_rate_method')}; {params.source('loss_rate_ceiling')}",
        to_confirm=any(
            params.to_confirm(name)
            for name in (
                "loss_rate_method",
                "loss_rate_quality_factor",
                "loss_rate_floor",
                "loss_rate_ceiling",
            )
        ),
    )
    return rate


def _loss_limit(
    inputs: MSSPInput,
    params: MSSPTrackParameters,
    ex: ExplanationBuilder,
    *,
    as_reported: bool = False,
    warnings: list[str] | None = None,
) -> Decimal:
    benchmark = inputs.total_benchmark
    if params.loss_limit_method == LossLimitMethod.BENCHMARK:
        assert params.loss_limit_benchmark_pct is not None
        with exact():
            limit = params.loss_limit_benchmark_pct * benchmark
        ex.rule(
            "Loss sharing limit = share of the updated benchmark",
            f"{fmt_pct(params.loss_limit_benchmark_pct)} x {fmt_money(benchmark)} = {fmt_money(limit)}",
            citation=params.source("loss_limit_benchmark_pct"),
            to_confirm=params.to_confirm("loss_limit_benchmark_pct"),
        )
        return limit
    assert params.loss_limit_revenue_pct is not None
    assert params.loss_limit_benchmark_pct is not None
    if inputs.participant_revenue is None and as_reported:
        # CMS's report gave the result without the ACO participant revenue: settle with the
        # benchmark-based limit, an upper bound of the lower-of-the-two limit, and say so.
        with exact():
            limit = params.loss_limit_benchmark_pct * benchmark
        warning = (
            "revenue-based loss sharing limit not checked: no ACO participant FFS revenue given; "
            f"the benchmark-based limit ({fmt_pct(params.loss_limit_benchmark_pct)} of the "
            f"updated benchmark = {fmt_money(limit)}) was applied, and the limit is the lower of "
            f"the two ({fmt_pct(params.loss_limit_revenue_pct)} of revenue), so the shared "
            "losses may be lower: give participant_revenue to check"
        )
        if warnings is not None:
            warnings.append(warning)
        ex.rule(
            "Loss sharing limit = the benchmark-based limit only (participant revenue not given: "
            "the revenue-based limit was not checked)",
            f"{fmt_pct(params.loss_limit_benchmark_pct)} x {fmt_money(benchmark)} = {fmt_money(limit)}",
            citation=params.source("loss_limit_benchmark_pct"),
            to_confirm=params.to_confirm("loss_limit_benchmark_pct"),
        )
        return limit
    if inputs.participant_revenue is None:
        raise SettlementInputError(
            "participant_revenue",
            f"required: the {params.track} loss sharing limit is the lower of a share of ACO "
            "participant FFS revenue and a share of the benchmark",
        )
    with exact():
        revenue_based = params.loss_limit_revenue_pct * inputs.participant_revenue
        benchmark_based = params.loss_limit_benchmark_pct * benchmark
    limit = min(revenue_based, benchmark_based)
    binding = "revenue-based" if revenue_based <= benchmark_based else "benchmark-based"
    ex.rule(
        "Loss sharing limit = lower of the revenue-based and the benchmark-based limit",
        f"min({fmt_pct(params.loss_limit_revenue_pct)} x {fmt_money(inputs.participant_revenue)} = "
        f"{fmt_money(revenue_based)}, {fmt_pct(params.loss_limit_benchmark_pct)} x "
        f"{fmt_money(benchmark)} = {fmt_money(benchmark_based)}) = {fmt_money(limit)} ({binding})",
        citation=f"{params.source('loss_limit_revenue_pct')}; {params.source('loss_limit_benchmark_pct')}",
        to_confirm=params.to_confirm("loss_limit_revenue_pct")
        or params.to_confirm("loss_limit_benchmark_pct"),
    )
    return limit


def settle_mssp(
    inputs: MSSPInput,
    params: MSSPTrackParameters,
    msr_table: MSRTable,
    *,
    as_reported: bool = False,
) -> MSSPResult:
    """Settle one MSSP entity-year.

    Implements domain.md 3.1-3.4 (42 CFR 425.604/.605/.606/.610/.512) with the parameter table
    `params` (its `version` is quoted in every rule of the explanation) and the variable MSR
    table `msr_table`: first-dollar sharing once the savings rate reaches the MSR, the quality
    sharing rate, PY2024+ half-rate sharing for eligible low-revenue BASIC ACOs, the performance
    payment limit and 2% sequestration on savings; for two-sided tracks the MLR, the shared loss
    rate, the loss sharing limit and the reduction for extreme and uncontrollable circumstances.

    `as_reported`: the figures are CMS's own, copied from its reports (the batch calculator).
    Two of CMS's ways are then accepted instead of refused, each with a warning in `warnings`
    and a line in the explanation: an EUC loss reduction above the shared losses by less than a
    dollar (CMS reports it in whole dollars; the reduction is a share of the shared losses, so
    it is limited to them), and a BASIC row with shared losses and no participant revenue
    (settled with the benchmark-based limit, the revenue-based one not checked).
    """
    if inputs.track != params.track or inputs.performance_year != params.performance_year:
        raise SettlementInputError(
            "track", f"parameters are for PY{params.performance_year} {params.track}"
        )
    _validate(inputs, params)
    ex = ExplanationBuilder(parameters=params.label)
    warnings: list[str] = []
    ex.input("Performance year / track", f"PY{inputs.performance_year} {inputs.track.display}")
    ex.input(
        "Assigned beneficiaries (head count; sets the MSR band)",
        f"{inputs.assigned_beneficiaries:,}",
    )
    ex.input("Updated benchmark (total)", fmt_money(inputs.total_benchmark))
    ex.input("Assigned beneficiary expenditures (total)", fmt_money(inputs.total_expenditure))
    ex.input(
        "MSR/MLR chosen for the agreement period",
        VARIABLE
        if inputs.msr_mlr == VARIABLE
        else f"fixed {Decimal(inputs.msr_mlr).normalize():f}%",
    )
    ex.input(
        "Quality",
        f"score {inputs.quality_score if inputs.quality_score is not None else 'n/a'}; "
        f"QPS met {inputs.met_qps}; alternative met {inputs.met_alt_qps}; "
        f"reporting met {inputs.met_reporting}",
    )
    if inputs.participant_revenue is not None:
        ex.input("ACO participant FFS revenue", fmt_money(inputs.participant_revenue))
    if inputs.low_revenue is not None:
        ex.input("Low-revenue ACO", str(inputs.low_revenue))
    if inputs.euc_loss_reduction:
        ex.input("EUC loss reduction", fmt_money(inputs.euc_loss_reduction))

    with exact():
        gross = inputs.total_benchmark - inputs.total_expenditure
    savings_rate = Fraction(gross) / Fraction(inputs.total_benchmark)
    ex.figure(
        "Gross savings (losses) = benchmark - expenditures",
        fmt_money(gross),
        citation="domain.md 3.1",
    )
    ex.figure("Savings rate = gross / benchmark", fmt_pct(savings_rate), citation="domain.md 3.1")

    msr, mlr, source = _thresholds(inputs, params, msr_table, ex)
    quality_rate, qps, alternative = _quality_sharing_rate(inputs, params, ex)
    loss_rate = _loss_rate(inputs, params, qps or alternative, ex)

    applied_rate = ZERO
    generated = ZERO
    shared_before = ZERO
    shared = ZERO
    sequestration = ZERO
    losses_before = ZERO
    loss_limit: Decimal | None = None
    losses = ZERO
    euc_applied = inputs.euc_loss_reduction
    with exact():
        cap = params.performance_payment_limit * inputs.total_benchmark

    if gross > 0 and savings_rate >= msr:
        outcome = Outcome.SHARED_SAVINGS
        applied_rate = quality_rate
        ex.rule(
            "Savings rate reaches the MSR: savings are shared from the first dollar",
            f"{fmt_pct(savings_rate)} >= {fmt_pct(msr)}",
            citation="42 CFR 425.605(d)(1)(i)(B)(1); domain.md 3.1, 10.1",
        )
    elif gross > 0:
        outcome = Outcome.SAVINGS_BELOW_MSR
        ex.rule(
            "Savings rate below the MSR: no savings are shared (no sharing of 'the excess')",
            f"{fmt_pct(savings_rate)} < {fmt_pct(msr)}",
            citation="domain.md 3.1, 10.1",
        )
        if _half_rate_eligible(inputs, params, qps, ex):
            outcome = Outcome.HALF_RATE_SAVINGS
            with exact():
                applied_rate = quality_rate / 2
            ex.rule(
                "Low-revenue BASIC ACO with at least "
                f"{params.low_revenue_min_beneficiaries:,} beneficiaries, positive savings below "
                "its MSR and the quality standard met: shares at half its final sharing rate",
                f"{fmt_pct(quality_rate)} / 2 = {fmt_pct(applied_rate)}",
                citation="CY2024 PFS; domain.md 3.4",
                to_confirm=params.to_confirm("low_revenue_half_rate"),
            )
    elif gross < 0 and params.risk == Risk.ONE_SIDED:
        outcome = Outcome.LOSSES_ONE_SIDED
        ex.rule("One-sided track: losses are not shared", citation="42 CFR 425.605(d)(1)(i)-(ii)")
    elif gross < 0 and mlr is not None and -savings_rate >= mlr:
        outcome = Outcome.SHARED_LOSSES
        ex.rule(
            "Loss rate reaches the MLR: losses are shared from the first dollar",
            f"{fmt_pct(-savings_rate)} >= {fmt_pct(mlr)}",
            citation="42 CFR 425.605(b)(4); domain.md 3.1",
        )
    elif gross < 0:
        outcome = Outcome.LOSSES_BELOW_MLR
        ex.rule(
            "Loss rate below the MLR: no losses are shared",
            f"{fmt_pct(-savings_rate)} < {fmt_pct(mlr or Fraction(0))}",
            citation="domain.md 3.1",
        )
    else:
        outcome = Outcome.NO_SAVINGS_OR_LOSSES

    if outcome in (Outcome.SHARED_SAVINGS, Outcome.HALF_RATE_SAVINGS):
        generated = gross
        with exact():
            shared_before = gross * applied_rate
            shared = min(shared_before, cap)
            sequestration = shared * params.sequestration_rate
            payable = shared - sequestration
        ex.figure(
            "Shared savings = gross savings x sharing rate",
            f"{fmt_money(gross)} x {fmt_pct(applied_rate)} = {fmt_money(shared_before)}",
        )
        ex.rule(
            "Performance payment limit = share of the updated benchmark"
            + (" (binding)" if shared_before > cap else " (not binding)"),
            f"{fmt_pct(params.performance_payment_limit)} x {fmt_money(inputs.total_benchmark)} = "
            f"{fmt_money(cap)}; shared savings {fmt_money(shared)}",
            citation=params.source("performance_payment_limit"),
            to_confirm=params.to_confirm("performance_payment_limit"),
        )
        ex.rule(
            "Sequestration on shared savings",
            f"{fmt_pct(params.sequestration_rate)} x {fmt_money(shared)} = {fmt_money(sequestration)}",
            citation=params.source("sequestration_rate"),
            to_confirm=params.to_confirm("sequestration_rate"),
        )
        # Rounding: the payment is rounded once, to the cent (rounding.py, issue 7).
        earned = round_to_cent(payable)
        ex.result("Earned shared savings paid to the ACO (after sequestration)", fmt_money(earned))
    elif outcome == Outcome.SHARED_LOSSES:
        assert loss_rate is not None
        generated = gross
        with exact():
            losses_before = -gross * loss_rate
        ex.figure(
            "Shared losses = gross losses x shared loss rate",
            f"{fmt_money(-gross)} x {fmt_pct(loss_rate)} = {fmt_money(losses_before)}",
        )
        loss_limit = _loss_limit(inputs, params, ex, as_reported=as_reported, warnings=warnings)
        losses = min(losses_before, loss_limit)
        if losses_before > loss_limit:
            ex.figure("Loss sharing limit binds: shared losses", fmt_money(losses))
        euc = inputs.euc_loss_reduction
        excess = euc - losses
        if excess > 0 and not (as_reported and excess < EUC_ROUNDING):
            raise SettlementInputError(
                "euc_loss_reduction",
                f"{fmt_money(euc)} exceeds the shared losses {fmt_money(losses)} it reduces"
                + (f" by {fmt_money(excess)} (a dollar or more)" if as_reported else ""),
            )
        if excess > 0:
            warning = (
                f"EUC loss reduction {fmt_money(euc)} exceeds the shared losses "
                f"{fmt_money(losses)} by {fmt_money(excess)}, less than a dollar (CMS reports it "
                "in whole dollars): limited to the shared losses"
            )
            warnings.append(warning)
            ex.note(
                "The reduction is the shared losses times the shares of months and of assigned "
                "beneficiaries affected, so it cannot exceed them: " + warning,
                citation="42 CFR 425.605(f)(1)",
            )
            euc = losses
        euc_applied = euc
        with exact():
            owed = losses - euc
        if euc:
            ex.rule(
                "Extreme and uncontrollable circumstances reduce the shared losses, after the "
                "loss rate and the loss sharing limit",
                f"{fmt_money(losses)} - {fmt_money(euc)} = {fmt_money(owed)}",
                citation="42 CFR 425.605(f) (BASIC; the same adjustment applies to ENHANCED)",
            )
        # Rounding: the amount owed is rounded once, to the cent (rounding.py, issue 7).
        earned = -round_to_cent(owed)
        ex.result("Shared losses owed by the ACO", fmt_money(earned))
    else:
        earned = Decimal("0.00")
        ex.result("Nothing shared", fmt_money(earned))

    if outcome != Outcome.SHARED_LOSSES and inputs.euc_loss_reduction:
        raise SettlementInputError(
            "euc_loss_reduction", "applies only to shared losses, and this entity-year shares none"
        )

    return MSSPResult(
        inputs=inputs,
        parameters=params,
        gross_savings=gross,
        savings_rate=savings_rate,
        msr=msr,
        mlr=mlr,
        threshold_source=source,
        outcome=outcome,
        generated_savings_losses=generated,
        quality_sharing_rate=quality_rate,
        applied_sharing_rate=applied_rate,
        final_loss_rate=loss_rate,
        shared_savings_before_limit=shared_before,
        performance_payment_limit=cap,
        shared_savings=shared,
        sequestration=sequestration,
        shared_losses_before_limit=losses_before,
        loss_sharing_limit=loss_limit,
        shared_losses=losses,
        euc_loss_reduction=euc_applied,
        earned_savings_losses=earned,
        explanation=ex.build(),
        warnings=tuple(warnings),
    )


def _half_rate_eligible(
    inputs: MSSPInput, params: MSSPTrackParameters, qps: bool, ex: ExplanationBuilder
) -> bool:
    """PY2024+: a low-revenue BASIC ACO with >= 5,000 beneficiaries, positive savings below its
    MSR and the quality standard met shares at half its final sharing rate (domain.md 3.4)."""
    if not inputs.low_revenue:
        return False
    reasons = []
    if not params.low_revenue_half_rate:
        reasons.append(f"the rule does not apply in PY{inputs.performance_year}")
    if not inputs.track.is_basic:
        reasons.append("only BASIC track ACOs qualify")
    if inputs.assigned_beneficiaries < params.low_revenue_min_beneficiaries:
        reasons.append(
            f"fewer than {params.low_revenue_min_beneficiaries:,} assigned beneficiaries"
        )
    if not qps:
        reasons.append("the quality performance standard is not met")
    if reasons:
        ex.rule(
            "Low-revenue half-rate sharing does not apply: " + "; ".join(reasons),
            citation="CY2024 PFS; domain.md 3.4",
        )
        return False
    return True
