"""A CMS list uploaded in the admin console and loaded by its job; a synthetic list that
matches a synthetic delivery; another entity's admin sees none of it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Role
from beneficiaries.models import Beneficiary
from cmslists.models import CmsList, CmsListBeneficiary
from jobs.models import Job, JobState
from synthetic.cclf import GeneratorConfig
from synthetic.cms_lists import generate_cms_list

pytestmark = pytest.mark.django_db


def _admin(entity: Any, make_member: Callable[..., Any]) -> Any:
    user = make_member(entity, Role.ENTITY_ADMIN)
    user.is_staff = True
    user.save()
    return user


def test_upload_loads_through_a_job_and_stays_in_its_entity(
    entity_a: Any,
    entity_b: Any,
    make_member: Callable[..., Any],
    login_client: Callable[[Any], Any],
    django_capture_on_commit_callbacks: Callable[..., Any],
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    config = GeneratorConfig(entity_id="A9001", year=2025, beneficiaries=40, seed=5)
    written = generate_cms_list(
        config, tmp_path / "lists", kind="mssp_quarterly", period=3, list_date=dt.date(2025, 8, 1)
    )
    client = login_client(_admin(entity_a, make_member))
    form = {
        "entity": entity_a.pk,
        "kind": "mssp_quarterly",
        "performance_year": 2025,
        "period": 3,
        "list_date": "2025-08-01",
        "report_files": [SimpleUploadedFile(name, content) for name, content in written.files],
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:cmslists_cmslist_upload"), form)
    assert response.status_code == 302
    job = Job.objects.get(kind="cmslists.load")
    assert job.state == JobState.SUCCEEDED, job.error
    cms_list = CmsList.objects.get()
    # The generator's own counts: the people its ground truth assigns among the delivery's 40
    # (some of them excluded for a cause CMS sees), plus max(2, 40 // 50) = 2 not in CCLF.
    assert (cms_list.assigned_count, cms_list.excluded_count) == (
        written.assigned,
        written.excluded,
    )
    assert 2 < cms_list.assigned_count + cms_list.excluded_count < 42
    reasons = set(CmsListBeneficiary.objects.values_list("reason", flat=True))
    assert {"medicare_advantage", "other_initiative", "outside_us"} <= reasons
    opted = Beneficiary.objects.filter(current_mbi__in=written.opted_out)
    assert opted.count() == 2
    # A malformed file fails the job with the file, line and column, and stores nothing.
    bad_name, bad = written.files[0]
    commas = bad.split(b"\n", 1)[0].count(b",")
    broken = bad.replace(b"\n", b"\n1AC0AC0AA0S" + b"," * commas + b"\n", 1)
    form["report_files"] = [SimpleUploadedFile(bad_name, broken)]
    form["list_date"] = "2025-08-02"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:cmslists_cmslist_upload"), form)
    failed = Job.objects.filter(kind="cmslists.load").order_by("-pk").first()
    assert failed is not None
    assert failed.state == JobState.FAILED
    assert "line 2, BENE_MBI_ID" in failed.error
    assert CmsList.objects.count() == 1
    # Its page names the error with its noun in its number and leads to the upload form.
    from tests.page_scan import problems

    job_page = client.get(reverse("jobs:detail", args=[failed.pk])).content.decode()
    assert "1 error:" in job_page
    assert f'href="{reverse("admin:cmslists_cmslist_upload")}"' in job_page
    assert problems(job_page) == []
    # Entity B's admin: no entity A in the form, A's list a 404.
    client_b = login_client(_admin(entity_b, make_member))
    page = client_b.get(reverse("admin:cmslists_cmslist_upload")).content.decode()
    assert entity_a.legal_name not in page
    change = reverse("admin:cmslists_cmslist_change", args=[cms_list.pk])
    assert client_b.get(change).status_code in (302, 404)
    assert client.get(change).status_code == 200


def test_generate_cclf_writes_a_matching_reach_report(entity_b: Any, tmp_path: Path) -> None:
    call_command(
        "generate_cclf", "--entity", "D9002", "--year", "2025", "--beneficiaries", "30",
        "--seed", "3", "--out", str(tmp_path), "--cms-list", "reach_prospective",
        "--list-date", "2025-01-15",
    )  # fmt: skip
    report = next(tmp_path.glob("P.D9002.BAR.2025.*.csv"))
    call_command(
        "load_cms_list", str(report), "--entity", "D9002", "--kind", "reach_prospective",
        "--year", "2025", "--list-date", "2025-01-15",
    )  # fmt: skip
    cms_list = CmsList.objects.get(entity=entity_b)
    # Those of the 30 the ground truth aligns, and 2 the delivery does not carry.
    assert 2 < cms_list.assigned_count + cms_list.excluded_count < 32
    assert cms_list.excluded_count >= 1
    assert cms_list.voluntary_count >= 1


def test_synthetic_list_assigns_nobody_who_died_before_the_year(tmp_path: Path) -> None:
    """A Q4 list's rolling window (October to September) still holds the services of people
    who died late in the year before; CMS lists them excluded as deceased, never assigned."""
    import csv
    import io

    config = GeneratorConfig(entity_id="A9001", year=2025, beneficiaries=60, seed=8)
    written = generate_cms_list(
        config, tmp_path, kind="mssp_quarterly", period=4, list_date=dt.date(2025, 11, 14)
    )
    rows = list(csv.DictReader(io.StringIO(written.files[0][1].decode())))
    dead = [r for r in rows if r["BENE_DEATH_DT"] and r["BENE_DEATH_DT"] < "2025-01-01"]
    # Eight died in 2024, two of them in November, inside the window (from 2024-10-01), with
    # the plurality of their primary care at the entity (the engine's rules assign them).
    assert (len(dead), sum(r["BENE_DEATH_DT"] >= "2024-10-01" for r in dead)) == (8, 2)
    assert [(r["EXCLUDED"], r["DECEASED_EXCLUDED"], r["CBA_FLAG"]) for r in dead] == [
        ("1", "1", "0")
    ] * len(dead)
    assigned = {r["BENE_MBI_ID"] for r in rows if r["EXCLUDED"] == "0"}
    assert len(assigned) == written.assigned
    table_1_2 = written.files[1][1].decode()
    assert not any(r["BENE_MBI_ID"] in table_1_2 for r in dead)
