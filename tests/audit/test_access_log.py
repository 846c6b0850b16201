from __future__ import annotations

import pytest
from django.db import DatabaseError, transaction
from django.http import HttpResponse
from django.test import RequestFactory

from audit.models import AccessRecord
from audit.phi import phi_view
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


def test_a_phi_view_sends_a_password_only_session_to_set_up_then_verify(aco_admin) -> None:
    """The page decorator applies the same rule as the middleware, whatever the role."""
    from allauth.account.internal.flows.login import record_authentication
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.contrib.sessions.backends.db import SessionStore

    from tests.login import totp_authenticator

    view = phi_view(lambda request: HttpResponse("beneficiary data"))
    request = RequestFactory().get("/roster/")
    request.user = aco_admin
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    record_authentication(request, aco_admin, "password", email=aco_admin.email)
    response = view(request)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"

    authenticator = totp_authenticator(aco_admin)
    request = RequestFactory().get("/roster/")
    request.user, request.session, request._messages = aco_admin, request_session(), None
    request._messages = FallbackStorage(request)
    record_authentication(request, aco_admin, "password", email=aco_admin.email)
    response = view(request)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/reauthenticate/?next=")

    record_authentication(request, aco_admin, "mfa", id=authenticator.pk, type="totp")
    assert view(request).content == b"beneficiary data"


def request_session():
    from django.contrib.sessions.backends.db import SessionStore

    return SessionStore()
