"""The partner API driven the way off-the-shelf SMART backend-services and bulk-data clients
drive it (issue 18): the headers they send on kick-off and download, the scopes they ask for,
where they discover the token endpoint, and the error documents they can parse."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import pytest
from django.test import Client

from tests.partners.conftest import token_request

pytestmark = pytest.mark.django_db
ALL_FHIR_HELD = {"system/Group.read", "system/Patient.read", "system/Coverage.read"}
KICK_OFF = {"HTTP_ACCEPT": "application/fhir+json", "HTTP_PREFER": "respond-async"}


def test_downloads_accept_every_type_the_bulk_data_ig_allows(
    partner_a, api_for, aligned_a, entity_a, django_capture_on_commit_callbacks
) -> None:
    api = api_for(partner_a, scope="system/Group.read system/Patient.read")
    with django_capture_on_commit_callbacks(execute=True):
        kick = api.get(f"/fhir/Group/{entity_a.cms_id}/$export?_type=Patient", **KICK_OFF)
    assert kick.status_code == 202, kick.content
    manifest = api.get(kick["Content-Location"], HTTP_ACCEPT="application/json").json()
    (output,) = manifest["output"]
    for accept in ("application/fhir+ndjson", "application/ndjson", "*/*", None):
        headers = {"HTTP_ACCEPT": accept} if accept else {}
        download = api.get(output["url"], **headers)
        assert download.status_code == 200, (accept, download.content)
        assert download["Content-Type"] == "application/fhir+ndjson"
        lines = b"".join(download.streaming_content).decode().splitlines()
        assert len(lines) == output["count"]
        assert {json.loads(line)["resourceType"] for line in lines} == {"Patient"}
    # An unknown file asked for as NDJSON is still a parseable OperationOutcome.
    missing = api.get(
        output["url"].replace("Patient.ndjson", "Group.ndjson"),
        HTTP_ACCEPT="application/fhir+ndjson",
    )
    assert missing.status_code == 404
    assert missing.json()["resourceType"] == "OperationOutcome"
    # A type no bulk download can be is still refused.
    assert api.get(output["url"], HTTP_ACCEPT="text/csv").status_code == 406


@pytest.mark.parametrize(
    ("asked", "granted"),
    [
        # SMART v1, v2 and their wildcards, each as the read scopes the client holds.
        ("system/Group.read", {"system/Group.read"}),
        ("system/Group.rs", {"system/Group.read"}),
        ("system/Patient.r system/Coverage.s", {"system/Patient.read", "system/Coverage.read"}),
        ("system/*.read", ALL_FHIR_HELD),
        ("system/*.rs", ALL_FHIR_HELD),
        ("system/*.*", ALL_FHIR_HELD),
        # Unknown types, write access and unregistered scopes are left out, not fatal.
        (
            "system/Group.read system/Claim.read system/ExplanationOfBenefit.rs",
            {"system/Group.read"},
        ),
        ("system/Group.cud system/Patient.rs jobs:read", {"system/Patient.read", "jobs:read"}),
        ("system/Practitioner.read system/Patient.read", {"system/Patient.read"}),
    ],
)
def test_a_token_request_is_granted_the_supported_subset_and_says_which(
    register, entity_a, rsa_signer, asked, granted
) -> None:
    client = register(
        entity_a,
        rsa_signer.public_pem(),
        scopes=["system/Group.read", "system/Patient.read", "system/Coverage.read", "jobs:read"],
    )
    response = token_request(rsa_signer.assertion(client.client_id), asked)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body["scope"].split()) == granted
    # The token can do what the response says, and no more.
    api_headers = {"HTTP_AUTHORIZATION": f"Bearer {body['access_token']}"}
    jobs = Client().get("/api/v1/jobs/", **api_headers)
    assert jobs.status_code == (200 if "jobs:read" in granted else 403)


def test_invalid_scope_only_when_nothing_asked_for_can_be_granted(
    register, entity_a, rsa_signer
) -> None:
    client = register(entity_a, rsa_signer.public_pem(), scopes=["system/Group.read"])
    for asked in ("system/Claim.read", "system/Group.write system/Group.cud", "jobs:read"):
        response = token_request(rsa_signer.assertion(client.client_id), asked)
        assert response.status_code == 400, asked
        assert response.json()["error"] == "invalid_scope"


def test_a_client_discovers_the_token_endpoint_in_both_places(
    partner_a, rsa_signer, entity_a
) -> None:
    anonymous = Client()
    statement = anonymous.get("/fhir/metadata", HTTP_ACCEPT="application/fhir+json").json()
    security = statement["rest"][0]["security"]
    assert security["service"][0]["coding"][0] == {
        "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
        "code": "SMART-on-FHIR",
    }
    (oauth,) = [
        e
        for e in security["extension"]
        if e["url"] == "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris"
    ]
    token_url = {e["url"]: e["valueUri"] for e in oauth["extension"]}["token"]
    configuration = anonymous.get("/fhir/.well-known/smart-configuration").json()
    assert configuration["token_endpoint"] == token_url
    assert "system/*.rs" in configuration["scopes_supported"]
    assert "permission-v2" in configuration["capabilities"]
    # The discovered URL is the one that issues tokens (its own URL is the assertion's audience).
    path = urlsplit(token_url).path
    response = anonymous.post(
        path,
        {
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": rsa_signer.assertion(partner_a.client_id, aud=token_url),
            "scope": "system/Group.rs",
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["scope"] == "system/Group.read"


def test_the_schema_and_docs_answer_a_client_that_attaches_its_token(partner_a, api_for) -> None:
    api = api_for(partner_a, scope="jobs:read")
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200, schema.content
    assert "/api/v1/jobs/" in schema.json()["paths"]
    docs = api.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"redoc" in docs.content.lower()
    # The token still opens nothing else outside its scopes.
    assert api.get("/api/v1/entities/").status_code == 403


def test_export_parameter_errors_are_plain_operation_outcomes(
    partner_a, api_for, aligned_a, entity_a
) -> None:
    api = api_for(partner_a)
    url = f"/fhir/Group/{entity_a.cms_id}/$export"
    impossible = api.get(f"{url}?_since=2025-02-30T00:00:00Z", **KICK_OFF)
    assert impossible.status_code == 400
    assert impossible["Content-Type"] == "application/fhir+json"
    (issue,) = impossible.json()["issue"]
    assert issue["diagnostics"].startswith("_since must be a FHIR instant")
    bad_type = api.get(f"{url}?_type=Claim", **KICK_OFF).json()["issue"][0]["diagnostics"]
    assert bad_type == (
        "_type: Claim cannot be exported; choose among "
        "Patient, Coverage, Practitioner, Organization, Group."
    )
    assert "ErrorDetail" not in bad_type


def test_unmatched_routes_answer_in_their_areas_vocabulary(partner_a, api_for) -> None:
    api = api_for(partner_a)
    rest = api.get("/api/v1/no-such-thing/")
    assert rest.status_code == 404
    assert rest["Content-Type"] == "application/problem+json"
    assert rest.json()["status"] == 404
    fhir = Client().get("/fhir/NoSuchType/1")
    assert fhir.status_code == 404
    assert fhir["Content-Type"] == "application/fhir+json"
    assert fhir.json()["issue"][0]["code"] == "not-found"
    # Pages elsewhere keep the HTML page.
    page = Client().get("/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")


def test_rest_without_a_token_is_challenged_like_fhir(client_a) -> None:
    anonymous = Client()
    for url in ("/api/v1/jobs/", "/fhir/Group"):
        response = anonymous.get(url)
        assert response.status_code == 401, url
        assert response["WWW-Authenticate"].startswith("Bearer"), url
    assert anonymous.get("/api/v1/jobs/")["Content-Type"] == "application/problem+json"
    # A signed-in person (second factor verified) is authenticated by the session: no
    # challenge, the same answers as before.
    response = client_a.get("/api/v1/jobs/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert "WWW-Authenticate" not in response
