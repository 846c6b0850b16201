"""Alignment runs: create (with lineage), start, work through buckets, reduce, fail.

The job that runs an alignment (alignment.jobs) is a coordinator plus helpers, all doing the
same thing: claim a pending bucket with `SELECT ... FOR UPDATE SKIP LOCKED`, read its
beneficiaries' inputs, run the engine, COPY the results and mark the bucket done, all in one
transaction; then take the next. The row lock is the claim: a worker that dies rolls back and the
bucket is pending again for whoever comes next. Completion is counted in the run row
(`buckets_done`); whoever sees it reach `bucket_count` reduces in PostgreSQL (changes against the
previous run, counts by step and reason) and marks the run succeeded, in one transaction, so a
run ends with exactly one complete result set.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Max
from django.utils import timezone

from alignment.engine import ReachParameters, align_reach, assign_mssp
from alignment.engine import columns as c
from alignment.engine.vocabulary import ALIGNED_REASONS, Reason, Step
from alignment.models import (
    AlignmentBucket,
    AlignmentChange,
    AlignmentResult,
    AlignmentRun,
    AlignmentRunEvent,
    BucketStatus,
    ListKind,
    RunStatus,
)
from alignment.services.designations import pending_designations_match
from alignment.services.inputs import (
    PROGRAMS,
    bucket_inputs,
    claim_snapshot_ensure,
    cms_exclusions_for_run,
    loaded_deliveries,
    participant_list,
    run_parameters,
    run_windows,
    windows_json,
)
from core.api import ApplicationError
from core.db import local_settings
from core.rls import bulk_write
from entities.models import Entity

logger = logging.getLogger(__name__)

ProgressFn = Callable[[int, str], None]
DEFAULT_BUCKETS = 8
DEFAULT_WORKERS = 2
# entities.choices.AssignmentMethod -> the engine's AssignmentMethod.
ENTITY_METHODS = {"prospective": "prospective", "preliminary_prospective": "ppwrr"}
# Performance years the code lists and windows are written for (domain.md 1.2-1.4).
FIRST_YEAR, LAST_YEAR = 2024, 2027


def _event(
    run: AlignmentRun, from_status: str, to_status: str, actor: Any = None, note: str = ""
) -> None:
    AlignmentRunEvent.objects.create(
        run=run,
        from_status=from_status,
        to_status=to_status,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        note=note[:500],
    )


def alignment_run_create(
    *,
    entity: Entity,
    performance_year: int,
    list_kind: str,
    as_of: date,
    method: str | None = None,
    acting_user: Any = None,
    bucket_count: int | None = None,
    workers: int | None = None,
) -> AlignmentRun:
    """Record a new run (a new version; earlier runs are never touched) with its inputs'
    lineage, and queue the job that computes it. An MSSP run uses the entity's assignment method
    unless `method` says otherwise (a what-if)."""
    program = entity.program.code
    if program not in PROGRAMS:
        raise ApplicationError(
            f"Alignment covers MSSP and ACO REACH; {entity.cms_id} is in {program!r}.",
            {"entity": entity.cms_id},
        )
    if not FIRST_YEAR <= performance_year <= LAST_YEAR:
        raise ApplicationError(
            f"Performance year {performance_year} is outside {FIRST_YEAR}-{LAST_YEAR}.",
            {"performance_year": performance_year},
        )
    if list_kind not in ListKind.values:
        raise ApplicationError(f"Unknown list kind {list_kind!r}.", {"list_kind": list_kind})
    if program == "reach":
        method = ""
    elif not method:
        method = ENTITY_METHODS.get(entity.assignment_method, "ppwrr")
    buckets = int(bucket_count or getattr(settings, "ALIGNMENT_BUCKETS", DEFAULT_BUCKETS))
    if not 1 <= buckets <= 256:
        raise ApplicationError("A run has between 1 and 256 buckets.", {"bucket_count": buckets})
    # Designations recorded before their beneficiary was in a delivery are matched first, so a
    # run after a delivery reads the designations of the people it brought.
    pending_designations_match(entity=entity)
    params = run_parameters(program=program, performance_year=performance_year, method=method)
    windows = run_windows(params=params, list_kind=list_kind, as_of=as_of)
    # The list CMS uses for this kind of list (windows.py: REACH's list in force on Jan 1 of the
    # performance year; MSSP's on the run date, capped at Dec 31).
    participants_day = windows.participants_as_of
    _, digest, count = participant_list(entity=entity, as_of=participants_day, program=program)
    with transaction.atomic(durable=True):
        open_run = AlignmentRun.objects.filter(
            entity=entity,
            performance_year=performance_year,
            status__in=[RunStatus.QUEUED, RunStatus.RUNNING],
        ).first()
        if open_run is not None:
            raise ApplicationError(
                f"Run {open_run} is still {open_run.get_status_display().lower()}; wait for it to finish.",
                {"run": open_run.pk},
            )
        latest = AlignmentRun.objects.filter(
            entity=entity, performance_year=performance_year, list_kind=list_kind
        ).aggregate(v=Max("version"))["v"]
        # "Since the previous run" compares against the list before this one in data time: the
        # succeeded run of the year with the latest as-of date not after this run's (a rerun of
        # the same date compares against the earlier run of that date), never a later list.
        previous = (
            AlignmentRun.objects.filter(
                entity=entity,
                performance_year=performance_year,
                status=RunStatus.SUCCEEDED,
                as_of__lte=as_of,
            )
            .order_by("-as_of", "-created_at", "-id")
            .first()
        )
        try:
            with transaction.atomic():
                run = AlignmentRun.objects.create(
                    entity=entity,
                    program=program,
                    performance_year=performance_year,
                    list_kind=list_kind,
                    as_of=as_of,
                    method=method,
                    version=(latest or 0) + 1,
                    parameters_version=params.version,
                    parameters=params.describe(),
                    windows=windows_json(windows),
                    participants_as_of=participants_day,
                    participants_digest=digest,
                    participant_count=count,
                    deliveries=loaded_deliveries(entity=entity),
                    previous_run=previous,
                    bucket_count=buckets,
                    created_by=acting_user
                    if getattr(acting_user, "is_authenticated", False)
                    else None,
                )
        except IntegrityError as exc:
            raise ApplicationError(
                "Another run of this entity and year was started at the same time."
            ) from exc
        _event(run, "", RunStatus.QUEUED, acting_user, f"v{run.version}, {buckets} buckets")
        from jobs.services import job_enqueue

        fan_out = int(workers or getattr(settings, "ALIGNMENT_WORKERS", DEFAULT_WORKERS))
        if connection.vendor != "postgresql":
            # SQLite (the demo) has one writer at a time and no SKIP LOCKED: one worker.
            fan_out = 1
        job = job_enqueue(
            kind="alignment.run",
            entity=entity,
            parameters={"run_id": run.pk, "workers": fan_out},
            user=acting_user,
        )
        AlignmentRun.objects.filter(pk=run.pk).update(job=job)
        run.job = job
    return run


def alignment_run_start(*, run_id: int) -> AlignmentRun | None:
    """Claim a queued run (queued -> running, audited). A run already running is returned as is
    (its job is being redelivered); a finished one gives None."""
    with transaction.atomic():
        claimed = AlignmentRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
            status=RunStatus.RUNNING, started_at=timezone.now()
        )
        run = AlignmentRun.objects.select_related("entity").get(pk=run_id)
        if claimed:
            _event(run, RunStatus.QUEUED, RunStatus.RUNNING)
    return run if run.status == RunStatus.RUNNING else None


def alignment_run_prepare(*, run: AlignmentRun, progress: ProgressFn | None = None) -> AlignmentRun:
    """Fix the run's claims snapshot and create its buckets (both only once)."""
    if run.snapshot_id is None:
        if progress:
            progress(1, "Preparing the claims snapshot")
        snapshot = claim_snapshot_ensure(entity=run.entity)
        AlignmentRun.objects.filter(pk=run.pk, snapshot__isnull=True).update(snapshot=snapshot)
        run.refresh_from_db(fields=["snapshot"])
    AlignmentBucket.objects.bulk_create(
        [AlignmentBucket(run=run, index=i) for i in range(run.bucket_count)], ignore_conflicts=True
    )
    return run


