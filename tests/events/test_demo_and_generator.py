"""The demo's part (a discharge minutes ago, a TCM contact task with its age) and the synthetic
stream's shape."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from care.models import WorklistItem
from events.models import AdtMessage, Sender
from synthetic.adt import Patient, Stream
from synthetic.demo import events as demo_events
from tests.events.conftest import at

pytestmark = pytest.mark.django_db


def test_the_demo_part_sends_a_discharge_that_arrived_minutes_ago(entity_a, make_bene):
    for _ in range(3):
        make_bene(entity_a)
    demo_events.load(entities={"mssp": entity_a}, stdout=None)
    demo_events.load(entities={"mssp": entity_a}, stdout=None)  # idempotent within the hour
    assert Sender.objects.filter(entity=entity_a).count() == 1
    assert sorted(AdtMessage.objects.values_list("trigger", "status")) == [
        ("A01", "applied"),
        ("A03", "applied"),
    ]
    contact = WorklistItem.objects.get(kind="tcm_contact")
    assert contact.source_at is not None
    assert contact.due_date is not None
    age = timezone.now() - contact.source_at
    assert timedelta(minutes=5) < age < timedelta(minutes=8)
    assert contact.due_date > timezone.localdate(contact.source_at)


def test_the_stream_follows_each_visit_in_order():
    patients = [Patient("1EG4TE5MK73", "DOE", "JANE", None, "F")]
    texts = Stream(patients, start=at(2026, 11, 1), seed=5).messages(300)
    assert len(texts) == 300
    by_visit: dict[str, list[str]] = {}
    for text in texts:
        trigger = text.split("\r")[0].split("|")[8].split("^")[1]
        visit = next(s for s in text.split("\r") if s.startswith("PV1|")).split("|")[19]
        by_visit.setdefault(visit, []).append(trigger)
    for triggers in by_visit.values():
        # An admission or a registration opens every visit; a discharge follows it.
        assert triggers[0] in ("A01", "A04")
        if "A03" in triggers and "A13" not in triggers:
            assert triggers.index("A03") > 0
    control_ids = [t.split("\r")[0].split("|")[9] for t in texts]
    assert len(set(control_ids)) == len(control_ids)
