"""Row-level security on a persistent connection, outside a test's transaction, as a web
process serves requests (core/rls.py): a scope the server holds is not set again, the reset is
deferred to the next statement, and no request ever runs in the scope another one left."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from beneficiaries.models import Beneficiary
from care.models import CareGap
from tests.partners.conftest import (  # noqa: F401 - the partner tests' fixtures
    api_for,
    ec_signer,
    partner_a,
    partner_b,
    register,
    rsa_signer,
    token_for,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("tests.core.rls_urls")]


def _scope_statements(queries: CaptureQueriesContext) -> int:
    return sum("set_config('role'" in (q["sql"] or "") for q in queries.captured_queries)


def test_a_connection_sets_only_the_scope_it_does_not_hold(
    entity_a, entity_b, aco_coordinator, login_client, request
) -> None:
    client_a, client_b, api = (
        request.getfixturevalue(name) for name in ("partner_a", "partner_b", "api_for")
    )
    for entity, mbi in ((entity_a, "1EG4TE5MK73"), (entity_b, "2EG4TE5MK74")):
        person = Beneficiary.objects.create(entity=entity, current_mbi=mbi, last_name="Doe")
        CareGap.objects.create(
            entity=entity, beneficiary=person, gap="hba1c", label="HbA1c", as_of=date(2025, 6, 30)
        )
    api_a, api_b = (api(p, scope="beneficiaries:read") for p in (client_a, client_b))

    assert api_a.get("/partner-everything/").json()["beneficiaries"] == [entity_a.pk]
    # The same client again: the connection holds its scope, no statement sets it.
    with CaptureQueriesContext(connection) as queries:
        seen = api_a.get("/partner-everything/").json()
    assert (seen["beneficiaries"], seen["gaps"]) == ([entity_a.pk], [entity_a.pk])
    assert seen["role"] == settings.DATABASE_APP_ROLE
    assert _scope_statements(queries) == 0

    # Another client on the same connection gets its own scope, never the one left behind.
    with CaptureQueriesContext(connection) as queries:
        seen = api_b.get("/partner-everything/").json()
    assert (seen["beneficiaries"], seen["gaps"]) == ([entity_b.pk], [entity_b.pk])
    assert _scope_statements(queries) == 1

    # A person's scope is read from their memberships and grants on every request (a grant
    # may have run out since the last one).
    coordinator = login_client(aco_coordinator)
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert coordinator.get("/everything/").json()["beneficiaries"] == [entity_a.pk]
        assert _scope_statements(queries) == 1

    # Outside a request, the deferred reset comes before the first statement: the owner again.
    assert Beneficiary.objects.count() == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_setting('openvbc.entity_ids', true)")
        role, entity_ids = cursor.fetchone()
    assert role != settings.DATABASE_APP_ROLE
    assert entity_ids in ("", None)

    # A call with a token that is not valid is refused, in the scope of no entity.
    stranger = Client(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert stranger.get("/partner-everything/").status_code == 401
    assert Beneficiary.objects.count() == 2
