"""The monthly cycle (care.cycle) through a real Celery worker: after a load, alignment
projection, risk scores, care refresh and settlement projection run as one job; a failing step
stops the chain with its message and keeps the steps already done."""

from __future__ import annotations

from datetime import date

import pytest

from alignment.models import AlignmentRun, RunStatus
from benchmarks.models import RiskScore
from care.models import CareSummary
from jobs.models import Job, JobState
from jobs.services import job_enqueue
from synthetic.population import SynthConfig, generate, write
from tests.jobs.test_worker import _wait_for, start_worker  # noqa: F401 - the worker fixture

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Claims to 31 December 2025: the cycle works as of that date whatever today is.
POPULATION = SynthConfig(
    beneficiaries=80,
    claim_lines=3000,
    seed=17,
    aco_tins=8,
    aco_npis=24,
    last_day=date(2025, 12, 31),
)


def _finished(pk: int) -> Job | None:
    job = Job.objects.get(pk=pk)
    return job if job.state in (JobState.SUCCEEDED, JobState.FAILED) else None


def test_the_cycle_runs_its_steps_in_one_job_and_a_failure_keeps_what_was_done(
    start_worker,  # noqa: F811 - the fixture imported above
    entity_a,
    aco_analyst,
) -> None:
    write(generate(POPULATION), entity=entity_a)
    # A projection of 2025 was made before, with choices that no longer hold (an unknown
    # track): the cycle repeats it at step 4, which fails with that message; steps 1-3 are done
    # and kept.
    Job.objects.create(
        entity=entity_a,
        kind="settlement.collect",
        state=JobState.SUCCEEDED,
        parameters={"kind": "projection", "performance_year": 2025, "track": "ZZ"},
    )
    start_worker("cycle")
    job = job_enqueue(kind="care.monthly_cycle", entity=entity_a, user=aco_analyst)
    job = _wait_for(lambda: _finished(job.pk), 240, "the cycle to finish")
    assert job.state == JobState.FAILED
    assert job.error.startswith("Step 4 of 4 (settlement projection) failed: ")
    assert job.error.endswith(
        "Steps already done and kept: alignment projection, risk scores, care refresh."
    )
    assert job.result["done"] == ["alignment", "risk", "care"]
    assert job.result["failed_step"] == "settlement"
    steps = job.result["steps"]
    data_date = date.fromisoformat(job.result["data_date"])
    assert data_date == date(2025, 12, 31)  # the claims' last day, not today
    run = AlignmentRun.objects.get(pk=steps["alignment"]["run_id"])
    assert (run.status, run.as_of, run.list_kind) == (RunStatus.SUCCEEDED, data_date, "quarterly")
    for year in (data_date.year, data_date.year + 1):
        scored = steps["risk"][str(year)]
        # Every beneficiary is scored or listed as unscorable, and the stored scores match.
        assert scored["scored"] + scored["unscorable"] == POPULATION.beneficiaries
        stored = RiskScore.objects.filter(entity=entity_a, payment_year=year).count()
        assert stored == scored["scored"]
    assert CareSummary.objects.get(entity=entity_a).as_of == data_date
    assert steps["care"]["as_of"] == "2025-12-31"
