"""System-to-system authentication: SMART Backend Services client assertions, five-minute
tokens, scopes, revocation, throttling and the access log (issue 9)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken

from audit.models import AccessRecord
from core.api import ApplicationError
from jobs.services import job_enqueue
from partners.services import partner_client_register, partner_client_revoke
from tests.partners.conftest import TIN_A1, TIN_B1, Signer, token_request

pytestmark = pytest.mark.django_db


def test_a_client_gets_a_five_minute_token_for_an_assertion_signed_with_its_rsa_key(
    partner_a, rsa_signer
) -> None:
    response = token_request(
        rsa_signer.assertion(partner_a.client_id), "jobs:read system/Group.read"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 300
    assert set(body["scope"].split()) == {"jobs:read", "system/Group.read"}
    # Only a checksum of the token is stored.
    stored = AccessToken.objects.get(application=partner_a.application)
    assert body["access_token"] not in stored.token


def test_a_client_registered_with_an_ec_jwk_gets_a_token_with_es384(partner_b, ec_signer) -> None:
    response = token_request(ec_signer.assertion(partner_b.client_id))
    assert response.status_code == 200, response.content


def test_a_replayed_assertion_is_refused(partner_a, rsa_signer) -> None:
    assertion = rsa_signer.assertion(partner_a.client_id)
    assert token_request(assertion).status_code == 200
    replay = token_request(assertion)
    assert replay.status_code == 401
    assert replay.json()["error"] == "invalid_client"
    assert "already used" in replay.json()["error_description"]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"exp": int(time.time()) - 120}, "expired"),
        # Times are relative to when the test runs, not to when it was collected.
        (lambda now: {"exp": now + 900, "iat": None}, "five minutes"),
        (lambda now: {"iat": now, "exp": now + 301}, "five minutes"),
        ({"aud": "https://elsewhere.example/token"}, "`aud` must be the token URL"),
        ({"sub": "someone-else"}, "`iss` and `sub`"),
        ({"jti": None}, "`jti`"),
    ],
)
def test_an_assertion_breaking_a_smart_rule_is_refused_with_the_reason(
    partner_a, rsa_signer, overrides, reason
) -> None:
    if callable(overrides):
        overrides = overrides(int(time.time()))
    response = token_request(rsa_signer.assertion(partner_a.client_id, **overrides))
    assert response.status_code == 401
    assert reason in response.json()["error_description"]


def test_an_assertion_signed_with_another_key_is_refused(partner_a) -> None:
    stranger = Signer(rsa.generate_private_key(public_exponent=65537, key_size=2048), "RS384")
    response = token_request(stranger.assertion(partner_a.client_id))
    assert response.status_code == 401
    assert "signature" in response.json()["error_description"]


def test_client_secrets_are_not_accepted(partner_a) -> None:
    response = Client().post(
        "/api/v1/auth/token",
        {
            "grant_type": "client_credentials",
            "client_id": partner_a.client_id,
            "client_secret": "x",
        },
    )
    assert response.status_code == 401
    assert "signed JWT" in response.json()["error_description"]


def test_a_client_cannot_ask_for_a_scope_it_was_not_registered_with(
    register, entity_a, rsa_signer
) -> None:
    client = register(entity_a, rsa_signer.public_pem(), scopes=["jobs:read"])
    response = token_request(rsa_signer.assertion(client.client_id), "system/Group.read")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_an_expired_access_token_is_refused_with_401_and_a_bearer_challenge(
    partner_a, token_for
) -> None:
    token = token_for(partner_a)
    AccessToken.objects.filter(application=partner_a.application).update(
        expires=timezone.now() - dt.timedelta(seconds=1)
    )
    response = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/jobs/")
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "The access token has expired."


def test_an_unknown_token_is_refused_with_401(partner_a) -> None:
    response = Client(HTTP_AUTHORIZATION="Bearer not-a-token").get("/api/v1/jobs/")
    assert response.status_code == 401


def test_a_token_without_the_endpoints_scope_is_refused_with_403(partner_a, api_for) -> None:
    api = api_for(partner_a, scope="system/Group.read")
    response = api.get("/api/v1/jobs/")
    assert response.status_code == 403
    # The counted noun, never "scope(s)".
    assert response.json()["detail"] == "The access token lacks the scope jobs:read."


def test_an_endpoint_without_a_partner_scope_is_closed_to_clients(partner_a, api_for) -> None:
    response = api_for(partner_a).get("/api/v1/")
    assert response.status_code == 403
    assert "not open to partner systems" in response.json()["detail"]


def test_a_revoked_clients_tokens_stop_working_at_once(partner_a, api_for, aco_admin) -> None:
    api = api_for(partner_a)
    assert api.get("/api/v1/jobs/").status_code == 200
    partner_client_revoke(client=partner_a, acting_user=aco_admin)
    assert api.get("/api/v1/jobs/").status_code == 401


def test_a_client_sees_its_entitys_jobs_and_gets_404_for_another_entitys(
    partner_a, api_for, entity_a, entity_b
) -> None:
    own = job_enqueue(kind="jobs.demo", entity=entity_a, parameters={"steps": 0})
    other = job_enqueue(kind="jobs.demo", entity=entity_b, parameters={"steps": 0})
    api = api_for(partner_a)
    assert [j["id"] for j in api.get("/api/v1/jobs/").json()["results"]] == [own.pk]
    response = api.get(f"/api/v1/jobs/{other.pk}/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_every_call_of_a_client_is_in_the_access_log_even_when_refused(
    partner_a, api_for, entity_a, entity_b
) -> None:
    other = job_enqueue(kind="jobs.demo", entity=entity_b, parameters={"steps": 0})
    api = api_for(partner_a)
    api.get("/api/v1/jobs/")
    api.get(f"/api/v1/jobs/{other.pk}/")
    records = list(AccessRecord.objects.filter(client_id=partner_a.client_id).order_by("id"))
    assert [(r.route, r.purpose, r.entity_id) for r in records] == [
        ("/api/v1/jobs/", "api", entity_a.pk),
        (f"/api/v1/jobs/{other.pk}/", "api (404)", entity_a.pk),
    ]
    assert all(r.user_id is None for r in records)


def test_a_client_over_its_rate_limit_gets_429_with_retry_after(
    register, entity_a, rsa_signer, api_for
) -> None:
    client = register(entity_a, rsa_signer.public_pem(), requests_per_minute=2)
    api = api_for(client)
    statuses = [api.get("/api/v1/jobs/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = api.get("/api/v1/jobs/")
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["status"] == 429


def test_people_keep_their_session_access_and_anonymous_calls_get_a_bearer_challenge(
    client_a,
) -> None:
    assert client_a.get("/api/v1/jobs/").status_code == 200
    anonymous = Client().get("/api/v1/jobs/")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Bearer")


# ------------------------------------------------------------------ registration


def test_registration_refuses_a_private_key(entity_a, aco_admin, rsa_signer) -> None:
    from cryptography.hazmat.primitives import serialization

    private_pem = rsa_signer.private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    with pytest.raises(ApplicationError) as excinfo:
        partner_client_register(
            entity=entity_a,
            name="x",
            public_key=private_pem,
            scopes=["jobs:read"],
            acting_user=aco_admin,
        )
    assert "private key" in excinfo.value.extra["public_key"]


def test_registration_refuses_a_short_rsa_key(entity_a, aco_admin) -> None:
    weak = Signer(rsa.generate_private_key(public_exponent=65537, key_size=1024), "RS384")  # noqa: S505 - weak on purpose
    with pytest.raises(ApplicationError) as excinfo:
        partner_client_register(
            entity=entity_a,
            name="x",
            public_key=weak.public_pem(),
            scopes=["jobs:read"],
            acting_user=aco_admin,
        )
    assert "1024 bits" in excinfo.value.extra["public_key"]


def test_registration_refuses_a_tin_of_another_entity(
    entity_a, aco_admin, participants, rsa_signer
) -> None:
    with pytest.raises(ApplicationError) as excinfo:
        partner_client_register(
            entity=entity_a,
            name="x",
            public_key=rsa_signer.public_pem(),
            scopes=["jobs:read"],
            tins=[TIN_A1, TIN_B1],
            acting_user=aco_admin,
        )
    assert excinfo.value.extra == {"tins": f"TIN {TIN_B1} is not on the participant list of A9001."}


def test_only_an_entity_admin_registers_clients(entity_a, aco_analyst, rsa_signer) -> None:
    with pytest.raises(ApplicationError, match="Only an administrator"):
        partner_client_register(
            entity=entity_a,
            name="x",
            public_key=rsa_signer.public_pem(),
            scopes=["jobs:read"],
            acting_user=aco_analyst,
        )


def test_a_clients_job_reading_never_carries_the_jobs_parameters(
    partner_a, api_for, entity_a, aco_coordinator
) -> None:
    """A roster export asked for by name and birth date: its parameters are PHI. A partner
    client with jobs:read sees the job's state, never what it was asked for; the coordinator
    who asked reads them back in a verified session, and a password-only session gets 403."""
    from tests.login import password_only_client, verified_client

    asked = {"name": "Zelda Quintero", "birth_date": "1941-03-07"}
    job = job_enqueue(
        kind="jobs.demo", entity=entity_a, parameters={**asked, "steps": 0}, user=aco_coordinator
    )
    api = api_for(partner_a)
    for response in (api.get(f"/api/v1/jobs/{job.pk}/"), api.get("/api/v1/jobs/")):
        assert response.status_code == 200
        body = response.content.decode()
        assert "Zelda" not in body
        assert "1941-03-07" not in body
    assert api.get(f"/api/v1/jobs/{job.pk}/").json()["parameters"] is None
    own = verified_client(aco_coordinator).get(f"/api/v1/jobs/{job.pk}/")
    assert own.json()["parameters"] == {**asked, "steps": 0}
    refused = password_only_client(aco_coordinator).get(f"/api/v1/jobs/{job.pk}/")
    assert refused.status_code == 403
    assert "Zelda" not in refused.content.decode()
