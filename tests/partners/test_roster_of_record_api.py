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
