"""Distribution of an entity's earned savings (or owed losses) to its participant TINs.

How an ACO shares its settlement with its participants is the ACO's own policy, not a CMS rule,
so the method is configuration: a blend of bases, each a share of the whole -

* `beneficiaries`: the TIN's attributed beneficiaries;
* `savings_contribution`: the TIN's own benchmark minus expenditure, counting only TINs that
  contributed in the direction of the whole (savings when the whole is savings, losses when it
  is a loss);
* `quality`: attributed beneficiaries weighted by the TIN's quality score (score x beneficiaries),
  so a small TIN with a high score does not outweigh a large one.

Weights stay exact (`Fraction`) and the whole is split in cents by the largest-remainder method,
so the parts always sum exactly to the whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from settlement.engine.errors import SettlementInputError
from settlement.engine.explanation import ExplanationBuilder, Step, fmt_money, fmt_pct
from settlement.engine.rounding import floor_to_cents, from_cents, to_cents


class AllocationBasis(StrEnum):
    BENEFICIARIES = "beneficiaries"
    SAVINGS_CONTRIBUTION = "savings_contribution"
    QUALITY = "quality"


@dataclass(frozen=True)
class AllocationMethod:
    """A blend of bases; the weights are fractions of one and sum to one."""

    weights: tuple[tuple[AllocationBasis, Decimal], ...]

    @classmethod
    def single(cls, basis: AllocationBasis | str) -> AllocationMethod:
        return cls(((AllocationBasis(basis), Decimal(1)),))

    def __post_init__(self) -> None:
        if not self.weights:
            raise SettlementInputError("method", "choose at least one basis")
        if any(weight < 0 for _, weight in self.weights):
            raise SettlementInputError("method", "basis weights must not be negative")
        if sum(weight for _, weight in self.weights) != 1:
            raise SettlementInputError("method", "basis weights must sum to 100%")
        if len({basis for basis, _ in self.weights}) != len(self.weights):
            raise SettlementInputError("method", "a basis appears twice")

    def describe(self) -> str:
        return " + ".join(
            f"{fmt_pct(w, 2)} {basis.value.replace('_', ' ')}" for basis, w in self.weights
        )


@dataclass(frozen=True)
class ParticipantFigures:
    tin: str
    name: str
    attributed_beneficiaries: int
    benchmark: Decimal | None = None
    expenditure: Decimal | None = None
    quality_score: Decimal | None = None


@dataclass(frozen=True)
class ParticipantShare:
    tin: str
    name: str
    weight: Fraction
    exact_amount: Fraction
    amount: Decimal  # in cents; the amounts of all participants sum to the whole


@dataclass(frozen=True)
class Allocation:
    total: Decimal
    method: AllocationMethod
    shares: tuple[ParticipantShare, ...]
    explanation: tuple[Step, ...]


def _basis_weights(
    basis: AllocationBasis, participants: Sequence[ParticipantFigures], total: Decimal
) -> list[Fraction]:
    if basis == AllocationBasis.BENEFICIARIES:
        raw = [Fraction(p.attributed_beneficiaries) for p in participants]
    elif basis == AllocationBasis.QUALITY:
        missing = [p.tin for p in participants if p.quality_score is None]
        if missing:
            raise SettlementInputError(
                "quality_score",
                f"missing for TIN {missing[0]} (the quality basis needs every TIN's score)",
            )
        raw = [
            Fraction(p.quality_score) * p.attributed_beneficiaries
            for p in participants
            if p.quality_score is not None  # every one, after the check above
        ]
    else:
        missing = [p.tin for p in participants if p.benchmark is None or p.expenditure is None]
        if missing:
            raise SettlementInputError(
                "benchmark", f"missing benchmark or expenditure for TIN {missing[0]}"
            )
        direction = -1 if total < 0 else 1
        raw = [
            max(Fraction(p.benchmark - p.expenditure) * direction, Fraction(0))
            for p in participants
            if p.benchmark is not None and p.expenditure is not None  # every one, after the check
        ]
    whole = sum(raw)
    if whole == 0:
        raise SettlementInputError(
            "method", f"no participant has any weight on the {basis.value.replace('_', ' ')} basis"
        )
    return [value / whole for value in raw]


def allocate(
    total: Decimal, participants: Sequence[ParticipantFigures], method: AllocationMethod
) -> Allocation:
    """Split `total` (a whole number of cents; negative for losses owed) among the participants.

    Largest remainder: each TIN first gets its exact share rounded down to the cent; the cents
    left over go one each to the TINs with the largest remainders (ties to the TIN that sorts
    first), so the parts sum exactly to `total`.
    """
    if not participants:
        raise SettlementInputError("participants", "no participant TINs to distribute to")
    tins = [p.tin for p in participants]
    if len(set(tins)) != len(tins):
        raise SettlementInputError("tin", "a TIN appears twice")
    if any(p.attributed_beneficiaries < 0 for p in participants):
        raise SettlementInputError("attributed_beneficiaries", "must not be negative")
    cents_total = to_cents(total)
    ex = ExplanationBuilder(parameters="distribution policy (the entity's own)")
    ex.input("Amount to distribute", fmt_money(total))
    ex.input("Method", method.describe())

    weights = [Fraction(0)] * len(participants)
    by_basis: list[tuple[AllocationBasis, Decimal, list[Fraction]]] = []
    for basis, basis_weight in method.weights:
        if basis_weight == 0:
            continue
        parts = _basis_weights(basis, participants, total)
        by_basis.append((basis, basis_weight, parts))
        for i, w in enumerate(parts):
            weights[i] += Fraction(basis_weight) * w

    magnitude = abs(cents_total)
    exact_cents = [magnitude * w for w in weights]
    floors = [floor_to_cents(Fraction(c, 100)) for c in exact_cents]
    left_over = magnitude - sum(floors)
    order = sorted(range(len(participants)), key=lambda i: (-(exact_cents[i] - floors[i]), tins[i]))
    for i in order[:left_over]:
        floors[i] += 1
    ex.rule(
        "Largest remainder: exact shares rounded down to the cent, the cents left over to the "
        "largest remainders",
        f"{left_over} cent{'' if left_over == 1 else 's'} handed out",
    )
    sign = -1 if cents_total < 0 else 1
    shares = []
    for i, p in enumerate(participants):
        amount = from_cents(sign * floors[i])
        shares.append(
            ParticipantShare(
                tin=p.tin,
                name=p.name,
                weight=weights[i],
                exact_amount=Fraction(sign) * exact_cents[i] / 100,
                amount=amount,
            )
        )
        # A blend shows each basis's share of the TIN, so a practice can follow its own figure.
        blend = (
            " + ".join(
                f"{fmt_pct(w, 2)} x {fmt_pct(parts[i])} ({basis.value.replace('_', ' ')})"
                for basis, w, parts in by_basis
            )
            + " = "
            if len(by_basis) > 1
            else ""
        )
        ex.figure(f"TIN {p.tin} ({p.name})", f"{blend}{fmt_pct(weights[i])} = {fmt_money(amount)}")
    return Allocation(total=total, method=method, shares=tuple(shares), explanation=ex.build())
