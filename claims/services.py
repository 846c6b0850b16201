"""Loading a CCLF delivery: check everything, stage it, then merge it in one transaction.

    cclf_delivery_load(path=..., entity_cms_id=None, progress=None) -> LoadResult

1. The files are listed and named (program, entity, file number, regular or run-out, performance
   year, delivery time) and CCLF0 is read. The delivery is registered as *received*.
2. Each file is read once: every record's length and fields are checked while it is copied.
   Each file's record count and length are checked against CCLF0. Any error rejects the whole
   delivery: it is registered as *rejected* with its errors (file, line, field) and nothing else
   is written.
3. On PostgreSQL all of it happens in one transaction: a parser thread checks and renders each
   file while the load's connection copies it, claims files straight into their tables (with
   lineage and the MBI's surrogate, `claims.loading.direct`), CCLF8, CCLF9 and CCLFA through
   staging tables; a claims file meeting rows stored before is merged through staging instead.
   Then beneficiaries (MBIs, CCLF9 crosswalk, CCLF8 demographics) and the registry's row counts
   and *loaded*. On SQLite (the demo) the files are staged first, then merged. Killed or failed
   before its commit, a load leaves nothing behind; the next run starts again from step 1.

A delivery is identified by its files, never by its zip's or folder's name: the name CMS gave
its files, and their sizes and checksums (`cclf.delivery`). The same files again are
"already loaded" and not loaded again; files under a loaded delivery's names with other contents
are refused. A claim delivered again in a later delivery is stored once. While a load runs its
delivery is "loading"; the row counts of each file are written in the load's transaction.
"""

from __future__ import annotations

import logging
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from django.db import DataError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from beneficiaries.services import (
    beneficiaries_resolve,
    beneficiary_demographics_store,
    beneficiary_mbis_register,
    mbi_crosswalk_store,
)
from cclf.delivery import open_delivery
from cclf.layouts import CLAIM_FILE_CODES, DATA_FILE_CODES, layout
from cclf.names import FileNameError
from cclf.parser import (
    BatchRenderer,
    FileScan,
    RecordError,
    iter_batches,
    mbi_codes,
    mbi_decode,
)
from claims.loading.direct import (
    DIRECT_CODES,
    CopySink,
    LineagePrefix,
    MbiIndex,
    direct_columns,
    direct_plan,
    mbis_insert,
    remap_mbis,
)
from claims.loading.merge import merge_claims
from claims.loading.stage import (
    StagedFile,
    check_against_summary,
    create_stage,
    drop_stages,
    plan_for,
    stage_file,
    stage_table,
)
from claims.models import CLAIMS_MODELS, Delivery, DeliveryFile, DeliveryKind, DeliveryStatus
from core import display
from core.api import ApplicationError
from entities.models import Entity

logger = logging.getLogger(__name__)

MAX_REPORTED_ERRORS = 100
PROGRESS_SECONDS = 2.0  # at most one progress report per file start and per this many seconds
ProgressFn = Callable[[int, str], None]

# MBI columns per file: the first is collected while parsing; CCLF9's previous MBIs are read back.
_MBI_COLUMNS: dict[str, tuple[str, ...]] = dict.fromkeys(
    ("CCLF8", *CLAIM_FILE_CODES), ("BENE_MBI_ID",)
)
_MBI_COLUMNS["CCLF9"] = ("CRNT_NUM", "PRVS_NUM")


