"""`{% staff_without_grant %}`: on an entity's page, tells platform staff who hold no running
break-glass grant for that entity that its beneficiary rows are hidden from them, so that a page
whose counts and lists leave those rows out does not read as an entity without data."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html

from core.tenancy import entity_ids_for_user

register = template.Library()


def _sees_phi_of(user: Any, entity_id: int) -> bool:
    ids = entity_ids_for_user(user)
    if isinstance(ids, list):
        return entity_id in ids
    return bool(ids.filter(entity_id=entity_id).exists())


@register.simple_tag(takes_context=True)
def staff_without_grant(context: template.Context) -> str:
    request = context.get("request")
    entity: Any = context.get("entity")
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_superuser", False):
        return ""
    meta = getattr(entity, "_meta", None)
    if meta is None or meta.label != "entities.Entity" or _sees_phi_of(user, entity.pk):
        return ""
    return format_html(
        '<p class="staff-notice" role="status" id="staff-without-grant">You are signed in as '
        "platform staff with no running break-glass grant for {}: its beneficiaries are hidden "
        "from you, so the counts and lists on this page leave them out. A break-glass grant "
        "(admin console, Break-glass grants) opens them for a set time; the entity's "
        "administrators see it.</p>",
        entity.legal_name,
    )
