from __future__ import annotations

import pytest
from django.urls import reverse

from jobs.models import Job, JobEffect, JobState
from jobs.registry import job_handler
from jobs.services import job_enqueue, job_execute, job_requeue_orphans

pytestmark = pytest.mark.django_db


@job_handler("tests.explodes")
def _explodes(job, progress):
    progress(10, "About to fail")
    raise ValueError("Line 12, field CLM_FROM_DT: '2024-13-01' is not a date")


def test_a_job_runs_when_its_transaction_commits_and_records_progress(
    entity_a, aco_coordinator, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(
            kind="jobs.demo",
            entity=entity_a,
            parameters={"steps": 2, "step_seconds": 0},
            user=aco_coordinator,
        )
        assert Job.objects.get(pk=job.pk).state == JobState.QUEUED
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED
    assert job.progress == 100
    assert job.attempts == 1
    # The last step's message ("Step 2 of 2") is past once the job has succeeded: not kept under
    # "Succeeded" as if it were still at that step.
    assert job.message == ""
    assert JobEffect.objects.filter(job=job).count() == 1


@job_handler("tests.says_done")
def _says_done(job, progress):
    progress(50, "Reading the claims")
    progress(100, "Already loaded: nothing to do")
    return {}


def test_a_message_the_handler_gives_at_the_finish_is_kept(
    entity_a, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(kind="tests.says_done", entity=entity_a, parameters={})
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED
    assert job.message == "Already loaded: nothing to do"


def test_it_returns_the_active_job_instead_of_queuing_the_same_job_twice(entity_a) -> None:
    first = job_enqueue(
        kind="jobs.demo", entity=entity_a, parameters={"steps": 1, "step_seconds": 0}
    )
    second = job_enqueue(
        kind="jobs.demo", entity=entity_a, parameters={"step_seconds": 0, "steps": 1}
    )
    other = job_enqueue(
        kind="jobs.demo", entity=entity_a, parameters={"steps": 2, "step_seconds": 0}
    )
    assert first.pk == second.pk
    assert other.pk != first.pk


def test_it_refuses_an_unknown_job_kind(entity_a) -> None:
    with pytest.raises(LookupError, match="no.such.kind"):
        job_enqueue(kind="no.such.kind", entity=entity_a)


def test_a_failing_handler_fails_the_job_with_its_message(
    entity_a, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(kind="tests.explodes", entity=entity_a)
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "CLM_FROM_DT" in job.error
    assert job.finished_at is not None


def test_a_finished_job_delivered_again_does_nothing(
    entity_a, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(
            kind="jobs.demo", entity=entity_a, parameters={"steps": 1, "step_seconds": 0}
        )
    job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.attempts == 1
    assert JobEffect.objects.filter(job=job).count() == 1


def test_an_orphaned_running_job_is_delivered_again_and_completes_once(
    entity_a, django_capture_on_commit_callbacks
) -> None:
    job = Job.objects.create(
        kind="jobs.demo", entity=entity_a, parameters={"steps": 1, "step_seconds": 0}
    )
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, attempts=1)  # its runner died
    with django_capture_on_commit_callbacks(execute=True):
        assert job_requeue_orphans() == [job.pk]
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED
    assert job.attempts == 2
    assert JobEffect.objects.filter(job=job).count() == 1


def test_job_page_and_api_show_state_and_progress(
    client_a, entity_a, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(
            kind="jobs.demo", entity=entity_a, parameters={"steps": 1, "step_seconds": 0}
        )
    page = client_a.get(reverse("jobs:detail", args=[job.pk]))
    assert page.status_code == 200
    assert "Succeeded" in page.content.decode()
    api = client_a.get(f"/api/v1/jobs/{job.pk}/")
    assert api.status_code == 200
    assert api.json()["state"] == "succeeded"
    assert api.json()["progress"] == 100


def test_a_user_of_another_entity_gets_404_for_the_job_page_and_api(client_b, entity_a) -> None:
    job = job_enqueue(kind="jobs.demo", entity=entity_a, parameters={"steps": 1, "step_seconds": 0})
    assert client_b.get(reverse("jobs:detail", args=[job.pk])).status_code == 404
    assert client_b.get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    listed = client_b.get("/api/v1/jobs/").json()
    assert listed["results"] == []


def test_anonymous_users_are_sent_to_the_login_page(client, entity_a) -> None:
    job = job_enqueue(kind="jobs.demo", entity=entity_a)
    response = client.get(reverse("jobs:detail", args=[job.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    # The API challenges for a bearer token instead (RFC 6750; issue 18).
    api = client.get("/api/v1/jobs/")
    assert api.status_code == 401
    assert api["WWW-Authenticate"].startswith("Bearer")
