"""Attribution lists as FHIR Groups (Da Vinci ATR) and their Bulk Data export: kick-off,
polling, manifest, NDJSON files validated line by line with fhir.resources, _type and _since,
cancellation, one export per client, 24-hour expiry (issue 9)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from alignment.models import AlignmentResult
from audit.models import AccessRecord
from partners.exports import bulk_exports_purge
from partners.models import BulkExport

pytestmark = pytest.mark.django_db
EXPORT_HEADERS = {"HTTP_ACCEPT": "application/fhir+json", "HTTP_PREFER": "respond-async"}
CHANGE_TYPE = "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/ext-changeType"
ATTRIBUTED = "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/ext-attributedProvider"


def validate(resource: dict) -> dict:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


def kick_off(api, capture, url: str, execute: bool = True):
    with capture(execute=execute):
        response = api.get(url, **EXPORT_HEADERS)
    return response  # noqa: RET504 - the on-commit callbacks run as the block exits


def test_the_entity_group_lists_every_aligned_member_with_its_attribution(
    partner_a, api_for, aligned_a, entity_a
) -> None:
    api = api_for(partner_a, scope="system/Group.read system/Practitioner.read")
    group = validate(api.get(f"/fhir/Group/{entity_a.cms_id}").json())
    aligned = set(
        AlignmentResult.objects.filter(run=aligned_a.run, aligned=True).values_list(
            "beneficiary_id", flat=True
        )
    )
    members = group["member"]
    assert {int(m["entity"]["reference"].split("/")[1]) for m in members} == aligned
    assert group["quantity"] == len(aligned)
    assert group["meta"]["profile"] == [
        "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/atr-group"
    ]
    first = members[0]
    assert first["period"] == {"start": "2025-01-01", "end": "2025-12-31"}
    extensions = {e["url"]: e for e in first["extension"]}
    assert extensions[CHANGE_TYPE]["valueCode"] == "new"
    provider = extensions[ATTRIBUTED]["valueReference"]["reference"]
    if provider.startswith("Practitioner/"):
        assert api.get(f"/fhir/{provider}").status_code == 200


def test_a_tin_group_holds_only_that_tins_members(partner_a, api_for, aligned_a, entity_a) -> None:
    api = api_for(partner_a, scope="system/Group.read")
    bundle = validate(api.get("/fhir/Group").json())
    ids = [e["resource"]["id"] for e in bundle["entry"]]
    assert ids[0] == entity_a.cms_id
    tin = aligned_a.tins[0]
    summary = next(e["resource"] for e in bundle["entry"] if f"TIN {tin}" in e["resource"]["name"])
    group = validate(api.get(f"/fhir/Group/{summary['id']}").json())
    expected = AlignmentResult.objects.filter(
        run=aligned_a.run, aligned=True, attributed_tin=tin
    ).count()
    assert group["quantity"] == summary["quantity"] == expected


def test_a_bulk_export_round_trip_validates_every_ndjson_line(
    partner_a, api_for, aligned_a, entity_a, django_capture_on_commit_callbacks
) -> None:
    api = api_for(partner_a)
    kick = kick_off(
        api, django_capture_on_commit_callbacks, f"/fhir/Group/{entity_a.cms_id}/$export"
    )
    assert kick.status_code == 202, kick.content
    status_url = kick["Content-Location"]
    status = api.get(status_url)
    assert status.status_code == 200, status.content
    manifest = status.json()
    assert manifest["requiresAccessToken"] is True
    assert manifest["request"].endswith(f"/fhir/Group/{entity_a.cms_id}/$export")
    assert "Expires" in status
    by_type = {}
    for output in manifest["output"]:
        download = api.get(output["url"])
        assert download.status_code == 200
        assert download["Content-Type"] == "application/fhir+ndjson"
        lines = b"".join(download.streaming_content).decode().splitlines()
        assert len(lines) == output["count"]
        by_type[output["type"]] = [validate(json.loads(line)) for line in lines]
    aligned = set(
        AlignmentResult.objects.filter(run=aligned_a.run, aligned=True).values_list(
            "beneficiary_id", flat=True
        )
    )
    assert {int(p["id"]) for p in by_type["Patient"]} == aligned
    assert {c["beneficiary"]["reference"] for c in by_type["Coverage"]} == {
        f"Patient/{i}" for i in aligned
    }
    assert [g["id"] for g in by_type["Group"]] == [entity_a.cms_id]
    assert by_type["Practitioner"]
    assert any(o["id"] == f"entity-{entity_a.pk}" for o in by_type["Organization"])
    record = AccessRecord.objects.filter(
        client_id=partner_a.client_id, purpose="fhir export Patient"
    ).get()
    assert record.beneficiary_count == len(aligned)


def test_type_and_since_narrow_the_export(
    partner_a, api_for, aligned_a, entity_a, django_capture_on_commit_callbacks
) -> None:
    api = api_for(partner_a)
    kick = kick_off(
        api,
        django_capture_on_commit_callbacks,
        f"/fhir/Group/{entity_a.cms_id}/$export?_type=Patient,Group",
    )
    manifest = api.get(kick["Content-Location"]).json()
    assert sorted(o["type"] for o in manifest["output"]) == ["Group", "Patient"]
    aligned_a.run.refresh_from_db()
    since = (aligned_a.run.finished_at + dt.timedelta(milliseconds=1)).isoformat()
    from urllib.parse import quote

    kick = kick_off(
        api,
        django_capture_on_commit_callbacks,
        f"/fhir/Group/{entity_a.cms_id}/$export?_since={quote(since)}",
    )
    assert api.get(kick["Content-Location"]).json()["output"] == []


def test_bad_export_parameters_are_refused_with_an_operation_outcome(
    partner_a, api_for, aligned_a, entity_a
) -> None:
    api = api_for(partner_a)
    for query, text in (
        ("_type=Claim", "Claim cannot be exported"),
        ("_since=yesterday", "_since must be a FHIR instant"),
        ("_outputFormat=text/csv", "_outputFormat"),
        ("_typeFilter=Patient%3Factive%3Dtrue", "_typeFilter is not supported"),
        ("_count=2&_sort=id", "Unknown parameters: _count, _sort."),
        ("_count=2", "Unknown parameter: _count."),
    ):
        response = api.get(f"/fhir/Group/{entity_a.cms_id}/$export?{query}", **EXPORT_HEADERS)
        assert response.status_code == 400, query
        body = validate(response.json())
        assert text in body["issue"][0]["diagnostics"]


def test_an_export_of_a_type_outside_the_tokens_scopes_is_refused(
    partner_a, api_for, aligned_a, entity_a
) -> None:
    api = api_for(partner_a, scope="system/Group.read")
    response = api.get(f"/fhir/Group/{entity_a.cms_id}/$export?_type=Patient", **EXPORT_HEADERS)
    assert response.status_code == 403
    assert "system/Patient.read" in response.json()["issue"][0]["diagnostics"]


def test_one_export_runs_per_client_and_delete_cancels_it(
    partner_a, api_for, aligned_a, entity_a, django_capture_on_commit_callbacks
) -> None:
    api = api_for(partner_a)
    url = f"/fhir/Group/{entity_a.cms_id}/$export"
    first = kick_off(api, django_capture_on_commit_callbacks, url, execute=False)
    assert first.status_code == 202
    polling = api.get(first["Content-Location"])
    assert polling.status_code == 202
    assert polling["X-Progress"].startswith("0%")
    second = kick_off(api, django_capture_on_commit_callbacks, url, execute=False)
    assert second.status_code == 429
    assert int(second["Retry-After"]) > 0
    assert api.delete(first["Content-Location"]).status_code == 202
    assert api.get(first["Content-Location"]).status_code == 404
    third = kick_off(api, django_capture_on_commit_callbacks, url)
    assert third.status_code == 202


def test_export_files_expire_after_24_hours(
    partner_a, api_for, aligned_a, entity_a, django_capture_on_commit_callbacks
) -> None:
    api = api_for(partner_a)
    kick = kick_off(
        api,
        django_capture_on_commit_callbacks,
        f"/fhir/Group/{entity_a.cms_id}/$export?_type=Group",
    )
    manifest = api.get(kick["Content-Location"]).json()
    export = BulkExport.objects.get()
    assert export.expires_at - export.finished_at == dt.timedelta(hours=24)
    path = f"{export.storage_prefix}/Group.ndjson"
    assert default_storage.exists(path)
    BulkExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert api.get(kick["Content-Location"]).status_code == 404
    assert api.get(manifest["output"][0]["url"]).status_code == 404
    assert bulk_exports_purge() == 1
    assert not default_storage.exists(path)


def test_another_client_cannot_poll_or_download_an_export(
    partner_a, partner_b, api_for, aligned_a, entity_a, django_capture_on_commit_callbacks
) -> None:
    kick = kick_off(
        api_for(partner_a),
        django_capture_on_commit_callbacks,
        f"/fhir/Group/{entity_a.cms_id}/$export",
    )
    manifest = api_for(partner_a).get(kick["Content-Location"]).json()
    other = api_for(partner_b)
    assert other.get(kick["Content-Location"]).status_code == 404
    assert other.delete(kick["Content-Location"]).status_code == 404
    assert other.get(manifest["output"][0]["url"]).status_code == 404
