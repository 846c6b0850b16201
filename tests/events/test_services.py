"""Receiving ADT messages: what each event does, idempotency, cancels, matching, isolation."""

from __future__ import annotations

from datetime import date

import pytest

from care.models import ItemStatus, WorklistItem
from events.models import AdtMessage, MessageStatus, Stay, StayStatus
from events.services import adt_message_resolve, adt_v2_receive
from tests.events.conftest import adt, at

pytestmark = pytest.mark.django_db


def _items(bene):
    return {i.kind: i for i in WorklistItem.objects.filter(beneficiary=bene)}


def test_admission_then_discharge_home_opens_the_tcm_tasks_in_business_days(
    entity_a, sender_a, make_bene
):
    bene = make_bene(entity_a)
    admit = at(2026, 12, 1, 8)
    first = adt_v2_receive(
        text=adt(sender_a, bene, "A01", "M1", event_at=admit, admit_at=admit), channel="mllp"
    )
    assert first.code == "AA", first.reason
    stay = Stay.objects.get(beneficiary=bene)
    assert stay.status == StayStatus.IN_FACILITY  # the "in hospital" flag
    # Friday 4 December 2026, 10:00: 2 business days later is Tuesday 8 December; the visit
    # (moderate complexity, CPT 99495) within 14 calendar days: Friday 18 December.
    out = at(2026, 12, 4, 10)
    second = adt_v2_receive(
        text=adt(
            sender_a,
            bene,
            "A03",
            "M2",
            event_at=out,
            admit_at=admit,
            discharge_at=out,
            disposition="01",
        ),
        channel="mllp",
    )
    assert second.code == "AA", second.reason
    items = _items(bene)
    assert set(items) == {"tcm_contact", "tcm_visit"}
    assert items["tcm_contact"].due_date == date(2026, 12, 8)
    assert items["tcm_visit"].due_date == date(2026, 12, 18)
    assert items["tcm_contact"].source_at == out
    stay.refresh_from_db()
    assert stay.status == StayStatus.DISCHARGED


def test_the_same_message_twice_is_stored_once_and_answered_alike(entity_a, sender_a, make_bene):
    bene = make_bene(entity_a)
    out = at(2026, 12, 4, 10)
    text = adt(sender_a, bene, "A03", "DUP1", event_at=out, discharge_at=out, disposition="01")
    first = adt_v2_receive(text=text, channel="mllp")
    again = adt_v2_receive(text=text, channel="mllp")
    assert (first.code, again.code) == ("AA", "AA")
    assert again.duplicate
    assert again.message_id == first.message_id
    assert AdtMessage.objects.count() == 1
    assert WorklistItem.objects.filter(beneficiary=bene).count() == 2


def test_a_second_discharge_message_for_the_same_stay_opens_no_second_task(
    entity_a, sender_a, make_bene
):
    bene = make_bene(entity_a)
    out = at(2026, 12, 4, 10)
    for cid in ("D1", "D2"):
        adt_v2_receive(
            text=adt(sender_a, bene, "A03", cid, event_at=out, discharge_at=out, disposition="01"),
            channel="mllp",
        )
    assert AdtMessage.objects.count() == 2
    assert WorklistItem.objects.filter(beneficiary=bene).count() == 2


@pytest.mark.parametrize(
    ("disposition", "kinds"),
    [
        ("20", set()),
        ("03", {"snf_admission"}),
        ("02", set()),
        ("50", set()),
        ("06", {"tcm_contact", "tcm_visit"}),
    ],
)
def test_the_discharge_status_decides_the_tasks(entity_a, sender_a, make_bene, disposition, kinds):
    bene = make_bene(entity_a)
    out = at(2026, 12, 4, 10)
    receipt = adt_v2_receive(
        text=adt(
            sender_a, bene, "A03", "S1", event_at=out, discharge_at=out, disposition=disposition
        ),
        channel="mllp",
    )
    assert receipt.code == "AA"
    assert set(_items(bene)) == kinds


def test_an_emergency_registration_opens_a_follow_up_and_a11_withdraws_it(
    entity_a, sender_a, make_bene
):
    bene = make_bene(entity_a)
    came = at(2026, 12, 3, 22)  # Thursday night: 2 business days is Monday 7 December
    adt_v2_receive(
        text=adt(
            sender_a,
            bene,
            "A04",
            "E1",
            event_at=came,
            admit_at=came,
            patient_class="E",
            visit="ED1",
        ),
        channel="mllp",
    )
    item = WorklistItem.objects.get(beneficiary=bene)
    assert (item.kind, item.due_date, item.status) == ("ed_follow_up", date(2026, 12, 7), "open")
    cancel = adt_v2_receive(
        text=adt(sender_a, bene, "A11", "E2", event_at=at(2026, 12, 3, 23), visit="ED1"),
        channel="mllp",
    )
    assert cancel.code == "AA", cancel.reason
    item.refresh_from_db()
    assert item.status == ItemStatus.DISMISSED
    assert "cancelled" in item.dismissed_reason
    assert Stay.objects.get(beneficiary=bene).status == StayStatus.CANCELLED


