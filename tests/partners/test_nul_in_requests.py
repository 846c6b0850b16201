"""A NUL character in a path or query is refused with a 400 in the route's own error format,
never a 500 from PostgreSQL (which cannot hold NUL in text)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/care-gaps/?gap=%00",
        "/api/v1/care-gaps/?tin=1%002",
        "/api/v1/worklist-items/?status=open%00",
        "/api/v1/beneficiaries/?ordering=%00",
        "/api/v1/providers/?npi=%00",
    ],
)
def test_a_nul_in_an_api_query_is_a_400_problem_document(partner_a, api_for, url) -> None:
    api = api_for(partner_a, scope="gaps:read worklist:read beneficiaries:read providers:read")
    response = api.get(url)
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400
    assert "contains a NUL character" in problem["detail"]
    assert "\x00" not in response.content.decode()


def test_a_nul_gap_filter_on_an_aligned_roster_is_refused_before_the_database(
    partner_a, api_for, aligned_a
) -> None:
    api = api_for(partner_a, scope="gaps:read")
    assert api.get("/api/v1/care-gaps/?gap=awv").status_code == 200
    response = api.get("/api/v1/care-gaps/?gap=a%00")
    assert response.status_code == 400
    assert response.json()["detail"] == "Query parameter 'gap' contains a NUL character (U+0000)."


def test_a_nul_in_a_fhir_path_or_query_is_an_operation_outcome(partner_a, api_for) -> None:
    api = api_for(partner_a)
    for url in ("/fhir/Organization/12%0034", "/fhir/Group?name=%00"):
        response = api.get(url)
        assert response.status_code == 400, (url, response.content)
        body = response.json()
        assert body["resourceType"] == "OperationOutcome"
        assert body["issue"][0]["code"] == "invalid"


def test_a_nul_in_a_page_query_is_a_plain_400(client) -> None:
    response = client.get("/accounts/login/?next=%00")
    assert response.status_code == 400
    assert b"NUL" in response.content
