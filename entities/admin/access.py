"""Roles and settings: what each role of an entity may see and do, as the code enforces it
(accounts/roles.py), and the entity's own settings that decide some of it. Entity admins see
and change their entities' rows only; every change is kept in history (simple_history)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html, format_html_join

from accounts.models import EntityRoleSettings, Role
from accounts.roles import matrix
from accounts.services import entity_role_settings_ensure
from entities.admin.base import ScopedAdmin
from entities.models import Entity
from entities.selectors import admin_entity_ids


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
