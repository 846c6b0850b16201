"""The care demo's coordinator has worked the older claims follow-ups: each called on its due
day with a next action in the three weeks after the data date, so only the newest stay overdue
(claims arrive weeks after a stay; without this every task of the demo was overdue)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from care.demo import coordinator_worked
from care.models import ItemKind, ItemStatus, OutreachAttempt, WorklistItem
from care.services import worklist_item_create

pytestmark = pytest.mark.django_db
AS_OF = date(2025, 11, 24)


def test_older_follow_ups_come_back_in_the_coming_weeks_and_the_newest_stay_overdue(
    entity_a, make_bene, aco_coordinator
) -> None:
    due = [AS_OF - timedelta(days=d) for d in (30, 20, 10, 5, 4, 2)]
    items = [
        worklist_item_create(
            entity=entity_a,
            beneficiary=make_bene(entity_a, last_name=f"P{k}"),
            kind=ItemKind.DISCHARGE_FOLLOW_UP,
            due_date=d,
            title=f"P{k}",
            assigned_to=aco_coordinator,
            acting_user=aco_coordinator,
        )  # fmt: skip
        for k, d in enumerate(due)
    ]
    coordinator_worked(entity=entity_a, user=aco_coordinator, as_of=AS_OF)
    after = {i.pk: i for i in WorklistItem.objects.filter(pk__in=[i.pk for i in items])}
    # Due more than 4 days before the data date: four. The newest of them (one in ten, at least
    # one) is not reached yet; the other three were called (in progress), back on days 1, 2, 3.
    worked = [after[i.pk] for i in items[:3]]
    assert [i.due_date for i in worked] == [AS_OF + timedelta(days=d) for d in (1, 2, 3)]
    assert {i.status for i in worked} == {ItemStatus.IN_PROGRESS}
    attempts = OutreachAttempt.objects.filter(item__in=items).order_by("item_id")
    assert [a.attempted_at.date() for a in attempts] == due[:3]
    # The newest three keep their due dates: overdue by 5, 4 and 2 days.
    assert [after[i.pk].due_date for i in items[3:]] == due[3:]
    assert {after[i.pk].status for i in items[3:]} == {ItemStatus.OPEN}
