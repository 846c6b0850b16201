"""Worklist items: created by hand, assigned, moved through their statuses, with a trail."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from care.models import ItemStatus, WorklistNote
from care.selectors import my_work_sections
from care.services import worklist_item_create, worklist_item_update
from core.api import ApplicationError

pytestmark = pytest.mark.django_db


def test_a_coordinator_adds_assigns_and_closes_an_item_with_a_trail(
    entity_a, aco_coordinator, make_bene, login_client
):
    bene = make_bene(entity_a)
    item = worklist_item_create(
        entity=entity_a,
        beneficiary=bene,
        title="Call about the discharge",
        due_date=date(2025, 6, 1),
        assigned_to=aco_coordinator,
        acting_user=aco_coordinator,
    )
    assert item.status == ItemStatus.OPEN
    worklist_item_update(item=item, acting_user=aco_coordinator, status=ItemStatus.IN_PROGRESS)
    item = worklist_item_update(
        item=item, acting_user=aco_coordinator, status=ItemStatus.DONE, note="Reached her"
    )
    assert item.status == ItemStatus.DONE
    assert item.closed_at is not None
    trail = list(WorklistNote.objects.filter(item=item).values_list("status_from", "status_to"))
    assert trail == [("", "open"), ("open", "in_progress"), ("in_progress", "done")]
    # The person's page tells the trail in words, not as status codes and an arrow.
    page = login_client(aco_coordinator).get(
        reverse("care:beneficiary", args=[entity_a.pk, bene.pk])
    )
    body = page.content.decode()
    assert "· created Open" in body
    assert "· Open to In progress" in body
    assert "· In progress to Done" in body
    assert "in_progress" not in body


def test_it_refuses_to_dismiss_without_a_reason(entity_a, aco_coordinator, make_bene):
    item = worklist_item_create(
        entity=entity_a, beneficiary=make_bene(entity_a), title="x", acting_user=aco_coordinator
    )
    with pytest.raises(ApplicationError):
        worklist_item_update(item=item, acting_user=aco_coordinator, status=ItemStatus.DISMISSED)
    item = worklist_item_update(
        item=item, acting_user=aco_coordinator, status="dismissed", dismissed_reason="Moved away"
    )
    assert item.dismissed_reason == "Moved away"


def test_it_refuses_an_assignee_from_another_entity(
    entity_a, aco_coordinator, other_entity_user, make_bene
):
    with pytest.raises(ApplicationError):
        worklist_item_create(
            entity=entity_a,
            beneficiary=make_bene(entity_a),
            title="x",
            assigned_to=other_entity_user,
            acting_user=aco_coordinator,
        )


def test_it_refuses_a_beneficiary_of_another_entity(entity_a, entity_b, aco_coordinator, make_bene):
    with pytest.raises(ApplicationError):
        worklist_item_create(
            entity=entity_a, beneficiary=make_bene(entity_b), title="x", acting_user=aco_coordinator
        )


def test_my_work_today_lists_my_open_items_due_by_the_data_date(
    entity_a, aco_coordinator, aco_analyst, make_bene
):
    bene = make_bene(entity_a)
    today = date(2025, 6, 10)

    def add(title, due, who):
        return worklist_item_create(
            entity=entity_a,
            beneficiary=bene,
            title=title,
            due_date=due,
            assigned_to=who,
            acting_user=aco_coordinator,
        )

    add("overdue", date(2025, 6, 1), aco_coordinator)
    add("today", today, aco_coordinator)
    add("no date", None, aco_coordinator)
    add("later", date(2025, 7, 1), aco_coordinator)
    add("someone else", today, aco_analyst)
    done = add("done", today, aco_coordinator)
    worklist_item_update(item=done, acting_user=aco_coordinator, status="done")
    sections = my_work_sections(
        user=aco_coordinator, dates={entity_a.pk: today}, created_since=timezone.now()
    )
    titles = [i.title for key in ("overdue", "today", "week") for i in sections[key]]
    assert titles == ["overdue", "today", "no date"]
    assert sections["later"] == 1  # due 2025-07-01: counted, not dropped
