"""Job kinds of the specialists app."""

from __future__ import annotations

from typing import Any

from jobs.models import Job
from jobs.registry import Progress, job_handler


@job_handler("specialists.lead_run")
def lead_run(job: Job, progress: Progress) -> dict[str, Any]:
    """Attribute the entity's aligned population to lead specialists (specialists.services)."""
    from specialists.services import lead_run_execute

    run_id = int(job.parameters["run_id"])
    progress(10, "Reading the claims of the aligned population")
    run = lead_run_execute(run_id=run_id)
    if run is None:
        return {"run_id": run_id, "note": "the run had already finished"}
    return {
        "run_id": run_id,
        "conditions": sum(v["met"] for v in run.summary.get("by_condition", {}).values()),
    }
