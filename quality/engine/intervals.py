"""Confidence intervals for the observed rates (95%, two-sided), with the standard library only.

- a proportion (ACR, HWR, TFU): the Wilson score interval (Wilson, JASA 1927; recommended over
  the Wald interval by Brown, Cai & DasGupta, Stat Sci 2001);
- a rate per person-time (UAMCC, 484): Byar's approximation to the exact Poisson interval
  (Breslow & Day, Statistical Methods in Cancer Research vol. II, 1987, p. 69);
- a mean (DAH): the normal interval of the mean.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Z95 = 1.959963984540054


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float] | None:
    if trials <= 0:
        return None
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def poisson_count(count: int, z: float = Z95) -> tuple[float, float]:
    """Byar's interval for a Poisson count."""
    lower = 0.0
    if count > 0:
        lower = count * (1 - 1 / (9 * count) - z / (3 * math.sqrt(count))) ** 3
    upper_n = count + 1
    upper = upper_n * (1 - 1 / (9 * upper_n) + z / (3 * math.sqrt(upper_n))) ** 3
    return lower, upper


def mean_interval(values: Sequence[float], z: float = Z95) -> tuple[float, float] | None:
    n = len(values)
    if n < 2:
        return None
    mean = sum(values) / n
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    half = z * math.sqrt(var / n)
    return mean - half, mean + half
