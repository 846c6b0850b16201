"""ACO REACH (and GPDC) financial settlement for one DCE and one performance year
(domain.md 4.1 items 7-8, 4.2, 4.3).

The benchmark passed in is the risk-adjusted, blended performance-year benchmark including
HEBA and the RTA (domain.md 4.1 items 1-6, which the benchmarks app computes). This module takes
it to the final benchmark (discount for Global, quality withhold and earn-back, an optional
stop-loss charge), applies the marginal risk corridors and sequestration, and reconciles the
capitation mechanisms (PCC, TCC, APO) as cash flows that leave the savings untouched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from settlement.engine.errors import SettlementInputError
from settlement.engine.explanation import ExplanationBuilder, Step, fmt_money, fmt_pct
from settlement.engine.parameters import CorridorBand, ReachArrangement, ReachParameters
from settlement.engine.rounding import exact, round_to_cent

ZERO = Decimal("0")


@dataclass(frozen=True)
class StopLossBand:
    """CMS reimburses `rate` of a beneficiary's annual spending between `attachment` and
    `limit` (no upper limit when None). Attachment points and rates: REACH stop-loss paper [R];
    the caller supplies them."""

    attachment: Decimal
    limit: Decimal | None
    rate: Decimal


@dataclass(frozen=True)
class StopLossParameters:
    """The optional stop-loss arrangement: the charge (a fraction of the benchmark, built into
    it) and the reimbursement bands. Values come from the DCE's stop-loss election [R]."""

    charge_rate: Decimal
    bands: tuple[StopLossBand, ...]
    source: str = "REACH Financial Operating Guide, stop-loss paper [R]: supplied by the caller"


@dataclass(frozen=True)
class StopLossAdjustment:
    """Stop-loss in a settlement: the charge taken from the benchmark and the payout that reduces
    the total cost of care, as CMS reports them or as `stop_loss_adjustment` computes them."""

    charge: Decimal
    payout: Decimal


def stop_loss_adjustment(
    parameters: StopLossParameters, *, benchmark: Decimal, beneficiary_costs: Iterable[Decimal]
) -> StopLossAdjustment:
    """The stop-loss charge and payout from per-beneficiary annual costs (domain.md 4.2)."""
    with exact():
        charge = parameters.charge_rate * benchmark
        payout = ZERO
        for cost in beneficiary_costs:
            for band in parameters.bands:
                top = cost if band.limit is None else min(cost, band.limit)
                if top > band.attachment:
                    payout += (top - band.attachment) * band.rate
    return StopLossAdjustment(charge=charge, payout=payout)


@dataclass(frozen=True)
class ReachCashFlows:
    """Capitation and advance payments of the year (domain.md 4.3), for the cash reconciliation.

    `apo_claims_reduced` is the amount by which the participating providers' FFS claims were
    reduced for the APO, i.e. what the monthly advances stood in for.
    """

    pcc_base_paid: Decimal = ZERO
    pcc_enhanced_paid: Decimal = ZERO
    tcc_paid: Decimal = ZERO
    apo_paid: Decimal = ZERO
    apo_claims_reduced: Decimal = ZERO


@dataclass(frozen=True)
class CashFlowLine:
    label: str
    amount: Decimal  # positive: CMS pays the DCE; negative: the DCE repays CMS
    settles: bool  # False for lines shown for information only


@dataclass(frozen=True)
class ReachInput:
    performance_year: int
    arrangement: ReachArrangement
    benchmark: Decimal  # risk-adjusted blended PY benchmark incl. HEBA, before discount/withhold
    total_cost_of_care: Decimal  # capitated services at their FFS-equivalent (inclusion) amounts
    quality_earn_back_rate: Decimal  # share of the withhold earned back (0-1) from the TQS
    stop_loss: StopLossAdjustment | None = None
    cash_flows: ReachCashFlows | None = None
    aligned_member_months: int | None = None
    entity_id: str = ""


