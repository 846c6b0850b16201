"""A handler that works inside one long transaction (a CCLF load) still shows its progress to
everyone else while it runs, not only at its commit."""

from __future__ import annotations

import threading

import pytest
from django.db import connections, transaction

from jobs.models import Job, JobState
from jobs.registry import job_handler
from jobs.services import job_execute

seen: list[tuple[int, str]] = []


def _read_elsewhere(job_id: int) -> None:
    try:
        job = Job.objects.get(pk=job_id)
        seen.append((job.progress, job.message))
    finally:
        connections.close_all()


@job_handler("tests.long_transaction")
def _long_transaction(job, progress):
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).exists()  # work on the handler's connection
        progress(40, "Loading CCLF5 (file 6 of 11): 120,000 records")
        reader = threading.Thread(target=_read_elsewhere, args=(job.pk,))
        reader.start()
        reader.join()
    return {}


@pytest.mark.django_db(transaction=True)
def test_progress_reported_inside_a_transaction_is_seen_before_it_commits(entity_a) -> None:
    seen.clear()
    job = Job.objects.create(entity=entity_a, kind="tests.long_transaction", parameters={})
    job_execute(job_id=job.pk)
    assert seen == [(40, "Loading CCLF5 (file 6 of 11): 120,000 records")]
    assert Job.objects.get(pk=job.pk).state == JobState.SUCCEEDED
