"""An alignment run through real Celery workers on the real Redis broker and PostgreSQL: a
worker killed mid-run still leaves exactly one complete result set, identical to a run that
was never interrupted."""

from __future__ import annotations

import os
import signal
from datetime import date

import pandas as pd
import pytest

from alignment.models import AlignmentBucket, AlignmentResult, AlignmentRun, RunStatus
from alignment.services.runs import alignment_run_create
from jobs.services import job_execute, job_lock_is_free
from synthetic.population import SynthConfig, generate, write
from tests.jobs.test_worker import _wait_for, start_worker  # noqa: F401 - the worker fixture

pytestmark = [pytest.mark.worker, pytest.mark.kill, pytest.mark.django_db(transaction=True)]

POPULATION = SynthConfig(beneficiaries=4000, claim_lines=240_000, seed=21, aco_tins=8, aco_npis=120)
FIELDS = [
    "beneficiary_id",
    "aligned",
    "step",
    "reason",
    "attributed_tin",
    "attributed_npi",
    "entity_allowed",
    "top_competitor",
    "competitor_allowed",
]


def _run(pk: int) -> AlignmentRun:
    return AlignmentRun.objects.get(pk=pk)


def _results(run: AlignmentRun) -> pd.DataFrame:
    return pd.DataFrame(
        list(AlignmentResult.objects.filter(run=run).order_by("beneficiary_id").values(*FIELDS))
    )


def test_a_run_whose_worker_is_killed_finishes_once_on_another_worker(
    start_worker,  # noqa: F811 - the fixture imported above
    entity_a,
    settings,
) -> None:
    write(generate(POPULATION), entity=entity_a)
    doomed = start_worker("doomed")
    run = alignment_run_create(
        entity=entity_a,
        performance_year=2025,
        list_kind="final",
        as_of=date(2026, 3, 31),
        bucket_count=24,
        workers=1,
    )
    _wait_for(lambda: _run(run.pk).buckets_done >= 3, 180, "a few buckets to finish")
    os.killpg(doomed.pid, signal.SIGKILL)  # mid-run: main process and pool child
    doomed.wait()
    killed_at = _run(run.pk)
    assert killed_at.status == RunStatus.RUNNING
    assert killed_at.buckets_done < killed_at.bucket_count
    _wait_for(
        lambda: job_lock_is_free(job_id=run.job_id), 30, "the dead worker's lock to be released"
    )

    start_worker("rescuer")
    _wait_for(lambda: not _run(run.pk).is_open, 300, "the run to finish")
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.buckets_done == run.bucket_count == 24
    assert (
        AlignmentResult.objects.filter(run=run).count()
        == POPULATION.beneficiaries
        == run.beneficiary_count
    )
    assert (
        sum(AlignmentBucket.objects.filter(run=run).values_list("beneficiary_count", flat=True))
        == POPULATION.beneficiaries
    )
    assert [e.to_status for e in run.events.all()] == ["queued", "running", "succeeded"]
    assert run.job.attempts == 2

    # The same alignment computed in this process, never interrupted, gives the same rows.
    settings.JOBS_DISPATCH = "sync"
    again = alignment_run_create(
        entity=entity_a,
        performance_year=2025,
        list_kind="final",
        as_of=date(2026, 3, 31),
        bucket_count=5,
    )
    job_execute(job_id=again.job_id)
    again.refresh_from_db()
    assert again.status == RunStatus.SUCCEEDED
    pd.testing.assert_frame_equal(_results(run), _results(again))
    assert not again.changes.exists()
