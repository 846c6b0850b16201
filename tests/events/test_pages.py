"""The coordinator's pages: the unmatched queue, the hospital events panel, and "My work today"
showing new event tasks (polled by htmx) with the event's age. Another entity's user gets 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from audit.models import AccessRecord
from care.models import WorklistItem
from events.models import AdtMessage
from events.services import adt_v2_receive
from tests.events.conftest import adt

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(entity_a, entity_b, sender_a, sender_b, make_bene):
    bene = make_bene(entity_a, last_name="Abbott")
    theirs = make_bene(entity_b, last_name="Other")
    out = timezone.now() - timedelta(minutes=7)
    adt_v2_receive(
        text=adt(sender_a, bene, "A03", "P1", event_at=out, discharge_at=out, disposition="01"),
        channel="mllp",
    )
    lost = adt(sender_a, bene, "A01", "P2", event_at=out, with_mbi=False, visit="V9")
    lost = lost.replace("^Pat", "^Nobody")  # no beneficiary of that name: unmatched
    adt_v2_receive(text=lost, channel="mllp")
    adt_v2_receive(
        text=adt(sender_b, theirs, "A03", "P3", event_at=out, discharge_at=out), channel="mllp"
    )
    return {
        "bene": bene,
        "theirs": theirs,
        "unmatched": AdtMessage.objects.get(control_id="P2"),
        "their_message": AdtMessage.objects.get(control_id="P3"),
    }


def test_my_work_today_shows_new_event_tasks_with_their_age_and_polls(
    world, client_a, client_b, aco_coordinator, sender_a
):
    page = client_a.get(reverse("care:today"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Transitional care: contact within 2 business days" in html
    assert "7\xa0minutes ago" in html
    assert 'hx-trigger="every 3s"' in html
    assert "Emergency department visit: follow up" not in html
    # Each task's detail whole, as the task holds it (it names the deadline's rule).
    from care.models import WorklistItem

    for item in WorklistItem.objects.filter(beneficiary=world["bene"], source_at__isnull=False):
        assert item.detail
        assert escape(item.detail) in html, item.detail
    # A task raised after the page was drawn appears in the polled panel.
    came = timezone.now() - timedelta(seconds=20)
    adt_v2_receive(
        text=adt(sender_a, world["bene"], "A04", "P4", event_at=came, admit_at=came,
                 patient_class="E", visit="ED7"),
        channel="mllp",
    )  # fmt: skip
    polled = client_a.get(reverse("care:today_events"), HTTP_HX_REQUEST="true")
    assert polled.status_code == 200
    assert "Emergency department visit: follow up" in polled.content.decode()
    assert polled.content.decode().count("Abbott") == 3  # the contact, the visit, the ED
    assert "Other" not in polled.content.decode()
    record = AccessRecord.objects.filter(user=aco_coordinator, route="care:today_events").latest(
        "pk"
    )
    assert record.beneficiary_ids == [world["bene"].pk]
    # Entity B's coordinator sees B's tasks only.
    theirs = client_b.get(reverse("care:today_events")).content.decode()
    assert "Other" in theirs
    assert "Abbott" not in theirs


def test_unmatched_queue_resolves_within_the_entity_only(
    world, entity_a, entity_b, client_a, client_b
):
    url = reverse("events:unmatched", kwargs={"entity_id": entity_a.pk})
    page = client_a.get(url)
    assert page.status_code == 200
    assert "Nobody" in page.content.decode()
    assert client_b.get(url).status_code == 404
    resolve = reverse(
        "events:resolve", kwargs={"entity_id": entity_a.pk, "message_id": world["unmatched"].pk}
    )
    # B's user cannot act on A's message; A's user cannot match to B's beneficiary.
    assert client_b.post(resolve, {"beneficiary": world["theirs"].pk}).status_code == 404
    assert client_a.post(resolve, {"beneficiary": world["theirs"].pk}).status_code == 404
    their_resolve = reverse(
        "events:resolve",
        kwargs={"entity_id": entity_a.pk, "message_id": world["their_message"].pk},
    )
    assert client_a.post(their_resolve, {"beneficiary": world["bene"].pk}).status_code == 404
    done = client_a.post(resolve, {"beneficiary": world["bene"].pk})
    assert done.status_code == 302
    message = AdtMessage.objects.get(pk=world["unmatched"].pk)
    assert (message.status, message.beneficiary_id) == ("resolved", world["bene"].pk)


def test_the_beneficiary_panel_shows_the_stay_and_is_404_to_another_entity(
    world, entity_a, client_a, client_b
):
    url = reverse(
        "events:beneficiary", kwargs={"entity_id": entity_a.pk, "beneficiary_id": world["bene"].pk}
    )
    panel = client_a.get(url).content.decode()
    assert "Mercy General" in panel
    assert "Discharged" in panel
    assert client_b.get(url).status_code == 404
    page = client_a.get(
        reverse(
            "care:beneficiary",
            kwargs={"entity_id": entity_a.pk, "beneficiary_id": world["bene"].pk},
        )
    )
    assert url in page.content.decode()  # loaded into the page by htmx
    assert WorklistItem.objects.filter(beneficiary=world["bene"]).count() == 2
