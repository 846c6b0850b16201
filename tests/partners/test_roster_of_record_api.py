"""The roster of record through the partner API: the REST roster labels each row with its
source and date, and the FHIR attribution Group takes CMS's list's members when CMS's list is
the roster of record; another entity's client sees none of it."""

from __future__ import annotations

import datetime as dt

import pytest
from fhir.resources.R4B import get_fhir_model_class

from alignment.models import AlignmentResult
from beneficiaries.models import Beneficiary
from cmslists.services import cms_list_load

pytestmark = pytest.mark.django_db
H11 = "BENE_MBI_ID,BENE_LAST_NAME,EXCLUDED,GHP_EXCLUDED"


def _load(entity, assigned, excluded):
    rows = [f"{m},X,0,0" for m in assigned] + [f"{m},X,1,1" for m in excluded]
    cms_list_load(
        entity=entity,
        kind="mssp_quarterly",
        performance_year=2025,
        period=4,
        list_date=dt.date(2025, 11, 14),
        files=[
            (
                "P.A9001.ACO.QALR.2025Q4.D259999.T0200000_1-1.csv",
                ("\n".join([H11, *rows]) + "\n").encode(),
            )
        ],
    )


def test_api_and_fhir_group_follow_the_cms_list(
    partner_a, partner_b, api_for, aligned_a, entity_a
) -> None:
    aligned = list(
        AlignmentResult.objects.filter(run=aligned_a.run, aligned=True)
        .order_by("beneficiary_id")
        .values_list("beneficiary_id", "beneficiary__current_mbi")
    )
    api = api_for(partner_a, scope="beneficiaries:read system/Group.read")
    before = api.get(f"/api/v1/beneficiaries/{aligned[0][0]}/").json()["alignment"]["roster"]
    assert before["source"] == "platform_projection"
    assert before["as_of"] == "2026-03-31"
    assert before["on_roster"] is True
    # CMS assigns the first two the run aligned and one person CCLF never carried; it excludes
    # the third (a Medicare health plan month).
    _load(entity_a, [aligned[0][1], aligned[1][1], "1AC0AC0AA77"], [aligned[2][1]])
    listed = api.get(f"/api/v1/beneficiaries/{aligned[0][0]}/").json()["alignment"]["roster"]
    assert listed["source"] == "cms_list"
    assert listed["as_of"] == "2025-11-14"
    assert listed["on_roster"] is True
    dropped = api.get(f"/api/v1/beneficiaries/{aligned[2][0]}/").json()["alignment"]["roster"]
    assert dropped["on_roster"] is False

    group = api.get(f"/fhir/Group/{entity_a.cms_id}").json()
    get_fhir_model_class("Group").model_validate(group)
    newcomer = Beneficiary.objects.get(entity=entity_a, current_mbi="1AC0AC0AA77").pk
    members = {int(m["entity"]["reference"].split("/")[1]) for m in group["member"]}
    assert members == {aligned[0][0], aligned[1][0], newcomer}
    assert group["quantity"] == 3
    assert "source: CMS list" in group["name"]
    assert {"system": "urn:openvbc:roster-source", "code": "cms_list"} in group["meta"]["tag"]
    assert group["member"][0]["period"] == {"start": "2025-01-01", "end": "2025-12-31"}
    # Entity B's client: entity A's Group is not found.
    other = api_for(partner_b, scope="system/Group.read")
    assert other.get(f"/fhir/Group/{entity_a.cms_id}").status_code == 404


REACH_HEADER = "BENE_MBI_ID,ALGN_STATUS,EXCLUSION_REASON,VA_FLAG,VA_NPI"


def test_rest_roster_carries_the_list_only_beneficiaries(
    partner_a, partner_b, api_for, aligned_a, aligned_b, entity_a, entity_b
) -> None:
    """A beneficiary on CMS's list with no row in the platform's run is on the REST roster, as
    on the FHIR Group: aligned by the list, `source: cms_list` with the list's date, in every
    page of a cursor walk exactly once and on its own detail; another entity's list-only
    beneficiary is not."""
    from partners.authentication import ClientPrincipal
    from partners.roster import roster_rows, roster_rows_orm

    first = (
        AlignmentResult.objects.filter(run=aligned_a.run, aligned=True)
        .order_by("beneficiary_id")
        .values_list("beneficiary__current_mbi", flat=True)
    )
    _load(entity_a, [first[0], "1AC0AC0AA77"], [])
    cms_list_load(
        entity=entity_b,
        kind="reach_prospective",
        performance_year=aligned_b.run.performance_year,
        list_date=dt.date(2025, 1, 10),
        files=[
            ("P.D9002.BAR.PROSPECTIVE.D259999.csv", f"{REACH_HEADER}\n1AC0AC0AD77,A,,0,\n".encode())
        ],
    )
    newcomer = Beneficiary.objects.get(entity=entity_a, current_mbi="1AC0AC0AA77").pk
    other = Beneficiary.objects.get(entity=entity_b, current_mbi="1AC0AC0AD77").pk

    api = api_for(partner_a, scope="beneficiaries:read")
    seen, url = [], "/api/v1/beneficiaries/?page_size=20"
    while url:
        body = api.get(url).json()
        seen += body["results"]
        url = body["next"]
    ids = [row["id"] for row in seen]
    aligned = AlignmentResult.objects.filter(run=aligned_a.run, aligned=True).count()
    assert len(ids) == len(set(ids)) == aligned + 1
    assert newcomer in ids
    assert other not in ids
    row = api.get(f"/api/v1/beneficiaries/{newcomer}/").json()
    assert row == next(r for r in seen if r["id"] == newcomer)
    assert row["mbi"] == "1AC0AC0AA77"
    alignment = row["alignment"]
    assert (alignment["status"], alignment["reason"], alignment["run"]) == (
        "aligned", "cms_list_only", None,
    )  # fmt: skip
    assert alignment["roster"]["source"] == "cms_list"
    assert alignment["roster"]["as_of"] == "2025-11-14"
    assert alignment["roster"]["on_roster"] is True
    assert alignment["period"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert api.get(f"/api/v1/beneficiaries/{other}/").status_code == 404
    # The MBI search finds the list-only beneficiary too.
    found = api.post(
        "/api/v1/beneficiaries/search", {"mbis": ["1AC0AC0AA77"]}, content_type="application/json"
    )
    assert [r["id"] for r in found.json()["results"]] == [newcomer]
    # Entity B's client sees its own list-only beneficiary, not entity A's.
    api_b = api_for(partner_b, scope="beneficiaries:read")
    assert api_b.get(f"/api/v1/beneficiaries/{newcomer}/").status_code == 404
    assert api_b.get(f"/api/v1/beneficiaries/{other}/").json()["alignment"]["reason"] == (
        "cms_list_only"
    )
    # The SQL and the ORM paths give the same rows, list-only ones included.
    principal = ClientPrincipal(partner_a)
    for case in (
        {},
        {"status": None, "offset": 1, "limit": 3},
        {"before": newcomer + 1, "limit": 2},
    ):
        shape = [
            [
                (r.beneficiary_id, r.aligned, r.attributed_tin)
                for r in fetch(principal=principal, **case)
            ]
            for fetch in (roster_rows, roster_rows_orm)
        ]
        assert shape[0] == shape[1], case
    assert newcomer in {r.beneficiary_id for r in roster_rows(principal=principal)}
