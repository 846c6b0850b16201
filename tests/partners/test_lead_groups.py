"""Lead-specialist lists as FHIR Groups: one per specialist TIN on the entity's list, read,
searched and bulk-exported through the attribution-list machinery."""

from __future__ import annotations

import json
from datetime import date

import pytest
from fhir.resources.R4B import get_fhir_model_class

from entities.models import ParticipantOrganization
from specialists.services import lead_run_create
from tests.specialists.conftest import (
    AS_OF,
    CARDIO_TIN,
    NEPHRO_NPI_2,
    NEPHRO_TIN,
    ONC_TIN,
    build_world,
    visit,
)

pytestmark = pytest.mark.django_db
EXPORT_HEADERS = {"HTTP_ACCEPT": "application/fhir+json", "HTTP_PREFER": "respond-async"}
CHANGE_TYPE = "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/ext-changeType"


def validate(resource: dict) -> dict:
    get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return resource


def run_leads(entity, capture, as_of=AS_OF):
    with capture(execute=True):
        run = lead_run_create(entity=entity, acting_user=None, as_of=as_of)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    return run


@pytest.fixture
def world(entity_a):
    return build_world(entity_a)


def test_each_network_specialist_tin_has_a_group_that_reads_and_bulk_exports(
    world, partner_a, partner_b, api_for, django_capture_on_commit_callbacks
) -> None:
    run_leads(world.entity, django_capture_on_commit_callbacks)
    api = api_for(partner_a, scope="system/Group.read")
    bundle = validate(api.get("/fhir/Group").json())
    names = {e["resource"]["id"]: e["resource"]["name"] for e in bundle["entry"]}
    nephro = ParticipantOrganization.objects.get(tin=NEPHRO_TIN)
    cardio = ParticipantOrganization.objects.get(tin=CARDIO_TIN)
    nephro_id = f"{world.entity.cms_id}-lead-{nephro.pk}"
    assert f"{world.entity.cms_id}-lead-{cardio.pk}" in names  # a preferred provider
    assert not any(ONC_TIN in name for name in names.values())  # outside the list: no Group
    assert "lead specialist TIN" in names[nephro_id]
    group = validate(api.get(f"/fhir/Group/{nephro_id}").json())
    assert group["quantity"] == 1
    [member] = group["member"]
    assert member["entity"]["reference"] == f"Patient/{world.benes[0].pk}"
    assert member["period"] == {"start": "2025-07-01", "end": "2025-09-30"}
    assert {e["url"]: e.get("valueCode") for e in member["extension"]}[CHANGE_TYPE] == "new"
    # The cardiology practice's list through the bulk API (another entity's client: 404).
    url = f"/fhir/Group/{world.entity.cms_id}-lead-{cardio.pk}/$export"
    assert api_for(partner_b).get(url, **EXPORT_HEADERS).status_code == 404
    api = api_for(partner_a)
    with django_capture_on_commit_callbacks(execute=True):
        kick = api.get(url, **EXPORT_HEADERS)
    assert kick.status_code == 202, kick.content
    manifest = api.get(kick["Content-Location"]).json()
    by_type = {}
    for output in manifest["output"]:
        lines = b"".join(api.get(output["url"]).streaming_content).decode().splitlines()
        by_type[output["type"]] = [validate(json.loads(line)) for line in lines]
    assert [int(p["id"]) for p in by_type["Patient"]] == [world.benes[1].pk]
    assert [g["id"] for g in by_type["Group"]] == [f"{world.entity.cms_id}-lead-{cardio.pk}"]
    assert any(o["id"] == f"org-{cardio.pk}" for o in by_type["Organization"])


def test_the_next_quarters_group_says_the_clinician_changed(
    world, partner_a, api_for, django_capture_on_commit_callbacks
) -> None:
    run_leads(world.entity, django_capture_on_commit_callbacks)
    for day in (date(2025, 8, 1), date(2025, 9, 1)):
        visit(world.benes[0], day, "90960", "N186", "39", NEPHRO_TIN, NEPHRO_NPI_2, "400.00")
    run_leads(world.entity, django_capture_on_commit_callbacks, as_of=date(2025, 9, 30))
    nephro = ParticipantOrganization.objects.get(tin=NEPHRO_TIN)
    api = api_for(partner_a, scope="system/Group.read")
    group = validate(api.get(f"/fhir/Group/{world.entity.cms_id}-lead-{nephro.pk}").json())
    [member] = group["member"]
    assert {e["url"]: e.get("valueCode") for e in member["extension"]}[CHANGE_TYPE] == "changed"
    assert group["extension"][0]["valuePeriod"] == {"start": "2025-10-01", "end": "2025-12-31"}
