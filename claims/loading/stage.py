"""Reading a delivery's files and writing them to staging tables, in one pass per file.

Every record is checked (length, dates, amounts, keys, MBIs) while it is copied. Staging tables are
scratch space of one load (`claims_stage_<delivery id>_<file code>`): nothing in them is visible to
any reader, and they are dropped after the merge. On PostgreSQL they are UNLOGGED and filled by
COPY from a parser thread; on SQLite (the demo) they are temporary tables filled by executemany.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection

from cclf.delivery import DeliveryFiles
from cclf.layouts import Field, Layout, layout
from cclf.parser import (
    BatchRenderer,
    CopyPlan,
    FileScan,
    ParsedBatch,
    RecordError,
    copy_plan,
    iter_batches,
)

# Identifier fields not staged: HICN and RRB numbers are blank since 2020 (IP section 1).
UNSTAGED = {"BENE_HIC_NUM", "BENE_EQTBL_BIC_HICN_NUM", "BENE_RRB_NUM"}
MBI_COLUMN_OF = {"CCLF9": None}  # CCLF9's MBIs are both CRNT_NUM and PRVS_NUM, collected apart


def stage_table(delivery_id: int, code: str) -> str:
    return f"claims_stage_{delivery_id}_{code.lower()}"


def plan_for(code: str, version: str) -> CopyPlan:
    lay = layout(code, version)
    return copy_plan(lay, [f.label for f in lay.fields if f.label not in UNSTAGED])


def _sql_type(f: Field) -> str:
    if connection.vendor == "postgresql":
        return {
            "date": "date",
            "amount": f"numeric({f.width - 2},{f.scale})",
            "integer": "bigint",
        }.get(f.kind, "text")
    return {"date": "text", "amount": "numeric", "integer": "integer"}.get(f.kind, "text")


def create_stage(name: str, plan: CopyPlan) -> None:
    columns = ", ".join(
        ["source_line bigint", *[f"{f.column} {_sql_type(f)}" for f in plan.fields]]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
        if connection.vendor == "postgresql":
            cursor.execute(f"CREATE UNLOGGED TABLE {name} ({columns})")
        else:
            cursor.execute(f"CREATE TEMP TABLE {name} ({columns})")


def drop_stages(delivery_id: int) -> None:
    """Drop every staging table of a delivery (after a merge, or the leftovers of a killed load)."""
    prefix = f"claims_stage_{delivery_id}_"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE %s",
                [prefix + "%"],
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_temp_master WHERE type = 'table' AND name LIKE %s",
                [prefix + "%"],
            )
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP TABLE IF EXISTS {name}")


@dataclass
class StagedFile:
    """What staging one file produced."""

    code: str
    name: str
    table: str
    scan: FileScan
    mbis: set[int] = field(default_factory=set)  # distinct MBI codes (base 36)


def _parsed_batches(
    stream: Any, lay: Layout, scan: FileScan, renderer: BatchRenderer, want_copy: Callable[[], bool]
) -> Iterator[ParsedBatch]:
    for batch in iter_batches(stream, lay, scan):
        yield renderer.render(batch, want_copy=want_copy())


def _threaded(source: Iterator[ParsedBatch], depth: int = 2) -> Iterator[ParsedBatch]:
    """Run a generator in a thread, `depth` items ahead: the parser (numpy, which releases the
    GIL) works while the database reads the previous chunk."""
    q: queue.Queue[Any] = queue.Queue(maxsize=depth)
    done = object()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            for item in source:
                q.put(item)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            failure.append(exc)
        finally:
            q.put(done)

    thread = threading.Thread(target=run, name="cclf-parser", daemon=True)
    thread.start()
    while True:
        item = q.get()
        if item is done:
            break
        yield item
    thread.join()
    if failure:
        raise failure[0]


def stage_file(
    delivery: DeliveryFiles,
    code: str,
    version: str,
    table: str,
    *,
    copy: bool,
    mbi_columns: tuple[str, ...] = (),
    on_rows: Callable[[int], None] | None = None,
) -> StagedFile:
    """Read one file, check every record and (while `copy` and no error was found) write it to
    the staging table. Reading goes on after the first error, to report every error (capped)."""
    plan = plan_for(code, version)
    lay = plan.layout
    name = delivery.member_name(code)
    scan = FileScan(name)
    staged = StagedFile(code, name, table, scan)
    renderer = BatchRenderer(plan, name, mbi_columns[0] if mbi_columns else None)
    extra = [lay.field(c) for c in mbi_columns[1:]]
    if copy:
        create_stage(table, plan)

    def copying() -> bool:
        return copy and scan.error_count == 0

    with delivery.open(code) as stream:
        batches = _threaded(_parsed_batches(stream, lay, scan, renderer, copying))
        writer = _Writer(table, plan) if copy else None
        try:
            for parsed in batches:
                for error in parsed.errors:
                    scan.add(error)
                scan.error_count += parsed.error_count - len(parsed.errors)
                if parsed.mbis is not None:
                    staged.mbis.update(parsed.mbis.tolist())
                if writer is not None and scan.error_count == 0 and parsed.copy_text:
                    writer.write(parsed.copy_text)
                if on_rows is not None:
                    on_rows(parsed.rows)
        finally:
            if writer is not None:
                writer.close()
    if extra and scan.error_count == 0:
        staged.mbis.update(_extra_mbis(table, [f.column for f in extra]))
    return staged


def _extra_mbis(table: str, columns: list[str]) -> set[int]:
    """MBIs of the other identifier columns (CCLF9's PRVS_NUM), read back from staging."""
    from cclf.parser import mbi_codes

    out: set[int] = set()
    with connection.cursor() as cursor:
        for column in columns:
            cursor.execute(f"SELECT DISTINCT {column} FROM {table}")
            values = [v for (v,) in cursor.fetchall() if v]
            if values:
                arr = np.frombuffer("".join(values).encode("ascii"), dtype=np.uint8).reshape(
                    len(values), 11
                )
                out.update(mbi_codes(arr).tolist())
    return out


class _Writer:
    """COPY into a staging table (PostgreSQL), or inserts (SQLite)."""

    def __init__(self, table: str, plan: CopyPlan) -> None:
        self.table, self.plan = table, plan
        self.columns = plan.columns
        self._cursor = connection.cursor()
        self._copy = None
        if connection.vendor == "postgresql":
            self._copy_cm = self._cursor.cursor.copy(
                f"COPY {table} ({', '.join(self.columns)}) FROM STDIN"
            )
            self._copy = self._copy_cm.__enter__()

    def write(self, text: bytes) -> None:
        if self._copy is not None:
            self._copy.write(text)
            return
        rows = []
        # The parser let through only UTF-8 text (cclf.parser).
        for line in text.decode("utf-8").split("\n"):
            if line:
                rows.append(
                    [None if v == "\\N" else v.strip() if v else v for v in line.split("\t")]
                )
        placeholders = ", ".join(["%s"] * len(self.columns))
        self._cursor.executemany(
            f"INSERT INTO {self.table} ({', '.join(self.columns)}) VALUES ({placeholders})", rows
        )

    def close(self) -> None:
        try:
            if self._copy is not None:
                self._copy_cm.__exit__(None, None, None)
        finally:
            self._cursor.close()


def check_against_summary(
    delivery: DeliveryFiles, staged: StagedFile, lay: Layout
) -> list[RecordError]:
    """The CCLF0 checks of one file: declared record length and record count."""
    errors = []
    row = delivery.summary.get(staged.code)
    cclf0 = delivery.member_name("CCLF0") if "CCLF0" in delivery.members else "CCLF0"
    if row is None:
        errors.append(RecordError(staged.name, None, None, f"{staged.code} is not listed in CCLF0"))
        return errors
    if row.record_length != lay.record_length:
        errors.append(
            RecordError(
                cclf0,
                None,
                "RECORD_LENGTH",
                f"{staged.code} record length {row.record_length} in CCLF0, layout {lay.version} has "
                f"{lay.record_length}",
            )
        )
    if row.records != staged.scan.records:
        errors.append(
            RecordError(
                cclf0,
                None,
                "RECORD_COUNT",
                f"{staged.code} record count {row.records} in CCLF0, the file has {staged.scan.records}",
            )
        )
    return errors
