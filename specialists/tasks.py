"""Celery entry points of the specialists app (scheduled in CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def quarterly() -> None:
    """Queue the lead-specialist runs whose quarter has come (specialists.services)."""
    from specialists.services import lead_runs_due

    lead_runs_due()