class DeliveryRejected(ApplicationError):
    """The delivery failed its checks; `errors` name file, line and field."""

    def __init__(self, delivery_name: str, errors: list[RecordError], total: int) -> None:
        lines = "\n".join(f"  {e}" for e in errors[:20])
        more = f"\n  ... and {total - 20} more" if total > 20 else ""
        super().__init__(
            f"Delivery {delivery_name} rejected: {display.counted(total, 'error')}, nothing was loaded.\n{lines}{more}",
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
    """Load one CCLF delivery (zip or folder) for its entity. See the module docstring.

    A load that stops on anything but a rejection or a lost database connection (which the job
    retries) records why on the delivery: the data refused by the database is a rejection,
    anything else leaves the delivery to be loaded again. Nothing of the load is kept either way.
    """
    registered: list[Delivery] = []
    try:
        return _delivery_load(
            path=path,
            entity_cms_id=entity_cms_id,
            layout_version=layout_version,
            user=user,
            job=job,
            progress=progress or _no_progress,
            registered=registered,
        )
    except (DeliveryRejected, OperationalError, InterfaceError):
        raise
    except Exception as exc:
        if registered:
            _record_failure(registered[0], exc)
        raise


def _record_failure(delivery: Delivery, exc: Exception) -> None:
    # The exception's class, not its text: a database message can quote a value of a record.
    if isinstance(exc, DataError | psycopg.DataError):
        status = DeliveryStatus.REJECTED
        message = f"The database refused a value of the delivery ({type(exc).__name__})."
    else:
        status = DeliveryStatus.RECEIVED
        message = f"The load stopped on an unexpected error ({type(exc).__name__}); load it again."
    error = RecordError(delivery.name, None, None, message + " Nothing was loaded.")
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status, errors=[error.as_dict()], error_count=1, updated_at=timezone.now()
    )
    logger.error("CCLF delivery %s: %s", delivery.pk, message)


def _delivery_load(
    *,
    path: str | Path,
    entity_cms_id: str | None,
    layout_version: str,
    user: Any,
    job: Any,
    progress: ProgressFn,
    registered: list[Delivery],
) -> LoadResult:
    progress(1, "Reading the delivery's names and CCLF0")
    try:
        files = open_delivery(path)
    except (FileNameError, FileNotFoundError) as exc:
        raise ApplicationError(str(exc)) from None
    entity = _entity_for(files.name.entity_id, entity_cms_id)
    delivery = _register(entity, files, layout_version, user, job)
    registered.append(delivery)
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
    codes = [c for c in DATA_FILE_CODES if c in files.members]
    drop_stages(delivery.pk)
    started = time.monotonic()
    if connection.vendor == "postgresql":
        try:
            counts, file_updates, errors, total_errors = _load_direct(
                delivery, files, codes, layout_version, errors, total_errors, progress, started
            )
        finally:
            drop_stages(delivery.pk)
        return _conclude(delivery, entity, counts, file_updates, errors, total_errors, progress)
    messages: queue.Queue[tuple[Any, ...]] = queue.Queue()
    stop = threading.Event()
    # On PostgreSQL the merge runs while later files are still being read: a thread (with its
    # own connection) checks and stages the files, the merge transaction takes each staged
    # file as it comes. Nothing is visible before the commit, and any error rolls it back. On
    # SQLite, whose staging tables belong to one connection, the two run one after the other.
    # Inside a caller's transaction (a test, say) the stager's own connection could neither see
    # that transaction's rows nor drop its tables after it: stay on one connection there.
    pipelined = connection.vendor == "postgresql" and not connection.in_atomic_block
    stager_args = (
        files,
        codes,
        delivery.pk,
        layout_version,
        total_errors,
        messages,
        stop,
        progress,
        pipelined,
    )
    if pipelined:
        stager = threading.Thread(
            target=_stage_all, args=stager_args, name="cclf-stager", daemon=True
        )
        stager.start()
    else:
        _stage_all(*stager_args)
    sequential_stage_seconds = None if pipelined else time.monotonic() - started
    # Typed where _load_direct's return first binds them, above.
    file_updates = []
    counts = {}
    stage_seconds = 0.0

    def take() -> tuple[Any, ...]:
        nonlocal stage_seconds
        message = messages.get()
        if message[0] == "done":
            stage_seconds = sequential_stage_seconds or time.monotonic() - started
        elif message[0] == "failed":
            raise message[1]
        else:
            file_updates.append((message[1], message[2], message[3]))
        return message

    try:
        try:
            merge_started = time.monotonic()
            with transaction.atomic(durable=True):
                session = _MergeSession(delivery, layout_version)
                if not session.begin():
                    stop.set()  # another run loaded it meanwhile
                    counts = session.loaded_counts
                else:
                    while (message := take())[0] != "done":
                        _, code, result, file_errors, n = message
                        errors += file_errors
                        total_errors += n
                        if total_errors:
                            raise _Rejected
                        session.add(code, result)
                    if total_errors == 0:
                        progress(90, "Linking beneficiaries and recording the load")
                        now = time.monotonic()
                        # The merge transaction overlaps staging when pipelined; its wall time is
                        # reported whole, and so is the time from the first read to the last write.
                        counts = session.finish(
                            {
                                "stage_seconds": round(stage_seconds, 3),
                                "merge_seconds": round(now - merge_started, 3),
                                "total_seconds": round(now - started, 3),
                                "pipelined": pipelined,
                            }
                        )
        except _Rejected:
            pass
        # A rejected delivery: the stager goes on checking the other files, to report every error.
        while file_updates and (not counts) and (message := take())[0] != "done":
            errors += message[3]
            total_errors += message[4]
    except BaseException:
        stop.set()
        raise
    finally:
        if pipelined:
            stager.join()
        drop_stages(delivery.pk)
    return _conclude(delivery, entity, counts, file_updates, errors, total_errors, progress)


