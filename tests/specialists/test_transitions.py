"""Referrals and co-management agreements on the beneficiary page: recorded with who manages
what, a return-to-primary-care plan whose due date opens a worklist task (care's service),
bad input refused naming the field, the panel logged and scoped to the entity."""

from __future__ import annotations

from datetime import date

import pytest

from audit.models import AccessRecord
from care.models import WorklistItem
from core.api import ApplicationError
from specialists.models import CareTransition
from specialists.transitions import care_transition_create
from tests.login import verified_client
from tests.specialists.conftest import CARDIO_NPI, CARDIO_TIN

pytestmark = pytest.mark.django_db


def test_a_return_plan_with_a_due_date_puts_a_task_on_the_worklist(world, aco_coordinator):
    hf = world.benes[1]
    client = verified_client(aco_coordinator)
    response = client.post(
        f"/specialists/{world.entity.pk}/beneficiaries/{hf.pk}/transitions/",
        {
            "kind": "co_management",
            "condition": "heart_failure",
            "specialist_tin": CARDIO_TIN,
            "specialist_npi": CARDIO_NPI,
            "manages": "Cardiology manages diuretics and the device follow-up",
            "return_plan": "Back to the PCP once the ejection fraction is stable",
            "return_due": "2025-09-30",
        },
    )
    assert response.status_code == 302
    record = CareTransition.objects.get(beneficiary=hf)
    item = record.worklist_item
    assert item is not None
    assert (item.beneficiary_id, item.due_date, item.title) == (
        hf.pk,
        date(2025, 9, 30),
        "Return to primary care due",
    )
    assert CARDIO_TIN in item.detail
    panel = client.get(f"/specialists/{world.entity.pk}/beneficiaries/{hf.pk}/")
    text = panel.content.decode()
    assert panel.status_code == 200
    assert "Cardiology manages diuretics" in text
    assert "due 2025-09-30" in text
    assert AccessRecord.objects.filter(purpose="specialists of a beneficiary").get().beneficiary_ids == [hf.pk]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"specialist_tin": "12"}, "specialist_tin"),
        ({"specialist_npi": "abc"}, "specialist_npi"),
        ({"manages": " "}, "manages"),
        ({"return_plan": ""}, "return_plan"),
        ({"kind": "letter"}, "kind"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_nothing_is_stored(world, aco_coordinator, change, field):  # fmt: skip
    values = {
        "kind": "referral", "specialist_tin": CARDIO_TIN, "specialist_npi": "",
        "manages": "Cardiology sees the patient", "return_plan": "Back in three months",
        "return_due": date(2025, 9, 30), **change,
    }  # fmt: skip
    with pytest.raises(ApplicationError) as error:
        care_transition_create(
            entity=world.entity, beneficiary=world.benes[0], acting_user=aco_coordinator, **values
        )
    assert error.value.extra["field"] == field
    assert not CareTransition.objects.exists()
    assert not WorklistItem.objects.exists()


def test_another_entitys_user_cannot_read_or_write_the_panel(world, other_entity_user):
    client = verified_client(other_entity_user)
    url = f"/specialists/{world.entity.pk}/beneficiaries/{world.benes[0].pk}/"
    assert client.get(url).status_code == 404
    assert client.post(url + "transitions/", {"kind": "referral"}).status_code == 404
    assert not CareTransition.objects.exists()
