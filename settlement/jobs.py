"""Settlement job kinds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from core.api import ApplicationError
from jobs.models import Job
from jobs.registry import Progress, job_handler
from settlement.engine.distribution import AllocationBasis, AllocationMethod, ParticipantFigures
from settlement.models import SettlementRun


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
    from settlement.services import settlement_run_create

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
    if job.entity is None:
        raise ApplicationError("A settlement job names its entity.", {"field": "entity"})
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


@job_handler("settlement.collect")
def settlement_collect(job: Job, progress: Progress) -> dict[str, Any]:
    """Settle (kind "final") or project (kind "projection") one MSSP or ACO REACH
    entity x performance year on the platform's own data: alignment, claims, benchmark and
    quality result. For REACH, track is the arrangement (blank: the DCE's track of the year),
    msr_mlr is not used and report_figures holds stop-loss and capitation cash flows.

    Parameters: performance_year, kind, track, msr_mlr, report_figures (msr_pct,
    participant_revenue, low_revenue, euc_loss_reduction from CMS's report), and for
    projections through_month, completion_factor (blank: from the benchmarks reference values)
    and seed; optional method ([[basis, weight], ...]) and note. Idempotent: a job that already
    wrote its version returns it instead of writing another.
    """
    from settlement.collect import settlement_collect_final, settlement_collect_projection

    existing = SettlementRun.objects.filter(job=job).first()
    if existing is not None:
        return {"run_id": existing.pk, "version": existing.version, "reused": True}
    params = job.parameters
    common = {
        "entity": job.entity,
        "performance_year": int(params["performance_year"]),
        "track": str(params.get("track") or ""),
        "msr_mlr": str(params.get("msr_mlr") or ""),
        "report_figures": {k: str(v) for k, v in (params.get("report_figures") or {}).items()},
        "acting_user": job.created_by,
        "note": params.get("note", ""),
        "job": job,
        "progress": progress,
    }
    if params.get("kind") == "projection":
        run = settlement_collect_projection(
            **common,
            through_month=int(params["through_month"]),
            completion_factor=str(params.get("completion_factor") or ""),
            seed=int(params.get("seed", 1)),
        )
    else:
        method = None
        if params.get("method"):
            method = AllocationMethod(
                tuple((AllocationBasis(b), Decimal(str(w))) for b, w in params["method"])
            )
        run = settlement_collect_final(**common, method=method)
    progress(95, "Stored")
    return {"run_id": run.pk, "version": run.version, "kind": run.kind, "reused": False}
