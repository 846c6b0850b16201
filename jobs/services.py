"""Writes on jobs: enqueue, execute (claim, run, finish) and recover orphans.

Delivery is at-least-once (Celery with acks_late, redelivery on a lost worker, and the orphan
sweep); the effect is exactly-once because a job runs only while its runner holds the job's
PostgreSQL advisory lock, only while the row is still queued or running, and because every
handler's effect is all-or-nothing and idempotent.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from core.rls import ALL, entity_scope
from jobs.models import ACTIVE_STATES, Job, JobState, parameters_key
from jobs.registry import get_handler

logger = logging.getLogger(__name__)

# The advisory-lock key space of jobs: one bigint per job id, away from other users of locks.
_LOCK_NAMESPACE = 0x4A4F42 << 32


def job_enqueue(
    *, kind: str, entity: Any = None, parameters: dict[str, Any] | None = None, user: Any = None
) -> Job:
    """Create a job and deliver it once the surrounding transaction commits.

    When the same job (entity, kind, parameters) is already queued or running, that job is
    returned instead of a second one.
    """
    get_handler(kind)  # an unknown kind fails here, in the caller, not later in a worker
    parameters = parameters or {}
    key = parameters_key(parameters)
    active = Job.objects.filter(
        entity=entity, kind=kind, parameters_key=key, state__in=ACTIVE_STATES
    )
    with transaction.atomic():
        existing = active.first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                job = Job.objects.create(
                    entity=entity,
                    kind=kind,
                    parameters=parameters,
                    created_by=user if getattr(user, "is_authenticated", False) else None,
                )
        except IntegrityError:
            # Someone enqueued the same job between our read and our insert.
            return active.get()
        transaction.on_commit(lambda: job_dispatch(job_id=job.pk))
    logger.info("job %s queued: %s", job.pk, kind)
    return job


def job_dispatch(*, job_id: int) -> None:
    """Hand a job to its runner: a Celery worker, a thread of this process, or this very call."""
    mode = settings.JOBS_DISPATCH
    if mode == "celery":
        from jobs.tasks import run_job

        run_job.apply_async(args=(job_id,), queue=settings.JOBS_QUEUE)
    elif mode == "thread":
        threading.Thread(
            target=_run_in_thread, args=(job_id,), daemon=True, name=f"job-{job_id}"
        ).start()
    else:
        job_execute(job_id=job_id)


def _run_in_thread(job_id: int) -> None:
    from django.db import connections

    try:
        job_execute(job_id=job_id)
    except Exception:
        logger.exception("job %s failed in its thread", job_id)
        job_mark_failed(job_id=job_id, error="The job stopped on an unexpected error.")
    finally:
        connections.close_all()


@contextmanager
def _job_lock(job_id: int) -> Iterator[bool]:
    """Hold the job's advisory lock for the run; yields False when a live runner holds it.

    PostgreSQL releases the lock when the holder's connection ends, so a killed worker's job
    becomes claimable at once. SQLite has no such lock; there jobs run in this process only.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    key = _LOCK_NAMESPACE + job_id
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [key])


def job_lock_is_free(*, job_id: int) -> bool:
    if connection.vendor != "postgresql":
        return True
    with _job_lock(job_id) as acquired:
        return acquired


