"""Job handlers of the care app."""

from __future__ import annotations

from datetime import date
from typing import Any

from jobs.registry import Progress, job_handler


@job_handler("care.refresh")
def refresh(job: Any, progress: Progress) -> dict[str, Any] | None:
    """Recompute care gaps, profiles and generated worklist items from claims."""
    from care.services import care_refresh

    # Without a date: the claims' own date (care_refresh's default).
    given = job.parameters.get("as_of")
    as_of = date.fromisoformat(given) if given else None
    return care_refresh(
        entity=job.entity, as_of=as_of, progress=progress, acting_user=job.created_by
    )


@job_handler("care.roster_export")
def roster_export(job: Any, progress: Progress) -> dict[str, Any] | None:
    """Write the roster CSV (filters from the job's parameters) and record the export."""
    from care.exports import roster_export_write

    return roster_export_write(job=job, progress=progress)


@job_handler("care.monthly_cycle")
def monthly_cycle(job: Any, progress: Progress) -> dict[str, Any] | None:
    """After a load: alignment projection, risk scores, care refresh, settlement projection
    (care.cycle), each step kept once done."""
    from care.cycle import monthly_cycle_run

    return monthly_cycle_run(job=job, progress=progress)
