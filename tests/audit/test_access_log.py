from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from audit.models import AccessRecord
from audit.phi import phi_view, user_must_enroll_mfa
from audit.services import access_record_create

pytestmark = pytest.mark.django_db


def test_an_access_record_names_who_saw_which_beneficiaries(aco_coordinator, entity_a) -> None:
    record = access_record_create(
        user=aco_coordinator,
        entity=entity_a,
        beneficiary_ids=[7, 3, 7],
        purpose="beneficiary",
        route="/b/3/",
    )
    assert record.beneficiary_ids == [3, 7]
    assert record.beneficiary_count == 2
    assert record.user == aco_coordinator


def test_the_access_log_cannot_be_updated_by_the_application(aco_coordinator, entity_a) -> None:
    record = access_record_create(
        user=aco_coordinator, entity=entity_a, beneficiary_ids=[1], purpose="p", route="/"
    )
    rows = AccessRecord.objects.filter(pk=record.pk)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        rows.update(purpose="rewritten")
    assert AccessRecord.objects.get(pk=record.pk).purpose == "p"


def test_the_access_log_cannot_be_deleted_by_the_application(aco_coordinator, entity_a) -> None:
    record = access_record_create(
        user=aco_coordinator, entity=entity_a, beneficiary_ids=[1], purpose="p", route="/"
    )
    rows = AccessRecord.objects.filter(pk=record.pk)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        rows.delete()
    assert AccessRecord.objects.filter(pk=record.pk).exists()


def test_users_see_only_their_entities_access_records(
    aco_coordinator, other_entity_user, entity_a
) -> None:
    access_record_create(
        user=aco_coordinator, entity=entity_a, beneficiary_ids=[1], purpose="p", route="/"
    )
    assert AccessRecord.objects.for_user(aco_coordinator).count() == 1
    assert AccessRecord.objects.for_user(other_entity_user).count() == 0


def test_coordinators_and_analysts_must_enrol_a_second_factor_but_admins_need_not(
    aco_coordinator, aco_analyst, aco_admin
) -> None:
    assert user_must_enroll_mfa(aco_coordinator)
    assert user_must_enroll_mfa(aco_analyst)
    assert not user_must_enroll_mfa(aco_admin)


def test_a_phi_view_sends_a_coordinator_without_mfa_to_enrol(aco_coordinator) -> None:
    from allauth.mfa.models import Authenticator
    from django.contrib.messages.storage.fallback import FallbackStorage

    view = phi_view(lambda request: HttpResponse("beneficiary data"))
    request = RequestFactory().get("/roster/")
    request.user = aco_coordinator
    request.session = {}
    request._messages = FallbackStorage(request)
    response = view(request)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"

    Authenticator.objects.create(
        user=aco_coordinator, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )
    assert view(request).content == b"beneficiary data"
