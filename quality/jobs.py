"""Job handlers of the quality app."""

from __future__ import annotations

from typing import Any

from jobs.registry import Progress, job_handler


@job_handler("quality.compute")
def compute(job: Any, progress: Progress) -> dict[str, Any] | None:
    """Compute the entity's claims-based quality measures for a performance year, as of the
    claims data date."""
    from quality.services import measures_compute

    return measures_compute(
        entity=job.entity,
        performance_year=int(job.parameters["performance_year"]),
        progress=progress,
        job=job,
        acting_user=job.created_by,
    )