@dataclass(frozen=True)
class CorridorSlice:
    band: CorridorBand
    amount: Decimal  # the part of |gross| inside the band
    kept: Decimal  # amount x share


@dataclass(frozen=True)
class ReachResult:
    inputs: ReachInput
    parameters: ReachParameters
    discount: Decimal
    quality_withhold: Decimal
    earned_back: Decimal
    stop_loss_charge: Decimal
    stop_loss_payout: Decimal
    final_benchmark: Decimal
    total_cost_of_care: Decimal  # after the stop-loss payout
    gross_savings: Decimal
    savings_rate: Fraction
    slices: tuple[CorridorSlice, ...]
    shared_savings_losses: Decimal  # signed, before sequestration
    sequestration: Decimal  # signed like the amount it reduces
    earned_savings_losses: Decimal  # signed, rounded to the cent
    cash_flows: tuple[CashFlowLine, ...]
    cash_flow_adjustments: Decimal  # rounded to the cent
    net_settlement: Decimal  # earned + cash flow adjustments
    explanation: tuple[Step, ...]


def apply_corridors(
    gross: Decimal, final_benchmark: Decimal, corridors: tuple[CorridorBand, ...]
) -> tuple[CorridorSlice, ...]:
    """Marginal (tax-bracket) corridors: each slice of |gross| is kept at its band's share
    (domain.md 4.2, 10.9). Bands are fractions of the final benchmark."""
    magnitude = abs(gross)
    slices = []
    with exact():
        for band in corridors:
            lower = band.lower * final_benchmark
            upper = None if band.upper is None else band.upper * final_benchmark
            top = magnitude if upper is None else min(magnitude, upper)
            amount = max(top - lower, ZERO)
            slices.append(CorridorSlice(band=band, amount=amount, kept=amount * band.share))
    return tuple(slices)


def _validate(inputs: ReachInput) -> None:
    if inputs.benchmark <= 0:
        raise SettlementInputError("benchmark", "must be greater than zero")
    if inputs.total_cost_of_care < 0:
        raise SettlementInputError("total_cost_of_care", "must not be negative")
    if not ZERO <= inputs.quality_earn_back_rate <= 1:
        raise SettlementInputError("quality_withhold_earned_pct", "must be between 0 and 100")
    if inputs.stop_loss is not None:
        if inputs.stop_loss.charge < 0:
            raise SettlementInputError("stop_loss_charge", "must not be negative")
        if inputs.stop_loss.payout < 0:
            raise SettlementInputError("stop_loss_payout", "must not be negative")
    flows = inputs.cash_flows
    if flows is not None:
        for name in (
            "pcc_base_paid",
            "pcc_enhanced_paid",
            "tcc_paid",
            "apo_paid",
            "apo_claims_reduced",
        ):
            if getattr(flows, name) < 0:
                raise SettlementInputError(name, "must not be negative")
        if flows.tcc_paid and inputs.arrangement != ReachArrangement.GLOBAL:
            raise SettlementInputError("tcc_paid", "Total Care Capitation is for Global DCEs only")