class _ProgressReporter:
    """The `progress(percent, message)` a handler reports through. Remembers whether the last
    report was the finish (100%), so that a job that succeeds without saying so does not keep the
    message of a step it has left ("Reading the claims ..." under "Succeeded")."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.depth = len(connection.atomic_blocks)
        self.finished = False

    def __call__(self, percent: int, message: str = "") -> None:
        progress = max(0, min(int(percent), 100))
        self.finished = progress == 100
        values = {"progress": progress, "message": message[:500], "updated_at": timezone.now()}
        if len(connection.atomic_blocks) > self.depth and connection.vendor == "postgresql":
            # Inside a transaction of the handler (a CCLF load is one), a write on this
            # connection would show only at its commit, and hold the job's row until then:
            # the progress goes out on a connection of its own.
            writer = threading.Thread(target=_progress_elsewhere, args=(self.job_id, values))
            writer.start()
            writer.join()
            return
        Job.objects.filter(pk=self.job_id).update(**values)


def _progress_elsewhere(job_id: int, values: dict[str, Any]) -> None:
    from django.db import connections

    try:
        with transaction.atomic():
            # A row another transaction holds is skipped (the next report will say more).
            if Job.objects.select_for_update(skip_locked=True).filter(pk=job_id).exists():
                Job.objects.filter(pk=job_id).update(**values)
    finally:
        connections.close_all()


def job_execute(*, job_id: int) -> None:
    """Claim the job, run its handler, and record how it ended.

    Returns without doing anything when another live runner holds the job or it has already
    ended. Transient database errors propagate so that the Celery task retries with backoff;
    any other error fails the job with its message.
    """
    from jobs.tasks import TRANSIENT_ERRORS

    with _job_lock(job_id) as acquired:
        if not acquired:
            logger.info("job %s is held by a live runner; skipping this delivery", job_id)
            return
        claimed = Job.objects.filter(pk=job_id, state__in=ACTIVE_STATES).update(
            state=JobState.RUNNING,
            attempts=F("attempts") + 1,
            started_at=timezone.now(),
            updated_at=timezone.now(),
        )
        if not claimed:
            return
        job = Job.objects.get(pk=job_id)
        logger.info("job %s running: %s (attempt %s)", job.pk, job.kind, job.attempts)
        report = _ProgressReporter(job.pk)
        try:
            # The handler sees the rows of the job's entity only (a platform job: every entity).
            with entity_scope([job.entity_id] if job.entity_id else ALL):
                result = get_handler(job.kind)(job, report)
        except TRANSIENT_ERRORS:
            raise
        except Exception as exc:
            logger.exception("job %s failed", job.pk)
            job_mark_failed(job_id=job.pk, error=str(exc) or exc.__class__.__name__)
            return
        finish = {} if report.finished else {"message": ""}  # a step's message, now past
        Job.objects.filter(pk=job.pk).update(
            state=JobState.SUCCEEDED,
            progress=100,
            **finish,
            result=result or {},
            error="",
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        logger.info("job %s succeeded", job.pk)
        _announce_success(job, result or {})


def _announce_success(job: Job, result: dict[str, Any]) -> None:
    """Send `job_succeeded`; a receiver's failure is logged, the job stays succeeded."""
    from jobs.signals import job_succeeded

    for receiver, response in job_succeeded.send_robust(sender=job.kind, job=job, result=result):
        if isinstance(response, Exception):
            logger.error(
                "job %s: a follow-up (%s) failed: %s",
                job.pk,
                getattr(receiver, "__qualname__", receiver),
                response,
            )


def job_mark_failed(*, job_id: int, error: str) -> None:
    Job.objects.filter(pk=job_id, state__in=ACTIVE_STATES).update(
        state=JobState.FAILED,
        error=error[:5000],
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def job_requeue_orphans(*, queued_older_than: timedelta = timedelta(minutes=10)) -> list[int]:
    """Deliver again every job that no live runner holds: running jobs whose runner died, and
    queued jobs whose message was lost. A duplicate delivery is harmless (see job_execute)."""
    now = timezone.now()
    candidates = Job.objects.filter(state=JobState.RUNNING) | Job.objects.filter(
        state=JobState.QUEUED, created_at__lt=now - queued_older_than
    )
    requeued = []
    for job_id in candidates.values_list("pk", flat=True):
        if job_lock_is_free(job_id=job_id):
            transaction.on_commit(partial(job_dispatch, job_id=job_id))
            requeued.append(job_id)
    if requeued:
        logger.warning("requeued orphaned jobs: %s", requeued)
    return requeued


def job_retry_delay(retries: int) -> timedelta:
    """Exponential backoff for transient errors: 2, 4, 8, ... seconds, at most 5 minutes."""
    return timedelta(seconds=min(2 ** (retries + 1), 300))