def _conclude(
    delivery: Delivery,
    entity: Entity,
    counts: dict[str, Any],
    file_updates: list[tuple[str, StagedFile, list[RecordError]]],
    errors: list[RecordError],
    total_errors: int,
    progress: ProgressFn,
) -> LoadResult:
    if total_errors:
        with transaction.atomic():
            for code, result, file_errors in file_updates:
                DeliveryFile.objects.filter(delivery=delivery, file_code=code).update(
                    records=result.scan.records,
                    status=DeliveryStatus.REJECTED if file_errors else DeliveryStatus.VALIDATED,
                    errors=[e.as_dict() for e in file_errors[:MAX_REPORTED_ERRORS]],
                )
            _reject(delivery, errors, total_errors)
        raise DeliveryRejected(delivery.name, errors, total_errors)
    # A load's row counts (records, inserted, ...) were written with its rows, in its transaction.
    delivery.refresh_from_db()
    progress(100, "Loaded")
    logger.info("CCLF delivery %s loaded for entity %s", delivery.pk, entity.pk)
    return LoadResult(delivery=delivery, counts=counts)


class _IndexBox:
    """Hands the MBI index from the load's transaction (after its lock) to the parser thread."""

    def __init__(self, stop: threading.Event) -> None:
        self._ready = threading.Event()
        self._stop = stop
        self._index: MbiIndex | None = None

    def put(self, index: MbiIndex) -> None:
        self._index = index
        self._ready.set()

    def get(self) -> MbiIndex | None:
        while not self._ready.wait(0.2):
            if self._stop.is_set():
                return None
        return self._index


