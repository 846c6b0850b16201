"""Admin console: an entity's downstream gain-sharing with specialists (the share of its earned
savings available to them, and the arrangements per TIN or episode type), scoped like the
entities console: an entity admin sees and edits only the entities they administer."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from entities.admin.base import ScopedAdmin
from entities.models import Entity
from entities.selectors import admin_entity_ids
from specialists.models import GainShareArrangement, GainSharePolicy


class _EntityScoped(ScopedAdmin):
    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "entity" and not request.user.is_superuser:
            kwargs["queryset"] = Entity.objects.filter(pk__in=admin_entity_ids(user=request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(GainSharePolicy)
class GainSharePolicyAdmin(_EntityScoped):
    list_display = ("entity", "pool_share", "note")
    fields = ("entity", "pool_share", "note")


@admin.register(GainShareArrangement)
class GainShareArrangementAdmin(_EntityScoped):
    list_display = ("entity", "tin", "episode_type", "rate", "floor", "cap", "max_readmission_rate")
    list_filter = ("episode_type",)
    fields = (
        "entity",
        "tin",
        "episode_type",
        "rate",
        "floor",
        "cap",
        "max_readmission_rate",
        "note",
    )
