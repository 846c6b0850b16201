"""Celery entry points of the care app (scheduled in CELERY_BEAT_SCHEDULE): a few lines each,
the work is in the services."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def daily() -> dict[str, int]:
    """The daily work: roll the due dates over (care_due_rollover, every entity, each as of its
    own data date) and delete roster exports past their lifetime."""
    from django.utils import timezone

    from care.exports import roster_exports_expire
    from care.services import care_due_rollover
    from core.rls import ALL, entity_scope
    from entities.models import Entity

    closed = 0
    with entity_scope(ALL):
        for entity in Entity.objects.all():
            closed += care_due_rollover(entity=entity)
        # The exports' lifetime is wall-clock time: a file's age, not a figure about the data.
        expired = roster_exports_expire(now=timezone.now())
    logger.info("care daily: %s tasks rolled over, %s exports expired", closed, expired)
    return {"rolled_over": closed, "exports_expired": expired}
