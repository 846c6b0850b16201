"""The generated matrix (issue 24): every URL pattern that takes an object id, with the ids of
another entity's objects, answers 404 to every role of entity A (with a second factor) and to
entity A's partner client. A pattern added later without a row here fails the first test."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from tests.partners.phi_world import World, build_world, url_patterns, verify_second_factor
from tests.quality.world import quality_result

pytestmark = pytest.mark.django_db

POST_ONLY = {
    "alignment:run_start", "benchmarks:recompute", "benchmarks:risk_recompute",
    "benchmarks:institutional_upload", "settlement:entity_year_collect", "care:refresh",
    "care:roster_export", "care:item_create", "care:item_update", "worklist-item-close",
    "care:outreach_create", "care:worklist_assign", "events:resolve",
}  # fmt: skip
POST_ONLY |= {"quality:compute", "quality:reported_upload", "quality:cahps_upload"}
POST_ONLY |= {"specialists:run_start", "specialists:transition_create"}
POST_ONLY |= {"care:roster_views", "care:contact_update", "care:team_reassign"}
POST_ONLY |= {"benchmarks:high_needs_recompute"}


def foreign_ids(own: World, other: World) -> dict[str, list[dict[str, Any]]]:
    """For each URL name that takes an id: arguments naming `other`'s objects (and, where a
    URL takes two, own entity with the other's object)."""
    o = other
    entity, run, bene = o.entity.pk, o.run.pk, o.beneficiary.pk
    quality = quality_result(o.entity, o.beneficiary)
    return {
        "jobs:detail": [{"pk": o.job.pk}],
        "alignment:run_detail": [{"pk": run}],
        "alignment:run_status": [{"pk": run}],
        "alignment:run_results": [{"pk": run}],
        "alignment:beneficiary_history": [{"pk": bene}],
        "benchmarks:recompute": [{"entity_id": entity}],
        "benchmarks:calculation_detail": [{"pk": o.calculation.pk}],
        "benchmarks:calculation_export": [{"pk": o.calculation.pk}],
        "benchmarks:reference_detail": [{"pk": o.reference.pk}],
        "benchmarks:risk_list": [{"entity_id": entity, "year": 2025}],
        "benchmarks:risk_recompute": [{"entity_id": entity}],
        "benchmarks:institutional_upload": [{"entity_id": entity}],
        "benchmarks:beneficiary_risk": [{"beneficiary_id": bene}],
        "benchmarks:pmpm": [{"entity_id": entity, "year": 2025}],
        "settlement:entity_year": [{"entity_id": entity, "year": 2025}],
        "settlement:entity_year_collect": [{"entity_id": entity, "year": 2025}],
        "settlement:tin_statement": [
            {"run_id": o.settlement.pk, "tin": o.tin, "fmt": fmt} for fmt in ("csv", "pdf")
        ],
        "care:overview": [{"entity_id": entity}],
        "care:overview_jobs": [{"entity_id": entity}],
        "care:roster": [{"entity_id": entity}],
        "care:team": [{"entity_id": entity}],
        "care:team_reassign": [{"entity_id": entity}],
        "care:refresh": [{"entity_id": entity}],
        "care:roster_export": [{"entity_id": entity}],
        "care:export": [{"job_id": o.export_job.pk}],
        "care:worklist": [{"entity_id": entity}],
        "care:beneficiary": [
            {"entity_id": entity, "beneficiary_id": bene},
            {"entity_id": own.entity.pk, "beneficiary_id": bene},
        ],
        "care:item_create": [
            {"entity_id": entity, "beneficiary_id": bene},
            {"entity_id": own.entity.pk, "beneficiary_id": bene},
        ],
        "care:item_update": [{"item_id": o.item.pk}],
        "care:outreach_create": [{"item_id": o.item.pk}],
        "care:worklist_assign": [{"entity_id": entity}],
        "care:roster_views": [{"entity_id": entity}],
        "care:queue": [{"entity_id": entity}],
        "care:contact_update": [
            {"entity_id": entity, "beneficiary_id": bene},
            {"entity_id": own.entity.pk, "beneficiary_id": bene},
        ],
        "alignment:reconciliation": [{"entity_id": entity, "year": 2025, "period": 0}],
        "alignment:reconciliation_export": [{"entity_id": entity, "year": 2025, "period": 0}],
        "benchmarks:entity_type": [{"entity_id": entity, "year": 2025}],
        "benchmarks:high_needs_recompute": [{"entity_id": entity, "year": 2025}],
        "events:unmatched": [{"entity_id": entity}],
        # Another entity's messages: tests/events/test_pages.py (a World holds none).
        "events:resolve": [{"entity_id": entity, "message_id": 1}],
        "events:beneficiary": [
            {"entity_id": entity, "beneficiary_id": bene},
            {"entity_id": own.entity.pk, "beneficiary_id": bene},
        ],
        "quality:overview": [{"entity_id": entity}],
        "quality:compute": [{"entity_id": entity}],
        "quality:reported_upload": [{"entity_id": entity}],
        "quality:cahps_upload": [{"entity_id": entity}],
        "quality:ecqm": [{"entity_id": entity, "quality_id": "134"}],
        "quality:measure": [
            {"entity_id": entity, "result_id": quality.pk},
            {"entity_id": own.entity.pk, "result_id": quality.pk},
        ],
        **API_IDS(o),
        "specialists:entity": [{"entity_id": entity}],
        "specialists:run_start": [{"entity_id": entity}],
        "specialists:roster": [{"entity_id": entity, "tin": o.tin}],
        "specialists:leakage": [{"entity_id": entity}],
        "specialists:episodes": [{"entity_id": entity}],
        "specialists:scorecard": [{"entity_id": entity, "tin": o.tin}],
        "specialists:gain_share": [{"entity_id": entity}],
        "specialists:providers": [{"entity_id": entity}],
        "specialists:beneficiary": [
            {"entity_id": entity, "beneficiary_id": bene},
            {"entity_id": own.entity.pk, "beneficiary_id": bene},
        ],
        "specialists:transition_create": [
            {"entity_id": entity, "beneficiary_id": bene},
            {"entity_id": own.entity.pk, "beneficiary_id": bene},
        ],
        "specialists:gain_share_statement": [
            {"entity_id": entity, "tin": o.tin, "fmt": fmt} for fmt in ("csv", "pdf")
        ],
        "specialists:provider_patients": [{"entity_id": entity, "npi": o.provider.npi}],
        "specialists:preferred": [{"entity_id": entity}],
        "specialists:preferred_export": [{"entity_id": entity}],
        "preferred-shared-patients": [{"entity_id": entity}],
    }


