"""A job page leads somewhere: every job kind a page starts has a title in words, the page it
belongs to and, once it has succeeded, what it made (quality measures, lead specialists, CMS
lists included); the way back is shown once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jobs.models import Job
from jobs.presentation import job_links, job_title


@pytest.mark.parametrize(
    ("kind", "title", "page"),
    [
        ("quality.compute", "Quality measures from claims", "quality:overview"),
        ("specialists.lead_run", "Lead-specialist attribution", "specialists:entity"),
    ],
)
def test_quality_and_specialist_jobs_lead_to_their_pages(kind: str, title: str, page: str) -> None:
    job = Job(kind=kind, entity_id=7, state="succeeded", result={"stored": True}, parameters={})
    links = job_links(job)
    assert job_title(job) == title
    url = reverse(page, args=[7])
    assert links["back"] == (links["back"][0], url) if links["back"] else False
    assert links["result"] == (links["result"][0], url) if links["result"] else False
    running = job_links(Job(kind=kind, entity_id=7, state="running", result={}, parameters={}))
    assert running["result"] is None
    assert running["back"] == links["back"]


def test_a_cms_list_load_leads_back_to_the_reconciliation() -> None:
    job = Job(kind="cmslists.load", entity_id=7, state="failed", result={}, parameters={})
    assert job_title(job) == "CMS list load"
    assert job_links(job)["back"] == (
        "Reconciliation with CMS",
        reverse("alignment:reconciliation_index"),
    )
    # Rejected: the way to upload the corrected report; loaded: the list itself.
    assert job_links(job)["result"] == (
        "Upload the corrected report",
        reverse("admin:cmslists_cmslist_upload"),
    )
    loaded = Job(kind="cmslists.load", entity_id=7, state="succeeded", parameters={},
                 result={"cms_list_id": 3, "list": "PY2025 Q1"})  # fmt: skip
    assert job_links(loaded)["result"] == (
        "See the list loaded: PY2025 Q1",
        reverse("admin:cmslists_cmslist_change", args=[3]),
    )


def test_a_delivery_load_leads_to_the_delivery_or_back_to_the_upload() -> None:
    failed = Job(kind="claims.load_delivery", entity_id=7, state="failed", result={}, parameters={})
    assert job_links(failed)["result"] == (
        "Upload a corrected delivery",
        reverse("admin:claims_delivery_upload"),
    )
    loaded = Job(kind="claims.load_delivery", entity_id=7, state="succeeded", parameters={},
                 result={"delivery_id": 5})  # fmt: skip
    assert job_links(loaded)["result"] == (
        "See the delivery loaded",
        reverse("admin:claims_delivery_change", args=[5]),
    )


@pytest.mark.django_db
def test_the_job_page_shows_the_way_back_once(
    client_a, entity_a, django_capture_on_commit_callbacks
) -> None:
    from jobs.services import job_enqueue

    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(kind="care.refresh", entity=entity_a, parameters={})
    html = client_a.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert html.count(f'href="{reverse("care:overview", args=[entity_a.pk])}"') <= 2
    assert html.count("← ") == 1


@pytest.mark.django_db
def test_a_jobs_times_read_in_the_sites_time_zone_on_its_page_and_the_home_page(
    client_a, entity_a
) -> None:
    # Stored in UTC; the site's time zone is America/New_York (EDT, UTC-4, in June): the job page
    # printed the UTC clock (14:24) while the home page printed the local one as "9:24 a.m.".
    from datetime import UTC, datetime

    started = datetime(2025, 6, 2, 14, 24, tzinfo=UTC)
    job = Job.objects.create(
        entity=entity_a, kind="care.refresh", state="succeeded", progress=100,
        parameters={}, result={}, started_at=started, finished_at=started,
    )  # fmt: skip
    Job.objects.filter(pk=job.pk).update(created_at=started)
    page = client_a.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "2025-06-02 10:24" in page
    assert "14:24" not in page
    home = client_a.get(reverse("home")).content.decode()
    assert "2025-06-02 10:24" in home
    assert "a.m." not in home


def test_a_job_no_page_owns_leads_home_instead_of_nowhere() -> None:
    for job in (
        Job(kind="jobs.demo", entity_id=None, state="succeeded", result={}, parameters={}),
        Job(kind="alignment.run", entity_id=7, state="failed", result={}, parameters={}),
    ):
        assert job_links(job)["back"] == ("Home", reverse("home")), job.kind
