"""The partner API driven the way off-the-shelf SMART backend-services and bulk-data clients
drive it (issue 18): the headers they send on kick-off and download, the scopes they ask for,
where they discover the token endpoint, and the error documents they can parse."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.django_db
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