def test_a13_withdraws_the_discharge_tasks_and_a_new_discharge_raises_them_again(
    entity_a, sender_a, make_bene
):
    bene = make_bene(entity_a)
    admit, out = at(2026, 12, 1, 8), at(2026, 12, 4, 10)
    adt_v2_receive(
        text=adt(sender_a, bene, "A01", "C1", event_at=admit, admit_at=admit), channel="mllp"
    )
    adt_v2_receive(
        text=adt(
            sender_a,
            bene,
            "A03",
            "C2",
            event_at=out,
            admit_at=admit,
            discharge_at=out,
            disposition="01",
        ),
        channel="mllp",
    )
    adt_v2_receive(text=adt(sender_a, bene, "A13", "C3", event_at=out), channel="mllp")
    assert Stay.objects.get(beneficiary=bene).status == StayStatus.IN_FACILITY
    assert set(WorklistItem.objects.filter(beneficiary=bene).values_list("status", flat=True)) == {
        "dismissed"
    }
    later = at(2026, 12, 7, 9)  # Monday: contact due Wednesday 9 December
    adt_v2_receive(
        text=adt(
            sender_a,
            bene,
            "A03",
            "C4",
            event_at=later,
            admit_at=admit,
            discharge_at=later,
            disposition="01",
        ),
        channel="mllp",
    )
    open_items = WorklistItem.objects.filter(beneficiary=bene, status="open")
    assert sorted(open_items.values_list("kind", "due_date")) == [
        ("tcm_contact", date(2026, 12, 9)),
        ("tcm_visit", date(2026, 12, 21)),
    ]


def test_without_an_mbi_the_patient_is_matched_by_name_birth_date_and_sex(
    entity_a, sender_a, make_bene
):
    bene = make_bene(entity_a, last_name="O'Brien-Smith", first_name="José")
    make_bene(entity_a, last_name="OBrien-Smith", first_name="Jose", birth_date=date(1950, 1, 1))
    out = at(2026, 12, 4, 10)
    receipt = adt_v2_receive(
        text=adt(sender_a, bene, "A03", "N1", event_at=out, discharge_at=out, with_mbi=False),
        channel="mllp",
    )
    assert receipt.code == "AA", receipt.reason
    assert AdtMessage.objects.get().beneficiary == bene
    assert AdtMessage.objects.get().match_rule == "demographics"


def test_unmatched_goes_to_the_queue_with_ae_and_a_coordinator_resolves_it(
    entity_a, sender_a, make_bene, aco_coordinator
):
    bene = make_bene(entity_a)
    twin = make_bene(
        entity_a, last_name=bene.last_name, first_name=bene.first_name, birth_date=bene.birth_date
    )
    out = at(2026, 12, 4, 10)
    receipt = adt_v2_receive(
        text=adt(sender_a, bene, "A03", "U1", event_at=out, discharge_at=out, with_mbi=False),
        channel="mllp",
    )
    assert receipt.code == "AE"
    assert "2 beneficiaries share" in receipt.reason
    message = AdtMessage.objects.get()
    assert message.status == MessageStatus.UNMATCHED
    assert message.beneficiary is None
    assert not WorklistItem.objects.exists()
    adt_message_resolve(message=message, beneficiary=twin, acting_user=aco_coordinator)
    message.refresh_from_db()
    assert (message.status, message.beneficiary, message.match_rule) == (
        "resolved",
        twin,
        "coordinator",
    )
    assert set(_items(twin)) == {"tcm_contact", "tcm_visit"}


