"""A beneficiary who declined data sharing, over the partner API, the FHIR export and the CSV
exports: their alignment is carried, nothing derived from their claims is (42 CFR 425.708)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from alignment.models import AlignmentResult
from benchmarks.models import RiskScore
from beneficiaries.models import Beneficiary
from care.exports import export_path
from care.models import CareGap, CareProfile, WorklistItem
from datasharing.services import data_sharing_file_load
from jobs.models import Job

pytestmark = pytest.mark.django_db
EXPORT_HEADERS = {"HTTP_ACCEPT": "application/fhir+json", "HTTP_PREFER": "respond-async"}


def _aligned(run) -> list[AlignmentResult]:
    return list(
        AlignmentResult.objects.filter(run=run, aligned=True)
        .exclude(attributed_tin="")
        .order_by("beneficiary_id")[:2]
    )


@pytest.fixture
def declined(aligned_a, entity_a):
    """Two aligned beneficiaries with gaps, a risk score and tasks from claims; the first
    declined data sharing from 1 January 2026 (status file of 28 February 2026)."""
    out, shared = _aligned(aligned_a.run)
    for row in (out, shared):
        CareGap.objects.create(
            entity=entity_a, beneficiary_id=row.beneficiary_id, gap="awv",
            label="Annual wellness visit", detail="No G0438/G0439 on claims", as_of=dt.date(2026, 3, 31),
        )  # fmt: skip
        RiskScore.objects.create(
            entity=entity_a, beneficiary_id=row.beneficiary_id, payment_year=2026,
            model_family="cms_hcc", segment="CNA", raw_score=Decimal("1.234"),
            demographic_score=Decimal("0.4"), blend={"V28": "1"}, diagnosis_year=2025,
            diagnoses_through=dt.date(2025, 12, 31),
        )  # fmt: skip
        WorklistItem.objects.create(
            entity=entity_a, beneficiary_id=row.beneficiary_id, kind="awv_due",
            source_key=f"awv:{row.beneficiary_id}:2026", title="Annual wellness visit due",
        )  # fmt: skip
        # As a care refresh before the file arrived left it: counts from claims.
        CareProfile.objects.create(
            beneficiary_id=row.beneficiary_id, entity=entity_a, as_of=dt.date(2026, 3, 31),
            open_gap_count=1, ed_visits_12m=2, last_ed_visit=dt.date(2026, 2, 2), aligned=True,
            attributed_tin=row.attributed_tin, attributed_npi=row.attributed_npi,
        )  # fmt: skip
    WorklistItem.objects.create(
        entity=entity_a, beneficiary_id=out.beneficiary_id, kind="manual", title="Call about a ride"
    )
    mbi = Beneficiary.objects.get(pk=out.beneficiary_id).current_mbi
    data_sharing_file_load(
        entity=entity_a,
        kind="mssp_status",
        content=f"MBI_ID,DATA_SHARING_PREF,SUPPRESSION_STATUS,EFCTV_DT\n{mbi},N,,2026-01-01\n".encode(),
        name="P.A9001.ACO.BDSS.D260228.csv",
        file_date=dt.date(2026, 2, 28),
    )
    return out, shared


def test_the_api_carries_their_alignment_and_nothing_from_their_claims(
    partner_a, api_for, declined
) -> None:
    out, shared = declined
    api = api_for(partner_a, scope="beneficiaries:read gaps:read worklist:read")
    row = api.get(f"/api/v1/beneficiaries/{out.beneficiary_id}/")
    assert row.status_code == 200, row.content
    body = row.json()
    assert body["attributed_provider"]["tin"] == out.attributed_tin
    assert body["open_gaps"] == []
    assert body["risk_score"] is None
    other = api.get(f"/api/v1/beneficiaries/{shared.beneficiary_id}/").json()
    assert [g["gap"] for g in other["open_gaps"]] == ["awv"]
    assert other["risk_score"]["raw_score"] == "1.234000"
    # The roster lists them as aligned, without gaps or risk.
    listed = {r["id"]: r for r in api.get("/api/v1/beneficiaries/?page_size=500").json()["results"]}
    assert listed[out.beneficiary_id]["open_gaps"] == []
    gaps = api.get("/api/v1/care-gaps/?page_size=500").json()["results"]
    assert {g["beneficiary"] for g in gaps} == {shared.beneficiary_id}
    items = api.get("/api/v1/worklist-items/?page_size=500").json()["results"]
    assert sorted((i["beneficiary"], i["kind"]) for i in items) == sorted(
        [(out.beneficiary_id, "manual"), (shared.beneficiary_id, "awv_due")]
    )


def test_the_fhir_export_carries_their_alignment_and_nothing_from_their_claims(
    partner_a, api_for, declined, entity_a, django_capture_on_commit_callbacks
) -> None:
    out, _ = declined
    api = api_for(partner_a)
    with django_capture_on_commit_callbacks(execute=True):
        kick = api.get(f"/fhir/Group/{entity_a.cms_id}/$export", **EXPORT_HEADERS)
    assert kick.status_code == 202, kick.content
    manifest = api.get(kick["Content-Location"]).json()
    by_type = {}
    for output in manifest["output"]:
        lines = b"".join(api.get(output["url"]).streaming_content).decode().splitlines()
        by_type[output["type"]] = [json.loads(line) for line in lines]
    # The resource types are those of the attribution list: no claim, no condition, no score.
    assert set(by_type) == {"Group", "Patient", "Coverage", "Practitioner", "Organization"}
    patient = f"Patient/{out.beneficiary_id}"
    (member,) = [m for m in by_type["Group"][0]["member"] if m["entity"]["reference"] == patient]
    assert member["period"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert any(p["id"] == str(out.beneficiary_id) for p in by_type["Patient"])
    text = json.dumps(by_type)
    assert "1.234" not in text
    assert "wellness" not in text.lower()


def test_the_csv_exports_carry_their_alignment_and_nothing_from_their_claims(
    declined, entity_a, aligned_a, aco_coordinator, login_client, tmp_path,
    django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    out, shared = declined
    client = login_client(aco_coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("care:roster_export", args=[entity_a.pk]), {"sort": "name"})
    job_id = int(response["Location"].rstrip("/").split("/")[-1])
    with export_path(Job.objects.get(pk=job_id)).open(encoding="utf-8") as handle:
        rows = {r["MBI (last 4)"]: r for r in csv.DictReader(handle)}
    tail = dict(Beneficiary.objects.values_list("pk", "current_mbi"))
    mine, theirs = rows[tail[out.beneficiary_id][-4:]], rows[tail[shared.beneficiary_id][-4:]]
    assert mine["Alignment"] == f"TIN {out.attributed_tin}"
    assert (mine["Open gaps"], mine["Last ED visit"]) == ("withheld by CMS", "withheld by CMS")
    assert (theirs["Open gaps"], theirs["Last ED visit"]) == ("1", "2026-02-02")
    # The alignment export: their row and attribution, not the allowed charges from claims.
    target = tmp_path / "alignment.csv"
    call_command(
        "export_alignment", "--entity", entity_a.cms_id, "--year", "2025", "--out", str(target),
        "--run", str(aligned_a.run.pk),
    )  # fmt: skip
    mbi_out = Beneficiary.objects.get(pk=out.beneficiary_id).current_mbi
    mbi_shared = Beneficiary.objects.get(pk=shared.beneficiary_id).current_mbi
    with target.open() as handle:
        exported = {r["mbi"]: r for r in csv.DictReader(handle)}
    assert exported[mbi_out]["aligned"] == "true"
    assert exported[mbi_out]["attributed_tin"] == out.attributed_tin
    assert exported[mbi_out]["entity_allowed"] == ""
    assert exported[mbi_shared]["entity_allowed"] == str(shared.entity_allowed)


def test_a_run_keeps_them_on_the_api_and_the_export_when_the_engine_finds_no_service(
    partner_a, api_for, aligned_a, entity_a, tmp_path, django_capture_on_commit_callbacks
) -> None:
    """Someone who declined data sharing has no claims in CCLF: the engine finds no service
    for them. With CMS's list assigning them, the next run keeps them; the API, the FHIR Group
    and the alignment export carry that alignment, and nothing from claims."""
    from alignment.services.runs import alignment_run_create
    from cmslists.services import cms_list_load

    row = (
        AlignmentResult.objects.filter(
            run=aligned_a.run, aligned=False, reason="no_primary_care_service"
        )
        .select_related("beneficiary")
        .order_by("beneficiary_id")
        .first()
    )
    bene = row.beneficiary
    stem = "P.A9001.ACO.QALR.2025Q4.D259999.T0200000"
    cms_list_load(
        entity=entity_a,
        kind="mssp_quarterly",
        performance_year=2025,
        period=4,
        list_date=dt.date(2025, 11, 14),
        files=[
            (f"{stem}_1-1.csv", f"BENE_MBI_ID,EXCLUDED\n{bene.current_mbi},0\n".encode()),
            (
                f"{stem}_1-2.csv",
                f"BENE_MBI_ID,MASTER_ID,B_EM_LINE_CNT_T\n{bene.current_mbi},{aligned_a.tins[0]},2\n".encode(),
            ),
        ],
    )
    data_sharing_file_load(
        entity=entity_a,
        kind="mssp_status",
        content=f"MBI_ID,DATA_SHARING_PREF,SUPPRESSION_STATUS,EFCTV_DT\n{bene.current_mbi},N,,2025-06-01\n".encode(),
        name="P.A9001.ACO.BDSS.D251120.csv",
        file_date=dt.date(2025, 11, 20),
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = alignment_run_create(
            entity=entity_a, performance_year=2025, list_kind="final", as_of=dt.date(2026, 3, 31)
        )
    kept = AlignmentResult.objects.get(run=run, beneficiary=bene)
    assert (kept.aligned, kept.step, kept.attributed_tin) == (True, "cms_list", aligned_a.tins[0])

    api = api_for(partner_a, scope="beneficiaries:read gaps:read worklist:read")
    body = api.get(f"/api/v1/beneficiaries/{bene.pk}/").json()
    assert body["attributed_provider"]["tin"] == aligned_a.tins[0]
    assert (body["risk_score"], body["open_gaps"]) == (None, [])
    # The FHIR attribution Group (CMS's list is the roster of record) has them as a member.
    group = api_for(partner_a).get(f"/fhir/Group/{entity_a.cms_id}").json()
    members = {m["entity"]["reference"] for m in group["member"]}
    assert f"Patient/{bene.pk}" in members

    target = tmp_path / "alignment.csv"
    call_command(
        "export_alignment", "--entity", entity_a.cms_id, "--year", "2025", "--out", str(target),
        "--run", str(run.pk),
    )  # fmt: skip
    with target.open() as handle:
        exported = {r["mbi"]: r for r in csv.DictReader(handle)}
    assert exported[bene.current_mbi]["aligned"] == "true"
    assert exported[bene.current_mbi]["step"] == "cms_list"
    assert exported[bene.current_mbi]["entity_allowed"] == ""
