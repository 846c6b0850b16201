"""Alignment job kinds. `alignment.run` coordinates a run and works on it; `alignment.work` is a
helper that works on the same run from another worker. Both are idempotent: they only ever take
pending buckets, and a run is finished once, by whoever completes the last bucket."""

from __future__ import annotations

from typing import Any

from jobs.models import Job
from jobs.registry import Progress, job_handler


def _work_and_reduce(run_id: int, progress: Progress) -> dict[str, Any]:
    from alignment.services.runs import alignment_run_reduce, alignment_run_work

    done = alignment_run_work(run_id=run_id, progress=progress)
    finished = alignment_run_reduce(run_id=run_id)
    return {"run_id": run_id, "buckets_done_here": done, "finished_run": finished}


def _failing_run(run_id: int, exc: Exception) -> None:
    from alignment.services.runs import alignment_run_fail
    from jobs.tasks import TRANSIENT_ERRORS

    if not isinstance(exc, TRANSIENT_ERRORS):
        alignment_run_fail(run_id=run_id, error=str(exc) or exc.__class__.__name__)


@job_handler("alignment.run")
def run_alignment(job: Job, progress: Progress) -> dict[str, Any] | None:
    """Start the run, prepare its snapshot and buckets, fan out helpers, then work."""
    from alignment.services.runs import alignment_run_prepare, alignment_run_start, pending_buckets
    from jobs.services import job_enqueue

    run_id = int(job.parameters["run_id"])
    run = alignment_run_start(run_id=run_id)
    if run is None:
        return {"run_id": run_id, "note": "the run had already finished"}
    try:
        alignment_run_prepare(run=run, progress=progress)
        if pending_buckets(run_id=run_id) > 1:
            for worker in range(1, max(1, int(job.parameters.get("workers", 1)))):
                job_enqueue(kind="alignment.work", entity=run.entity, parameters={"run_id": run_id, "worker": worker})
        return _work_and_reduce(run_id, progress)
    except Exception as exc:
        _failing_run(run_id, exc)
        raise


@job_handler("alignment.work")
def work_on_alignment(job: Job, progress: Progress) -> dict[str, Any] | None:
    run_id = int(job.parameters["run_id"])
    try:
        return _work_and_reduce(run_id, progress)
    except Exception as exc:
        _failing_run(run_id, exc)
        raise
