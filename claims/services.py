"""Loading a CCLF delivery: check everything, stage it, then merge it in one transaction.

    cclf_delivery_load(path=..., entity_cms_id=None, progress=None) -> LoadResult

1. The files are listed and named (program, entity, file number, regular or run-out, performance
   year, delivery time) and CCLF0 is read. The delivery is registered as *received*.
2. Each file is read once: every record's length and fields are checked while it is copied into a
   staging table (scratch space nobody reads). Each file's record count and length are checked
   against CCLF0. Any error rejects the whole delivery: it is registered as *rejected* with its
   errors (file, line, field) and nothing else is written.
3. One transaction merges the staged files: beneficiaries (MBIs, CCLF9 crosswalk, CCLF8
   demographics), then every claims file, with lineage on every row; the registry records the
   row counts and *loaded*. Killed or failed before its commit, it leaves nothing behind; the
   next run starts again from step 1.

A delivery already loaded is recognised by its entity and name (and its digest) and not loaded
again. A claim delivered again in a later delivery is stored once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from beneficiaries.services import (
    beneficiaries_resolve,
    beneficiary_demographics_store,
    beneficiary_mbis_register,
    mbi_crosswalk_store,
)
from claims.cclf.delivery import open_delivery
from claims.cclf.layouts import CLAIM_FILE_CODES, DATA_FILE_CODES, layout
from claims.cclf.names import FileNameError
from claims.cclf.parser import RecordError, mbi_decode
from claims.loading.merge import merge_claims
from claims.loading.stage import (
    StagedFile,
    check_against_summary,
    drop_stages,
    plan_for,
    stage_file,
    stage_table,
)
from claims.models import Delivery, DeliveryFile, DeliveryKind, DeliveryStatus
from core.api import ApplicationError
from entities.models import Entity

logger = logging.getLogger(__name__)

MAX_REPORTED_ERRORS = 100
ProgressFn = Callable[[int, str], None]

# MBI columns per file: the first is collected while parsing; CCLF9's previous MBIs are read back.
_MBI_COLUMNS = dict.fromkeys(("CCLF8", *CLAIM_FILE_CODES), ("BENE_MBI_ID",))
_MBI_COLUMNS["CCLF9"] = ("CRNT_NUM", "PRVS_NUM")


class DeliveryRejected(ApplicationError):
    """The delivery failed its checks; `errors` name file, line and field."""

    def __init__(self, delivery_name: str, errors: list[RecordError], total: int) -> None:
        lines = "\n".join(f"  {e}" for e in errors[:20])
        more = f"\n  ... and {total - 20} more" if total > 20 else ""
        super().__init__(
            f"Delivery {delivery_name} rejected: {total} error(s), nothing was loaded.\n{lines}{more}",
            {"errors": [e.as_dict() for e in errors]},
        )
        self.errors = errors
        self.total = total


@dataclass
class LoadResult:
    delivery: Delivery
    already_loaded: bool = False
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "delivery_id": self.delivery.pk,
            "delivery": self.delivery.name,
            "status": self.delivery.status,
            "already_loaded": self.already_loaded,
            "counts": self.counts,
        }


def _no_progress(percent: int, message: str = "") -> None:
    return None


def cclf_delivery_load(
    *,
    path: str | Path,
    entity_cms_id: str | None = None,
    layout_version: str = "v38",
    user: Any = None,
    job: Any = None,
    progress: ProgressFn | None = None,
) -> LoadResult:
    """Load one CCLF delivery (zip or folder) for its entity. See the module docstring."""
    progress = progress or _no_progress
    progress(1, "Reading the delivery's names and CCLF0")
    try:
        files = open_delivery(path)
    except (FileNameError, FileNotFoundError) as exc:
        raise ApplicationError(str(exc)) from None
    entity = _entity_for(files.name.entity_id, entity_cms_id)
    delivery = _register(entity, files, layout_version, user, job)
    if delivery.status == DeliveryStatus.LOADED:
        progress(100, "Already loaded: nothing to do")
        return LoadResult(delivery=delivery, already_loaded=True, counts=delivery.row_counts)

    errors: list[RecordError] = list(files.errors)
    total_errors = len(errors)
    for code in DATA_FILE_CODES:
        if code not in files.members:
            errors.append(
                RecordError(files.name.name, None, None, f"no {code} file in the delivery")
            )
            total_errors += 1
    staged: dict[str, StagedFile] = {}
    mbis: set[int] = set()
    codes = [c for c in DATA_FILE_CODES if c in files.members]
    drop_stages(delivery.pk)
    try:
        for number, code in enumerate(codes):
            progress(5 + 50 * number // len(codes), f"Checking and staging {code}")
            lay = layout(code, layout_version)
            result = stage_file(
                files,
                code,
                layout_version,
                stage_table(delivery.pk, code),
                copy=total_errors == 0,
                mbi_columns=_MBI_COLUMNS[code],
            )
            staged[code] = result
            mbis |= result.mbis
            file_errors = result.scan.errors + check_against_summary(files, result, lay)
            total_errors += result.scan.error_count + (len(file_errors) - len(result.scan.errors))
            errors += file_errors
            DeliveryFile.objects.filter(delivery=delivery, file_code=code).update(
                records=result.scan.records,
                status=DeliveryStatus.REJECTED if file_errors else DeliveryStatus.VALIDATED,
                errors=[e.as_dict() for e in file_errors[:MAX_REPORTED_ERRORS]],
            )
        if total_errors:
            _reject(delivery, errors, total_errors)
            raise DeliveryRejected(delivery.name, errors, total_errors)
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.VALIDATED, validated_at=timezone.now(), errors=[], error_count=0
        )
        progress(60, "Merging into the claims tables")
        counts = _merge(
            delivery, files, staged, sorted(mbi_decode(sorted(mbis))), layout_version, progress
        )
    finally:
        drop_stages(delivery.pk)
    delivery.refresh_from_db()
    progress(100, "Loaded")
    logger.info("CCLF delivery %s loaded for entity %s", delivery.pk, entity.pk)
    return LoadResult(delivery=delivery, counts=counts)


def _entity_for(named: str, given: str | None) -> Entity:
    if given and given != named:
        raise ApplicationError(f"The delivery is for entity {named}, not {given}.")
    try:
        return Entity.objects.get(cms_id=named)
    except Entity.DoesNotExist:
        raise ApplicationError(f"No entity with CMS ID {named}.") from None


def _register(entity: Entity, files: Any, layout_version: str, user: Any, job: Any) -> Delivery:
    name = files.name
    with transaction.atomic():
        delivery, created = Delivery.objects.select_for_update().get_or_create(
            entity=entity,
            name=name.name,
            defaults={
                "program_prefix": name.program_prefix,
                "kind": DeliveryKind.RUNOUT if name.runout else DeliveryKind.REGULAR,
                "performance_year": name.performance_year,
                "delivered_at": timezone.make_aware(
                    name.delivered_at, timezone.get_default_timezone()
                ),
                "layout_version": layout_version,
                "sha256": files.sha256,
                "source_path": str(files.path),
                "uploaded_by": user if getattr(user, "is_authenticated", False) else None,
                "job": job,
            },
        )
        if delivery.status == DeliveryStatus.LOADED:
            # CMS names each delivery once (to a tenth of a second): the same name is the same
            # delivery, even re-zipped (which changes the fingerprint).
            if delivery.sha256 != files.sha256:
                logger.info("delivery %s offered again with another fingerprint; already loaded", delivery.pk)
            return delivery
        delivery.sha256 = files.sha256
        delivery.layout_version = layout_version
        delivery.status = DeliveryStatus.RECEIVED
        delivery.errors, delivery.error_count = [], 0
        if job is not None:
            delivery.job = job
        delivery.save()
        for code in sorted(files.members):
            summary = files.summary.get(code)
            DeliveryFile.objects.update_or_create(
                delivery=delivery,
                file_code=code,
                defaults={
                    "name": files.member_name(code),
                    "declared_records": summary.records if summary else None,
                    "declared_length": summary.record_length if summary else None,
                    "records": 0,
                    "inserted": 0,
                    "replaced": 0,
                    "unchanged": 0,
                    "status": DeliveryStatus.RECEIVED,
                    "errors": [],
                },
            )
    return delivery


def _reject(delivery: Delivery, errors: list[RecordError], total: int) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.REJECTED,
        errors=[e.as_dict() for e in errors[:MAX_REPORTED_ERRORS]],
        error_count=total,
        updated_at=timezone.now(),
    )
    logger.warning("CCLF delivery %s rejected with %s error(s)", delivery.pk, total)


def _merge(
    delivery: Delivery,
    files: Any,
    staged: dict[str, StagedFile],
    mbis: list[str],
    layout_version: str,
    progress: ProgressFn,
) -> dict[str, dict[str, int]]:
    entity_id, delivered_on = delivery.entity_id, delivery.delivered_at.date()
    file_ids = dict(DeliveryFile.objects.filter(delivery=delivery).values_list("file_code", "pk"))
    counts: dict[str, dict[str, int]] = {}
    with transaction.atomic(durable=True):
        if connection.vendor == "postgresql":
            # One merge at a time per entity: beneficiaries are worked out from the whole history.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x434C46, entity_id])
        current = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if current.status == DeliveryStatus.LOADED:
            return current.row_counts
        new_mbis = beneficiary_mbis_register(
            entity_id=entity_id, mbis=mbis, delivered_on=delivered_on
        )
        common = {"entity_id": entity_id, "delivery_id": delivery.pk, "delivered_on": delivered_on}
        if "CCLF9" in staged:
            n = mbi_crosswalk_store(
                **common, file_id=file_ids["CCLF9"], stage=staged["CCLF9"].table
            )
            counts["CCLF9"] = {"records": staged["CCLF9"].scan.records, "inserted": n}
        resolved = beneficiaries_resolve(entity_id=entity_id, delivered_on=delivered_on)
        if "CCLF8" in staged:
            n = beneficiary_demographics_store(
                **common, file_id=file_ids["CCLF8"], stage=staged["CCLF8"].table
            )
            counts["CCLF8"] = {"records": staged["CCLF8"].scan.records, "inserted": n}
        for code in CLAIM_FILE_CODES:
            if code not in staged:
                continue
            result = merge_claims(
                code=code,
                plan=plan_for(code, layout_version),
                stage=staged[code].table,
                file_id=file_ids[code],
                **common,
            )
            counts[code] = {
                "records": staged[code].scan.records,
                "inserted": result.inserted,
                "replaced": result.replaced,
                "unchanged": result.unchanged,
            }
        for code, c in counts.items():
            DeliveryFile.objects.filter(pk=file_ids[code]).update(
                inserted=c.get("inserted", 0),
                replaced=c.get("replaced", 0),
                unchanged=c.get("unchanged", 0),
                status=DeliveryStatus.LOADED,
            )
        DeliveryFile.objects.filter(pk=file_ids.get("CCLF0", 0)).update(
            status=DeliveryStatus.LOADED
        )
        counts["beneficiaries"] = {"new_mbis": new_mbis, **resolved}
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.LOADED,
            row_counts=counts,
            loaded_at=timezone.now(),
            updated_at=timezone.now(),
        )
    return counts