def pending_buckets(*, run_id: int) -> int:
    return AlignmentBucket.objects.filter(run_id=run_id, status=BucketStatus.PENDING).count()


def _engine_result(run: AlignmentRun, index: int) -> pd.DataFrame:
    params = run_parameters(
        program=run.program, performance_year=run.performance_year, method=run.method
    )
    if params.version != run.parameters_version:
        raise ApplicationError(
            f"The alignment parameters changed since run {run.pk} started ({run.parameters_version} -> {params.version}); start a new run."
        )
    windows = run_windows(params=params, list_kind=run.list_kind, as_of=run.as_of)
    participants, digest, _ = participant_list(
        entity=run.entity, as_of=run.participants_as_of, program=run.program
    )
    if digest != run.participants_digest:
        raise ApplicationError(
            f"The participant list as of {run.participants_as_of} changed since run {run.pk} started; start a new run."
        )
    frames = bucket_inputs(
        entity_id=run.entity_id,
        snapshot_id=run.snapshot_id,
        bucket_count=run.bucket_count,
        index=index,
        windows=windows,
        exclusions=cms_exclusions_for_run(
            entity_id=run.entity_id, performance_year=run.performance_year, as_of=run.as_of
        ),
    )
    engine = align_reach if isinstance(params, ReachParameters) else assign_mssp
    return engine(participants=participants, params=params, windows=windows, **frames)


