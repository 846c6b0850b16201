# ruff: noqa: F811 - the events fixtures, imported, are arguments of the tests
"""Hospital events over HTTPS (POST /api/v1/adt/messages): HL7 v2 or a FHIR Encounter from a
partner client with the adt:write scope, through the same intake as the MLLP listener."""

from __future__ import annotations

from datetime import date

import pytest

from care.models import WorklistItem
from events.models import AdtMessage
from tests.events.conftest import adt, at, make_bene, sender_a, sender_b  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/api/v1/adt/messages"
HL7 = "x-application/hl7-v2+er7"


def test_an_hl7_v2_discharge_over_https_is_stored_once_and_raises_its_tasks(
    api_for, partner_a, entity_a, sender_a, make_bene
):
    bene = make_bene(entity_a)
    out = at(2026, 12, 4, 10)
    text = adt(sender_a, bene, "A03", "H1", event_at=out, discharge_at=out, disposition="01")
    client = api_for(partner_a)
    first = client.post(URL, data=text, content_type=HL7)
    assert first.status_code == 200, first.content
    assert first.json()["ack"] == "AA"
    assert "MSA|AA|H1" in first.json()["message"]
    again = client.post(URL, data=text, content_type=HL7)
    assert again.status_code == 200
    assert again.json()["duplicate"] is True
    message = AdtMessage.objects.get()
    assert message.channel == "https"
    assert WorklistItem.objects.filter(beneficiary=bene).count() == 2


def test_a_client_cannot_send_for_another_entitys_sender(
    api_for, partner_a, entity_a, entity_b, sender_a, sender_b, make_bene
):
    theirs = make_bene(entity_b)
    text = adt(sender_b, theirs, "A03", "H2", discharge_at=at(2026, 12, 4, 10))
    response = api_for(partner_a).post(URL, data=text, content_type=HL7)
    assert response.status_code == 400
    assert response.json()["ack"] == "AR"
    assert "not a registered sender of this entity" in response.json()["reason"]
    assert not AdtMessage.objects.exists()


def test_a_fhir_encounter_finished_is_a_discharge(
    api_for, partner_a, entity_a, sender_a, make_bene
):
    from events.models import Sender

    Sender.objects.create(
        entity=entity_a,
        name="Mercy (FHIR)",
        sending_application="FHIR",
        sending_facility="MERCY-NPI",
    )
    bene = make_bene(entity_a)
    encounter = {
        "resourceType": "Encounter",
        "id": "enc-1",
        "meta": {"versionId": "3"},
        "status": "finished",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMP"},
        "subject": {
            "identifier": {
                "system": "http://terminology.hl7.org/NamingSystem/cmsMBI",
                "value": bene.current_mbi,
            }
        },
        "serviceProvider": {"identifier": {"value": "MERCY-NPI"}},
        "period": {"start": "2026-12-01T08:00:00-05:00", "end": "2026-12-04T10:00:00-05:00"},
        "hospitalization": {"dischargeDisposition": {"coding": [{"code": "01"}]}},
    }
    response = api_for(partner_a).post(URL, data=encounter, content_type="application/fhir+json")
    assert response.status_code == 200, response.content
    assert response.json()["control_id"] == "Encounter/enc-1/_history/3"
    items = dict(WorklistItem.objects.filter(beneficiary=bene).values_list("kind", "due_date"))
    # Friday 4 December: contact by Tuesday 8 December, visit by Friday 18 December.
    assert items == {"tcm_contact": date(2026, 12, 8), "tcm_visit": date(2026, 12, 18)}
    bad = api_for(partner_a).post(
        URL, data={"resourceType": "Encounter", "id": "e2", "status": "bogus"},
        content_type="application/fhir+json",
    )  # fmt: skip
    assert bad.status_code == 400
    assert bad.json()["ack"] == "AR"


def test_without_the_adt_scope_or_with_a_broken_message(api_for, partner_a, entity_a, sender_a):
    narrow = api_for(partner_a, scope="beneficiaries:read")
    response = narrow.post(URL, data="MSH|^~\\&|EPIC|MERCY", content_type=HL7)
    assert response.status_code == 403
    broken = api_for(partner_a).post(URL, data="not hl7 at all", content_type=HL7)
    assert broken.status_code == 400
    assert broken.json()["ack"] == "AR"
    assert not AdtMessage.objects.exists()
