"""The team page of an entity's admins: each member's open load and overdue tasks, as of the
entity's care data date, and reassigning tasks in bulk from one member to another.

Counts only: the page names no beneficiary. Reassigning never crosses entities (both members
belong to the entity, and only the entity's items are touched) and leaves a note on each item
saying who moved it, from whom and to whom."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts.models import STAFF_ROLES, Membership, Role
from care.models import OPEN_STATUSES, ItemStatus, WorklistItem, WorklistNote
from core.api import ApplicationError

WEEK_DAYS = 7
# The `from_member` value of the unassigned items (nobody has taken them).
NOBODY = "nobody"


@dataclass(frozen=True)
class MemberLoad:
    user_id: int | None  # None: the items nobody has taken
    name: str
    role: str
    open: int = 0
    in_progress: int = 0
    overdue: int = 0
    due_this_week: int = 0

    @property
    def total(self) -> int:
        return self.open + self.in_progress


def _name(user: Any) -> str:
    return user.full_name or user.email


def team_load(*, entity: Any, data_date: date | None) -> list[MemberLoad]:
    """One row a member of the entity (care coordinators first, then by name), and one for the
    unassigned items: open and in-progress tasks, how many are overdue (due before the data
    date) and how many are due in the week from it. Without a data date (no care refresh yet)
    nothing is counted as overdue or due. One query for the counts."""
    counts: dict[str, Any] = {
        "open": Count("pk", filter=Q(status=ItemStatus.OPEN)),
        "in_progress": Count("pk", filter=Q(status=ItemStatus.IN_PROGRESS)),
    }
    if data_date is not None:
        counts["overdue"] = Count("pk", filter=Q(due_date__lt=data_date))
        counts["due_this_week"] = Count(
            "pk",
            filter=Q(due_date__gte=data_date, due_date__lt=data_date + timedelta(days=WEEK_DAYS)),
        )
    fields = ["open", "in_progress", "overdue", "due_this_week"][: len(counts)]
    grouped: Any = (
        WorklistItem.objects.filter(entity=entity, status__in=OPEN_STATUSES)
        .values("assigned_to")
        .annotate(**counts)
        .order_by()
    )
    rows: dict[int | None, dict[str, int]] = {
        row["assigned_to"]: {f: row[f] for f in fields} for row in grouped
    }
    members = (
        Membership.objects.filter(entity=entity, role__in=STAFF_ROLES)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    loads = [
        MemberLoad(m.user_id, _name(m.user), m.get_role_display(), **rows.pop(m.user_id, {}))
        for m in members
    ]
    loads.sort(key=lambda load: load.role != Role.CARE_COORDINATOR.label)
    # Items still assigned to someone who left the entity count under their name too.
    for user in (
        get_user_model()
        ._default_manager.filter(pk__in=[pk for pk in rows if pk is not None])
        .order_by("email")
    ):
        loads.append(MemberLoad(user.pk, _name(user), "no longer a member", **rows.pop(user.pk)))
    loads.append(MemberLoad(None, "Nobody (not taken)", "", **rows.pop(None, {})))
    return loads


def former_holders(*, entity: Any) -> Any:
    """People who hold open tasks of the entity but are no longer its members."""
    return (
        get_user_model()
        ._default_manager.filter(
            worklist_items__entity=entity, worklist_items__status__in=OPEN_STATUSES
        )
        .exclude(memberships__entity=entity)
        .distinct()
        .order_by("email")
    )


@dataclass(frozen=True)
class Selection:
    """Which open items to move: those of one member (or nobody's), optionally of one kind and
    due in a range (inclusive; an undated item is in no range)."""

    from_user_id: int | None
    kind: str = ""
    due_from: date | None = None
    due_to: date | None = None


def selected_items(*, entity: Any, selection: Selection) -> Any:
    qs = WorklistItem.objects.filter(
        entity=entity, status__in=OPEN_STATUSES, assigned_to_id=selection.from_user_id
    )
    if selection.kind:
        qs = qs.filter(kind=selection.kind)
    if selection.due_from is not None:
        qs = qs.filter(due_date__gte=selection.due_from)
    if selection.due_to is not None:
        qs = qs.filter(due_date__lte=selection.due_to)
    return qs


def worklist_items_reassign(
    *, entity: Any, selection: Selection, to_user: Any, acting_user: Any
) -> int:
    """Move the selected open items of the entity to `to_user`, a member of the same entity,
    in one transaction; each item gets a note by the acting user ("Reassigned from A to B"),
    the record of who moved what. Returns how many moved."""
    if not Membership.objects.filter(entity=entity, user=to_user, role__in=STAFF_ROLES).exists():
        raise ApplicationError(
            "The member to reassign to does not belong to this entity.", {"field": "to_member"}
        )
    if selection.from_user_id == to_user.pk:
        raise ApplicationError(
            "Choose another member to reassign to: these tasks are already theirs.",
            {"field": "to_member"},
        )
    if (
        selection.due_from is not None
        and selection.due_to is not None
        and selection.due_from > selection.due_to
    ):
        raise ApplicationError("Due from is after due to.", {"field": "due_from"})
    from_name = "nobody"
    if selection.from_user_id is not None:
        holder = get_user_model()._default_manager.filter(pk=selection.from_user_id).first()
        from_name = _name(holder) if holder else f"user {selection.from_user_id}"
    text = f"Reassigned from {from_name} to {_name(to_user)} (bulk reassignment)"
    with transaction.atomic(durable=True):
        ids = list(
            selected_items(entity=entity, selection=selection)
            .select_for_update()
            .values_list("pk", flat=True)
        )
        WorklistItem.objects.filter(pk__in=ids).update(
            assigned_to=to_user, updated_at=timezone.now()
        )
        WorklistNote.objects.bulk_create(
            [WorklistNote(item_id=pk, author=acting_user, text=text) for pk in ids]
        )
    return len(ids)
