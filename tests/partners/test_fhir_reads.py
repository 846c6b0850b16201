"""FHIR R4 reads: discovery, Patient, Coverage, Practitioner and Organization, validated with
fhir.resources, scoped to the client's entity and TINs (issue 9)."""

from __future__ import annotations

import pytest
from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

from audit.models import AccessRecord
from entities.models import ParticipantOrganization, Provider
from tests.partners.conftest import TIN_A1, TIN_B1

pytestmark = pytest.mark.django_db


def fhir(response) -> dict:
    assert response["Content-Type"].startswith("application/fhir+json"), response.content
    body = response.json()
    get_fhir_model_class(body["resourceType"]).model_validate(body)
    return body


def test_discovery_names_the_token_url_and_is_open_to_all() -> None:
    smart = Client().get("/fhir/.well-known/smart-configuration").json()
    assert smart["token_endpoint"] == "http://testserver/api/v1/auth/token"
    assert "private_key_jwt" in smart["token_endpoint_auth_methods_supported"]
    statement = fhir(Client().get("/fhir/metadata"))
    assert statement["fhirVersion"] == "4.0.1"


def test_a_client_reads_a_patient_and_coverage_of_its_entity_with_the_mbi_inside_only(
    partner_a, api_for, entity_a, make_beneficiary
) -> None:
    person = make_beneficiary(entity_a)
    api = api_for(partner_a)
    patient = fhir(api.get(f"/fhir/Patient/{person.pk}"))
    assert patient["identifier"][0] == {
        "type": patient["identifier"][0]["type"],
        "system": "http://hl7.org/fhir/sid/us-mbi",
        "value": person.current_mbi,
    }
    assert patient["birthDate"] == person.birth_date.isoformat()
    # Named, so it claims the US Core and Da Vinci ATR Patient profiles (issue 18).
    assert patient["meta"]["profile"] == [
        "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/atr-patient",
        "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient",
    ]
    coverage = fhir(api.get(f"/fhir/Coverage/{person.pk}"))
    assert coverage["beneficiary"] == {"reference": f"Patient/{person.pk}"}
    record = AccessRecord.objects.filter(client_id=partner_a.client_id).first()
    assert record.beneficiary_ids == [person.pk]


def test_another_entitys_resources_are_404_for_a_client(
    partner_a, api_for, entity_b, make_beneficiary, participants
) -> None:
    stranger = make_beneficiary(entity_b)
    api = api_for(partner_a)
    provider_b = Provider.objects.get(participations__entity=entity_b)
    org_b = ParticipantOrganization.objects.get(tin=TIN_B1)
    for url in (
        f"/fhir/Patient/{stranger.pk}",
        f"/fhir/Coverage/{stranger.pk}",
        f"/fhir/Practitioner/{provider_b.pk}",
        f"/fhir/Organization/org-{org_b.pk}",
        f"/fhir/Organization/entity-{entity_b.pk}",
    ):
        response = api.get(url)
        assert response.status_code == 404, url
        assert fhir(response)["resourceType"] == "OperationOutcome"


def test_a_client_reads_its_practitioners_and_organizations(
    partner_a, api_for, entity_a, participants
) -> None:
    api = api_for(partner_a)
    provider = Provider.objects.filter(participations__entity=entity_a).first()
    practitioner = fhir(api.get(f"/fhir/Practitioner/{provider.pk}"))
    assert practitioner["identifier"] == [
        {"system": "http://hl7.org/fhir/sid/us-npi", "value": provider.npi}
    ]
    organization = ParticipantOrganization.objects.get(tin=TIN_A1)
    body = fhir(api.get(f"/fhir/Organization/org-{organization.pk}"))
    assert body["identifier"][0]["value"] == TIN_A1
    assert fhir(api.get(f"/fhir/Organization/entity-{entity_a.pk}"))["name"] == entity_a.legal_name


def test_a_fhir_read_without_a_token_is_401_with_a_bearer_challenge(
    entity_a, make_beneficiary
) -> None:
    person = make_beneficiary(entity_a)
    response = Client().get(f"/fhir/Patient/{person.pk}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_fhir_read_needs_the_resources_system_scope(
    partner_a, api_for, entity_a, make_beneficiary
) -> None:
    person = make_beneficiary(entity_a)
    api = api_for(partner_a, scope="system/Coverage.read")
    assert api.get(f"/fhir/Coverage/{person.pk}").status_code == 200
    refused = api.get(f"/fhir/Patient/{person.pk}")
    assert refused.status_code == 403
    assert "system/Patient.read" in fhir(refused)["issue"][0]["diagnostics"]


def test_an_unchanged_resource_answers_304_to_its_etag(
    partner_a, api_for, entity_a, make_beneficiary
) -> None:
    person = make_beneficiary(entity_a)
    api = api_for(partner_a)
    first = api.get(f"/fhir/Patient/{person.pk}")
    again = api.get(f"/fhir/Patient/{person.pk}", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    person.last_name = "Renamed"
    person.save()
    changed = api.get(f"/fhir/Patient/{person.pk}", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
