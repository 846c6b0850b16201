"""Background job of the cmslists app: load an uploaded CMS list report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from jobs.models import Job
from jobs.registry import Progress, job_handler


@job_handler("cmslists.load")
def load_cms_list(job: Job, progress: Progress) -> dict[str, Any]:
    """Load the report whose files are at `parameters["paths"]` for the job's entity. Runs twice
    harmlessly: the same files are loaded once (the digest), and a failed load stored nothing."""
    from cmslists.services import cms_list_load

    params = job.parameters
    progress(10, "Reading the report's files")
    files = [(Path(p).name, Path(p).read_bytes()) for p in params["paths"]]
    progress(30, "Checking every row and loading the list")
    result = cms_list_load(
        entity=job.entity,
        kind=params["kind"],
        performance_year=int(params["performance_year"]),
        period=int(params.get("period") or 0),
        list_date=dt.date.fromisoformat(params["list_date"]),
        files=files,
        user=job.created_by,
    )
    return result.as_dict()
