"""Every GET route of the API refuses a query parameter it does not read (400 problem+json
naming it), so a misplaced identifier never silently returns a whole list; and every query
parameter the OpenAPI schema documents is one the route reads."""

from __future__ import annotations

import re
from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

from accounts.models import Role
from synthetic.identifiers import mbi as synthetic_mbi

pytestmark = pytest.mark.django_db

MBI = synthetic_mbi(424_242)
# Routes for signed-in people only (a preferred provider's shared patients): a partner system's
# token is refused before its query is read.
PEOPLE_ONLY = {"/api/v1/preferred-providers/{entity_id}/shared-patients/"}


def _get_operations() -> list[tuple[str, list[dict[str, Any]]]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [
        (path, [p for p in item["get"].get("parameters", []) if p["in"] == "query"])
        for path, item in schema["paths"].items()
        if "get" in item
    ]


def _url(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_api_get_route_is_in_the_walk() -> None:
    operations = {path for path, _ in _get_operations()}
    # The list and detail routes of each resource, and the actions that read.
    assert "/api/v1/beneficiaries/" in operations
    assert "/api/v1/alignment-runs/{id}/changes/" in operations
    assert "/api/v1/entities/{id}/participant-list/" in operations
    assert len(operations) >= 15


def test_an_unknown_query_parameter_is_refused_by_every_get_route(
    entity_a, make_member, login_client, partner_a, api_for
) -> None:
    person = login_client(make_member(entity_a, Role.ANALYST))
    client = api_for(partner_a)
    for caller in (person, client):
        for path, _ in _get_operations():
            response = caller.get(f"{_url(path)}?mbi={MBI}")
            if caller is client and path in PEOPLE_ONLY:
                assert response.status_code == 403, path  # no partner system reads it at all
                continue
            assert response.status_code == 400, (path, response.status_code)
            assert response["Content-Type"] == "application/problem+json", path
            problem = response.json()
            assert problem["errors"][0]["pointer"] == "#/mbi", path
            assert MBI not in response.content.decode(), path


def test_a_parameter_named_like_an_mbi_is_not_echoed(entity_a, make_member, login_client) -> None:
    response = login_client(make_member(entity_a, Role.ANALYST)).get(
        f"/api/v1/beneficiaries/?{MBI}=1"
    )
    assert response.status_code == 400
    assert MBI not in response.content.decode()


def test_the_roster_with_an_mbi_in_the_query_returns_nothing(partner_a, api_for, aligned_a) -> None:
    from beneficiaries.models import Beneficiary

    mbi = Beneficiary.objects.filter(entity=aligned_a.run.entity).first().current_mbi
    response = api_for(partner_a).get(f"/api/v1/beneficiaries/?mbi={mbi}")
    assert response.status_code == 400
    assert "results" not in response.json()


def test_every_documented_query_parameter_is_read_by_its_route(
    entity_a, make_member, login_client
) -> None:
    person = login_client(make_member(entity_a, Role.ENTITY_ADMIN))
    checked = 0
    for path, parameters in _get_operations():
        for parameter in parameters:
            name = parameter["name"]
            response = person.get(f"{_url(path)}?{name}=x")
            unknown = [
                e for e in (response.json().get("errors", []) if response.status_code == 400 else [])
                if e["detail"] == "Unknown query parameter."
            ]  # fmt: skip
            assert not unknown, (path, name)
            checked += 1
    assert checked >= 15
