"""`{% load care_nav %}`: what the entity's tabs offer the signed-in user."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.roles import MANAGE_TEAM_WORK
from accounts.selectors import user_may

register = template.Library()


@register.filter
def manages_team_of(user: Any, entity: Any) -> bool:
    """Whether the user sees the entity's team page (its admins)."""
    return bool(getattr(user, "is_authenticated", False)) and user_may(
        user=user, entity_id=entity.pk, key=MANAGE_TEAM_WORK
    )
