"""Background jobs of the claims app."""

from __future__ import annotations

from typing import Any

from core.rls import bulk_write
from jobs.models import Job
from jobs.registry import Progress, job_handler


@job_handler("claims.load_delivery")
def load_delivery(job: Job, progress: Progress) -> dict[str, Any]:
    """Load the CCLF delivery at `parameters["path"]` for the job's entity. Idempotent: a
    delivery already loaded is not loaded again, and an interrupted load left nothing behind."""
    from claims.services import cclf_delivery_load

    # The load COPYs into the claims tables, which PostgreSQL refuses under row-level security:
    # it runs as the worker's own role and writes the rows of its delivery's entity only.
    with bulk_write():
        result = cclf_delivery_load(
            path=job.parameters["path"],
            entity_cms_id=job.entity.cms_id if job.entity is not None else None,
            layout_version=job.parameters.get("layout", "v38"),
            job=job,
            progress=progress,
        )
    return result.as_dict()
