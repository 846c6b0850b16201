"""The console page where an entity's administrators register partner systems: name, public
key, scopes and (optionally) TINs. The client id is shown once the client exists; there is no
secret to show, since clients prove themselves with their private key."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelChoiceField
from django.http import HttpRequest
from django.urls import reverse

from core import display
from core.api import ApplicationError
from entities.admin.base import ScopedAdmin
from entities.models import Entity, ParticipantOrganization, Participation
from entities.selectors import admin_entity_ids
from partners.models import PartnerClient
from partners.scopes import ALL_SCOPES
from partners.services import (
    partner_client_register,
    partner_client_revoke,
    partner_client_update,
    partner_client_validate,
)


class PartnerClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=[(name, f"{name} - {text}") for name, text in ALL_SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
        help_text="What the client may read (and, for worklists, write).",
    )
    tin_list = forms.ModelMultipleChoiceField(
        queryset=ParticipantOrganization.objects.none(),
        required=False,
        label="TINs",
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text="Leave empty for every TIN of the entity; otherwise only beneficiaries "
        "attributed to the TINs chosen.",
    )

    class Meta:
        model = PartnerClient
        fields = ["entity", "name", "public_key", "requests_per_minute"]
        widgets = {"public_key": forms.Textarea(attrs={"rows": 8, "cols": 80})}

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        administered = admin_entity_ids(user=user)
        if "entity" in self.fields:
            entities = Entity.objects.filter(pk__in=administered)
            cast(ModelChoiceField, self.fields["entity"]).queryset = entities
            only = list(entities.values_list("pk", flat=True)[:2])
            if not self.instance.pk and len(only) == 1:
                self.initial.setdefault("entity", only[0])  # an admin of one entity: chosen
        cast(
            ModelChoiceField, self.fields["tin_list"]
        ).queryset = ParticipantOrganization.objects.filter(
            pk__in=Participation.objects.filter(entity__in=administered).values("organization_id")
        ).order_by("tin")
        if self.instance.pk:
            self.fields["entity"].disabled = True
            self.initial["scopes"] = self.instance.scope_list
            self.initial["tin_list"] = list(self.instance.tins.all())

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        entity = data.get("entity") or getattr(self.instance, "entity", None)
        if entity is None or self.errors:
            return data
        try:
            partner_client_validate(
                entity=entity,
                name=data.get("name", ""),
                public_key=data.get("public_key", ""),
                scopes=data.get("scopes", []),
                tins=data.get("tin_list", []),
            )
        except ApplicationError as exc:
            for field, message in exc.extra.items():
                self.add_error("tin_list" if field == "tins" else field, message)
        return data


@admin.register(PartnerClient)
class PartnerClientAdmin(ScopedAdmin):
    form = PartnerClientForm
    change_form_template = "partners/admin/partnerclient_change_form.html"
    list_display = ["name", "entity", "client_id", "scope", "tin_count", "is_active", "created_at"]
    list_filter = ["is_active", ("entity", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "application__client_id", "tins__tin"]
    list_select_related = ["entity", "application"]
    readonly_fields = ["client_id", "is_active", "revoked_at", "created_by", "created_at"]
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PartnerClient]:
        return super().get_queryset(request).prefetch_related("tins")

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)

        class BoundForm(form):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, user=request.user, **kw)

        return BoundForm

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ["entity", "name", "public_key", "scopes", "tin_list", "requests_per_minute"]
        if obj is None:
            return [(None, {"fields": fields})]
        return [
            (None, {"fields": ["client_id", *fields]}),
            ("Status", {"fields": ["is_active", "revoked_at", "created_by", "created_at"]}),
        ]

    @admin.display(description="client id")
    def client_id(self, obj: PartnerClient) -> str:
        return obj.client_id

    @admin.display(description="TINs")
    def tin_count(self, obj: PartnerClient) -> str:
        tins = [t.tin for t in obj.tins.all()]
        return ", ".join(tins) if tins else "all"

    def save_model(self, request: HttpRequest, obj: PartnerClient, form: Any, change: bool) -> None:
        data = form.cleaned_data
        arguments = {
            "name": data["name"],
            "public_key": data["public_key"],
            "scopes": data["scopes"],
            "tins": list(data["tin_list"]),
            "requests_per_minute": data.get("requests_per_minute"),
            "acting_user": request.user,
        }
        if change:
            client = partner_client_update(client=obj, **arguments)
        else:
            client = partner_client_register(entity=data["entity"], **arguments)
        for field in PartnerClient._meta.concrete_fields:
            setattr(obj, field.attname, getattr(client, field.attname))
        obj._state.adding = False
        if not change:
            messages.info(
                request,
                f"Client id: {client.client_id}. Give it to the partner with the token URL "
                f"{request.build_absolute_uri(reverse('partners-token'))}.",
            )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # TINs were set by the service; the form has no other relations to save.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    @admin.action(description="Revoke the selected clients (their tokens stop working now)")
    def revoke(self, request: HttpRequest, queryset: QuerySet[PartnerClient]) -> None:
        done = 0
        for client in queryset.filter(is_active=True):
            partner_client_revoke(client=client, acting_user=request.user)
            done += 1
        messages.success(request, f"{display.counted(done, 'client')} revoked.")