def test_a_message_is_never_matched_to_another_entitys_beneficiary(
    entity_a, entity_b, sender_a, sender_b, make_bene, aco_coordinator
):
    theirs = make_bene(entity_b)
    out = at(2026, 12, 4, 10)
    # Entity A's hospital sends a message carrying entity B's beneficiary's MBI and name.
    by_mbi = adt_v2_receive(
        text=adt(sender_a, theirs, "A03", "X1", event_at=out, discharge_at=out), channel="mllp"
    )
    by_name = adt_v2_receive(
        text=adt(sender_a, theirs, "A03", "X2", event_at=out, discharge_at=out, with_mbi=False),
        channel="mllp",
    )
    assert (by_mbi.code, by_name.code) == ("AE", "AE")
    assert set(AdtMessage.objects.values_list("entity_id", flat=True)) == {entity_a.pk}
    assert not WorklistItem.objects.exists()
    from core.api import ApplicationError

    with pytest.raises(ApplicationError):
        adt_message_resolve(
            message=AdtMessage.objects.get(control_id="X1"),
            beneficiary=theirs,
            acting_user=aco_coordinator,
        )


def test_an_unknown_sender_and_an_unreadable_message_are_refused_and_nothing_is_stored(
    entity_a, sender_a, make_bene
):
    bene = make_bene(entity_a)
    text = adt(sender_a, bene, "A03", "R1").replace("|EPIC|MERCY|", "|EPIC|ELSEWHERE|")
    unknown = adt_v2_receive(text=text, channel="mllp")
    assert unknown.code == "AR"
    assert "ELSEWHERE" in unknown.reason
    broken = adt_v2_receive(text="PID|1||X", channel="mllp")
    assert broken.code == "AR"
    assert "MSH" in broken.reason
    other = adt_v2_receive(
        text=adt(sender_a, bene, "A03", "R2").replace("ADT^A03", "ADT^A02"), channel="mllp"
    )
    assert other.code == "AR"
    assert "A02" in other.reason
    assert not AdtMessage.objects.exists()


def test_an_a08_updates_the_visit_and_opens_nothing(entity_a, sender_a, make_bene):
    bene = make_bene(entity_a)
    admit = at(2026, 12, 1, 8)
    adt_v2_receive(
        text=adt(sender_a, bene, "A01", "U1", event_at=admit, admit_at=admit), channel="mllp"
    )
    update = adt_v2_receive(
        text=adt(sender_a, bene, "A08", "U2", event_at=at(2026, 12, 2, 9), location="ICU^2^B"),
        channel="mllp",
    )
    assert (update.code, update.reason) == (
        "AA",
        "Patient or visit information updated for visit V0001.",
    )
    stay = Stay.objects.get(beneficiary=bene)
    assert (stay.status, stay.location, stay.admitted_at) == (
        StayStatus.IN_FACILITY,
        "ICU^2^B",
        admit,
    )
    assert not WorklistItem.objects.filter(beneficiary=bene).exists()


def test_a_resent_message_among_new_ones_is_answered_as_before_and_the_others_are_stored(
    entity_a, sender_a, make_bene
):
    """The listener's group of messages (one transaction) meets a message stored before: the
    group is stored again message by message; nothing is stored twice or lost."""
    from django.utils import timezone

    from events.services import Incoming, adt_v2_receive_many

    first, second = make_bene(entity_a), make_bene(entity_a)
    out = at(2026, 12, 4, 10)
    resent = adt(
        sender_a, first, "A03", "G1", visit="V1", event_at=out, discharge_at=out, disposition="01"
    )
    assert adt_v2_receive(text=resent, channel="mllp").code == "AA"
    fresh = adt(
        sender_a, second, "A03", "G2", visit="V2", event_at=out, discharge_at=out, disposition="03"
    )
    receipts = adt_v2_receive_many(
        incoming=[Incoming(resent, timezone.now()), Incoming(fresh, timezone.now())],
        keep_scope=True,
    )
    assert [(r.code, r.duplicate) for r in receipts] == [("AA", True), ("AA", False)]
    assert receipts[0].reason.startswith("Received before")
    assert AdtMessage.objects.filter(control_id__in=["G1", "G2"]).count() == 2
    assert sorted(WorklistItem.objects.values_list("kind", flat=True)) == [
        "snf_admission",
        "tcm_contact",
        "tcm_visit",
    ]


@pytest.mark.parametrize("reason", ["deceased", "hospice", "not_in_population"])
def test_an_event_records_the_stay_but_opens_no_task_for_someone_the_care_refresh_excludes(
    entity_a, sender_a, make_bene, reason
):
    from care.models import CareProfile

    bene = make_bene(entity_a)
    CareProfile.objects.create(
        beneficiary=bene, entity=entity_a, as_of=date(2026, 11, 30), no_care_work_reason=reason
    )
    out = at(2026, 12, 4, 10)
    receipt = adt_v2_receive(
        text=adt(sender_a, bene, "A03", "X1", event_at=out, discharge_at=out, disposition="01"),
        channel="mllp",
    )
    assert receipt.code == "AA"
    assert receipt.reason.endswith(", as of the care refresh of 2026-11-30.")
    assert "No task: " in receipt.reason
    assert Stay.objects.get(beneficiary=bene).status == StayStatus.DISCHARGED
    assert not WorklistItem.objects.filter(beneficiary=bene).exists()


