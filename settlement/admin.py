"""Admin console: entity-year quality results. The platform computes them from the measure
results; an entity admin may override one with CMS's reported figure and its source (scoped like
the entities console: an entity admin sees and enters only the entities they administer)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from entities.admin.base import ScopedAdmin
from entities.models import Entity
from entities.selectors import admin_entity_ids
from settlement.models import QualityResult


@admin.register(QualityResult)
class QualityResultAdmin(ScopedAdmin):
    list_display = (
        "entity",
        "performance_year",
        "quality_score",
        "met_standard",
        "met_alternative",
        "met_reporting",
        "origin",
        "entered_by",
        "entered_at",
    )
    list_filter = ("performance_year", "origin")
    fields = (
        "entity",
        "performance_year",
        "quality_score",
        "met_standard",
        "met_alternative",
        "met_reporting",
        "source",
    )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "entity" and not request.user.is_superuser:
            kwargs["queryset"] = Entity.objects.filter(pk__in=admin_entity_ids(user=request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: QualityResult, form: Any, change: bool) -> None:
        if request.user.is_authenticated:  # always on the admin site; the stubs need telling
            obj.entered_by = request.user
        # A result saved here is CMS's reported figure: it overrides the score the platform
        # computes from the measures (which stops writing this entity-year), and the computed
        # path no longer explains it. Delete the override to return to the computed score.
        obj.origin = "override"
        obj.path = []
        obj.score_range = {}
        super().save_model(request, obj, form, change)
