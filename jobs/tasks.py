"""Celery entry points: a few lines each; the work is in jobs.services."""

from __future__ import annotations

from celery import shared_task
from celery.signals import worker_ready
from django.db import InterfaceError, OperationalError

TRANSIENT_ERRORS = (OperationalError, InterfaceError)
MAX_RETRIES = 5


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=MAX_RETRIES)
def run_job(self, job_id: int) -> None:
    from jobs.services import job_execute, job_mark_failed, job_retry_delay

    try:
        job_execute(job_id=job_id)
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= MAX_RETRIES:
            job_mark_failed(job_id=job_id, error=f"Gave up after {MAX_RETRIES} retries: {exc}")
            return
        raise self.retry(
            exc=exc, countdown=job_retry_delay(self.request.retries).total_seconds()
        ) from exc


@shared_task
def requeue_orphans() -> None:
    from jobs.services import job_requeue_orphans

    job_requeue_orphans()


@worker_ready.connect
def _requeue_on_start(**_: object) -> None:
    """A worker that starts picks up the jobs a dead worker left running."""
    from jobs.services import job_requeue_orphans

    job_requeue_orphans()
