"""The console page where an entity's administrators register the systems that send them ADT
messages: the facility's name, its MSH-3 and MSH-4 as its messages carry them, and whether it is
a skilled nursing facility. Messages from a sender go to its entity only."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.forms import ModelChoiceField

from entities.admin.base import ScopedAdmin
from entities.models import Entity
from entities.selectors import admin_entity_ids
from events.models import Sender


class SenderForm(forms.ModelForm):
    class Meta:
        model = Sender
        fields = [
            "entity",
            "name",
            "sending_application",
            "sending_facility",
            "facility_kind",
            "is_active",
        ]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "entity" in self.fields:
            cast(ModelChoiceField, self.fields["entity"]).queryset = Entity.objects.filter(
                pk__in=admin_entity_ids(user=user)
            )
        if self.instance.pk:
            self.fields["entity"].disabled = True

    def clean_sending_application(self) -> str:
        return str(self.cleaned_data["sending_application"]).strip()

    def clean_sending_facility(self) -> str:
        return str(self.cleaned_data["sending_facility"]).strip()


@admin.register(Sender)
class SenderAdmin(ScopedAdmin):
    form = SenderForm
    list_display = [
        "name",
        "entity",
        "sending_application",
        "sending_facility",
        "facility_kind",
        "is_active",
    ]
    list_filter = ["is_active", "facility_kind", ("entity", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "sending_application", "sending_facility"]
    list_select_related = ["entity"]

    def get_form(self, request: Any, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)

        class Bound(form):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, user=request.user, **kw)

        return Bound
