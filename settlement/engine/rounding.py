"""The one place where settlement figures are rounded.

The engines compute money with `Decimal`s under `exact()`, a context that raises instead of
rounding, and keep ratios (savings rate, MSR inside a band, allocation weights) as exact
`Fraction`s. Nothing is therefore rounded anywhere but here, at the points the methodology names;
each caller cites its rule next to the call.

What the sources say about rounding:

* MSSP (42 CFR 425.605/.610) and ACO REACH state every amount in dollars but name no rounding
  mode. Issue 7 asks for figures "exact to the cent", so a final amount is rounded once, to the
  cent, half away from zero. The mode is a convention flagged "to confirm" against CMS's
  reconciliation reports; it moves a figure by at most one cent.
* Rates are never rounded before a comparison (savings rate against the MSR, corridor bands):
  `rate_pct_for_display` serves output columns and explanations only.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction

CENT = Decimal("0.01")

# Enough digits for any product of the amounts and rates we handle; Inexact makes a silent
# rounding impossible: an operation that would round raises instead.
_EXACT = decimal.Context(
    prec=80,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.Inexact, decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)


@contextmanager
def exact() -> Iterator[decimal.Context]:
    """Decimal arithmetic that raises `decimal.Inexact` rather than round."""
    with decimal.localcontext(_EXACT) as ctx:
        yield ctx


def _as_fraction(value: Decimal | Fraction | int) -> Fraction:
    return value if isinstance(value, Fraction) else Fraction(value)


def _half_up(value: Fraction) -> int:
    """The integer nearest to `value`, halves away from zero."""
    sign = -1 if value < 0 else 1
    quotient, remainder = divmod(abs(value.numerator), value.denominator)
    if 2 * remainder >= value.denominator:
        quotient += 1
    return sign * quotient


# Decimal.quantize with ROUND_HALF_UP rounds halves away from zero, like _half_up; a context
# this wide never rounds anything but the digits quantize drops.
_QUANTIZE = decimal.Context(
    prec=80, rounding=decimal.ROUND_HALF_UP, traps=[decimal.InvalidOperation]
)


def round_to_cent(amount: Decimal | Fraction | int) -> Decimal:
    """A final money amount to the cent, halves away from zero (issue 7: exact to the cent).

    To confirm: the rounding mode (see the module docstring).
    """
    if isinstance(amount, Decimal):
        rounded = amount.quantize(CENT, context=_QUANTIZE)
        return rounded if rounded else abs(rounded)  # no "-0.00"
    cents = _half_up(_as_fraction(amount) * 100)
    return from_cents(cents)


def floor_to_cents(amount: Decimal | Fraction | int) -> int:
    """Whole cents, rounded down: the first pass of a largest-remainder allocation."""
    value = _as_fraction(amount) * 100
    return value.numerator // value.denominator


def to_cents(amount: Decimal) -> int:
    """An amount that is already a whole number of cents, as an integer (exact)."""
    value = Fraction(amount) * 100
    if value.denominator != 1:
        raise ValueError(f"{amount} is not a whole number of cents")
    return value.numerator


def from_cents(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def rate_pct_for_display(rate: Decimal | Fraction, places: int = 4) -> Decimal:
    """A rate (a fraction of one) as a percentage with `places` decimals, for display only."""
    if isinstance(rate, Decimal):
        return (rate * 100).quantize(Decimal(1).scaleb(-places), context=_QUANTIZE)
    scaled = _half_up(_as_fraction(rate) * 100 * 10**places)
    return Decimal(scaled).scaleb(-places)


def money_for_display(amount: Decimal | Fraction) -> Decimal:
    """An intermediate amount shown in an explanation, to the cent; the engine keeps the exact one."""
    return round_to_cent(amount)
