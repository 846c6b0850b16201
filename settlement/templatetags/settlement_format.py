"""Display filters for settlement amounts and rates."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from settlement.presentation import money as money_text

register = template.Library()


@register.filter
def money(value: Any) -> str:
    """12345.6 -> $12,345.60; negative amounts keep their sign in front."""
    if value in (None, ""):
        return "—"
    return money_text(str(value))


@register.filter
def pct(value: Any) -> str:
    """A percent kept as text ("2.0000") shown without trailing zeros ("2%")."""
    try:
        return f"{Decimal(str(value)).normalize():f}%"
    except (InvalidOperation, ValueError):
        return str(value)
