"""The team page: an entity admin sees each member's open load and overdue tasks as of the care
data date and reassigns tasks in bulk (by member, kind and due date) to another member of the
same entity, never across entities, with a note on each task saying who moved it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse

from accounts.models import Membership, Role
from care.models import CareSummary, ItemKind, ItemStatus, WorklistItem, WorklistNote
from care.services import worklist_item_create

pytestmark = pytest.mark.django_db
AS_OF = date(2025, 6, 30)


@pytest.fixture
def team(entity_a, make_bene, make_member, aco_admin, aco_coordinator):
    CareSummary.objects.create(entity=entity_a, as_of=AS_OF)
    bene = make_bene(entity_a)
    ada = make_member(entity_a, Role.CARE_COORDINATOR, "ada@a.example.test")

    def task(kind, due, who, status=ItemStatus.OPEN):
        item = worklist_item_create(
            entity=entity_a, beneficiary=bene, kind=kind, due_date=due, title=f"{kind} {due}",
            assigned_to=who, acting_user=aco_admin,
        )  # fmt: skip
        if status != ItemStatus.OPEN:
            WorklistItem.objects.filter(pk=item.pk).update(status=status)
        return item

    items = [
        task(ItemKind.TCM_CONTACT, AS_OF - timedelta(days=3), aco_coordinator),  # overdue
        task(ItemKind.TCM_CONTACT, AS_OF + timedelta(days=2), aco_coordinator),  # this week
        task(ItemKind.AWV_DUE, AS_OF - timedelta(days=1), aco_coordinator, ItemStatus.IN_PROGRESS),
        task(ItemKind.AWV_DUE, AS_OF + timedelta(days=30), aco_coordinator),
        task(ItemKind.MANUAL, AS_OF, aco_coordinator, ItemStatus.DONE),  # closed: not counted
        task(ItemKind.MANUAL, AS_OF - timedelta(days=9), None),  # nobody's, overdue
    ]
    return {"ada": ada, "items": items}


def _load(page, user_id):
    return next(row for row in page.context["loads"] if row.user_id == user_id)


def test_an_admin_sees_each_members_open_load_and_overdue_as_of_the_data_date(
    team, entity_a, aco_admin, aco_coordinator, login_client
):
    page = login_client(aco_admin).get(reverse("care:team", args=[entity_a.pk]))
    assert page.status_code == 200
    mine = _load(page, aco_coordinator.pk)
    assert (mine.total, mine.in_progress, mine.overdue, mine.due_this_week) == (4, 1, 2, 1)
    ada = _load(page, team["ada"].pk)
    assert (ada.total, ada.overdue) == (0, 0)
    nobody = _load(page, None)
    assert (nobody.total, nobody.overdue) == (1, 1)
    body = page.content.decode()
    assert "Open tasks by member, as of 2025-06-30" in body
    assert f'href="/care/{entity_a.pk}/team/"' in body  # the tab, for admins only
    # Counting a selection first: the coordinator's open contact tasks due by the data date.
    counted = login_client(aco_admin).get(
        reverse("care:team", args=[entity_a.pk]),
        {"from_member": aco_coordinator.pk, "kind": ItemKind.TCM_CONTACT, "due_to": "2025-06-30"},
    )
    assert counted.context["matching"] == 1


def test_bulk_reassign_moves_the_selection_to_another_coordinator_with_a_note(
    team, entity_a, aco_admin, aco_coordinator, login_client
):
    ada = team["ada"]
    client = login_client(aco_admin)
    response = client.post(
        reverse("care:team_reassign", args=[entity_a.pk]),
        {"from_member": aco_coordinator.pk, "kind": ItemKind.TCM_CONTACT, "due_from": "",
         "due_to": "", "to_member": ada.pk},
    )  # fmt: skip
    assert response.status_code == 302
    moved = WorklistItem.objects.filter(assigned_to=ada)
    assert sorted(i.pk for i in moved) == [team["items"][0].pk, team["items"][1].pk]
    notes = WorklistNote.objects.filter(item__in=moved, text__startswith="Reassigned")
    assert {(n.author_id, n.text) for n in notes} == {
        (aco_admin.pk, f"Reassigned from {aco_coordinator.full_name or aco_coordinator.email} "
                       f"to {ada.full_name or ada.email} (bulk reassignment)")
    }  # fmt: skip
    # Nobody's tasks, due in a range; the closed task stays where it was.
    client.post(
        reverse("care:team_reassign", args=[entity_a.pk]),
        {"from_member": "nobody", "due_from": "2025-06-01", "due_to": "2025-06-30",
         "to_member": ada.pk},
    )  # fmt: skip
    assert WorklistItem.objects.filter(assigned_to=ada).count() == 3
    assert WorklistItem.objects.get(pk=team["items"][4].pk).assigned_to == aco_coordinator
    # Someone who left the entity still holds 3 open tasks: their row shows them, and they move.
    Membership.objects.filter(user=ada, entity=entity_a).delete()
    page = client.get(reverse("care:team", args=[entity_a.pk]))
    left = _load(page, ada.pk)
    assert (left.role, left.total) == ("no longer a member", 3)
    client.post(
        reverse("care:team_reassign", args=[entity_a.pk]),
        {"from_member": ada.pk, "to_member": aco_coordinator.pk},
    )
    assert not WorklistItem.objects.filter(assigned_to=ada).exists()


def test_reassignment_never_crosses_entities_and_is_for_admins_only(
    team, entity_a, entity_b, aco_admin, aco_coordinator, make_member, login_client
):
    before = dict(WorklistItem.objects.values_list("pk", "assigned_to"))
    b_admin = make_member(entity_b, Role.ENTITY_ADMIN, "admin@b.example.test")
    b_client = login_client(b_admin)
    # An admin of another entity: the entity is absent for them, and nothing moves.
    assert b_client.get(reverse("care:team", args=[entity_a.pk])).status_code == 404
    refused = b_client.post(
        reverse("care:team_reassign", args=[entity_a.pk]),
        {"from_member": aco_coordinator.pk, "to_member": b_admin.pk},
    )
    assert refused.status_code == 404
    # A's admin cannot hand A's tasks to a member of B.
    login_client(aco_admin).post(
        reverse("care:team_reassign", args=[entity_a.pk]),
        {"from_member": aco_coordinator.pk, "to_member": b_admin.pk},
    )
    # A coordinator of A may not use the page at all.
    coordinator = login_client(aco_coordinator)
    assert coordinator.get(reverse("care:team", args=[entity_a.pk])).status_code == 403
    assert (
        coordinator.post(
            reverse("care:team_reassign", args=[entity_a.pk]),
            {"from_member": aco_coordinator.pk, "to_member": team["ada"].pk},
        ).status_code
        == 403
    )
    worklist = coordinator.get(reverse("care:worklist", args=[entity_a.pk])).content.decode()
    assert 'team/"' not in worklist
    assert dict(WorklistItem.objects.values_list("pk", "assigned_to")) == before
    assert not WorklistNote.objects.filter(text__startswith="Reassigned").exists()