def _keep_withheld(run: AlignmentRun, result: pd.DataFrame) -> pd.DataFrame:
    """The bucket's result with the people CMS withholds the claims of kept as its list of
    record assigns them.

    A beneficiary who declined data sharing (or whose claims CMS suppresses) stays assigned and
    in the financial population (42 CFR 425.708(b); CCLF Information Packet 2.4), but CCLF
    leaves their claims out, so the engine finds no qualifying service and would drop them.
    Whoever is withheld as of the run's date, assigned on the year's CMS list of record as it
    stood then (`cms_list_of_record_on`), and not aligned by the engine is kept: aligned, step
    "CMS's list of record", reason "declined data sharing, claims withheld", with the list's
    TIN and NPI and no charges (none are shown for them). Without such a list nothing changes."""
    from claims.selectors import withheld_beneficiary_ids
    from cmslists.selectors import cms_list_member_rows, cms_list_of_record_on

    if result.empty:
        return result
    held = withheld_beneficiary_ids(entity=run.entity, as_of=run.as_of)
    candidates = sorted(held & set(result.loc[~result[c.ALIGNED], c.BENE_ID].astype(int)))
    if not candidates:
        return result
    cms_list = cms_list_of_record_on(
        entity=run.entity, performance_year=run.performance_year, on=run.as_of
    )
    if cms_list is None:
        return result
    members = {
        bene: (tin, npi)
        for bene, tin, npi in cms_list_member_rows(cms_list=cms_list, beneficiary_ids=candidates)
    }
    if not members:
        return result
    result = result.copy()
    keep = result[c.BENE_ID].isin(list(members)).to_numpy()
    ids = result.loc[keep, c.BENE_ID].astype(int)
    result.loc[keep, c.ALIGNED] = True
    result.loc[keep, c.STEP] = Step.CMS_LIST.value
    result.loc[keep, c.REASON] = Reason.ALIGNED_CMS_LIST_WITHHELD.value
    result.loc[keep, c.ATTRIBUTED_TIN] = [members[b][0] for b in ids]
    result.loc[keep, c.ATTRIBUTED_NPI] = [members[b][1] for b in ids]
    result.loc[keep, c.ATTRIBUTED_CCN] = ""
    result.loc[keep, c.TOP_COMPETITOR] = ""
    result.loc[keep, c.ENTITY_ALLOWED_CENTS] = 0
    result.loc[keep, c.COMPETITOR_ALLOWED_CENTS] = 0
    result.loc[keep, c.ENTITY_LAST_SERVICE] = pd.NaT
    result.loc[keep, c.COMPETITOR_LAST_SERVICE] = pd.NaT
    return result


def _money(cents: np.ndarray) -> np.ndarray:
    """Integer cents as decimal text for a DecimalField ("1234.05"): exact, no float."""
    cents = np.asarray(cents, dtype=np.int64)
    sign = np.where(cents < 0, "-", "")
    whole, frac = np.divmod(np.abs(cents), 100)
    return (
        pd.Series(sign)
        + pd.Series(whole).astype(str)
        + "."
        + pd.Series(frac).astype(str).str.zfill(2)
    ).to_numpy()


_RESULT_FIELDS = [
    "run_id", "beneficiary_id", "bucket", "aligned", "step", "reason", "attributed_tin", "attributed_npi",
    "attributed_ccn", "entity_allowed", "top_competitor", "competitor_allowed", "entity_last_service",
    "competitor_last_service",
]  # fmt: skip