# API routes for people only (no partner scope opens them): a partner client gets 403.
CLOSED_TO_PARTNERS = {"preferred-shared-patients"}


def API_IDS(o: World) -> dict[str, list[dict[str, Any]]]:  # noqa: N802 - a table
    bulk = str(o.bulk.pk) if o.bulk else "00000000-0000-0000-0000-000000000000"
    return {
        "entity-detail": [{"pk": o.entity.pk}],
        "entity-participant-list": [{"pk": o.entity.pk}],
        "provider-detail": [{"pk": o.provider.pk}],
        "participation-detail": [{"pk": o.participation.pk}],
        "job-detail": [{"pk": o.job.pk}],
        "beneficiary-detail": [{"pk": o.beneficiary.pk}],
        "alignment-run-detail": [{"pk": o.run.pk}],
        "alignment-run-changes": [{"pk": o.run.pk}],
        "care-gap-detail": [{"pk": o.gap.pk}],
        "worklist-item-detail": [{"pk": o.item.pk}],
        "worklist-item-close": [{"pk": o.item.pk}],
        "fhir:patient": [{"pk": o.beneficiary.pk}],
        "fhir:coverage": [{"pk": o.beneficiary.pk}],
        "fhir:practitioner": [{"pk": o.provider.pk}],
        "fhir:organization": [{"key": f"org-{o.organization.pk}"}, {"key": f"entity-{o.entity.pk}"}],
        "fhir:group": [{"group_id": o.entity.cms_id}, {"group_id": f"{o.entity.cms_id}-org-{o.organization.pk}"}],
        "fhir:group-export": [{"group_id": o.entity.cms_id}],
        "fhir:group-davinci-data-export": [{"group_id": o.entity.cms_id}],
        "fhir:bulk-status": [{"export_id": bulk}],
        "fhir:bulk-file": [{"export_id": bulk, "resource_type": "Patient"}],
    }  # fmt: skip


