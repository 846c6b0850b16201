"""Background jobs of the claims app."""

from __future__ import annotations

from typing import Any

from claims.services import cclf_delivery_load
from jobs.models import Job
from jobs.registry import Progress, job_handler


@job_handler("claims.load_delivery")
def load_delivery(job: Job, progress: Progress) -> dict[str, Any]:
    """Load the CCLF delivery at `parameters["path"]` for the job's entity. Idempotent: a
    delivery already loaded is not loaded again, and an interrupted load left nothing behind."""
    result = cclf_delivery_load(
        path=job.parameters["path"],
        entity_cms_id=job.entity.cms_id if job.entity is not None else None,
        layout_version=job.parameters.get("layout", "v38"),
        job=job,
        progress=progress,
    )
    return result.as_dict()
