"""Roles and settings: what each role of an entity may see and do, as the code enforces it
(accounts/roles.py), and the entity's own settings that decide some of it. Entity admins see
and change their entities' rows only; every change is kept in history (simple_history)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html, format_html_join

from accounts.models import EntityRoleSettings, Membership, PreferredProviderLogin, Role
from accounts.roles import matrix
from accounts.services import entity_role_settings_ensure
from core.api import ApplicationError
from entities.admin.base import ScopedAdmin, user_is_entity_admin
from entities.models import Entity, ParticipantOrganization
from entities.selectors import admin_entity_ids
from entities.services.preferred_logins import (
    preferred_provider_enroll,
    preferred_provider_enroll_check,
)


def role_table(settings: EntityRoleSettings | None) -> str:
    """The role table as HTML, generated from the one the code enforces."""
    head = format_html_join("", '<th scope="col">{}</th>', ((label,) for _, label in Role.choices))
    rows = format_html_join(
        "",
        '<tr data-permission="{}"><th scope="row">{}</th>{}</tr>',
        (
            (
                row["key"],
                row["label"],
                format_html_join(
                    "",
                    '<td class="{}">{}{}</td>',
                    (
                        (
                            "yes" if cell["allowed"] else "no",
                            "yes" if cell["allowed"] else "no",
                            format_html(" <small>(setting: {})</small>", cell["setting"])
                            if cell["setting"]
                            else "",
                        )
                        for cell in row["cells"]
                    ),
                ),
            )
            for row in matrix(settings)
        ),
    )
    return format_html(
        '<table class="role-table"><thead><tr><th scope="col">What</th>{}</tr></thead>'
        "<tbody>{}</tbody></table>",
        head,
        rows,
    )


@admin.register(EntityRoleSettings)
class EntityRoleSettingsAdmin(ScopedAdmin):
    entity_admin_can_add = False
    list_display = ["entity", "coordinators_see_settlement_money", "statements_show_every_tin"]
    fields = [
        "entity",
        "coordinators_see_settlement_money",
        "statements_show_every_tin",
        "what_each_role_may_do",
    ]
    readonly_fields = ["entity", "what_each_role_may_do"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # one row per entity, made when its admins first open the list

    @admin.display(description="What each role may see and do")
    def what_each_role_may_do(self, obj: EntityRoleSettings) -> str:
        return role_table(obj)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        entity_role_settings_ensure(
            entity_ids=list(
                Entity.objects.filter(pk__in=admin_entity_ids(user=request.user)).values_list(
                    "pk", flat=True
                )
            )
        )
        extra_context = {**(extra_context or {}), "subtitle": "Roles and settings"}
        return super().changelist_view(request, extra_context)


# ------------------------------------------------------------------ preferred-provider logins


class PreferredProviderLoginForm(forms.ModelForm):
    """Enroll a person for one preferred-provider TIN of an entity the admin administers."""

    email = forms.EmailField(help_text="Their sign-in; a new person sets a password with "
                             "\"Forgot your password?\" and a second factor at first sign-in.")  # fmt: skip
    full_name = forms.CharField(max_length=200, required=False)

    class Meta:
        model = PreferredProviderLogin
        fields = ["entity", "tin"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is None and data.get("entity") and data.get("email"):
            try:
                preferred_provider_enroll_check(
                    entity=data["entity"], email=data["email"], tin=data.get("tin", "")
                )
            except ApplicationError as exc:
                raise ValidationError(exc.message) from exc
        return data

    def _post_clean(self) -> None:
        pass  # the enrollment service checks the row (role and TIN together), not the model form


@admin.register(PreferredProviderLogin)
class PreferredProviderLoginAdmin(ScopedAdmin):
    """Preferred providers' logins (ACO REACH): each sees its TIN's shared patients and its
    scorecard, nothing else of the entity. Ending a login deletes it."""

    form = PreferredProviderLoginForm
    list_display = ["user", "entity", "tin", "tin_legal_name", "created_at"]
    list_select_related = ["user", "entity"]
    search_fields = ["user__email", "user__full_name", "tin"]
    entity_admin_can_change = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).filter(role=Role.PREFERRED_PROVIDER)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is None:
            return ["entity", "tin", "email", "full_name"]
        return ["user", "entity", "tin", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [] if obj is None else ["user", "entity", "tin", "created_at"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "entity":
            kwargs["queryset"] = Entity.objects.filter(
                pk__in=admin_entity_ids(user=request.user), program__code="reach"
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return user_is_entity_admin(request) and (obj is None or self.in_scope(request, obj))

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            return
        made = preferred_provider_enroll(
            entity=form.cleaned_data["entity"],
            email=form.cleaned_data["email"],
            full_name=form.cleaned_data.get("full_name", ""),
            tin=form.cleaned_data["tin"],
            acting_user=request.user,
        )
        for field in Membership._meta.concrete_fields:
            setattr(obj, field.attname, getattr(made, field.attname))
        obj.user, obj.entity = made.user, made.entity
        obj._state.adding = False

    @admin.display(description="TIN legal name")
    def tin_legal_name(self, obj: Any) -> str:
        org = ParticipantOrganization.objects.filter(tin=obj.tin).first()
        return org.legal_name if org else ""
