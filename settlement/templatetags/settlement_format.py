"""Display filters for settlement amounts and rates: the project's one formatting layer
(core.display), under the names the settlement templates use."""

from __future__ import annotations

from typing import Any

from django import template

from core import display
from settlement import labels

register = template.Library()


@register.filter
def money(value: Any) -> str:
    """12345.6 -> $12,345.60; negative amounts keep their sign in front."""
    return display.money(value)


@register.filter
def pct(value: Any) -> str:
    """A percent kept as text ("2.0000") with two decimals ("2.00%")."""
    return display.percent(value)


@register.filter
def parameters(value: Any) -> str:
    """A parameter table's label in words: "mssp_tracks 2026.1: PY2025 BASIC_D" -> "MSSP track
    parameters 2026.1: PY2025 BASIC track, level D"."""
    return labels.parameter_label(value)
