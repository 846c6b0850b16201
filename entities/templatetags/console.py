"""`{% console_home as home %}`: the admin console home's side panel (entities, latest jobs)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from entities.selectors import console_home as console_home_rows

register = template.Library()


@register.simple_tag(takes_context=True)
def console_home(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    # The participant list as it stands on the day the page is read (as the entity page says).
    return console_home_rows(user=user, today=timezone.localdate())
