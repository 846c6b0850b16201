"""Money and rounding for the benchmark engine: the only place that rounds.

Intermediate figures are exact Decimals (28 significant digits). 42 CFR 425.652 and the REACH
financial operating guide (as summarised in domain.md sections 2 and 4.1) state no intermediate
rounding, so a benchmark rounds once, at the end: the updated per-capita (or PBPM) benchmark to
the cent, then each total as that per capita times person-years (or member-months), to the cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal(0)
ONE = Decimal(1)
TWELVE = Decimal(12)

# hccinfhir sums coefficients published with three decimals, so a score is exact at three
# decimals; quantizing removes only binary floating-point noise.
SCORE_PLACES = Decimal("0.001")


def to_money(value: Decimal) -> Decimal:
    """Round an amount to the cent, halves away from zero."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def score_from_float(value: float) -> Decimal:
    """An hccinfhir score (a float sum of 3-decimal coefficients) as the exact Decimal it stands for."""
    return Decimal(repr(value)).quantize(SCORE_PLACES, rounding=ROUND_HALF_UP)


def as_decimal(value: object) -> Decimal:
    """Decimal from a Decimal, int or numeric string; floats are refused (money is never float)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (bool, float)):
        raise TypeError(f"{value!r} is not an exact number; pass a Decimal or a string.")
    if isinstance(value, int | str):
        return Decimal(value)
    raise TypeError(f"{value!r} is not a number.")


def safe_divide(numerator: Decimal, denominator: Decimal) -> Decimal:
    """numerator / denominator, or zero when there is nothing to divide by (no person-years)."""
    return numerator / denominator if denominator else ZERO