def _cash_flows(inputs: ReachInput, ex: ExplanationBuilder) -> tuple[CashFlowLine, ...]:
    flows = inputs.cash_flows
    if flows is None:
        return ()
    lines = []
    if flows.pcc_base_paid:
        lines.append(
            CashFlowLine(
                "Base PCC paid during the year (already in TCOC at FFS value)",
                flows.pcc_base_paid,
                False,
            )
        )
    if flows.tcc_paid:
        lines.append(
            CashFlowLine(
                "TCC paid during the year (already in TCOC at FFS value)", flows.tcc_paid, False
            )
        )
    for line in lines:
        ex.figure(
            line.label + " (no settlement effect)", fmt_money(line.amount), citation="domain.md 4.3"
        )
    if flows.pcc_enhanced_paid:
        lines.append(
            CashFlowLine("Enhanced PCC recouped at settlement", -flows.pcc_enhanced_paid, True)
        )
        ex.rule(
            "Enhanced PCC is recouped at settlement",
            f"-{fmt_money(flows.pcc_enhanced_paid)}",
            citation="REACH RFA; domain.md 4.3 [R]",
            to_confirm=True,
        )
    if flows.apo_paid or flows.apo_claims_reduced:
        with exact():
            balance = flows.apo_claims_reduced - flows.apo_paid
        lines.append(
            CashFlowLine("APO reconciliation (claims reduced - advances paid)", balance, True)
        )
        ex.rule(
            "APO advances reconciled against the FFS claims reductions they stood in for",
            f"{fmt_money(flows.apo_claims_reduced)} - {fmt_money(flows.apo_paid)} = {fmt_money(balance)}",
            citation="domain.md 4.3 [R]",
            to_confirm=True,
        )
    ex.note(
        "PCC, TCC and APO are cash flows: the total cost of care counts capitated services at "
        "their FFS-equivalent (inclusion) amounts, so they do not change the savings",
        citation="domain.md 4.3, 8.1 (CCLF inclusion amounts)",
    )
    return tuple(lines)


