"""Downstream gain-sharing with specialists, reconciled to the entity's settlement.

How an ACO shares its savings with specialists is its own contract, not a CMS rule (CMS only
requires that the ACO's distribution of shared savings be set out in its participation agreements,
42 CFR 425.116 for MSSP [R]; the REACH Participation Agreement's Participant Provider and
Preferred Provider arrangements [R]). So the arrangement is data: per specialist TIN or episode
type (or both; the most specific rule wins) a rate on the savings against the episode targets, a
floor (the most a specialist repays when spending is above target; 0 for upside only), a cap, and
a quality gate (the most readmissions per episode allowed for any gain to be paid).

Reconciliation to the settlement:

0. Only specialist TINs on the entity's list (participants and preferred providers) take part:
   an entity shares its savings with its participants and providers (42 CFR 425.116(a) for MSSP;
   the REACH Participation Agreement's Participant and Preferred Provider arrangements [R]); the
   caller passes only their episodes.
1. Each specialist's amount per rule = rate x (target - actual) over its complete performance
   episodes with a target; no gain when the quality gate fails; then held between floor and cap.
2. Gains are paid from the entity's shared savings: the pool is `pool_share` of the entity's
   earned savings in its settlement (nothing when it earned none). When the gains exceed the
   pool, each is scaled down in proportion and the pool is split to the cent by largest remainder
   (settlement.engine.distribution's method), so the parts sum exactly to the pool.
3. A repayment (a negative amount) is owed whatever the entity earned.
4. Amounts stay exact fractions until each is rounded once to the cent
   (settlement.engine.rounding).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from settlement.engine.explanation import ExplanationBuilder, Step, fmt_money, fmt_pct
from settlement.engine.rounding import floor_to_cents, from_cents, round_to_cent


class ArrangementError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class GainShareRule:
    """One arrangement; `tin` and `episode` empty mean any."""

    tin: str
    episode: str
    rate: Decimal
    floor: Decimal  # <= 0
    cap: Decimal  # >= 0
    max_readmission_rate: Decimal | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.rate <= Decimal(1):
            raise ArrangementError("rate", "must be between 0% and 100%")
        if self.floor > 0:
            raise ArrangementError("floor", "must be zero or negative (the most repaid)")
        if self.cap < 0:
            raise ArrangementError("cap", "must be zero or positive (the most paid)")
        if self.max_readmission_rate is not None and not (
            Decimal(0) <= self.max_readmission_rate <= Decimal(1)
        ):
            raise ArrangementError("max_readmission_rate", "must be between 0% and 100%")

    @property
    def specificity(self) -> int:
        return 2 * bool(self.tin) + bool(self.episode)

    def describe(self) -> str:
        gate = (
            "no quality gate"
            if self.max_readmission_rate is None
            else f"gain only with at most {fmt_pct(self.max_readmission_rate, 1)} of episodes "
            "readmitted"
        )
        return (
            f"{fmt_pct(self.rate, 1)} of savings against target, floor {fmt_money(self.floor)}, "
            f"cap {fmt_money(self.cap)}, {gate}"
        )


@dataclass(frozen=True)
class EpisodeResult:
    """One complete performance episode as the arrangement reads it (money in cents)."""

    tin: str
    episode: str
    actual_cents: int
    target_cents: int | None
    readmitted: bool


@dataclass(frozen=True)
class RuleLine:
    episode: str  # the rule's episode scope ("" = every type)
    rule: GainShareRule
    episodes: int
    target: Decimal
    actual: Decimal
    readmission_rate: Fraction
    gate_passed: bool
    exact_amount: Fraction  # after gate, floor and cap; before the pool


@dataclass(frozen=True)
class SpecialistShare:
    tin: str
    lines: tuple[RuleLine, ...]
    earned: Fraction  # the sum of its lines, exact
    amount: Decimal  # paid (positive) or owed (negative), to the cent
    explanation: tuple[Step, ...]

    @property
    def episodes(self) -> int:
        return sum(line.episodes for line in self.lines)


@dataclass(frozen=True)
class Reconciliation:
    entity_earned: Decimal | None
    pool_share: Decimal
    pool: Decimal
    gains_exact: Fraction
    scaled: bool
    shares: tuple[SpecialistShare, ...]
    explanation: tuple[Step, ...]

    @property
    def paid(self) -> Decimal:
        return sum((s.amount for s in self.shares if s.amount > 0), Decimal("0.00"))

    @property
    def owed(self) -> Decimal:
        return sum((s.amount for s in self.shares if s.amount < 0), Decimal("0.00"))


def rule_for(rules: Sequence[GainShareRule], tin: str, episode: str) -> GainShareRule | None:
    """The most specific rule matching the TIN and episode type (TIN over episode over any)."""
    matching = [r for r in rules if r.tin in ("", tin) and r.episode in ("", episode)]
    return max(matching, key=lambda r: r.specificity, default=None)


def _cents(value: int) -> Decimal:
    return from_cents(value)


def _lines(
    rules: Sequence[GainShareRule], tin: str, results: Sequence[EpisodeResult]
) -> list[RuleLine]:
    groups: dict[tuple[int, str], tuple[GainShareRule, list[EpisodeResult]]] = {}
    for result in results:
        rule = rule_for(rules, tin, result.episode)
        if rule is None or result.target_cents is None:
            continue
        key = (id(rule), rule.episode)
        groups.setdefault(key, (rule, []))[1].append(result)
    lines = []
    for rule, group in groups.values():
        target = sum(r.target_cents or 0 for r in group)
        actual = sum(r.actual_cents for r in group)
        rate = Fraction(sum(r.readmitted for r in group), len(group))
        gate = rule.max_readmission_rate is None or rate <= Fraction(rule.max_readmission_rate)
        raw = Fraction(rule.rate) * Fraction(target - actual, 100)
        if raw > 0 and not gate:
            raw = Fraction(0)
        held = min(max(raw, Fraction(rule.floor)), Fraction(rule.cap))
        lines.append(
            RuleLine(
                episode=rule.episode,
                rule=rule,
                episodes=len(group),
                target=_cents(target),
                actual=_cents(actual),
                readmission_rate=rate,
                gate_passed=gate,
                exact_amount=held,
            )
        )
    return sorted(lines, key=lambda line: line.episode)


def reconcile(
    *,
    rules: Sequence[GainShareRule],
    results: Sequence[EpisodeResult],
    entity_earned: Decimal | None,
    pool_share: Decimal,
    settlement_label: str = "",
    episode_labels: Mapping[str, str] | None = None,
) -> Reconciliation:
    """Each specialist's gain-share or repayment and its reconciliation to the entity's earned
    savings (rules 1-4 of the module docstring). `entity_earned` None: no settlement yet, so no
    gain can be paid (repayments are still stated)."""
    if not Decimal(0) <= pool_share <= Decimal(1):
        raise ArrangementError("pool_share", "must be between 0% and 100%")
    tins = sorted({r.tin for r in results if r.tin})
    per_tin = {tin: _lines(rules, tin, [r for r in results if r.tin == tin]) for tin in tins}
    earned = {
        tin: sum((line.exact_amount for line in lines), Fraction(0))
        for tin, lines in per_tin.items()
    }
    gains = sum((v for v in earned.values() if v > 0), Fraction(0))
    positive_earned = max(entity_earned or Decimal(0), Decimal(0))
    # The pool is an amount of money: rounded once, to the cent.
    pool = round_to_cent(Fraction(positive_earned) * Fraction(pool_share))
    ex = ExplanationBuilder(parameters="gain-sharing arrangements (the entity's own)")
    ex.input(
        "Entity earned shared savings (losses)",
        "no settlement yet" if entity_earned is None else fmt_money(entity_earned),
    )
    if settlement_label:
        ex.input("Settlement", settlement_label)
    ex.input("Share of earned savings available to specialists", fmt_pct(pool_share, 2))
    ex.figure("Pool for specialists' gains", fmt_money(pool))
    ex.figure("Specialists' gains before the pool", fmt_money(gains))
    paid: dict[str, Fraction] = {tin: v for tin, v in earned.items() if v > 0}
    # Rounded one by one, gains that fit exactly could still pass the pool by a cent or two.
    scaled = gains > Fraction(pool) or sum(round_to_cent(v) for v in paid.values()) > pool
    amounts: dict[str, Decimal] = {}
    if scaled:
        ex.rule(
            "Gains exceed the pool: each is scaled to its share of the pool, split to the cent "
            "by largest remainder",
            f"{fmt_pct(Fraction(pool) / gains) if gains else '0%'} of each gain",
        )
        pool_cents = floor_to_cents(pool)
        exact = {tin: Fraction(pool_cents) * v / gains for tin, v in paid.items()}
        floors = {tin: floor_to_cents(Fraction(v, 100)) for tin, v in exact.items()}
        left = pool_cents - sum(floors.values())
        for tin in sorted(exact, key=lambda t: (-(exact[t] - floors[t]), t))[:left]:
            floors[tin] += 1
        amounts.update({tin: from_cents(v) for tin, v in floors.items()})
    else:
        ex.rule("Gains fit in the pool: each is paid in full")
        amounts.update({tin: round_to_cent(v) for tin, v in paid.items()})
    for tin, value in earned.items():
        if value <= 0:
            # A repayment is owed whatever the entity earned (rule 3).
            amounts[tin] = round_to_cent(value)
    shares = []
    for tin in tins:
        sx = ExplanationBuilder(parameters=ex.parameters)
        for line in per_tin[tin]:
            scope = (episode_labels or {}).get(line.episode, line.episode) or "every episode type"
            sx.rule(f"TIN {tin}, {scope}: {line.rule.describe()}")
            sx.figure(
                f"TIN {tin}, {scope}: {line.episodes} episode(s), target {fmt_money(line.target)}, "
                f"actual {fmt_money(line.actual)}",
                f"savings {fmt_money(line.target - line.actual)}",
            )
            if line.rule.max_readmission_rate is not None:
                sx.figure(
                    f"TIN {tin}, {scope}: readmitted episodes",
                    f"{fmt_pct(line.readmission_rate, 1)}: quality gate "
                    + ("met" if line.gate_passed else "not met, no gain"),
                )
            sx.figure(
                f"TIN {tin}, {scope}: after gate, floor and cap", fmt_money(line.exact_amount)
            )
        sx.result(f"TIN {tin}: amount", fmt_money(amounts[tin]))
        shares.append(
            SpecialistShare(
                tin=tin,
                lines=tuple(per_tin[tin]),
                earned=earned[tin],
                amount=amounts[tin],
                explanation=sx.build(),
            )
        )
        ex.figure(f"TIN {tin}", fmt_money(amounts[tin]))
    total_paid = sum((a for a in amounts.values() if a > 0), Decimal("0.00"))
    ex.result("Paid to specialists from the entity's shared savings", fmt_money(total_paid))
    ex.result(
        "Entity keeps of its earned savings",
        fmt_money(positive_earned - total_paid),
    )
    return Reconciliation(
        entity_earned=entity_earned,
        pool_share=pool_share,
        pool=pool,
        gains_exact=gains,
        scaled=scaled,
        shares=tuple(shares),
        explanation=ex.build(),
    )
