"""The monthly cycle: once a CCLF delivery (or a CMS list) has loaded, the work that depends on
it runs as one job, step after step, with one progress page:

1. alignment projection: a quarterly alignment run as of the claims' date;
2. risk scores: the payment year of the claims' date and the next one (the recapture worklist
   compares them);
3. care refresh: gaps, profiles and tasks as of the claims' date;
4. settlement projection: the latest projection of the year again, with the same choices
   (track, minimum savings rate, report figures) on the new months of claims; skipped, with
   the reason, when the year has no projection to take its choices from (the rules are not
   ours to guess).

Each step commits its own work and is recorded on the job (`result["steps"]`) as soon as it is
done, so a failure stops the chain with the step's message and loses nothing already done; a
redelivered job skips the steps it already finished.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from core.api import ApplicationError

logger = logging.getLogger(__name__)

CYCLE_KIND = "care.monthly_cycle"
# Loads after which the cycle runs (job kinds); the load commands (`load_cclf`,
# `load_cms_list`) queue it themselves (cycle_enqueue).
CYCLE_TRIGGERS = {"claims.load_delivery", "cmslists.load"}
STEPS = (
    ("alignment", "Alignment projection"),
    ("risk", "Risk scores"),
    ("care", "Care refresh"),
    ("settlement", "Settlement projection"),
)
ALIGNMENT_WAIT_SECONDS = 600


def cycle_enqueue(*, entity: Any, parameters: dict[str, Any], user: Any = None) -> Any:
    """Queue the monthly cycle of `entity` after a load (`parameters` say which); None when the
    entity has no claims yet (a CMS list loaded before the first delivery: the cycle would have
    nothing to run on, and runs after that delivery)."""
    from claims.selectors import claims_data_date
    from jobs.services import job_enqueue

    if claims_data_date(entity=entity) is None:
        return None
    return job_enqueue(kind=CYCLE_KIND, entity=entity, parameters=parameters, user=user)


def cycle_enqueue_after(*, job: Any, result: dict[str, Any] | None) -> Any:
    """Queue the monthly cycle of the job's entity after a load that changed its data (a
    delivery or list already loaded, or a load that was rejected, changes nothing: no cycle)."""
    if job.kind not in CYCLE_TRIGGERS or job.entity_id is None:
        return None
    result = result or {}
    if result.get("already_loaded") or result.get("created") is False:
        return None
    if result.get("status") not in (None, "loaded"):
        return None
    return cycle_enqueue(entity=job.entity, parameters={"after_job": job.pk}, user=job.created_by)


def on_load_committed(
    sender: str, *, entity: Any, parameters: dict[str, Any], **_: Any
) -> str | None:
    """`jobs.signals.load_committed` receiver: a load command (`load_cclf`, `load_cms_list`)
    queues the cycle as the load jobs do, and prints where to follow it."""
    from django.urls import reverse

    if sender not in CYCLE_TRIGGERS:
        return None
    job = cycle_enqueue(entity=entity, parameters=parameters)
    if job is None:
        return "Monthly cycle not queued: the entity has no claims loaded yet."
    return f"Monthly cycle queued as job {job.pk}; its progress: {reverse('jobs:detail', args=[job.pk])}"


def on_job_succeeded(sender: str, *, job: Any, result: dict[str, Any], **_: Any) -> None:
    """`jobs.signals.job_succeeded` receiver: queue the cycle after a load (CYCLE_TRIGGERS)."""
    if sender in CYCLE_TRIGGERS:
        cycle_enqueue_after(job=job, result=result)


def monthly_cycle_run(*, job: Any, progress: Callable[[int, str], None]) -> dict[str, Any]:
    """Run the chain's steps for the job's entity (see the module), recording each on the job."""
    from claims.selectors import claims_data_date
    from jobs.models import Job

    entity = job.entity
    if entity is None:
        raise ApplicationError("The monthly cycle runs for one entity.", {"field": "entity"})
    data_date = claims_data_date(entity=entity)
    if data_date is None:
        raise ApplicationError(
            f"Entity {entity.cms_id} has no claims loaded: nothing to run the monthly cycle on.",
            {"field": "entity"},
        )
    done: dict[str, Any] = dict((job.result or {}).get("steps") or {})
    # "done" keeps the steps' order (a JSON object's keys come back sorted from PostgreSQL).
    state: dict[str, Any] = {
        "data_date": data_date.isoformat(),
        "steps": done,
        "done": [k for k, _ in STEPS if k in done],
    }

    def record() -> None:
        # Written at once (outside any transaction of a step): what is done stays recorded.
        Job.objects.filter(pk=job.pk).update(result=state)

    runners: dict[str, Callable[..., dict[str, Any]]] = {
        "alignment": _alignment_step,
        "risk": _risk_step,
        "care": _care_step,
        "settlement": _settlement_step,
    }
    for index, (key, label) in enumerate(STEPS):
        if key in done:
            continue
        report = _step_reporter(progress, index, label)
        report(0, "starting")
        try:
            outcome = runners[key](job=job, entity=entity, data_date=data_date, progress=report)
        except Exception as exc:
            message = exc.message if isinstance(exc, ApplicationError) else str(exc)
            finished = ", ".join(dict(STEPS)[k].lower() for k in state["done"]) or "none"
            state["failed_step"] = key
            record()
            raise ApplicationError(
                f"Step {index + 1} of {len(STEPS)} ({label.lower()}) failed: "
                f"{message or exc.__class__.__name__}. Steps already done and kept: {finished}.",
                {"step": key},
            ) from exc
        done[key] = outcome
        state["done"].append(key)
        record()
    progress(100, "Done")
    return state


def _step_reporter(
    progress: Callable[[int, str], None], index: int, label: str
) -> Callable[..., None]:
    """The job's progress for step `index`: its share of 0-100 and "Step i of n, label: ..."."""
    low, high = 100 * index // len(STEPS), 100 * (index + 1) // len(STEPS)

    def report(percent: int, message: str = "") -> None:
        scaled = low + (high - low) * max(0, min(int(percent), 100)) // 100
        progress(scaled, f"Step {index + 1} of {len(STEPS)}, {label.lower()}: {message}")

    return report


