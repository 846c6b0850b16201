"""Saved roster views: a name for a set of filters and a sort, kept for its author or shared with
the entity's team. Only filters are kept: the search boxes (name, date of birth) are a person's
search, not a view, and a view's name may not look like an MBI."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404

from care.models import RosterView
from core.api import ApplicationError
from core.logging import MBI_PATTERN

# The roster form's fields a view keeps (care.forms.RosterForm).
VIEW_FIELDS = (
    "recent_inpatient", "recent_ed", "open_gaps", "gap", "hcc_recapture", "aligned",
    "newly_aligned", "alignment_at_risk", "attributed_tin", "attributed_npi", "risk_tier", "sort",
)  # fmt: skip
MAX_VIEWS_PER_USER = 50


def roster_views_for_user(*, user: Any, entity: Any) -> list[RosterView]:
    """The user's own views and those the entity's members shared, by name."""
    return list(
        RosterView.objects.for_user(user)
        .filter(entity=entity)
        .filter(Q(created_by=user) | Q(shared=True))
        .select_related("created_by")
    )


def roster_view_for_user(*, user: Any, entity: Any, view_id: int) -> RosterView:
    view = next(
        (v for v in roster_views_for_user(user=user, entity=entity) if v.pk == view_id), None
    )
    if view is None:
        raise Http404("No such view.")
    return view


def roster_view_save(
    *, entity: Any, user: Any, name: str, filters: dict[str, Any], shared: bool
) -> RosterView:
    """Keep the filters under the name (the user's view of that name is replaced)."""
    name = " ".join(name.split())
    if not name:
        raise ApplicationError("Give the view a name.", {"field": "name"})
    if MBI_PATTERN.search(name.replace("-", "")):
        raise ApplicationError(
            "A view's name may not carry an MBI: name it by what it filters.", {"field": "name"}
        )
    kept = {k: v for k, v in filters.items() if k in VIEW_FIELDS and v not in (None, "", False)}
    if not (set(kept) - {"sort"}) and kept.get("sort", "name") == "name":
        raise ApplicationError("Choose a filter or a sort to keep first.", {"field": "filters"})
    existing = RosterView.objects.filter(entity=entity, created_by=user)
    if existing.count() >= MAX_VIEWS_PER_USER and not existing.filter(name=name).exists():
        raise ApplicationError(
            f"You keep {MAX_VIEWS_PER_USER} views already: delete one first.", {"field": "name"}
        )
    try:
        with transaction.atomic():
            view, _ = RosterView.objects.update_or_create(
                entity=entity,
                created_by=user,
                name=name,
                defaults={"filters": kept, "shared": shared},
            )
    except IntegrityError as exc:  # the same name saved at the same moment
        raise ApplicationError("A view of that name was just saved; try again.") from exc
    return view


def roster_view_delete(*, user: Any, view: RosterView) -> None:
    """Delete a view; only its author may (a shared view stays the author's)."""
    if view.created_by_id != user.pk:
        raise ApplicationError("Only the person who saved a view can delete it.")
    view.delete()


def roster_view_form_data(view: RosterView) -> dict[str, str]:
    """The view's filters as the roster form posts them (a ticked box is "on")."""
    return {k: ("on" if v is True else str(v)) for k, v in view.filters.items() if k in VIEW_FIELDS}
