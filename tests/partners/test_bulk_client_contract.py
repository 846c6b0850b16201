"""The partner API driven the way off-the-shelf SMART backend-services and bulk-data clients
drive it (issue 18): the headers they send on kick-off and download, the scopes they ask for,
where they discover the token endpoint, and the error documents they can parse."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlsplit

import pytest
from django.test import Client

from alignment.models import AlignmentResult
from beneficiaries.models import Beneficiary
from partners.fhir.profiles import profile_validate
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


# ------------------------------------------------------------------ Da Vinci ATR consumer calls

TIN_SYSTEM = "urn:oid:2.16.840.1.113883.4.4"
ATR = {"HTTP_ACCEPT": "application/fhir+json", "HTTP_PREFER": "respond-async"}


def _ids(bundle: dict) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def test_an_atr_consumer_finds_lists_by_tin_cms_id_and_npi(
    partner_a, api_for, aligned_a, entity_a
) -> None:
    from entities.models import Participation

    api = api_for(partner_a, scope="system/Group.read")
    tin = aligned_a.tins[0]
    by_tin = api.get(f"/fhir/Group?identifier={TIN_SYSTEM}|{tin}").json()
    (found,) = by_tin["entry"]
    assert {"system": TIN_SYSTEM, "value": tin} in [
        {k: i[k] for k in ("system", "value")} for i in found["resource"]["identifier"]
    ]
    assert found["resource"]["quantity"] == (
        AlignmentResult.objects.filter(run=aligned_a.run, aligned=True, attributed_tin=tin).count()
    )
    cms = api.get(
        f"/fhir/Group?identifier=https://openvbc.org/fhir/sid/cms-entity-id|{entity_a.cms_id}"
    ).json()
    assert _ids(cms) == [entity_a.cms_id]
    participation = (
        Participation.objects.filter(entity=entity_a, organization__tin=tin)
        .exclude(provider=None)
        .select_related("provider", "organization")
        .first()
    )
    by_npi = api.get(
        f"/fhir/Group?identifier=http://hl7.org/fhir/sid/us-npi|{participation.provider.npi}"
    ).json()
    assert f"{entity_a.cms_id}-org-{participation.organization.pk}" in _ids(by_npi)
    assert entity_a.cms_id in _ids(by_npi)
    # A TIN the client cannot see (or that is not a participant) finds nothing.
    assert api.get(f"/fhir/Group?identifier={TIN_SYSTEM}|999999999").json()["total"] == 0


def _two_cms_lists(entity, first, second) -> None:
    from cmslists.services import cms_list_load

    header = "BENE_MBI_ID,BENE_LAST_NAME,EXCLUDED,GHP_EXCLUDED"
    for period, day, mbis in ((3, 14, first), (4, 14, second)):
        body = "\n".join([header, *(f"{m},X,0,0" for m in mbis)]) + "\n"
        cms_list_load(
            entity=entity,
            kind="mssp_quarterly",
            performance_year=2025,
            period=period,
            list_date=dt.date(2025, 3 * period - 1, day),
            files=[
                (f"P.A9001.ACO.QALR.2025Q{period}.D25999{period}.T0200000_1-1.csv", body.encode())
            ],
        )


def _export(api, capture, url, **extra):
    with capture(execute=True):
        kick = api.get(url, **ATR) if not extra else api.post(url, **extra, **ATR)
    assert kick.status_code == 202, kick.content
    manifest = api.get(kick["Content-Location"]).json()
    files = {}
    for output in manifest["output"] + manifest["error"]:
        body = b"".join(api.get(output["url"]).streaming_content).decode()
        files[output["type"]] = [json.loads(line) for line in body.splitlines()]
    return manifest, files


def test_davinci_data_export_holds_every_resource_its_group_refers_to(
    partner_a, api_for, aligned_a, entity_a, django_capture_on_commit_callbacks, tmp_path
) -> None:
    from fhir.resources.R4B import get_fhir_model_class

    aligned = list(
        AlignmentResult.objects.filter(run=aligned_a.run, aligned=True)
        .order_by("beneficiary_id")
        .values_list("beneficiary_id", "beneficiary__current_mbi")
    )
    # CMS's third-quarter list had four; the fourth-quarter list keeps two: two were dropped.
    _two_cms_lists(entity_a, [m for _, m in aligned[:4]], [m for _, m in aligned[:2]])
    # One kept and one dropped member are known by name (US Core Patient requires one).
    Beneficiary.objects.filter(pk__in=[aligned[1][0], aligned[3][0]]).update(
        first_name="Ruth", last_name="Okafor"
    )
    api = api_for(partner_a)
    url = f"/fhir/Group/{entity_a.cms_id}/$davinci-data-export"
    refused = api.get(f"{url}?exportType=hl7.fhir.us.davinci-pdex", **ATR)
    assert refused.status_code == 400
    assert "exportType" in refused.json()["issue"][0]["diagnostics"]
    manifest, files = _export(
        api, django_capture_on_commit_callbacks, f"{url}?exportType=hl7.fhir.us.davinci-atr"
    )
    assert manifest["requiresAccessToken"] is True
    anonymous = Client().get(manifest["output"][0]["url"])
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"].startswith("Bearer")
    for resources in files.values():
        for resource in resources:
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    (group,) = files["Group"]
    contract = next(e for e in group["extension"] if "contractValidityPeriod" in e["url"])
    start, end = contract["valuePeriod"]["start"], contract["valuePeriod"]["end"]
    dropped = [m for m in group["member"] if m["inactive"]]
    assert {m["entity"]["reference"] for m in dropped} == {
        f"Patient/{pk}" for pk, _ in aligned[2:4]
    }
    for member in group["member"]:
        assert start <= member["period"]["start"] <= member["period"]["end"] <= end
    assert dropped[0]["period"]["end"] == "2025-11-14"
    # Every reference the Group makes is a resource of the export.
    present = {f"{r['resourceType']}/{r['id']}" for rs in files.values() for r in rs}
    references = {group["managingEntity"]["reference"]}
    for member in group["member"]:
        references.add(member["entity"]["reference"])
        references |= {
            e["valueReference"]["reference"] for e in member["extension"] if "valueReference" in e
        }
    assert references <= present, references - present
    assert "OperationOutcome" not in files
    # Each resource claims the US Core / ATR profiles whose required elements it carries.
    atr, us_core = (
        "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/",
        "http://hl7.org/fhir/us/core/StructureDefinition/",
    )
    for patient in files["Patient"]:
        # US Core requires a name: a beneficiary known only by MBI claims no profile.
        expected = [f"{atr}atr-patient", f"{us_core}us-core-patient"] if "name" in patient else None
        assert patient["meta"].get("profile") == expected
        assert patient["identifier"]
        assert patient["gender"]
    assert {c["meta"]["profile"][0] for c in files["Coverage"]} == {f"{atr}atr-coverage"}
    for organization in files["Organization"]:
        assert f"{us_core}us-core-organization" in organization["meta"]["profile"]
        assert organization["active"]
        assert organization["name"]
        assert organization["identifier"]
    for practitioner in files.get("Practitioner", []):
        if "profile" in practitioner.get("meta", {}):
            assert practitioner["identifier"]
            assert practitioner["name"][0]["family"]
    # The files as a consumer saves them, validated against the profiles they declare with a
    # maintained validator, offline (US Core Patient, ATR Coverage and the ATR Group).
    for kind, resources in files.items():
        (tmp_path / f"{kind}.ndjson").write_text("".join(json.dumps(r) + "\n" for r in resources))
    report = profile_validate(paths=sorted(tmp_path.glob("*.ndjson")))
    assert not report.errors, [
        f"{e['resource']} {e['expression']}: {e['message']}" for e in report.errors
    ]
    named = sum(1 for p in files["Patient"] if "name" in p)
    assert report.checked[f"{us_core}us-core-patient"] == named == 2
    assert report.checked[f"{atr}atr-coverage"] == len(files["Coverage"])
    assert report.checked[f"{atr}atr-group"] == 1

    # `patient` (here in a POST's Parameters): only those members; the rest is reported.
    parameters = {
        "resourceType": "Parameters",
        "parameter": [
            {"name": "exportType", "valueCanonical": "hl7.fhir.us.davinci-atr"},
            {"name": "patient", "valueReference": {"reference": f"Patient/{aligned[0][0]}"}},
            {"name": "patient", "valueReference": {"reference": f"Patient/{aligned[3][0]}"}},
            {"name": "patient", "valueReference": {"reference": f"Patient/{aligned[5][0]}"}},
            {"name": "patient", "valueReference": {"reference": "Practitioner/1"}},
        ],
    }
    manifest, files = _export(
        api,
        django_capture_on_commit_callbacks,
        url,
        data=json.dumps(parameters),
        content_type="application/fhir+json",
    )
    assert {p["id"] for p in files["Patient"]} == {str(aligned[0][0]), str(aligned[3][0])}
    (group,) = files["Group"]
    assert [m["inactive"] for m in group["member"]] == [False, True]
    problems = [o["issue"][0]["diagnostics"] for o in files["OperationOutcome"]]
    assert len(problems) == 2
    assert any(f"Patient/{aligned[5][0]}" in p and "not a member" in p for p in problems)
    assert manifest["error"][0]["type"] == "OperationOutcome"


def test_patient_and_system_level_exports_follow_the_tokens_scopes(
    partner_a, api_for, aligned_a, entity_a, django_capture_on_commit_callbacks
) -> None:
    aligned = {
        str(pk)
        for pk in AlignmentResult.objects.filter(run=aligned_a.run, aligned=True).values_list(
            "beneficiary_id", flat=True
        )
    }
    api = api_for(partner_a, scope="system/Patient.read system/Group.read")
    _, files = _export(api, django_capture_on_commit_callbacks, "/fhir/Patient/$export")
    assert set(files) == {"Patient"}
    assert {p["id"] for p in files["Patient"]} == aligned
    # Group is no Patient-level type; at the system level each list is one.
    assert api.get("/fhir/Patient/$export?_type=Group", **ATR).status_code == 400
    _, files = _export(api, django_capture_on_commit_callbacks, "/fhir/$export")
    assert set(files) == {"Patient", "Group"}
    assert [g["id"] for g in files["Group"]][0] == entity_a.cms_id
    assert len(files["Group"]) == 1 + len(aligned_a.tins)
    # A token with no FHIR scope cannot start either; the files need the token.
    rest_only = api_for(partner_a, scope="jobs:read")
    assert rest_only.get("/fhir/$export", **ATR).status_code == 403
    assert rest_only.get("/fhir/Patient/$export", **ATR).status_code == 403
    assert api.get("/fhir/$export?_typeFilter=Patient%3Fgender%3Dmale", **ATR).status_code == 400


# ------------------------------------------------------------------ a schema that tells the truth


def test_the_schema_documents_what_the_server_enforces_and_sends(partner_a, api_for) -> None:
    api = api_for(partner_a, scope="jobs:read")
    response = api.get("/api/v1/jobs/")
    limit, remaining = int(response["RateLimit-Limit"]), int(response["RateLimit-Remaining"])
    assert 0 <= remaining < limit
    assert 0 < int(response["RateLimit-Reset"]) <= 60
    # Every list pages by cursor (no page numbers, no count to compute).
    assert set(response.json()) == {"next", "previous", "results"}
    schema = api.get("/api/v1/schema/?format=json").json()
    paths = schema["paths"]
    jobs = paths["/api/v1/jobs/"]["get"]
    assert "Retry-After" in jobs["responses"]["429"]["headers"]
    assert "RateLimit-Remaining" in jobs["responses"]["200"]["headers"]
    for path in ("/api/v1/entities/", "/api/v1/providers/", "/api/v1/participations/"):
        names = {p["name"] for p in paths[path]["get"]["parameters"]}
        assert "cursor" in names, path
        assert "page" not in names, path
    assert "409" in paths["/api/v1/worklist-items/{id}/close/"]["post"]["responses"]
    roster = {p["name"]: p["schema"] for p in paths["/api/v1/beneficiaries/"]["get"]["parameters"]}
    assert roster["tin"]["pattern"] == "^[0-9]{9}$"
    assert roster["npi"]["pattern"] == "^[0-9]{10}$"
    search = schema["components"]["schemas"]["BeneficiarySearch"]["properties"]["mbis"]
    assert search["items"]["pattern"].startswith("^[1-9]")
    assert schema["components"]["schemas"]["EntityYear"]["properties"]["entity_type"]["nullable"]
    # The console's writes are not offered to partner systems.
    update = paths["/api/v1/entities/{id}/"]["put"]
    assert not any("partnerClient" in s for s in update["security"])
    assert update["tags"] == ["entities (console)"]
    groups = {g["name"]: g["tags"] for g in schema["x-tagGroups"]}
    assert "entities (console)" in groups["Admin console"]
    assert "worklist" in groups["Partner API"]
    # The enforced patterns are the server's: a TIN of 8 digits is refused.
    api = api_for(partner_a, scope="beneficiaries:read")
    assert api.get("/api/v1/beneficiaries/?tin=12345678").status_code == 400
