"""The projection band chart: positions for an inline SVG (display only, so floats are fine)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from settlement.templatetags.settlement_format import pct

WIDTH, LEFT, RIGHT = 640, 40, 600


def _thresholds(band: dict[str, str]) -> tuple[list[tuple[float, str, str]], str, str]:
    """The reference lines of the band's program as (percent, label, side), a title and a
    caption. MSSP: the MSR and, two-sided, the MLR. ACO REACH has no MSR/MLR (domain.md 4.2,
    10.9): sharing starts at the first dollar in marginal risk corridors, so the lines are the
    first corridor's boundaries, +/- its upper bound (Global 25%, Professional 5% of the final
    benchmark, domain.md 4.2)."""
    if band.get("program") == "reach":
        corridor = Decimal(band["corridor_pct"])
        share = pct(band.get("corridor_share_pct", ""))
        text = f"First risk corridor ±{pct(corridor)}"
        lines = [
            (float(corridor), f"+{pct(corridor)} corridor 1", "gain"),
            (-float(corridor), f"−{pct(corridor)} corridor 1", "loss"),
        ]
        caption = (
            f"{text} of the final benchmark: inside it the DCE keeps {share} of its savings or "
            "losses from the first dollar (no MSR/MLR in ACO REACH); beyond it, each further "
            "slice is kept at a lower share (marginal corridors, domain.md 4.2)."
        )
        return lines, f"beside the {text[0].lower()}{text[1:]}", caption
    msr = Decimal(band["msr_pct"])
    lines = [(float(msr), f"MSR {pct(msr)}", "gain")]
    caption = "Right of the MSR line, savings are shared from the first dollar"
    title = "beside the MSR"
    if band.get("mlr_pct"):
        mlr = Decimal(band["mlr_pct"])
        lines.append((-float(mlr), f"MLR −{pct(mlr)}", "loss"))
        caption += "; left of the MLR line, losses are shared"
        title += " and MLR"
    return lines, title, caption + "."


def _line_anchor(line_x: float, side: str, two_sided: bool) -> str:
    """With a line on each side the labels lean away from each other; near an edge of the chart
    a label leans inward so it is not cut off."""
    anchor = ("start" if side == "gain" else "end") if two_sided else "middle"
    if line_x < LEFT + 100:
        return "start"
    if line_x > RIGHT - 100:
        return "end"
    return anchor


def band_chart(band: dict[str, str]) -> dict[str, Any]:
    """Map the projected savings-rate band and the program's thresholds (MSSP: MSR/MLR; REACH:
    the first risk corridor's boundaries) onto an x axis in percent."""
    low, high = (
        float(Decimal(band["savings_rate_low_pct"])),
        float(Decimal(band["savings_rate_high_pct"])),
    )
    point = float(Decimal(band["point_rate_pct"]))
    thresholds, title, caption = _thresholds(band)
    values = [low, high, point, 0.0] + [value for value, _, _ in thresholds]
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
    two_sided = len(thresholds) > 1
    return {
        "width": WIDTH,
        "band_x": x(low),
        "band_width": max(x(high) - x(low), 2.0),
        "point_x": point_x,
        "point_anchor": anchor,
        "lines": [
            {
                "x": x(value),
                "label": label,
                # The stylesheet's threshold classes: msr (savings side), mlr (losses side).
                "css": "msr" if side == "gain" else "mlr",
                "anchor": _line_anchor(x(value), side, two_sided),
            }
            for value, label, side in thresholds
        ],
        "title": title,
        "caption": caption,
        "zero_x": x(0.0),
        "ticks": [{"x": x(t), "label": pct(t)} for t in ticks],
        "low": band["savings_rate_low_pct"],
        "high": band["savings_rate_high_pct"],
        "point": band["point_rate_pct"],
    }
