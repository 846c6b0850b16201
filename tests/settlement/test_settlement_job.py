"""The settlement.run job: a new version per run, idempotent on redelivery."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jobs.models import Job, JobState
from jobs.registry import get_handler
from jobs.services import job_enqueue
from settlement.models import SettlementRun
from tests.settlement.support import MSSP_FIGURES

pytestmark = pytest.mark.django_db

PARAMETERS = {
    "performance_year": 2025,
    "figures": MSSP_FIGURES,
    "participants": [
        {
            "tin": "900000001",
            "name": "North",
            "attributed_beneficiaries": 2,
            "benchmark": None,
            "expenditure": None,
            "quality_score": "90",
        },
        {
            "tin": "900000002",
            "name": "South",
            "attributed_beneficiaries": 1,
            "benchmark": None,
            "expenditure": None,
            "quality_score": "60",
        },
    ],
    "method": [["beneficiaries", "0.5"], ["quality", "0.5"]],
    "note": "from the job test",
}


def test_the_job_writes_a_version_with_its_shares(
    entity_a, aco_analyst, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(
            kind="settlement.run", entity=entity_a, parameters=PARAMETERS, user=aco_analyst
        )
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, job.error
    run = SettlementRun.objects.get(pk=job.result["run_id"])
    assert (run.version, run.job_id, run.created_by) == (1, job.pk, aco_analyst)
    # 50% x 2/3 + 50% x (180/240) = 70.8333...% of $4,704,000.00
    assert {s.tin: s.amount for s in run.shares.all()} == {
        "900000001": Decimal("3332000.00"),
        "900000002": Decimal("1372000.00"),
    }


def test_a_redelivered_job_returns_its_version_instead_of_writing_another(
    entity_a, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(kind="settlement.run", entity=entity_a, parameters=PARAMETERS)
    job.refresh_from_db()
    again = get_handler("settlement.run")(
        Job.objects.get(pk=job.pk), lambda percent, message="": None
    )
    assert again == {"run_id": job.result["run_id"], "version": 1, "reused": True}
    assert SettlementRun.objects.count() == 1


def test_a_job_with_bad_figures_fails_with_the_field_named(
    entity_a, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(
            kind="settlement.run",
            entity=entity_a,
            parameters={**PARAMETERS, "figures": {**MSSP_FIGURES, "msr_mlr": "0.7"}},
        )
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "a fixed MSR/MLR must be one of" in job.error
    assert not SettlementRun.objects.exists()
