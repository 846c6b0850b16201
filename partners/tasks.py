"""Celery entry points of the partners app (scheduled in CELERY_BEAT_SCHEDULE)."""

from __future__ import annotations

from celery import shared_task


@shared_task
def purge_expired() -> None:
    """Delete export files past their 24 hours, expired access tokens and used assertion ids."""
    from partners.services import partner_credentials_purge

    partner_credentials_purge()
