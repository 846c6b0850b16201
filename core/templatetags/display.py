"""The template side of `core.display`: `{% load display %}` then `{{ x|money }}`, `{{ n|count }}`,
`{{ py|person_years }}`, `{{ p|percent }}`, `{{ s|share }}`, `{{ d|day }}`, `{{ b|yes_no }}`,
`{{ key|words }}`, `{{ r|number:3 }}`, `{{ spent|above_below:target }}`, `{{ n|counted:"row" }}`."""

from __future__ import annotations

from typing import Any

from django import template

from core import display

register = template.Library()


def _to_places(format_: Any) -> Any:
    """A filter of `core.display` that takes a number of places, which a template may pass as text
    (`{{ r|number:"3" }}`)."""

    def apply(value: Any, places: Any = 2) -> str:
        return str(format_(value, int(places)))

    return apply


# Each filter is the `core.display` function of the same name.
for _name in ("money", "number", "percent", "share"):
    register.filter(_name, _to_places(getattr(display, _name)))
for _name in (
    "count",
    "person_years",
    "yes_no",
    "words",
    "plain_decimal",
    "cite",
    "tidy",
    "above_below",
    "rules_version",
):
    register.filter(_name, getattr(display, _name))
# A stored time is UTC: the filter gets it in the site's time zone, as Django's own `date` filter
# does, so a job page and the home page read the same clock.
register.filter("day", display.day, expects_localtime=True)


@register.filter("counted")
def counted(value: Any, nouns: str) -> str:
    """`{{ n|counted:"row" }}` -> "1 row", "1,250 rows"; `{{ n|counted:"entity,entities" }}`."""
    noun, _, plural = nouns.partition(",")
    return display.counted(value, noun, plural or None)
