"""Admin console: CMS's health equity adjustment inputs of an MSSP ACO's year (scoped like the
entities console: an entity admin sees and enters only the entities they administer). Saving or
deleting one recomputes the year's quality score."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from entities.admin.base import ScopedAdmin
from entities.models import Entity
from entities.selectors import admin_entity_ids
from quality.models import HealthEquityInput


@admin.register(HealthEquityInput)
class HealthEquityInputAdmin(ScopedAdmin):
    list_display = (
        "entity",
        "performance_year",
        "performance_scaler",
        "underserved_multiplier",
        "eligible",
        "entered_by",
        "entered_at",
    )
    list_filter = ("performance_year", "eligible")
    fields = (
        "entity",
        "performance_year",
        "performance_scaler",
        "underserved_multiplier",
        "eligible",
        "source",
    )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "entity" and not request.user.is_superuser:
            kwargs["queryset"] = Entity.objects.filter(pk__in=admin_entity_ids(user=request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)

        class Checked(form):  # type: ignore[misc, valid-type]
            def clean_underserved_multiplier(self) -> Any:
                value = self.cleaned_data["underserved_multiplier"]
                if value is not None and not 0 <= value <= 1:
                    raise ValidationError("The underserved multiplier is between 0 and 1.")
                return value

            def clean_performance_year(self) -> Any:
                from quality.engine.app_score import hea_rule

                year = self.cleaned_data["performance_year"]
                applies, source = hea_rule(year) if year else (True, "")
                if not applies:
                    raise ValidationError(
                        f"PY{year} has no health equity adjustment ({source}): inputs entered "
                        "for it would add no bonus points."
                    )
                return year

            def clean_performance_scaler(self) -> Any:
                value = self.cleaned_data["performance_scaler"]
                if value is not None and value < 0:
                    raise ValidationError("The performance scaler is not negative.")
                return value

        return Checked

    def save_model(
        self, request: HttpRequest, obj: HealthEquityInput, form: Any, change: bool
    ) -> None:
        from quality.scores import quality_score_publish

        if request.user.is_authenticated:
            obj.entered_by = request.user
        super().save_model(request, obj, form, change)
        quality_score_publish(entity=obj.entity, performance_year=obj.performance_year)

    def delete_model(self, request: HttpRequest, obj: HealthEquityInput) -> None:
        from quality.scores import quality_score_publish

        entity, year = obj.entity, obj.performance_year
        super().delete_model(request, obj)
        quality_score_publish(entity=entity, performance_year=year)