def _produce(
    files: Any,
    codes: list[str],
    delivery: Delivery,
    layout_version: str,
    errors_before: int,
    file_ids: dict[str, int],
    box: _IndexBox,
    stop: threading.Event,
    clock: dict[str, float],
) -> Iterator[tuple[Any, ...]]:
    """Check and render every file, in order (runs in the parser thread, no database work but
    reserving ids for new MBIs). Per file: ("start", code, plan, direct) when its rows are to be
    copied, ("batch", copy text) per chunk, then ("file", code, result, errors, error count).
    After the first error, files are still checked (to report every error) but not rendered."""
    total = errors_before
    for code in codes:
        if stop.is_set():
            return
        staged_plan = plan_for(code, layout_version)
        direct = code in DIRECT_CODES
        plan = direct_plan(staged_plan) if direct else staged_plan
        lay = plan.layout
        name = files.member_name(code)
        scan = FileScan(name)
        result = StagedFile(code, name, stage_table(delivery.pk, code), scan)
        renderer = BatchRenderer(plan, name)
        mbi_fields = [lay.field(c) for c in _MBI_COLUMNS[code]]
        copying = total == 0
        index: MbiIndex | None = None
        prefix: LineagePrefix | None = None
        if copying:
            index = box.get()
            if index is None:
                return
            if direct:
                prefix = LineagePrefix(
                    index=index,
                    mbi_start=lay.field("BENE_MBI_ID").start,
                    entity_id=delivery.entity_id,
                    delivery_id=delivery.pk,
                    file_id=file_ids[code],
                    delivered_on=delivery.delivered_at.date(),
                )
            yield ("start", code, plan, direct)
        with files.open(code) as stream:
            t = time.monotonic()
            for batch in iter_batches(stream, lay, scan):
                if stop.is_set():
                    return
                live = copying and scan.error_count == 0
                parsed = renderer.render(batch, want_copy=live, prefix=prefix if live else None)
                for error in parsed.errors:
                    scan.add(error)
                scan.error_count += parsed.error_count - len(parsed.errors)
                if live and parsed.error_count == 0 and index is not None and not direct:
                    for f in mbi_fields:
                        index.ids_for(mbi_codes(batch.data[:, f.start : f.start + 11]))
                clock["parse"] += time.monotonic() - t
                if live and parsed.error_count == 0 and parsed.copy_text:
                    yield ("batch", parsed.copy_text, parsed.rows)
                t = time.monotonic()
        file_errors = scan.errors + check_against_summary(
            files, result, layout(code, layout_version)
        )
        count = scan.error_count + len(file_errors) - len(scan.errors)
        total += count
        yield ("file", code, result, file_errors, count)


def _run_ahead(
    source: Iterator[tuple[Any, ...]], stop: threading.Event, depth: int = 3
) -> tuple[threading.Thread, Iterator[tuple[Any, ...]]]:
    """Run the producer in a thread, `depth` messages ahead (numpy releases the GIL while the
    load's connection copies). Setting `stop` ends it; its failure is raised to the consumer."""
    q: queue.Queue[Any] = queue.Queue(maxsize=depth)
    done = object()
    failure: list[BaseException] = []

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for item in source:
                if not put(item):
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            failure.append(exc)
        finally:
            put(done)

    def consume() -> Iterator[tuple[Any, ...]]:
        while True:
            item = q.get()
            if item is done:
                break
            yield item
        if failure:
            raise failure[0]

    thread = threading.Thread(target=run, name="cclf-parser", daemon=True)
    thread.start()
    return thread, consume()


