"""A client of entity A never reaches entity B's data: 404 for every B resource, B's lists are
not among A's, and A's lists hold none of B's beneficiaries (issue 9)."""

from __future__ import annotations

import pytest

from alignment.models import AlignmentChange, AlignmentResult
from beneficiaries.models import Beneficiary
from care.models import CareGap
from care.services import worklist_item_create
from entities.models import ParticipantOrganization, Participation, Provider
from jobs.services import job_enqueue

pytestmark = pytest.mark.django_db


def test_a_client_of_a_gets_404_for_every_entity_b_resource(
    partner_a, api_for, aligned_a, aligned_b, entity_b
) -> None:
    api = api_for(partner_a)
    b_member = (
        AlignmentResult.objects.filter(run=aligned_b.run, aligned=True).first().beneficiary_id
    )
    b_provider = Provider.objects.filter(participations__entity=entity_b).first()
    b_org = ParticipantOrganization.objects.filter(participations__entity=entity_b).first()
    b_job = job_enqueue(kind="jobs.demo", entity=entity_b, parameters={"steps": 0})
    b_participation = Participation.objects.filter(entity=entity_b).first()
    b_gap = CareGap.objects.create(
        entity=entity_b, beneficiary_id=b_member, gap="awv", label="AWV", as_of="2026-03-31"
    )
    b_item = worklist_item_create(
        entity=entity_b,
        beneficiary=Beneficiary.objects.get(pk=b_member),
        title="B's work",
        acting_user=None,
    )
    urls = [
        f"/api/v1/beneficiaries/{b_member}/",
        f"/api/v1/alignment-runs/{aligned_b.run.pk}/",
        f"/api/v1/alignment-runs/{aligned_b.run.pk}/changes/",
        f"/api/v1/jobs/{b_job.pk}/",
        f"/api/v1/entities/{entity_b.pk}/",
        f"/api/v1/providers/{b_provider.pk}/",
        f"/api/v1/participations/{b_participation.pk}/",
        f"/api/v1/care-gaps/{b_gap.pk}/",
        f"/api/v1/worklist-items/{b_item.pk}/",
        f"/fhir/Patient/{b_member}",
        f"/fhir/Coverage/{b_member}",
        f"/fhir/Practitioner/{b_provider.pk}",
        f"/fhir/Organization/org-{b_org.pk}",
        f"/fhir/Organization/entity-{entity_b.pk}",
        f"/fhir/Group/{entity_b.cms_id}",
        f"/fhir/Group/{entity_b.cms_id}-org-{b_org.pk}",
        f"/fhir/Group/{entity_b.cms_id}/$export",
    ]
    for url in urls:
        assert api.get(url).status_code == 404, url
    b_mbi = Beneficiary.objects.get(pk=b_member).current_mbi
    found = api.post(
        "/api/v1/beneficiaries/search", {"mbis": [b_mbi]}, content_type="application/json"
    )
    assert found.json() == {"results": [], "not_found": 1}
    closing = api.post(
        f"/api/v1/worklist-items/{b_item.pk}/close/",
        {"status": "done"},
        content_type="application/json",
    )
    assert closing.status_code == 404
    # Cursor-paged lists take page_size; the page-numbered ones refuse it (an unknown parameter).
    queries = {
        "care-gaps": "?page_size=500",
        "worklist-items": "?page_size=500",
        "providers": "",
        "participations": "",
    }
    for listing, query in queries.items():
        rows = api.get(f"/api/v1/{listing}/{query}").json()["results"]
        assert b_gap.pk not in {r["id"] for r in rows if listing == "care-gaps"}
        assert b_item.pk not in {r["id"] for r in rows if listing == "worklist-items"}
        assert b_participation.pk not in {r["id"] for r in rows if listing == "participations"}


def test_a_client_of_a_sees_only_as_lists_and_none_of_bs_members(
    partner_a, api_for, aligned_a, aligned_b, entity_a, entity_b
) -> None:
    api = api_for(partner_a)
    groups = [e["resource"]["id"] for e in api.get("/fhir/Group").json()["entry"]]
    assert all(g.startswith(entity_a.cms_id) for g in groups)
    b_ids = set(Beneficiary.objects.filter(entity=entity_b).values_list("pk", flat=True))
    group = api.get(f"/fhir/Group/{entity_a.cms_id}").json()
    members = {int(m["entity"]["reference"].split("/")[1]) for m in group["member"]}
    assert members
    assert not members & b_ids
    roster = api.get("/api/v1/beneficiaries/?page_size=500").json()["results"]
    assert not {r["id"] for r in roster} & b_ids
    runs = api.get("/api/v1/alignment-runs/").json()["results"]
    assert [r["entity"] for r in runs] == [entity_a.cms_id]


def test_a_client_limited_to_a_tin_without_members_gets_an_empty_group(
    register, entity_a, rsa_signer, api_for, aligned_a
) -> None:
    listed = set(
        ParticipantOrganization.objects.filter(participations__entity=entity_a).values_list(
            "tin", flat=True
        )
    )
    empty_tin = sorted(
        listed
        - set(aligned_a.tins)
        - set(
            AlignmentChange.objects.filter(run=aligned_a.run).values_list("previous_tin", flat=True)
        )
    )
    if not empty_tin:
        from entities.services.participations import participation_add
        from synthetic.identifiers import npi as synthetic_npi

        participation_add(
            entity=entity_a, tin="899999999", npi=synthetic_npi(99_001), start_date="2025-01-01"
        )
        empty_tin = ["899999999"]
    client = register(entity_a, rsa_signer.public_pem(), name="Quiet practice", tins=[empty_tin[0]])
    api = api_for(client)
    bundle = api.get("/fhir/Group").json()
    assert [e["resource"]["quantity"] for e in bundle["entry"]] == [0]
    group = api.get(f"/fhir/Group/{bundle['entry'][0]['resource']['id']}").json()
    assert group["quantity"] == 0
    assert "member" not in group
    assert api.get(f"/fhir/Group/{entity_a.cms_id}").status_code == 404
    assert api.get("/api/v1/beneficiaries/").json()["results"] == []