def settle_reach(inputs: ReachInput, params: ReachParameters) -> ReachResult:
    """Settle one ACO REACH entity-year (domain.md 4.1 items 7-8, 4.2, 4.3).

    Final benchmark = benchmark x (1 - discount) - withhold + earned-back withhold [3P order,
    consistent with the RFA] - stop-loss charge; gross = final benchmark - (TCOC - stop-loss
    payout); marginal corridors on |gross| as shares of the final benchmark; sequestration; then
    the capitation cash flows. No MSR or MLR applies (domain.md 10.9).
    """
    if (
        inputs.arrangement != params.arrangement
        or inputs.performance_year != params.performance_year
    ):
        raise SettlementInputError(
            "arrangement", f"parameters are for PY{params.performance_year} {params.arrangement}"
        )
    _validate(inputs)
    ex = ExplanationBuilder(parameters=params.label)
    ex.input("Performance year / arrangement", f"PY{inputs.performance_year} {inputs.arrangement}")
    if inputs.aligned_member_months:
        ex.input("Aligned member months", f"{inputs.aligned_member_months:,}")
    ex.input("Benchmark before discount and withhold", fmt_money(inputs.benchmark))
    ex.input("Total cost of care", fmt_money(inputs.total_cost_of_care))
    ex.input("Share of the quality withhold earned back", fmt_pct(inputs.quality_earn_back_rate))

    with exact():
        discount = inputs.benchmark * params.discount_rate
        withhold = inputs.benchmark * params.quality_withhold_rate
        earned_back = withhold * inputs.quality_earn_back_rate
        final = inputs.benchmark - discount - withhold + earned_back
    if params.discount_rate:
        ex.rule(
            "Discount (Global only)",
            f"{fmt_pct(params.discount_rate)} x {fmt_money(inputs.benchmark)} = {fmt_money(discount)}",
            citation=params.source("discount_rate"),
            to_confirm=params.to_confirm("discount_rate"),
        )
    else:
        ex.rule("No discount for this arrangement", citation=params.source("discount_rate"))
    ex.rule(
        "Quality withhold on the benchmark",
        f"{fmt_pct(params.quality_withhold_rate)} x {fmt_money(inputs.benchmark)} = {fmt_money(withhold)}",
        citation=params.source("quality_withhold_rate"),
        to_confirm=params.to_confirm("quality_withhold_rate"),
    )
    ex.figure(
        "Withhold earned back on the Total Quality Score",
        f"{fmt_pct(inputs.quality_earn_back_rate)} x {fmt_money(withhold)} = {fmt_money(earned_back)}",
        citation=(
            "ACO REACH Model Request for Applications (CMS, 2022), Table 6.16: the withhold is "
            "earned back on the quality performance score; the Total Quality Score, as CMS "
            "reports it, is read as the share earned back"
        ),
    )
    charge = payout = ZERO
    tcoc = inputs.total_cost_of_care
    if inputs.stop_loss is not None:
        charge, payout = inputs.stop_loss.charge, inputs.stop_loss.payout
        with exact():
            final -= charge
            tcoc -= payout
        ex.rule(
            "Stop-loss: the charge comes off the final benchmark, the payout off the total cost of care",
            f"charge {fmt_money(charge)}; payout {fmt_money(payout)}",
            citation="domain.md 4.2 (CMS REACH finance webinar, 28 Mar 2022); placement [R]",
            to_confirm=True,
        )
    ex.figure(
        "Final benchmark = benchmark x (1 - discount) - withhold + earned-back withhold"
        + (" - stop-loss charge" if charge else ""),
        fmt_money(final),
        citation="domain.md 4.1 item 8 (order of operations [3P])",
        to_confirm=True,
    )
    with exact():
        gross = final - tcoc
    savings_rate = Fraction(gross) / Fraction(final)
    ex.figure("Gross savings (losses) = final benchmark - total cost of care", fmt_money(gross))
    ex.figure("Gross savings rate", fmt_pct(savings_rate))
    ex.rule(
        "No MSR or MLR in ACO REACH: sharing starts at the first dollar",
        citation="domain.md 4.2, 10.9",
    )

    slices = apply_corridors(gross, final, params.corridors)
    with exact():
        kept = sum((s.kept for s in slices), ZERO)
    for s in slices:
        if s.amount:
            upper = "up" if s.band.upper is None else fmt_pct(s.band.upper)
            ex.rule(
                f"Corridor {fmt_pct(s.band.lower)}-{upper} of the final benchmark kept at {fmt_pct(s.band.share)}",
                f"{fmt_money(s.amount)} x {fmt_pct(s.band.share)} = {fmt_money(s.kept)}",
                citation="domain.md 4.2 (marginal bands)",
            )
    sign = -1 if gross < 0 else 1
    shared = kept * sign
    ex.figure("Shared savings (losses) before sequestration", fmt_money(shared))

    if gross > 0 or params.sequestration_on_losses:
        with exact():
            sequestration = shared * params.sequestration_rate
        ex.rule(
            "Sequestration" + (" (applied to losses too)" if gross < 0 else ""),
            f"{fmt_pct(params.sequestration_rate)} x {fmt_money(abs(shared))} = {fmt_money(abs(sequestration))}",
            citation=params.source(
                "sequestration_on_losses" if gross < 0 else "sequestration_rate"
            ),
            to_confirm=params.to_confirm("sequestration_rate")
            or (gross < 0 and params.to_confirm("sequestration_on_losses")),
        )
    else:
        sequestration = ZERO
    # Rounding: the settlement amount is rounded once, to the cent (rounding.py, issue 7).
    earned = round_to_cent(shared - sequestration)
    ex.result(
        "Earned shared savings paid to the DCE" if earned >= 0 else "Shared losses owed by the DCE",
        fmt_money(earned),
    )

    lines = _cash_flows(inputs, ex)
    # Rounding: each settling cash flow is already in cents; the sum is rounded for safety only.
    adjustments = round_to_cent(sum((line.amount for line in lines if line.settles), ZERO))
    with exact():
        net = earned + adjustments
    if lines:
        ex.result("Net settlement after capitation and APO reconciliation", fmt_money(net))

    return ReachResult(
        inputs=inputs,
        parameters=params,
        discount=discount,
        quality_withhold=withhold,
        earned_back=earned_back,
        stop_loss_charge=charge,
        stop_loss_payout=payout,
        final_benchmark=final,
        total_cost_of_care=tcoc,
        gross_savings=gross,
        savings_rate=savings_rate,
        slices=slices,
        shared_savings_losses=shared,
        sequestration=sequestration,
        earned_savings_losses=earned,
        cash_flows=lines,
        cash_flow_adjustments=adjustments,
        net_settlement=net,
        explanation=ex.build(),
    )