def test_the_listeners_batches_store_each_message_as_alone(entity_a, sender_a, make_bene):
    """The listener's group commit (one transaction a batch, written by the bulk path's
    statements): the same stays, messages, tasks and answers as one message at a time, for a
    high-risk beneficiary, one the care refresh excludes, an emergency visit, an unmatched
    message, and a batch that holds a resend."""
    from django.utils import timezone

    from care.models import CareProfile
    from core.rls import scope_reset
    from events.services import Incoming, adt_v2_receive_many

    high, gone, er = make_bene(entity_a), make_bene(entity_a), make_bene(entity_a)
    CareProfile.objects.create(
        beneficiary=high, entity=entity_a, as_of=date(2026, 11, 30), risk_tier="high"
    )
    CareProfile.objects.create(
        beneficiary=gone, entity=entity_a, as_of=date(2026, 11, 30), no_care_work_reason="deceased"
    )
    stranger = make_bene(entity_a)
    unknown = adt(sender_a, stranger, "A03", "B4", visit="V4").replace(
        stranger.current_mbi, "1EG4TE5MK99"
    )
    admit, out = at(2026, 12, 1, 8), at(2026, 12, 4, 10)

    def batch(*texts: str) -> list[str]:
        now = timezone.now()
        receipts = adt_v2_receive_many(incoming=[Incoming(t, now) for t in texts], keep_scope=True)
        return [r.code for r in receipts]

    try:
        assert batch(
            adt(sender_a, high, "A01", "B1", visit="V1", event_at=admit, admit_at=admit),
            adt(sender_a, gone, "A01", "B2", visit="V2", event_at=admit, admit_at=admit),
            adt(sender_a, er, "A04", "B3", visit="V3", patient_class="E", event_at=admit),
            unknown,
        ) == ["AA", "AA", "AA", "AE"]
        home = {"event_at": out, "admit_at": admit, "discharge_at": out, "disposition": "01"}
        assert batch(
            adt(sender_a, high, "A03", "B5", visit="V1", **home),
            adt(sender_a, gone, "A03", "B6", visit="V2", **home),
        ) == ["AA", "AA"]
        # A resend (B5) beside a new message: the batch is stored again message by message.
        assert batch(
            adt(sender_a, high, "A03", "B5", visit="V1", **home),
            adt(sender_a, er, "A03", "B7", visit="V3", patient_class="E", **home),
        ) == ["AA", "AA"]
        assert AdtMessage.objects.filter(control_id="B5").count() == 1

        stays = {s.visit_number: s for s in Stay.objects.filter(sender=sender_a)}
        assert set(stays) == {"V1", "V2", "V3"}  # the unmatched message opens no stay
        assert {v: s.status for v, s in stays.items()} == {
            "V1": StayStatus.DISCHARGED,
            "V2": StayStatus.DISCHARGED,
            "V3": StayStatus.DISCHARGED,
        }
        assert stays["V1"].admitted_at == admit
        assert stays["V1"].discharged_at == out
        for message in AdtMessage.objects.filter(sender=sender_a).exclude(control_id="B4"):
            assert message.stay_id == stays[message.visit_number].pk
            assert message.status == MessageStatus.APPLIED
            assert message.outcome
        queued = AdtMessage.objects.get(control_id="B4")
        assert (queued.status, queued.beneficiary_id, queued.stay_id) == (
            MessageStatus.UNMATCHED,
            None,
            None,
        )
        discharge = AdtMessage.objects.get(control_id="B5")
        items = _items(high)
        # High risk: the face-to-face visit within 7 days (CPT 99496), from the message's date.
        assert {k: (i.due_date, i.source_key, i.status) for k, i in items.items()} == {
            "tcm_contact": (date(2026, 12, 8), f"adt:{discharge.pk}:contact", ItemStatus.OPEN),
            "tcm_visit": (date(2026, 12, 11), f"adt:{discharge.pk}:visit", ItemStatus.OPEN),
        }
        assert not WorklistItem.objects.filter(beneficiary=gone).exists()
        assert "No task: " in AdtMessage.objects.get(control_id="B6").outcome
        assert set(_items(er)) == {"ed_follow_up"}
    finally:
        scope_reset()
