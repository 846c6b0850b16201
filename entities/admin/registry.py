"""Admin pages of the program registry: programs, performance years, tracks, parameter tables and
the specialty code table. Values marked "to confirm" are defaults awaiting a CMS document."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from core import display
from entities.admin.base import CitedSourcesMixin, RegistryAdmin, figure_column
from entities.models import (
    ParameterBand,
    PerformanceYear,
    Program,
    ProgramParameter,
    SpecialtyCode,
    Track,
)


class PerformanceYearInline(CitedSourcesMixin, admin.TabularInline):
    model = PerformanceYear
    extra = 0
    fields = ["year", "label", "start_date", "end_date", "change_request_deadline", "source"]


class TrackInline(admin.TabularInline):
    model = Track
    extra = 0
    fields = ["code", "name", "category", "risk", "sort_order", "first_year", "last_year"]


@admin.register(Program)
class ProgramAdmin(RegistryAdmin):
    list_display = [
        "code",
        "name",
        "entity_kind",
        "status",
        "start_date",
        "end_date",
        "entity_id_pattern",
        "entity_id_to_confirm",
    ]
    list_filter = ["status"]
    search_fields = ["code", "name"]
    inlines = [PerformanceYearInline, TrackInline]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "code",
                    "name",
                    "entity_kind",
                    "status",
                    "start_date",
                    "end_date",
                    "description",
                ]
            },
        ),
        (
            "Entity IDs",
            {"fields": ["entity_id_pattern", "entity_id_example", "entity_id_to_confirm"]},
        ),
        (
            "Participant-list rules",
            {
                "fields": [
                    "has_preferred_providers",
                    "npi_exclusive_participants",
                    "primary_care_tin_exclusive",
                ]
            },
        ),
        ("Source", {"fields": ["source"]}),
    ]


@admin.register(PerformanceYear)
class PerformanceYearAdmin(RegistryAdmin):
    list_display = [
        "__str__",
        "program",
        "year",
        "start_date",
        "end_date",
        "change_request_deadline",
    ]
    list_filter = ["program"]
    search_fields = ["label", "program__name"]


@admin.register(Track)
class TrackAdmin(RegistryAdmin):
    list_display = ["name", "program", "code", "category", "risk", "first_year", "last_year"]
    list_filter = ["program", "category", "risk"]
    search_fields = ["code", "name"]


def _figure(value: Decimal | None) -> str:
    """A stored figure as people read it: 5000.0000 -> "5,000", 3.9000 -> "3.90"."""
    if value is None:
        return display.DASH
    if value == value.to_integral_value():
        return display.count(value)
    return display.plain_decimal(value)


class FiguresForm(forms.ModelForm):
    """Stored figures in the edit form as written (125.00, 3.90), not as stored (125.000000)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, value in list(self.initial.items()):
            if isinstance(value, Decimal):
                self.initial[name] = display.plain_decimal(value)


class ToConfirmFilter(admin.SimpleListFilter):
    title = "to confirm"
    parameter_name = "to_confirm"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [("1", "To confirm against CMS"), ("0", "Confirmed")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in {"0", "1"}:
            return queryset.filter(to_confirm=self.value() == "1")
        return queryset


@admin.register(ProgramParameter)
class ProgramParameterAdmin(RegistryAdmin):
    form = FiguresForm
    read_as = {"value": "shown_value"}
    list_display = [
        "shown_key",
        "program",
        "performance_year",
        "track",
        "shown_value",
        "unit",
        "evidence",
        "to_confirm",
    ]
    list_filter = ["program", "performance_year", ToConfirmFilter, "evidence", "track", "unit"]
    search_fields = ["key", "source", "notes"]
    list_select_related = ["program", "track"]
    list_per_page = 100
    fieldsets = [
        (None, {"fields": ["program", "performance_year", "track", "key"]}),
        ("Value", {"fields": ["value", "text_value", "unit"]}),
        ("Evidence", {"fields": ["evidence", "to_confirm", "source", "notes"]}),
    ]

    @admin.display(description="Parameter", ordering="key")
    def shown_key(self, obj: Any) -> str:
        # In words (the key, which search finds, in the tooltip), not as a code name.
        return format_html('<span title="{}">{}</span>', obj.key, display.words(obj.key))

    @admin.display(description="Value", ordering="value")
    def shown_value(self, obj: Any) -> str:
        if obj.value is None:
            return obj.text_value or display.DASH
        return _figure(obj.value)


@admin.register(ParameterBand)
class ParameterBandAdmin(RegistryAdmin):
    form = FiguresForm
    read_as = {
        "lower": "shown_lower",
        "upper": "shown_upper",
        "value_at_lower": "shown_value_at_lower",
        "value_at_upper": "shown_value_at_upper",
    }
    list_display = [
        "table",
        "program",
        "performance_year",
        "track",
        "shown_lower",
        "shown_upper",
        "shown_value_at_lower",
        "shown_value_at_upper",
        "evidence",
        "to_confirm",
    ]
    list_filter = ["program", "table", "performance_year", "track", ToConfirmFilter]
    list_select_related = ["program", "track"]
    search_fields = ["source"]

    shown_lower = staticmethod(figure_column("lower", "From", _figure))
    shown_upper = staticmethod(figure_column("upper", "To (blank: no upper bound)", _figure))
    shown_value_at_lower = staticmethod(
        figure_column("value_at_lower", "Value at the lower bound", _figure)
    )
    shown_value_at_upper = staticmethod(
        figure_column("value_at_upper", "Value at the upper bound", _figure)
    )


@admin.register(SpecialtyCode)
class SpecialtyCodeAdmin(RegistryAdmin):
    list_display = ["code", "description", "provider_class", "evidence", "to_confirm"]
    list_filter = ["provider_class", ToConfirmFilter, "evidence"]
    search_fields = ["code", "description"]
    list_per_page = 200
