"""Job kinds of the benchmarks app: recompute a benchmark, recompute risk scores.

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
