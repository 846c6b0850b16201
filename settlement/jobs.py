"""Settlement job kinds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from jobs.models import Job
from jobs.registry import Progress, job_handler
from settlement.engine.distribution import AllocationBasis, AllocationMethod, ParticipantFigures
from settlement.models import SettlementRun
from settlement.services import settlement_run_create


def _participants(rows: list[dict[str, Any]]) -> list[ParticipantFigures]:
    def amount(value: Any) -> Decimal | None:
        return None if value in (None, "") else Decimal(str(value))

    return [
        ParticipantFigures(
            tin=row["tin"],
            name=row["name"],
            attributed_beneficiaries=int(row["attributed_beneficiaries"]),
            benchmark=amount(row.get("benchmark")),
            expenditure=amount(row.get("expenditure")),
            quality_score=amount(row.get("quality_score")),
        )
        for row in rows
    ]


@job_handler("settlement.run")
def settlement_run(job: Job, progress: Progress) -> dict[str, Any]:
    """Settle one entity x performance year and store it as a new immutable version.

    Parameters: performance_year, figures (batch calculator columns, text), participants (rows
    of tin, name, attributed_beneficiaries, benchmark, expenditure, quality_score), method
    ([[basis, weight], ...]) and note. Idempotent: a job that already wrote its version (a
    redelivery after a lost worker) returns that version instead of writing another.
    """
    existing = SettlementRun.objects.filter(job=job).first()
    if existing is not None:
        return {"run_id": existing.pk, "version": existing.version, "reused": True}
    params = job.parameters
    progress(20, "Settling")
    method = None
    if params.get("method"):
        method = AllocationMethod(
            tuple((AllocationBasis(b), Decimal(str(w))) for b, w in params["method"])
        )
    run = settlement_run_create(
        entity=job.entity,
        performance_year=int(params["performance_year"]),
        figures={k: str(v) for k, v in params["figures"].items()},
        participants=_participants(params.get("participants", [])),
        method=method,
        acting_user=job.created_by,
        note=params.get("note", ""),
        job=job,
    )
    return {"run_id": run.pk, "version": run.version, "reused": False}