def _write_results(run: AlignmentRun, index: int, result: pd.DataFrame) -> None:
    frame = pd.DataFrame(
        {
            "run_id": run.pk,
            "beneficiary_id": result[c.BENE_ID].to_numpy(),
            "bucket": index,
            "aligned": result[c.ALIGNED].to_numpy(),
            "step": result[c.STEP].to_numpy(dtype=object),
            "reason": result[c.REASON].to_numpy(dtype=object),
            "attributed_tin": result[c.ATTRIBUTED_TIN].str.slice(0, 9).to_numpy(dtype=object),
            "attributed_npi": result[c.ATTRIBUTED_NPI].str.slice(0, 10).to_numpy(dtype=object),
            "attributed_ccn": result[c.ATTRIBUTED_CCN].str.slice(0, 6).to_numpy(dtype=object),
            "entity_allowed": _money(result[c.ENTITY_ALLOWED_CENTS].to_numpy()),
            "top_competitor": result[c.TOP_COMPETITOR].str.slice(0, 40).to_numpy(dtype=object),
            "competitor_allowed": _money(result[c.COMPETITOR_ALLOWED_CENTS].to_numpy()),
            "entity_last_service": result[c.ENTITY_LAST_SERVICE]
            .dt.strftime("%Y-%m-%d")
            .to_numpy(dtype=object),
            "competitor_last_service": result[c.COMPETITOR_LAST_SERVICE]
            .dt.strftime("%Y-%m-%d")
            .to_numpy(dtype=object),
        }
    )
    AlignmentResult.objects.filter(run=run, bucket=index).delete()
    if connection.vendor == "postgresql":
        buffer = io.StringIO()
        frame.to_csv(buffer, header=False, index=False, na_rep="\\N", sep="\t")
        # PostgreSQL refuses COPY FROM under row-level security: the bucket's own rows are
        # copied as the worker's role (core.rls.bulk_write).
        with (
            bulk_write(),
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY {AlignmentResult._meta.db_table} ({', '.join(_RESULT_FIELDS)}) FROM STDIN"
            ) as copy,
        ):
            copy.write(buffer.getvalue())
        return
    objs = [
        AlignmentResult(
            **{k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
        )
        for row in frame.to_dict("records")
    ]
    AlignmentResult.objects.bulk_create(objs, batch_size=2000)


def alignment_run_work(*, run_id: int, progress: ProgressFn | None = None) -> int:
    """Compute pending buckets until none is left; returns how many this worker did."""
    done_here = 0
    while True:
        with transaction.atomic():
            bucket = (
                AlignmentBucket.objects.select_for_update(skip_locked=True)
                .filter(run_id=run_id, status=BucketStatus.PENDING)
                .order_by("index")
                .first()
            )
            if bucket is None:
                break
            run = AlignmentRun.objects.select_related("entity").get(pk=run_id)
            if run.status != RunStatus.RUNNING:
                break
            started = time.perf_counter()
            result = _keep_withheld(run, _engine_result(run, bucket.index))
            _write_results(run, bucket.index, result)
            AlignmentBucket.objects.filter(pk=bucket.pk).update(
                status=BucketStatus.DONE,
                beneficiary_count=len(result),
                seconds=time.perf_counter() - started,
                finished_at=timezone.now(),
            )
            AlignmentRun.objects.filter(pk=run_id).update(buckets_done=F("buckets_done") + 1)
        done_here += 1
        run.refresh_from_db(fields=["buckets_done", "bucket_count"])
        logger.info(
            "alignment run %s: bucket %s done (%s of %s)",
            run_id,
            bucket.index,
            run.buckets_done,
            run.bucket_count,
        )
        if progress:
            progress(
                min(99, 2 + int(95 * run.buckets_done / run.bucket_count)),
                f"{run.buckets_done} of {run.bucket_count} buckets done",
            )
    return done_here


_CHANGES_SQL = """
INSERT INTO alignment_alignmentchange (run_id, beneficiary_id, kind, previous_step, previous_reason,
    previous_tin, previous_npi, step, reason, attributed_tin, attributed_npi, top_competitor)
SELECT %(run)s, cur.beneficiary_id,
    CASE WHEN cur.aligned AND NOT COALESCE(prev.aligned, {false}) THEN 'added'
         WHEN NOT cur.aligned AND COALESCE(prev.aligned, {false}) THEN 'dropped' ELSE 'changed' END,
    COALESCE(prev.step, ''), COALESCE(prev.reason, ''), COALESCE(prev.attributed_tin, ''),
    COALESCE(prev.attributed_npi, ''), cur.step, cur.reason, cur.attributed_tin, cur.attributed_npi,
    cur.top_competitor
FROM alignment_alignmentresult cur
LEFT JOIN alignment_alignmentresult prev ON prev.run_id = %(previous)s AND prev.beneficiary_id = cur.beneficiary_id
WHERE cur.run_id = %(run)s AND (
    cur.aligned <> COALESCE(prev.aligned, {false})
    OR (cur.aligned AND prev.aligned AND (cur.step <> prev.step OR cur.attributed_tin <> prev.attributed_tin
        OR cur.attributed_npi <> prev.attributed_npi)))
UNION ALL
SELECT %(run)s, prev.beneficiary_id, 'dropped', prev.step, prev.reason, prev.attributed_tin,
    prev.attributed_npi, '', '', '', '', ''
FROM alignment_alignmentresult prev
WHERE prev.run_id = %(previous)s AND prev.aligned AND NOT EXISTS (
    SELECT 1 FROM alignment_alignmentresult cur WHERE cur.run_id = %(run)s AND cur.beneficiary_id = prev.beneficiary_id)
"""


def _summary(run: AlignmentRun) -> dict[str, Any]:
    rows = (
        AlignmentResult.objects.filter(run=run)
        .values("aligned", "step", "reason")
        .order_by("-aligned", "step", "reason")
        .annotate(n=Count("id"))
    )
    changes = (
        AlignmentChange.objects.filter(run=run)
        .values("kind")
        .order_by("kind")
        .annotate(n=Count("id"))
    )
    by_step_reason = [
        {"aligned": r["aligned"], "step": r["step"], "reason": r["reason"], "count": r["n"]}
        for r in rows
    ]
    return {
        "by_step_reason": by_step_reason,
        "changes": {r["kind"]: r["n"] for r in changes},
        "beneficiaries": sum(r["count"] for r in by_step_reason),
        "aligned": sum(r["count"] for r in by_step_reason if r["reason"] in ALIGNED_REASONS),
    }


def alignment_run_reduce(*, run_id: int) -> bool:
    """Finish the run once every bucket is done: changes against the previous run and the
    summary, then succeeded. True when this call finished it."""
    with transaction.atomic():
        run = AlignmentRun.objects.select_for_update().get(pk=run_id)
        if run.status != RunStatus.RUNNING or run.buckets_done < run.bucket_count:
            return False
        expected = sum(
            AlignmentBucket.objects.filter(run=run).values_list("beneficiary_count", flat=True)
        )
        stored = AlignmentResult.objects.filter(run=run).count()
        if stored != expected:
            raise RuntimeError(f"Run {run.pk} has {stored} results for {expected} beneficiaries.")
        AlignmentChange.objects.filter(run=run).delete()
        if run.previous_run_id:
            false = "false" if connection.vendor == "postgresql" else "0"
            # The run's results were written moments ago: the planner's statistics do not know
            # them yet and estimate one row a run, so it chose a nested loop that compares every
            # result with every other (250,000 x 250,000: over a quarter of an hour). Hash joins.
            with local_settings(enable_nestloop="off"), connection.cursor() as cursor:
                cursor.execute(
                    _CHANGES_SQL.format(false=false),
                    {"run": run.pk, "previous": run.previous_run_id},
                )
        summary = _summary(run)
        AlignmentRun.objects.filter(pk=run.pk).update(
            status=RunStatus.SUCCEEDED,
            summary=summary,
            beneficiary_count=summary["beneficiaries"],
            aligned_count=summary["aligned"],
            finished_at=timezone.now(),
        )
        _event(
            run,
            RunStatus.RUNNING,
            RunStatus.SUCCEEDED,
            note=f"{summary['aligned']} of {summary['beneficiaries']} aligned",
        )
    logger.info("alignment run %s succeeded", run_id)
    return True


def alignment_run_fail(*, run_id: int, error: str) -> None:
    """Mark an open run failed (audited); its partial results stay for inspection."""
    with transaction.atomic():
        run = AlignmentRun.objects.select_for_update().get(pk=run_id)
        if run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
            return
        previous = run.status
        AlignmentRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=error[:5000], finished_at=timezone.now()
        )
        _event(run, previous, RunStatus.FAILED, note=error)
