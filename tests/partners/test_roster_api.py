"""The REST roster: aligned beneficiaries with attribution, change, risk and gaps; cursor pages;
search by MBI in the body; TIN-limited clients (issue 9)."""

from __future__ import annotations

import pytest

from alignment.models import AlignmentResult
from audit.models import AccessRecord
from beneficiaries.models import Beneficiary

pytestmark = pytest.mark.django_db


def test_the_roster_lists_the_aligned_beneficiaries_page_by_page(
    partner_a, api_for, aligned_a
) -> None:
    api = api_for(partner_a, scope="beneficiaries:read")
    expected = list(
        AlignmentResult.objects.filter(run=aligned_a.run, aligned=True)
        .order_by("beneficiary_id")
        .values_list("beneficiary_id", flat=True)
    )
    seen, url = [], "/api/v1/beneficiaries/?page_size=40"
    while url:
        page = api.get(url)
        assert page.status_code == 200, page.content
        body = page.json()
        seen += [row["id"] for row in body["results"]]
        url = body["next"]
    assert seen == expected
    row = api.get("/api/v1/beneficiaries/?page_size=1").json()["results"][0]
    result = AlignmentResult.objects.get(run=aligned_a.run, beneficiary_id=row["id"])
    assert row["attributed_provider"]["tin"] == result.attributed_tin
    assert row["attributed_provider"]["npi"] == result.attributed_npi
    assert row["alignment"]["status"] == "aligned"
    assert row["alignment"]["period"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert row["alignment"]["change"] == "new"  # the first list: everyone is new
    assert row["mbi"] == Beneficiary.objects.get(pk=row["id"]).current_mbi


def test_the_roster_filters_by_attributed_tin_and_refuses_a_bad_one(
    partner_a, api_for, aligned_a
) -> None:
    api = api_for(partner_a, scope="beneficiaries:read")
    tin = aligned_a.tins[0]
    rows = api.get(f"/api/v1/beneficiaries/?tin={tin}&page_size=500").json()["results"]
    assert rows
    assert {r["attributed_provider"]["tin"] for r in rows} == {tin}
    bad = api.get("/api/v1/beneficiaries/?tin=12x")
    assert bad.status_code == 400
    assert bad["Content-Type"] == "application/problem+json"
    assert bad.json()["errors"][0]["pointer"] == "#/tin"


def test_a_beneficiary_detail_and_its_access_record(
    partner_a, api_for, aligned_a, entity_a
) -> None:
    api = api_for(partner_a, scope="beneficiaries:read")
    result = AlignmentResult.objects.filter(run=aligned_a.run, aligned=True).first()
    body = api.get(f"/api/v1/beneficiaries/{result.beneficiary_id}/").json()
    assert body["id"] == result.beneficiary_id
    record = AccessRecord.objects.filter(client_id=partner_a.client_id).latest("id")
    assert record.beneficiary_ids == [result.beneficiary_id]
    assert record.entity_id == entity_a.pk
    assert record.purpose == "api beneficiary"


def test_the_roster_row_renders_as_drf_would(partner_a, aligned_a) -> None:
    """RosterRowSerializer renders from its declared fields without DRF's per-call copies;
    the rendering must be DRF's own, nulls, dates and time zones included."""
    import datetime as dt

    from rest_framework import serializers

    from partners.api.serializers import RosterRowSerializer
    from partners.authentication import ClientPrincipal
    from partners.roster import roster_extras, roster_rows

    principal = ClientPrincipal(partner_a)
    rows = roster_rows(principal=principal, status=None, limit=30)
    assert len(rows) == 30
    rows[0].beneficiary.birth_date = None
    rows[1].beneficiary.death_date = dt.date(2025, 7, 4)
    rows[2].beneficiary.updated_at = dt.datetime(2025, 1, 2, 3, 4, 5, 678, tzinfo=dt.UTC)
    context = {
        "periods": {row.run_id: row.period for row in rows},
        "extras": roster_extras(principal=principal, results=rows),
    }
    for row in rows:
        fast = RosterRowSerializer(row, context=context).data
        drf = serializers.Serializer.to_representation(
            RosterRowSerializer(row, context=context), row
        )
        assert fast == dict(drf)
        assert list(fast) == list(drf)
    assert RosterRowSerializer(rows[2], context=context).data["updated_at"] == (
        "2025-01-01T22:04:05.000678-05:00"  # in the site's time zone, as DRF gives it
    )


def test_search_finds_beneficiaries_by_mbi_in_the_body(partner_a, api_for, aligned_a) -> None:
    api = api_for(partner_a, scope="beneficiaries:read")
    result = (
        AlignmentResult.objects.filter(run=aligned_a.run, aligned=True)
        .select_related("beneficiary")
        .first()
    )
    mbi = result.beneficiary.current_mbi
    response = api.post(
        "/api/v1/beneficiaries/search",
        {"mbis": [f"{mbi[:4]}-{mbi[4:7]}-{mbi[7:]}", "1EG4TE5MK73"]},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [r["id"] for r in body["results"]] == [result.beneficiary_id]
    assert body["not_found"] == 1


def test_search_refuses_something_that_is_not_an_mbi_naming_its_position(
    partner_a, api_for, aligned_a
) -> None:
    api = api_for(partner_a, scope="beneficiaries:read")
    response = api.post(
        "/api/v1/beneficiaries/search",
        {"mbis": ["1EG4TE5MK73", "hello"]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["pointer"] == "#/mbis/1"


def test_a_tin_limited_client_sees_only_its_tins_beneficiaries(
    register, entity_a, rsa_signer, api_for, aligned_a
) -> None:
    tin = aligned_a.tins[0]
    client = register(entity_a, rsa_signer.public_pem(), name="One practice", tins=[tin])
    api = api_for(client, scope="beneficiaries:read")
    rows = api.get("/api/v1/beneficiaries/?page_size=500").json()["results"]
    assert rows
    assert {r["attributed_provider"]["tin"] for r in rows} == {tin}
    elsewhere = (
        AlignmentResult.objects.filter(run=aligned_a.run, aligned=True)
        .exclude(attributed_tin=tin)
        .first()
    )
    assert api.get(f"/api/v1/beneficiaries/{elsewhere.beneficiary_id}/").status_code == 404


def test_alignment_runs_and_their_changes(partner_a, api_for, aligned_a) -> None:
    api = api_for(partner_a, scope="alignment:read")
    runs = api.get("/api/v1/alignment-runs/").json()["results"]
    assert [r["id"] for r in runs] == [aligned_a.run.pk]
    changes = api.get(f"/api/v1/alignment-runs/{aligned_a.run.pk}/changes/").json()
    assert changes["results"] == [] or {c["change"] for c in changes["results"]} <= {
        "new",
        "changed",
        "dropped",
    }


def test_changed_since_takes_any_iso_offset_and_names_a_bad_value(
    partner_a, api_for, aligned_a
) -> None:
    # ISO 8601 allows offsets PostgreSQL does not (over 15:59): the filter works in UTC.
    api = api_for(partner_a, scope="beneficiaries:read")
    far = api.get("/api/v1/beneficiaries/", {"changed_since": "2000-01-01T00:00:00+17:33"})
    assert far.status_code == 200, far.content
    assert far.json()["results"]
    naive = api.get("/api/v1/beneficiaries/", {"changed_since": "2026-01-01T00:00:00"})
    assert naive.status_code == 400
    assert naive.json()["errors"][0]["pointer"] == "#/changed_since"
