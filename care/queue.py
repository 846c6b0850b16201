"""Who to contact today: one ranked list across task kinds, one row per person, with the reason
for the rank.

The order: people leaving a hospital or nursing facility (their transitional care and 7-day
follow-up tasks, soonest due first, overdue on top), then people seen in an emergency
department, then people of the highest risk tier with open care gaps (highest CMS-HCC score
first), then everyone else with a task due by the claims date. A person reached for today
(an outreach attempt recorded since the start of the day) leaves the list; a next action date
brings them back on that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db.models import F, Q, QuerySet

from care.models import OPEN_STATUSES, ItemKind, OutreachAttempt, WorklistItem
from core import display

TRANSITION_KINDS = (
    ItemKind.TCM_CONTACT,
    ItemKind.DISCHARGE_FOLLOW_UP,
    ItemKind.SNF_ADMISSION,
    ItemKind.TCM_VISIT,
)
ED_KINDS = (ItemKind.ED_FOLLOW_UP, ItemKind.ED_VISIT)
QUEUE_LIMIT = 100


@dataclass(frozen=True)
class QueueEntry:
    rank: int
    item: WorklistItem
    group: str
    reason: str
    overdue: bool = False


@dataclass(frozen=True)
class QueueGroup:
    """One reason for contact in the queue: its people, in rank order, and how many are
    overdue (due before the claims date)."""

    name: str
    slug: str
    entries: list[QueueEntry]

    @property
    def overdue(self) -> int:
        return sum(1 for e in self.entries if e.overdue)

    @property
    def first_rank(self) -> int:
        return self.entries[0].rank

    @property
    def last_rank(self) -> int:
        return self.entries[-1].rank


def queue_groups(entries: list[QueueEntry]) -> list[QueueGroup]:
    """The ranked entries by group, in rank order (a group's entries are contiguous)."""
    groups: list[QueueGroup] = []
    for entry in entries:
        if not groups or groups[-1].name != entry.group:
            groups.append(QueueGroup(entry.group, f"queue-{len(groups) + 1}", []))
        groups[-1].entries.append(entry)
    return groups


def _due_text(item: WorklistItem, as_of: date | None) -> str:
    if item.due_date is None:
        return "no due date"
    if as_of is not None and item.due_date < as_of:
        days = (as_of - item.due_date).days
        return f"due {display.day(item.due_date)}, {days} day{'s' if days != 1 else ''} overdue"
    return f"due {display.day(item.due_date)}"


def contact_queue(
    *, user: Any, entity: Any, as_of: date | None, contacted_since: datetime
) -> list[QueueEntry]:
    """The ranked list for `user` in `entity`: open items assigned to them or to nobody, one
    row per person (their most pressing item), at most QUEUE_LIMIT rows. `as_of` is the claims
    date "due" and "overdue" count from."""
    reached = OutreachAttempt.objects.filter(
        entity=entity, attempted_at__gte=contacted_since
    ).values("beneficiary_id")
    base: QuerySet[WorklistItem] = (
        WorklistItem.objects.for_user(user)
        .filter(entity=entity, status__in=OPEN_STATUSES)
        .filter(Q(assigned_to=user) | Q(assigned_to__isnull=True))
        .exclude(beneficiary_id__in=reached)
        .select_related("beneficiary", "beneficiary__care", "assigned_to")
    )
    soonest = (F("due_date").asc(nulls_last=True), "id")
    top_tier = settings.CARE_RISK_TIERS[0][0]
    due_by = Q(due_date__lte=as_of) if as_of else Q()
    groups: list[tuple[str, QuerySet[WorklistItem], Any]] = [
        (
            "Leaving a hospital or facility",
            base.filter(kind__in=TRANSITION_KINDS).order_by(*soonest),
            lambda i: _due_text(i, as_of),
        ),
        (
            "Emergency department visit",
            base.filter(kind__in=ED_KINDS).order_by(*soonest),
            lambda i: _due_text(i, as_of),
        ),
        (
            "High risk with open care gaps",
            base.filter(
                beneficiary__care__risk_tier=top_tier, beneficiary__care__open_gap_count__gt=0
            ).order_by(F("beneficiary__care__risk_score").desc(nulls_last=True), *soonest),
            lambda i: (
                f"CMS-HCC risk score {display.number(i.beneficiary.care.risk_score, 3)} "
                f"({top_tier} tier) with {i.beneficiary.care.open_gap_count} open care "
                f"gap{'s' if i.beneficiary.care.open_gap_count != 1 else ''}; "
                f"{_due_text(i, as_of)}"
            ),
        ),
        (
            "Due by the claims date",
            base.filter(due_by).order_by(*soonest),
            lambda i: _due_text(i, as_of),
        ),
    ]
    entries: list[QueueEntry] = []
    seen: set[int] = set()
    for group, items, reason in groups:
        for item in items[: QUEUE_LIMIT * 2]:
            if item.beneficiary_id in seen:
                continue
            seen.add(item.beneficiary_id)
            item.data_date = as_of  # type: ignore[attr-defined]
            overdue = bool(as_of and item.due_date and item.due_date < as_of)
            entries.append(QueueEntry(len(entries) + 1, item, group, reason(item), overdue))
            if len(entries) == QUEUE_LIMIT:
                return entries
    return entries