def _load_direct(
    delivery: Delivery,
    files: Any,
    codes: list[str],
    layout_version: str,
    errors: list[RecordError],
    total_errors: int,
    progress: ProgressFn,
    started: float,
) -> tuple[dict[str, Any], list[tuple[str, StagedFile, list[RecordError]]], list[RecordError], int]:
    """The PostgreSQL load: one transaction in which each file is checked and copied as it is
    read (claims files straight into their tables, see `claims.loading.direct`; CCLF8, CCLF9 and
    CCLFA through staging tables), a parser thread rendering the next chunk meanwhile."""
    stop = threading.Event()
    box = _IndexBox(stop)
    # The COPY goes out in 128 kB pieces, each needing the GIL back from the parser thread:
    # a short switch interval keeps the database fed (bench/ingest: about 10% faster).
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(min(switch_interval, 0.0002))
    file_ids = dict(DeliveryFile.objects.filter(delivery=delivery).values_list("file_code", "pk"))
    clock = {"parse": 0.0}
    thread, messages = _run_ahead(
        _produce(files, codes, delivery, layout_version, total_errors, file_ids, box, stop, clock),
        stop,
    )
    file_updates: list[tuple[str, StagedFile, list[RecordError]]] = []
    counts: dict[str, Any] = {}
    sink: CopySink | None = None
    copy_seconds = 0.0
    try:
        try:
            merge_started = time.monotonic()
            with transaction.atomic(durable=True):
                session = _MergeSession(delivery, layout_version)
                if not session.begin():
                    return session.loaded_counts, [], errors, 0  # loaded meanwhile
                box.put(MbiIndex.load(delivery.entity_id))
                index = box.get()
                assert index is not None
                plan = None
                direct = False
                done = 0
                # Progress by file and records: the share of the delivery's bytes copied so far.
                total_bytes = max(sum(files.sizes.get(c, 0) for c in codes), 1)
                bytes_done, file_records, reported = 0, 0, time.monotonic()
                try:
                    for message in messages:
                        kind = message[0]
                        if kind == "start":
                            _, code, plan, direct = message
                            file_records = 0
                            progress(
                                5 + 85 * bytes_done // total_bytes,
                                f"Checking and loading {code} (file {done + 1} of {len(codes)})",
                            )
                            if direct:
                                table = CLAIMS_MODELS[code]._meta.db_table
                                sink = CopySink(table, direct_columns(plan), savepoint=True)
                            else:
                                create_stage(stage_table(delivery.pk, code), plan)
                                sink = CopySink(
                                    stage_table(delivery.pk, code), plan.columns, savepoint=False
                                )
                        elif kind == "batch":
                            assert sink is not None
                            t = time.monotonic()
                            sink.write(message[1])
                            copy_seconds += time.monotonic() - t
                            assert plan is not None
                            file_records += message[2]
                            bytes_done += message[2] * (plan.layout.record_length + 1)
                            if t - reported >= PROGRESS_SECONDS:
                                reported = t
                                progress(
                                    5 + 85 * min(bytes_done, total_bytes) // total_bytes,
                                    f"Loading {code} (file {done + 1} of {len(codes)}): "
                                    f"{file_records:,} records",
                                )
                        else:
                            _, code, result, file_errors, n = message
                            done += 1
                            file_updates.append((code, result, file_errors))
                            errors += file_errors
                            total_errors += n
                            if total_errors:
                                if sink is not None:
                                    sink.abort()
                                    sink = None
                                raise _Rejected
                            if sink is not None:
                                t = time.monotonic()
                                sink.close()
                                copy_seconds += time.monotonic() - t
                            session.add_mbis(index.take_pending())
                            if sink is not None and direct and not sink.conflicted:
                                session.add_direct(code, result)
                            elif sink is not None and direct:
                                # Rows stored before: stage the file and merge it (upsert).
                                logger.info("%s meets stored rows: merged through staging", code)
                                result = stage_file(
                                    files,
                                    code,
                                    layout_version,
                                    stage_table(delivery.pk, code),
                                    copy=True,
                                    mbi_columns=_MBI_COLUMNS[code],
                                )
                                session.add(code, result, register=False)
                            else:
                                session.add(code, result, register=False)
                            sink = None
                except BaseException:
                    # End an open COPY first: the transaction is rolled back right after.
                    if sink is not None:
                        sink.abort()
                        sink = None
                    raise
                if total_errors == 0:
                    progress(90, "Linking beneficiaries and recording the load")
                    now = time.monotonic()
                    # Every file read, checked and copied (the parser and COPY overlap);
                    # `parse` is the parser thread's busy time, `copy` the time spent waiting
                    # on COPY; then the beneficiaries (resolution, demographics) in `finish`.
                    counts = session.finish(
                        {
                            "stage_seconds": round(now - started, 3),
                            "parse_seconds": round(clock["parse"], 3),
                            "copy_seconds": round(copy_seconds, 3),
                            "pipelined": True,
                            "direct": True,
                        },
                        started=started,
                        merge_started=merge_started,
                    )
        except _Rejected:
            pass
        if total_errors:
            # The other files are still checked, to report every error.
            for message in messages:
                if message[0] == "file":
                    file_updates.append((message[1], message[2], message[3]))
                    errors += message[3]
                    total_errors += message[4]
    finally:
        if sink is not None:
            sink.abort()
        stop.set()
        thread.join()
        sys.setswitchinterval(switch_interval)
    return counts, file_updates, errors, total_errors


