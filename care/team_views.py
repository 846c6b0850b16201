"""The team page: each member's open load and overdue tasks as of the care data date, and bulk
reassignment, for the entity's admins (accounts.roles MANAGE_TEAM_WORK). A member of another
entity gets 404 (the entity is absent for them), a member without the permission 403.

The page shows counts and member names only, no beneficiary: no access record is written."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.models import STAFF_ROLES, Membership
from accounts.roles import MANAGE_TEAM_WORK
from accounts.selectors import user_may
from audit.phi import phi_view
from care.forms import ReassignForm
from care.models import ItemKind
from care.selectors import care_data_date, entity_for_user
from care.team import (
    NOBODY,
    Selection,
    former_holders,
    selected_items,
    team_load,
    worklist_items_reassign,
)
from core.api import ApplicationError
from entities.models import Entity


def _entity_for_admin(request: HttpRequest, entity_id: int) -> Entity:
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    if not user_may(user=request.user, entity_id=entity.pk, key=MANAGE_TEAM_WORK):
        raise PermissionDenied("Only the entity's admins manage the team's work.")
    return entity


def _members(entity: Entity) -> list[tuple[str, str]]:
    return [
        (str(m.user_id), f"{m.user.full_name or m.user.email} ({m.get_role_display().lower()})")
        for m in Membership.objects.filter(entity=entity, role__in=STAFF_ROLES)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    ]


def _form(entity: Entity, data: Any) -> ReassignForm:
    former = [
        (str(user.pk), f"{user.full_name or user.email} (no longer a member)")
        for user in former_holders(entity=entity)
    ]
    return ReassignForm(data, members=_members(entity), kinds=ItemKind.choices, former=former)


def _selection(form: ReassignForm) -> Selection:
    who = form.cleaned_data["from_member"]
    return Selection(
        from_user_id=None if who == NOBODY else int(who),
        kind=form.cleaned_data["kind"],
        due_from=form.cleaned_data["due_from"],
        due_to=form.cleaned_data["due_to"],
    )


@require_GET
@phi_view
def team(request: HttpRequest, entity_id: int) -> HttpResponse:
    """The load table; with a selection in the query (member ids, a kind, dates: no PHI), how
    many open tasks it holds, before they are moved."""
    entity = _entity_for_admin(request, entity_id)
    data_date = care_data_date(entity=entity)
    form = _form(entity, request.GET if "from_member" in request.GET else None)
    matching = None
    if form.is_bound and form.is_valid():
        matching = selected_items(entity=entity, selection=_selection(form)).count()
    return render(
        request,
        "care/team.html",
        {
            "entity": entity,
            "data_date": data_date,
            "loads": team_load(entity=entity, data_date=data_date),
            "form": form,
            "matching": matching,
        },
    )


@require_POST
@phi_view
def team_reassign(request: HttpRequest, entity_id: int) -> HttpResponse:
    entity = _entity_for_admin(request, entity_id)
    form = _form(entity, request.POST)
    if not form.is_valid() or not form.cleaned_data["to_member"]:
        messages.error(
            request, "Choose whose tasks to move and a member of this entity to move them to."
        )
        return redirect("care:team", entity_id=entity.pk)
    to_user = Membership.objects.get(
        entity=entity, user_id=int(form.cleaned_data["to_member"])
    ).user
    try:
        n = worklist_items_reassign(
            entity=entity, selection=_selection(form), to_user=to_user, acting_user=request.user
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        name = to_user.full_name or to_user.email
        messages.success(request, f"{n} open task{'s' if n != 1 else ''} reassigned to {name}.")
    return redirect("care:team", entity_id=entity.pk)
