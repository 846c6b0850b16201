"""Care gaps and worklist items over the partner API: read, create and close items, with the
care app's rules, scopes and the caller's roster as the limit (issue 9)."""

from __future__ import annotations

import datetime as dt

import pytest

from alignment.models import AlignmentResult
from audit.models import AccessRecord
from care.models import CareGap, WorklistItem, WorklistNote
from care.services import worklist_item_create

pytestmark = pytest.mark.django_db


def aligned_ids(run, **filters) -> list[int]:
    return list(
        AlignmentResult.objects.filter(run=run, aligned=True, **filters)
        .order_by("beneficiary_id")
        .values_list("beneficiary_id", flat=True)
    )


def add_gap(entity, beneficiary_id: int, gap: str = "awv") -> CareGap:
    return CareGap.objects.create(
        entity=entity,
        beneficiary_id=beneficiary_id,
        gap=gap,
        label="Annual wellness visit" if gap == "awv" else "Colorectal cancer screening",
        detail="No qualifying code on claims",
        as_of=dt.date(2026, 3, 31),
    )


def test_care_gaps_of_the_roster_are_listed_and_shown_on_the_roster_row(
    partner_a, api_for, aligned_a, entity_a
) -> None:
    first, second = aligned_ids(aligned_a.run)[:2]
    add_gap(entity_a, first)
    add_gap(entity_a, first, "colorectal_cancer_screening")
    add_gap(entity_a, second)
    api = api_for(partner_a, scope="gaps:read beneficiaries:read")
    gaps = api.get("/api/v1/care-gaps/?page_size=2")
    assert gaps.status_code == 200, gaps.content
    body = gaps.json()
    assert [(g["beneficiary"], g["gap"]) for g in body["results"]] == [
        (first, "awv"),
        (first, "colorectal_cancer_screening"),
    ]
    assert body["next"]
    assert [g["beneficiary"] for g in api.get(body["next"]).json()["results"]] == [second]
    only_awv = api.get("/api/v1/care-gaps/?gap=awv").json()["results"]
    assert {g["beneficiary"] for g in only_awv} == {first, second}
    row = api.get(f"/api/v1/beneficiaries/{first}/").json()
    assert [(g["type"], g["gap"]) for g in row["open_gaps"]] == [
        ("care_gap", "awv"),
        ("care_gap", "colorectal_cancer_screening"),
    ]
    record = AccessRecord.objects.filter(purpose="api care gaps").latest("id")
    assert record.client_id == partner_a.client_id


def test_a_client_creates_and_closes_a_worklist_item(
    partner_a, api_for, aligned_a, entity_a, aco_admin
) -> None:
    member = aligned_ids(aligned_a.run)[0]
    api = api_for(partner_a, scope="worklist:read worklist:write")
    created = api.post(
        "/api/v1/worklist-items/",
        {"beneficiary": member, "title": "Call about the wellness visit", "due_date": "2026-04-30"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    item = created.json()
    assert (item["kind"], item["status"], item["due_date"]) == ("manual", "open", "2026-04-30")
    listed = api.get("/api/v1/worklist-items/").json()["results"]
    assert [i["id"] for i in listed] == [item["id"]]
    # Dismissing needs a reason; the problem document names the field.
    bare = api.post(
        f"/api/v1/worklist-items/{item['id']}/close/",
        {"status": "dismissed"},
        content_type="application/json",
    )
    assert bare.status_code == 400
    assert bare["Content-Type"] == "application/problem+json"
    assert bare.json()["errors"][0]["pointer"] == "#/reason"
    done = api.post(
        f"/api/v1/worklist-items/{item['id']}/close/",
        {"status": "done"},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "done"
    assert done.json()["closed_at"]
    stored = WorklistItem.objects.get(pk=item["id"])
    assert stored.status == "done"
    assert stored.beneficiary_id == member
    note = WorklistNote.objects.filter(item=stored).latest("id")
    assert (note.status_from, note.status_to) == ("open", "done")
    assert partner_a.client_id in note.text
    again = api.post(
        f"/api/v1/worklist-items/{item['id']}/close/",
        {"status": "done"},
        content_type="application/json",
    )
    assert again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    assert api.get("/api/v1/worklist-items/").json()["results"] == []
    closed = api.get("/api/v1/worklist-items/?status=done")
    assert closed.status_code == 200, closed.content
    assert [i["id"] for i in closed.json()["results"]] == [item["id"]]
    records = AccessRecord.objects.filter(client_id=partner_a.client_id, method="POST")
    assert {r.purpose for r in records} >= {
        "api worklist item created",
        "api worklist item closed",
    }


def test_worklist_writes_need_the_write_scope_and_a_roster_beneficiary(
    partner_a, api_for, aligned_a, aligned_b, entity_a
) -> None:
    member = aligned_ids(aligned_a.run)[0]
    reader = api_for(partner_a, scope="worklist:read")
    refused = reader.post(
        "/api/v1/worklist-items/",
        {"beneficiary": member, "title": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    writer = api_for(partner_a, scope="worklist:write")
    b_member = aligned_ids(aligned_b.run)[0]
    other = writer.post(
        "/api/v1/worklist-items/",
        {"beneficiary": b_member, "title": "Not mine"},
        content_type="application/json",
    )
    assert other.status_code == 400
    assert other.json()["errors"][0]["pointer"] == "#/beneficiary"
    untitled = writer.post(
        "/api/v1/worklist-items/", {"beneficiary": member}, content_type="application/json"
    )
    assert untitled.status_code == 400
    assert untitled.json()["errors"][0]["pointer"] == "#/title"
    assert not WorklistItem.objects.exists()
    bad = reader.get("/api/v1/worklist-items/?status=closed")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["pointer"] == "#/status"


def test_a_tin_limited_client_sees_only_its_tins_gaps_and_items(
    register, entity_a, rsa_signer, api_for, aligned_a, aco_admin
) -> None:
    tin = aligned_a.tins[0]
    mine = aligned_ids(aligned_a.run, attributed_tin=tin)[0]
    theirs = AlignmentResult.objects.filter(run=aligned_a.run, aligned=True).exclude(
        attributed_tin=tin
    )[0]
    for beneficiary_id in (mine, theirs.beneficiary_id):
        add_gap(entity_a, beneficiary_id)
    from beneficiaries.models import Beneficiary

    items = {
        b: worklist_item_create(
            entity=entity_a,
            beneficiary=Beneficiary.objects.get(pk=b),
            title="Follow up",
            acting_user=aco_admin,
        )
        for b in (mine, theirs.beneficiary_id)
    }
    client = register(entity_a, rsa_signer.public_pem(), name="One practice", tins=[tin])
    api = api_for(client)
    assert [g["beneficiary"] for g in api.get("/api/v1/care-gaps/").json()["results"]] == [mine]
    assert [i["id"] for i in api.get("/api/v1/worklist-items/").json()["results"]] == [
        items[mine].pk
    ]
    other = items[theirs.beneficiary_id].pk
    assert api.get(f"/api/v1/worklist-items/{other}/").status_code == 404
    closing = api.post(
        f"/api/v1/worklist-items/{other}/close/",
        {"status": "done"},
        content_type="application/json",
    )
    assert closing.status_code == 404
    assert WorklistItem.objects.get(pk=other).status == "open"