class _Rejected(Exception):
    """Raised inside the merge transaction to roll it back when a file has errors."""


def _stage_all(
    files: Any,
    codes: list[str],
    delivery_id: int,
    layout_version: str,
    errors_before: int,
    messages: queue.Queue[tuple[Any, ...]],
    stop: threading.Event,
    progress: ProgressFn,
    own_connection: bool,
) -> None:
    """Check and stage every file, in order, posting ("file", code, result, errors, count) for
    each, then ("done",); ("failed", exc) on an unexpected error. Staging stops at the first
    error; checking goes on."""
    total = errors_before
    try:
        for number, code in enumerate(codes):
            if stop.is_set():
                break
            progress(5 + 80 * number // len(codes), f"Checking and staging {code}")
            result = stage_file(
                files,
                code,
                layout_version,
                stage_table(delivery_id, code),
                copy=total == 0,
                mbi_columns=_MBI_COLUMNS[code],
            )
            file_errors = result.scan.errors + check_against_summary(
                files, result, layout(code, layout_version)
            )
            count = result.scan.error_count + len(file_errors) - len(result.scan.errors)
            total += count
            messages.put(("file", code, result, file_errors, count))
    except BaseException as exc:  # noqa: BLE001 - handed to the merging thread
        messages.put(("failed", exc))
    finally:
        messages.put(("done",))
        if own_connection:
            connection.close()


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
            # The same files (names, sizes and checksums; zipped, re-zipped or unzipped) are
            # the same delivery: already loaded. Files under the same CMS names with other
            # contents are not that delivery, and are not taken for it.
            if delivery.sha256 != files.sha256:
                when = delivery.loaded_at or delivery.updated_at
                raise ApplicationError(
                    f"Delivery {delivery.name} was loaded on {when:%Y-%m-%d} from "
                    "files with the same names and other contents (sizes or checksums differ): "
                    "nothing was loaded. Check which copy CMS delivered.",
                    {"delivery": delivery.name},
                )
            return delivery
        delivery.sha256 = files.sha256
        delivery.layout_version = layout_version
        # "loading" until the load's transaction commits (loaded) or it is rejected; a load
        # killed meanwhile leaves "loading", and the next run (the job is run again) repairs it.
        delivery.status = DeliveryStatus.LOADING
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


class _MergeSession:
    """The merge of one delivery, inside the load's transaction: files are added as they are
    staged, beneficiaries are worked out at the end."""

    def __init__(self, delivery: Delivery, layout_version: str) -> None:
        self.delivery, self.layout_version = delivery, layout_version
        self.entity_id, self.delivered_on = delivery.entity_id, delivery.delivered_at.date()
        self.file_ids = dict(
            DeliveryFile.objects.filter(delivery=delivery).values_list("file_code", "pk")
        )
        self.common: dict[str, Any] = {
            "entity_id": self.entity_id,
            "delivery_id": delivery.pk,
            "delivered_on": self.delivered_on,
        }
        self.counts: dict[str, Any] = {}
        self.staged: dict[str, StagedFile] = {}
        self.new_mbis = 0
        self.loaded_counts: dict[str, Any] = {}
        self.direct: list[str] = []  # claims files copied straight into their tables
        self.remap: dict[int, int] = {}

    def begin(self) -> bool:
        """Lock; False when another run loaded the delivery meanwhile."""
        if connection.vendor == "postgresql":
            # One merge at a time per entity: beneficiaries are worked out from the whole history.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x434C46, self.entity_id])
        current = Delivery.objects.select_for_update().get(pk=self.delivery.pk)
        self.loaded_counts = current.row_counts
        return current.status != DeliveryStatus.LOADED

    def add_mbis(self, pending: list[tuple[int, int]]) -> None:
        """MBIs first seen by the parser's index (ids reserved): inserted in this transaction."""
        inserted, remap = mbis_insert(
            entity_id=self.entity_id, pending=pending, delivered_on=self.delivered_on
        )
        self.new_mbis += inserted
        self.remap.update(remap)

    def add_direct(self, code: str, staged: StagedFile) -> None:
        """A claims file copied straight into its table: every record is a new row."""
        self.direct.append(code)
        self.counts[code] = {
            "records": staged.scan.records,
            "inserted": staged.scan.records,
            "replaced": 0,
            "unchanged": 0,
        }

    def add(self, code: str, staged: StagedFile, register: bool = True) -> None:
        self.staged[code] = staged
        if register:
            mbis = mbi_decode(sorted(staged.mbis))
            self.new_mbis += beneficiary_mbis_register(
                entity_id=self.entity_id, mbis=mbis, delivered_on=self.delivered_on
            )
        if code == "CCLF9":
            n = mbi_crosswalk_store(**self.common, file_id=self.file_ids[code], stage=staged.table)
            self.counts[code] = {"records": staged.scan.records, "inserted": n}
        elif code in CLAIM_FILE_CODES:
            result = merge_claims(
                code=code,
                plan=plan_for(code, self.layout_version),
                stage=staged.table,
                file_id=self.file_ids[code],
                **self.common,
            )
            self.counts[code] = {
                "records": staged.scan.records,
                "inserted": result.inserted,
                "replaced": result.replaced,
                "unchanged": result.unchanged,
            }

    def finish(
        self,
        timings: dict[str, Any],
        started: float | None = None,
        merge_started: float | None = None,
    ) -> dict[str, Any]:
        begun = time.monotonic()
        remap_mbis(entity_id=self.entity_id, codes=self.direct, remap=self.remap)
        cclf8 = self.staged.get("CCLF8")
        resolved = beneficiaries_resolve(
            entity_id=self.entity_id,
            delivered_on=self.delivered_on,
            demographics=cclf8.table if cclf8 is not None else None,
        )
        if cclf8 is not None:
            n = beneficiary_demographics_store(
                **self.common, file_id=self.file_ids["CCLF8"], stage=cclf8.table
            )
            self.counts["CCLF8"] = {"records": cclf8.scan.records, "inserted": n}
        for code, c in self.counts.items():
            # The registry's counts commit with the rows they count.
            DeliveryFile.objects.filter(pk=self.file_ids[code]).update(
                records=c["records"],
                inserted=c.get("inserted", 0),
                replaced=c.get("replaced", 0),
                unchanged=c.get("unchanged", 0),
                status=DeliveryStatus.LOADED,
            )
        DeliveryFile.objects.filter(pk=self.file_ids.get("CCLF0", 0)).update(
            status=DeliveryStatus.LOADED
        )
        now = time.monotonic()
        if merge_started is not None and started is not None:
            timings = {
                **timings,
                "beneficiaries_seconds": round(now - begun, 3),
                "merge_seconds": round(now - merge_started, 3),
                "total_seconds": round(now - started, 3),
            }
        counts = {
            **self.counts,
            "beneficiaries": {"new_mbis": self.new_mbis, **resolved},
            "timings": timings,
        }
        Delivery.objects.filter(pk=self.delivery.pk).update(
            status=DeliveryStatus.LOADED,
            row_counts=counts,
            validated_at=timezone.now(),
            loaded_at=timezone.now(),
            updated_at=timezone.now(),
        )
        return counts
