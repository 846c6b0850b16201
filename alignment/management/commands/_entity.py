"""Shared by the alignment commands: find the entity named on the command line."""

from __future__ import annotations

from django.core.management.base import CommandError

from entities.models import Entity


def entity_from_option(value: str) -> Entity:
    """An entity by CMS ID (A1234, D5678) or by database id."""
    entity = Entity.objects.select_related("program").filter(cms_id=value.strip().upper()).first()
    if entity is None and value.strip().isdigit():
        entity = Entity.objects.select_related("program").filter(pk=int(value)).first()
    if entity is None:
        raise CommandError(f"No entity with CMS ID or id {value!r}.")
    return entity
