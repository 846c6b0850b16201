"""Demo lead specialists: one run per demo entity over its aligned population, as of the date
its claims reach, so that the entity page, the practice rosters and the specialist Groups have
data. Idempotent: an entity with a succeeded run is left alone."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from core.api import ApplicationError
from entities.models import Entity
from specialists.models import LeadSpecialistRun, RunStatus
from specialists.services import lead_run_create


def load(*, entities: dict[str, Entity], stdout: Any) -> None:
    previous = settings.JOBS_DISPATCH
    # Run the job here, to the end, as the alignment demo does.
    settings.JOBS_DISPATCH = "sync"
    try:
        for entity in entities.values():
            if LeadSpecialistRun.objects.filter(entity=entity, status=RunStatus.SUCCEEDED).exists():
                continue
            try:
                run = lead_run_create(entity=entity, acting_user=None)
            except ApplicationError as exc:
                stdout.write(f"  {entity.cms_id}: no lead-specialist run: {exc.message}")
                continue
            run.refresh_from_db()
            stdout.write(
                f"  {entity.cms_id}: lead specialists as of {run.as_of:%Y-%m-%d}, "
                f"{run.get_status_display().lower()}: {run.attributed_count} of "
                f"{run.population_count} aligned beneficiaries have one"
            )
    finally:
        settings.JOBS_DISPATCH = previous
