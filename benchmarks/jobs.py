"""Job kinds of the benchmarks app: recompute a benchmark, recompute risk scores, evaluate the
ACO REACH High Needs criteria.

The engines (pandas, the HCC models) are imported when a job runs, not when the job kinds are
registered: every process registers them at start-up."""

from __future__ import annotations

from typing import Any

from jobs.models import Job
from jobs.registry import Progress, job_handler


@job_handler("benchmarks.calculate")
def calculate(job: Job, progress: Progress) -> dict[str, Any]:
    """A new version of the entity's benchmark for parameters["performance_year"].

    Idempotent: a rerun after a dead worker finds the calculation this job already stored."""
    from benchmarks.models import BenchmarkCalculation
    from benchmarks.services.calculations import benchmark_calculate

    done = BenchmarkCalculation.objects.filter(job=job).first()
    if done is None:
        parameters = dict(job.parameters)
        year = int(parameters.pop("performance_year"))
        done = benchmark_calculate(
            entity=job.entity,
            performance_year=year,
            user=job.created_by,
            job=job,
            parameters=parameters,
            progress=progress,
        )
    return {"calculation_id": done.pk, "version": done.version, "total": str(done.total)}


@job_handler("benchmarks.risk_scores")
def risk_scores(job: Job, progress: Progress) -> dict[str, Any]:
    """Scores of every beneficiary of the entity for parameters["payment_year"] (replaces the
    year's scores in one transaction, so a rerun is harmless)."""
    from benchmarks.services.risk import risk_scores_compute

    return risk_scores_compute(
        entity=job.entity,
        payment_year=int(job.parameters["payment_year"]),
        job=job,
        progress=progress,
    )


@job_handler("benchmarks.high_needs")
def high_needs(job: Job, progress: Progress) -> dict[str, Any]:
    """The High Needs eligibility of the entity's roster of record at each check date of
    parameters["performance_year"], stored for the entity-type page.

    Idempotent: the runs are stored in one transaction, and a rerun after a dead worker that had
    stored them finds them by the job and returns."""
    from benchmarks.models import HighNeedsRun
    from benchmarks.services.high_needs import high_needs_compute, high_needs_job_result

    if job.entity is None:
        raise ValueError("A High Needs computation is the job of one ACO REACH entity.")
    done = list(HighNeedsRun.objects.filter(job=job).order_by("check_date"))
    if not done:
        done = high_needs_compute(
            entity=job.entity,
            performance_year=int(job.parameters["performance_year"]),
            job=job,
            user=job.created_by,
            progress=progress,
        )
    return high_needs_job_result(done)
