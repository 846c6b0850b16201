"""The template side of `core.display`: `{% load display %}` then `{{ x|money }}`, `{{ n|count }}`,
`{{ p|percent }}`, `{{ s|share }}`, `{{ d|day }}`, `{{ b|yes_no }}`, `{{ key|words }}`,
`{{ r|number:3 }}`."""

from __future__ import annotations

from typing import Any

from django import template

from core import display

register = template.Library()


@register.filter
def money(value: Any, places: Any = 2) -> str:
    return display.money(value, int(places))


@register.filter
def count(value: Any) -> str:
    return display.count(value)


@register.filter
def number(value: Any, places: Any = 2) -> str:
    return display.number(value, int(places))


@register.filter
def percent(value: Any, places: Any = 2) -> str:
    return display.percent(value, int(places))


@register.filter
def share(value: Any, places: Any = 2) -> str:
    return display.share(value, int(places))


@register.filter
def day(value: Any) -> str:
    return display.day(value)


@register.filter
def yes_no(value: Any) -> str:
    return display.yes_no(value)


@register.filter
def words(value: Any) -> str:
    return display.words(value)


@register.filter
def plain_decimal(value: Any) -> str:
    return display.plain_decimal(value)


@register.filter
def cite(value: Any) -> str:
    return display.cite(value)


@register.filter
def tidy(value: Any) -> str:
    return display.tidy(value)
