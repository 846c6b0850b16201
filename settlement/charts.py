"""The projection band chart: positions for an inline SVG (display only, so floats are fine)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

WIDTH, LEFT, RIGHT = 640, 40, 600


def band_chart(band: dict[str, str]) -> dict[str, Any]:
    """Map the projected savings-rate band and the MSR/MLR thresholds onto an x axis in percent."""
    low, high = (
        float(Decimal(band["savings_rate_low_pct"])),
        float(Decimal(band["savings_rate_high_pct"])),
    )
    point, msr = float(Decimal(band["point_rate_pct"])), float(Decimal(band["msr_pct"]))
    mlr = float(Decimal(band["mlr_pct"])) if band.get("mlr_pct") else None
    values = [low, high, point, msr, 0.0] + ([-mlr] if mlr is not None else [])
    start, end = min(values) - 1.0, max(values) + 1.0

    def x(value: float) -> float:
        return round(LEFT + (value - start) / (end - start) * (RIGHT - LEFT), 1)

    # A step that keeps the labels apart: at most about a dozen ticks on the axis.
    step = next((s for s in (1, 2, 5, 10, 20, 25, 50, 100) if (end - start) / s <= 12), 200)
    first = int(start // step) * step
    ticks = [t for t in range(first, int(end) + step, step) if start <= t <= end]
    point_x = x(point)
    # The point's label sits under the dot, kept inside the chart near either edge.
    anchor = "end" if point_x > WIDTH * 0.7 else "start" if point_x < WIDTH * 0.3 else "middle"
    return {
        "width": WIDTH,
        "band_x": x(low),
        "band_width": max(x(high) - x(low), 2.0),
        "point_x": point_x,
        "point_anchor": anchor,
        "msr_x": x(msr),
        "mlr_x": x(-mlr) if mlr is not None else None,
        "zero_x": x(0.0),
        "ticks": [{"x": x(t), "label": f"{t}%"} for t in ticks],
        "low": band["savings_rate_low_pct"],
        "high": band["savings_rate_high_pct"],
        "point": band["point_rate_pct"],
        "msr": band["msr_pct"],
        "mlr": band.get("mlr_pct", ""),
    }
