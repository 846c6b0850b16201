"""/api/v1/entities/, /providers/, /participations/: scoping, writes for entity admins only, the
same validation as the console, filters, pagination and the schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from entities.models import Participation
from entities.selectors import participant_list_rows
from entities.services.imports import participant_import
from entities.services.participations import participation_add
from tests.entities.conftest import roster_rows, to_csv

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def listed(entity_a, npis):
    return participation_add(
        entity=entity_a,
        tin="123456789",
        npi=next(npis),
        specialty_code="11",
        start_date=D(2025, 1, 1),
        provider_name="Synthetic, Bea",
    )


@pytest.fixture
def admin_api(console_admin, login_client):
    return login_client(console_admin)


def _urls(entity, participation):
    return [
        f"/api/v1/entities/{entity.pk}/",
        f"/api/v1/entities/{entity.pk}/participant-list/?year=2025",
        f"/api/v1/providers/{participation.provider_id}/",
        f"/api/v1/participations/{participation.pk}/",
    ]


def test_a_member_reads_their_entity_providers_and_participations(
    entity_a, listed, client_a
) -> None:
    for url in _urls(entity_a, listed):
        assert client_a.get(url).status_code == 200, url
    body = client_a.get("/api/v1/participations/").json()
    assert len(body["results"]) == 1
    row = body["results"][0]
    assert row["tin"] == "123456789"
    assert row["npi"] == listed.provider.npi
    assert row["provider_class"] == "pcp"
    assert row["entity_cms_id"] == "A9001"


def test_a_user_of_another_entity_gets_404_everywhere(
    entity_a, listed, client_b, console_admin_b, login_client
) -> None:
    for client in (client_b, login_client(console_admin_b)):
        for url in _urls(entity_a, listed):
            assert client.get(url).status_code == 404, url
        assert (
            client.patch(
                f"/api/v1/participations/{listed.pk}/",
                {"end_date": "2025-03-31"},
                content_type="application/json",
            ).status_code
            == 404
        )
        assert (
            client.patch(
                f"/api/v1/entities/{entity_a.pk}/",
                {"legal_name": "Hijacked"},
                content_type="application/json",
            ).status_code
            == 404
        )
        assert client.get("/api/v1/participations/").json()["results"] == []
        assert client.get("/api/v1/providers/").json()["results"] == []
        assert [e["cms_id"] for e in client.get("/api/v1/entities/").json()["results"]] == ["D9002"]


def test_only_entity_admins_write(entity_a, listed, client_a) -> None:
    response = client_a.post(
        "/api/v1/participations/",
        {
            "entity": entity_a.pk,
            "tin": "123456789",
            "npi": "1234567893",
            "start_date": "2025-01-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 403
    response = client_a.patch(
        f"/api/v1/participations/{listed.pk}/",
        {"end_date": "2025-03-31"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert (
        client_a.patch(
            f"/api/v1/providers/{listed.provider_id}/",
            {"name": "X"},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_an_admin_adds_ends_and_never_deletes_a_participation(entity_a, admin_api) -> None:
    response = admin_api.post(
        "/api/v1/participations/",
        {
            "entity": entity_a.pk,
            "tin": "12-3456789",
            "npi": "1234567893",
            "specialty_code": "50",
            "start_date": "2025-01-01",
            "tin_legal_name": "Synthetic Clinic LLC",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["tin"] == "123456789"
    assert created["provider_class"] == "npp"
    assert created["end_date"] is None

    url = f"/api/v1/participations/{created['id']}/"
    response = admin_api.patch(url, {"end_date": "2025-06-30"}, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["end_date"] == "2025-06-30"
    assert admin_api.delete(url).status_code == 405
    assert Participation.objects.filter(pk=created["id"]).exists()


def test_the_api_explains_bad_rows_like_the_console(
    entity_a, entity_b, listed, admin_api, npis
) -> None:
    def post(data):
        return admin_api.post("/api/v1/participations/", data, content_type="application/json")  # noqa: E731

    base = {"entity": entity_a.pk, "tin": "123456789", "start_date": "2025-01-01"}
    response = post({**base, "npi": "1234567890"})
    assert response.status_code == 400
    assert response.json()["npi"] == [
        "NPI 1234567890 is not valid: its check digit should be 3 (typing error?)."
    ]
    response = post({**base, "npi": listed.provider.npi, "start_date": "2025-05-01"})
    assert response.status_code == 400
    assert "already on the list from 2025-01-01, open-ended" in response.json()["start_date"][0]
    response = post({**base, "npi": next(npis), "role": "preferred"})
    assert "has no preferred providers" in response.json()["role"][0]
    # Another entity's id is simply not a choice.
    response = post({**base, "entity": entity_b.pk, "npi": next(npis)})
    assert response.status_code == 400
    assert "entity" in response.json()
    assert Participation.objects.count() == 1


def test_participations_filter_and_paginate_within_a_query_budget(
    entity_a, console_admin, admin_api, django_assert_max_num_queries
) -> None:
    rows = roster_rows(120)
    participant_import(
        entity=entity_a, performance_year=2025, content=to_csv(rows), acting_user=console_admin
    )
    # 9: the PHI policy reads the person's authenticators once per request (audit/phi.py);
    # + 2: the row-security scope set and reset around the request (core/rls.py).
    with django_assert_max_num_queries(11):
        page = admin_api.get("/api/v1/participations/").json()
    assert len(page["results"]) == 50
    assert "cursor=" in page["next"]
    # Cursor pages: every row once, in a stable order, whatever the filters.
    assert len(_every_row(admin_api, "/api/v1/participations/")) == 120

    def count(**filters: str) -> int:
        return len(_every_row(admin_api, "/api/v1/participations/", page_size="500", **filters))

    assert count(npi=rows[5]["npi"]) == 1
    assert count(tin=rows[0]["tin"]) == 3
    assert count(provider_class="npp") == 24
    ended = sum(1 for r in rows if r["effective_end"])
    assert count(active_on="2025-08-01") == 120 - ended
    assert count(year="2024") == 0
    with django_assert_max_num_queries(11):
        providers = admin_api.get("/api/v1/providers/", {"specialty": "08"}).json()
    assert len(providers["results"]) == 12


def _every_row(api, url: str, **params: str) -> list[dict]:
    """Every row of a cursor-paginated list, following `next`."""
    rows: list[dict] = []
    page = api.get(url, params).json()
    while True:
        rows += page["results"]
        if not page["next"]:
            return rows
        page = api.get(page["next"]).json()


def test_the_participant_list_json_equals_the_export(entity_a, console_admin, admin_api) -> None:
    participant_import(
        entity=entity_a,
        performance_year=2025,
        content=to_csv(roster_rows(30)),
        acting_user=console_admin,
    )
    body = admin_api.get(
        f"/api/v1/entities/{entity_a.pk}/participant-list/", {"year": "2025"}
    ).json()
    assert body["count"] == 30
    assert body["rows"] == participant_list_rows(entity=entity_a, performance_year=2025)
    response = admin_api.get(f"/api/v1/entities/{entity_a.pk}/participant-list/", {"year": "2019"})
    assert response.status_code == 400
    assert "no performance year 2019" in response.json()["year"][0]


def test_an_admin_updates_their_entity_with_validation(entity_a, admin_api) -> None:
    url = f"/api/v1/entities/{entity_a.pk}/"
    response = admin_api.patch(url, {"tin": "12345"}, content_type="application/json")
    assert response.status_code == 400
    assert "TIN 12345 is not valid" in str(response.json())
    response = admin_api.patch(
        url, {"tin": "123456789", "msr_mlr_choice": "2.0"}, content_type="application/json"
    )
    assert response.status_code == 200
    entity_a.refresh_from_db()
    assert entity_a.msr_mlr_choice == "2.0"
    assert entity_a.history.first().history_user.email == "admin@a.example.test"


def test_the_schema_documents_the_three_resources(client_a) -> None:
    schema = client_a.get(reverse("api-schema")).content.decode()
    for path in (
        "/api/v1/entities/",
        "/api/v1/providers/",
        "/api/v1/participations/",
        "/api/v1/entities/{id}/participant-list/",
    ):
        assert path in schema


def test_each_operation_of_the_docs_is_headed_in_words(client_a) -> None:
    """ReDoc heads an operation with its summary, else its generated id (alignment_runs_list)."""
    import json

    schema = json.loads(client_a.get(reverse("api-schema"), HTTP_ACCEPT="application/json").content)
    summaries = {
        (method, url): operation.get("summary", "")
        for url, path in schema["paths"].items()
        for method, operation in path.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert all(s and "_" not in s for s in summaries.values()), summaries
    assert summaries[("get", "/api/v1/alignment-runs/")] == "List alignment runs"
    assert summaries[("get", "/api/v1/care-gaps/{id}/")] == "Get a care gap"
    assert summaries[("patch", "/api/v1/participations/{id}/")] == "Update a participation"
    assert summaries[("put", "/api/v1/entities/{id}/")] == "Replace an entity"
