"""ACO REACH High Needs Population eligibility, stored: a job (`benchmarks.high_needs`) reads
the roster of record, its claims and risk scores once, evaluates every check date of the
performance year (benchmarks.entity_types), and stores each check date's counts and rows with
the data they came from. The entity-type page reads what is stored.

Idempotent: each computation replaces the year's earlier one in one transaction (all or
nothing), and a job that stored its runs and then died finds them when it runs again."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from alignment.engine import high_needs as hn
from benchmarks.entity_types import HighNeedsReport, high_needs_reports
from benchmarks.models import HighNeedsResult, HighNeedsRun
from core.api import ApplicationError
from entities.models import Entity
from jobs.registry import Progress

JOB_KIND = "benchmarks.high_needs"


def high_needs_compute(
    *,
    entity: Entity,
    performance_year: int,
    job: Any = None,
    user: Any = None,
    progress: Progress | None = None,
) -> list[HighNeedsRun]:
    """Evaluate the High Needs criteria at each check date of `performance_year` (January 1,
    April 1, July 1, October 1) and store the results, replacing the year's earlier ones."""
    if entity.program.code != "reach":
        raise ApplicationError(
            f"{entity.cms_id} is not an ACO REACH entity: the High Needs Population criteria "
            "apply to ACO REACH only.",
            {"entity": entity.cms_id},
        )
    if progress is not None:
        progress(10, "Reading the roster of record, its claims and risk scores")
    reports = high_needs_reports(
        entity=entity,
        performance_year=performance_year,
        check_dates=hn.check_dates(performance_year),
    )
    if progress is not None:
        progress(80, "Storing the results")
    with transaction.atomic():
        HighNeedsRun.objects.filter(entity=entity, performance_year=performance_year).delete()
        return [_store(report, job=job, user=user) for report in reports]


def _store(report: HighNeedsReport, *, job: Any, user: Any) -> HighNeedsRun:
    run = HighNeedsRun.objects.create(
        entity=report.entity,
        performance_year=report.performance_year,
        check_date=report.check_date,
        criteria_version=str(report.criteria.get("version", ""))[:40],
        roster_label=report.roster_label[:200],
        roster_as_of=report.roster_as_of,
        claims_through=report.claims_through,
        risk_through=report.risk_through,
        population=len(report.results),
        eligible=report.eligible_count,
        counts=report.count_by_criterion(),
        job=job,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    HighNeedsResult.objects.bulk_create(
        [
            HighNeedsResult(
                run=run,
                entity=report.entity,
                beneficiary_id=r.bene_id,
                eligible=r.eligible,
                met=r.met,
                reasons=r.reasons,
                notes=r.notes,
            )
            for r in report.results
        ],
        batch_size=2000,
    )
    return run


def high_needs_job_result(runs: list[HighNeedsRun]) -> dict[str, Any]:
    """What the job records: each check date's counts."""
    return {
        "runs": [
            {
                "run_id": run.pk,
                "check_date": run.check_date.isoformat(),
                "population": run.population,
                "eligible": run.eligible,
            }
            for run in runs
        ]
    }
