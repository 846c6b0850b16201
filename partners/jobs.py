"""Job kinds of the partners app."""

from __future__ import annotations

from typing import Any

from jobs.models import Job
from jobs.registry import Progress, job_handler


@job_handler("partners.bulk_export")
def bulk_export(job: Job, progress: Progress) -> dict[str, Any]:
    """Write a FHIR Bulk Data export of an attribution list (see partners.exports)."""
    from partners.exports import bulk_export_run

    return bulk_export_run(job, progress)