def _alignment_step(
    *, job: Any, entity: Any, data_date: date, progress: Callable[..., None]
) -> dict[str, Any]:
    """A quarterly alignment run as of the claims' date, worked here to the end (its own job,
    queued by the run, shares the buckets: whoever takes a bucket computes it once)."""
    from alignment.models import AlignmentRun, RunStatus
    from alignment.services.runs import (
        alignment_run_create,
        alignment_run_prepare,
        alignment_run_reduce,
        alignment_run_start,
        alignment_run_work,
    )

    run = alignment_run_create(
        entity=entity,
        performance_year=data_date.year,
        list_kind="quarterly",
        as_of=data_date,
        acting_user=job.created_by,
    )
    started = alignment_run_start(run_id=run.pk)
    if started is not None:
        alignment_run_prepare(run=started, progress=progress)
        alignment_run_work(run_id=run.pk, progress=progress)
        alignment_run_reduce(run_id=run.pk)
    deadline = time.monotonic() + ALIGNMENT_WAIT_SECONDS
    run.refresh_from_db()
    while run.status in (RunStatus.QUEUED, RunStatus.RUNNING) and time.monotonic() < deadline:
        time.sleep(1)  # another worker is finishing the last bucket
        run.refresh_from_db()
    if run.status != RunStatus.SUCCEEDED:
        raise ApplicationError(
            f"Alignment run {run} ended {run.get_status_display().lower()}"
            + (f": {run.error}" if getattr(run, "error", "") else ""),
            {"run": run.pk},
        )
    assert isinstance(run, AlignmentRun)
    return {
        "run_id": run.pk,
        "as_of": run.as_of.isoformat(),
        "aligned": run.aligned_count,
        "of": run.beneficiary_count,
    }


def _risk_step(
    *, job: Any, entity: Any, data_date: date, progress: Callable[..., None]
) -> dict[str, Any]:
    """Risk scores of the payment year of the claims' date and of the next one."""
    from benchmarks.services.risk import risk_scores_compute

    years = {}
    for i, year in enumerate((data_date.year, data_date.year + 1)):
        progress(50 * i, f"payment year {year}")
        scored = risk_scores_compute(entity=entity, payment_year=year, job=None)
        years[str(year)] = {k: v for k, v in scored.items() if isinstance(v, int | str | float)}
    return years


def _care_step(
    *, job: Any, entity: Any, data_date: date, progress: Callable[..., None]
) -> dict[str, Any]:
    from care.services import care_refresh

    result = care_refresh(
        entity=entity, as_of=data_date, progress=progress, acting_user=job.created_by
    )
    return {
        k: result[k]
        for k in ("as_of", "care_gaps", "items_considered", "items_superseded", "warnings")
    }


def _settlement_step(
    *, job: Any, entity: Any, data_date: date, progress: Callable[..., None]
) -> dict[str, Any]:
    """The year's latest projection again, with its choices, through the last complete month
    of claims; skipped (with the reason) when no projection of the year was started as a job."""
    from benchmarks.selectors import claims_through_month
    from jobs.models import Job, JobState
    from settlement.collect import settlement_collect_projection

    year = data_date.year
    previous = (
        Job.objects.filter(
            entity=entity,
            kind="settlement.collect",
            state=JobState.SUCCEEDED,
            parameters__kind="projection",
            parameters__performance_year=year,
        )
        .order_by("-created_at", "-id")
        .first()
    )
    if previous is None:
        return {
            "skipped": (
                f"No settlement projection of {year} has been made yet: its choices (track, "
                "minimum savings rate, report figures) come from the settlement page; the "
                "monthly cycle repeats the latest one."
            )
        }
    params = previous.parameters
    through = min(claims_through_month(entity=entity, year=year), 12)
    run = settlement_collect_projection(
        entity=entity,
        performance_year=year,
        track=str(params.get("track") or ""),
        msr_mlr=str(params.get("msr_mlr") or ""),
        report_figures={k: str(v) for k, v in (params.get("report_figures") or {}).items()},
        through_month=through,
        completion_factor=str(params.get("completion_factor") or ""),
        seed=int(params.get("seed", 1)),
        acting_user=job.created_by,
        note=f"Monthly cycle: claims through {data_date:%Y-%m-%d}",
        progress=progress,
    )
    return {"run_id": run.pk, "version": run.version, "through_month": through}