def _requests(own: World, other: World) -> list[tuple[str, str, str]]:
    """(URL name, method, URL) for every pattern with an id, with the other entity's ids."""
    table = foreign_ids(own, other)
    requests = []
    for name, _route, args, _view in url_patterns():
        if not args:
            continue
        for kwargs in table[name]:
            url = reverse(name, kwargs=kwargs)
            requests.append((name, "post" if name in POST_ONLY else "get", url))
    return requests


@pytest.fixture
def worlds(
    entity_a, entity_b, aligned_a, aligned_b, aco_admin, make_member, partner_a, partner_b
) -> tuple[World, World]:
    b_user = make_member(entity_b, Role.CARE_COORDINATOR)
    return (
        build_world(entity_a, aligned_a.run, aco_admin, partner_a),
        build_world(entity_b, aligned_b.run, b_user, partner_b),
    )


def test_every_pattern_that_takes_an_id_is_in_the_matrix(worlds) -> None:
    own, other = worlds
    table = foreign_ids(own, other)
    with_ids = {name for name, _route, args, _view in url_patterns() if args}
    assert with_ids - set(table) == set()
    assert set(table) - with_ids == set()


def _holes(client: Client, requests: list[tuple[str, str, str]]) -> list[str]:
    holes = []
    for name, method, url in requests:
        response = getattr(client, method)(url)
        if response.status_code != 404:
            holes.append(f"{method.upper()} {url} ({name}): {response.status_code}")
    return holes


@pytest.mark.parametrize("role", [Role.ENTITY_ADMIN, Role.ANALYST, Role.CARE_COORDINATOR,
                                  Role.PREFERRED_PROVIDER])  # fmt: skip
def test_every_role_gets_404_for_every_object_of_another_entity(
    role: str, worlds, make_member: Callable[..., Any], login_client
) -> None:
    own, other = worlds
    user = verify_second_factor(make_member(own.entity, role))
    user.is_staff = role == Role.ENTITY_ADMIN
    user.save()
    assert _holes(login_client(user), _requests(own, other)) == []


def test_a_partner_client_gets_404_for_every_object_of_another_entity(
    worlds, partner_a, api_for
) -> None:
    own, other = worlds
    api = [r for r in _requests(own, other) if r[2].startswith(("/api/", "/fhir/"))]
    closed = [r for r in api if r[0] in CLOSED_TO_PARTNERS]
    api = [r for r in api if r[0] not in CLOSED_TO_PARTNERS]
    assert len(api) >= 20
    client = api_for(partner_a)
    assert _holes(client, api) == []
    for _name, method, url in closed:  # whatever the entity: no partner system's endpoint
        response = getattr(client, method)(url)
        assert response.status_code == 403, url
        assert "not open to partner systems" in response.json()["detail"]


def test_the_admin_answers_404_for_every_object_of_another_entity(
    worlds, make_member, login_client
) -> None:
    own, other = worlds
    user = verify_second_factor(make_member(own.entity, Role.ENTITY_ADMIN))
    user.is_staff = True
    user.save()
    client = login_client(user)
    holes, checked = [], []
    for model in admin.site._registry:
        fields = {f.name for f in model._meta.get_fields()}
        if model._meta.label == "entities.Entity":
            obj = other.entity
        elif "entity" in fields:
            obj = model._default_manager.filter(entity=other.entity).first()
        else:
            continue
        if obj is None:
            continue
        info = (model._meta.app_label, model._meta.model_name)
        for view in ("change", "history"):
            url = reverse(f"admin:{info[0]}_{info[1]}_{view}", args=[obj.pk])
            status = client.get(url).status_code
            if status != 404:
                holes.append(f"{url}: {status}")
        checked.append(model._meta.label)
    assert holes == []
    assert {
        "beneficiaries.Beneficiary", "alignment.VoluntaryAlignment", "alignment.AlignmentRun",
        "entities.Entity", "entities.Participation", "jobs.Job", "partners.PartnerClient",
    } <= set(checked)  # fmt: skip
