"""COPY straight into the claims tables (PostgreSQL): the fast path of a load.

A claims file whose rows are all new (the usual case: a monthly delivery brings new claim
versions) needs no staging table and no INSERT ... SELECT: each record is rendered with its
lineage (entity, delivery, source file, delivery date, the surrogate of its MBI) and copied
into the claims table inside the load's transaction, under a savepoint. When the copy meets a
row already stored (a re-delivery, the regular and run-out copies of a claim, a key repeated in
the file), the savepoint is rolled back and the file takes the staged path (`merge.merge_claims`),
which updates rows in place.

The MBI surrogates are looked up in an index of the entity's MBIs (base-36 codes, sorted). An MBI
not seen before gets an id from `beneficiaries_beneficiarymbi`'s own sequence, reserved on a
connection of its own (the load's connection is busy copying, and `nextval` is not transactional
anyway); the load's transaction then inserts those MBIs with their ids, so nothing is visible
before the commit. Claims rows have no database foreign key, so the order does not matter.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import psycopg
from django.db import connection, connections, transaction

from cclf.layouts import CLAIM_FILE_CODES
from cclf.parser import TAB, ZERO, CopyPlan, copy_plan, mbi_codes, mbi_decode
from claims.loading.stage import UNSTAGED
from claims.models import CLAIMS_MODELS

# Files copied straight into their table. CCLFA numbers the rows of a claim (row_seq) across the
# whole file, which the staged merge does with a window function.
DIRECT_CODES = tuple(c for c in CLAIM_FILE_CODES if "row_seq" not in CLAIMS_MODELS[c].cclf_key)
LINEAGE_COLUMNS = ["entity_id", "delivery_id", "source_file_id", "delivered_on", "mbi_id"]
ID_DIGITS = 15  # bigint ids, zero-padded (PostgreSQL reads leading zeros)
_MBI_SEQUENCE = "pg_get_serial_sequence('beneficiaries_beneficiarymbi', 'id')"


def direct_plan(plan: CopyPlan) -> CopyPlan:
    """The staged plan without the MBI column (the claims tables hold its surrogate)."""
    labels = [f.label for f in plan.fields if f.label != "BENE_MBI_ID" and f.label not in UNSTAGED]
    return copy_plan(plan.layout, labels)


def direct_columns(plan: CopyPlan) -> list[str]:
    return [*LINEAGE_COLUMNS, *plan.columns]


def _reserve_ids(count: int) -> list[int]:
    """`count` ids from the BeneficiaryMbi sequence, on a connection of their own."""
    wrapper = connections.create_connection(connection.alias)
    try:
        with wrapper.cursor() as cursor:
            cursor.execute(f"SELECT nextval({_MBI_SEQUENCE}) FROM generate_series(1, %s)", [count])
            return [row[0] for row in cursor.fetchall()]
    finally:
        wrapper.close()


@dataclass
class MbiIndex:
    """The entity's MBIs (base-36 codes, sorted) and their BeneficiaryMbi ids. Used by the
    parser thread; `take_pending` hands the MBIs it added to the load's transaction."""

    codes: np.ndarray
    ids: np.ndarray
    pending: list[tuple[int, int]] = field(default_factory=list)  # (code, id)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, entity_id: int) -> MbiIndex:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT mbi, id FROM beneficiaries_beneficiarymbi WHERE entity_id = %s",
                [entity_id],
            )
            rows = [(m, i) for m, i in cursor.fetchall() if len(m) == 11]
        if not rows:
            return cls(np.empty(0, np.int64), np.empty(0, np.int64))
        text = np.frombuffer("".join(m for m, _ in rows).encode("ascii"), dtype=np.uint8)
        codes = mbi_codes(text.reshape(len(rows), 11))
        ids = np.array([i for _, i in rows], dtype=np.int64)
        order = np.argsort(codes, kind="stable")
        return cls(codes[order], ids[order])

    def _find(self, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pos = np.searchsorted(self.codes, codes)
        pos = np.minimum(pos, max(len(self.codes) - 1, 0))
        if not len(self.codes):
            return pos, np.zeros(len(codes), dtype=bool)
        return pos, self.codes[pos] == codes

    def ids_for(self, codes: np.ndarray) -> np.ndarray:
        """The id of every MBI code, giving new MBIs an id of their own."""
        with self.lock:
            pos, found = self._find(codes)
            if not found.all():
                new = np.unique(codes[~found])
                new_ids = np.array(_reserve_ids(len(new)), dtype=np.int64)
                self.pending += list(zip(new.tolist(), new_ids.tolist(), strict=True))
                merged = np.concatenate([self.codes, new])
                order = np.argsort(merged, kind="stable")
                self.codes = merged[order]
                self.ids = np.concatenate([self.ids, new_ids])[order]
                pos, found = self._find(codes)
            return self.ids[pos]

    def take_pending(self) -> list[tuple[int, int]]:
        with self.lock:
            out, self.pending = self.pending, []
        return out


def mbis_insert(
    *, entity_id: int, pending: list[tuple[int, int]], delivered_on: date
) -> tuple[int, dict[int, int]]:
    """Insert the MBIs the index added, with their reserved ids. Returns (inserted, remap): an
    MBI another writer registered meanwhile keeps that writer's id, `remap` maps ours to it."""
    if not pending:
        return 0, {}
    mbis = mbi_decode(code for code, _ in pending)
    # Usually none of them is stored (the index was read under the load's lock): one COPY.
    sink = CopySink(
        "beneficiaries_beneficiarymbi", ["id", "entity_id", "mbi", "first_seen_on"], savepoint=True
    )
    day = delivered_on.isoformat()
    sink.write(
        "".join(
            f"{i}\t{entity_id}\t{m}\t{day}\n" for (_, i), m in zip(pending, mbis, strict=True)
        ).encode()
    )
    sink.close()
    if not sink.conflicted:
        return len(pending), {}
    with connection.cursor() as cursor:
        # Another writer registered some of them: COPY to a scratch table, then one INSERT ... SELECT (a first delivery brings every MBI).
        cursor.execute("DROP TABLE IF EXISTS claims_new_mbis")
        cursor.execute("CREATE TEMP TABLE claims_new_mbis (id bigint, mbi text) ON COMMIT DROP")
        with cursor.cursor.copy("COPY claims_new_mbis (id, mbi) FROM STDIN") as copy:
            copy.write(
                "".join(f"{i}\t{m}\n" for (_, i), m in zip(pending, mbis, strict=True)).encode()
            )
        cursor.execute(
            "INSERT INTO beneficiaries_beneficiarymbi (id, entity_id, mbi, first_seen_on) "
            "SELECT id, %s, mbi, %s FROM claims_new_mbis "
            "ON CONFLICT (entity_id, mbi) DO NOTHING RETURNING id",
            [entity_id, delivered_on],
        )
        inserted = {r[0] for r in cursor.fetchall()}
        remap: dict[int, int] = {}
        missed = [(i, m) for (_, i), m in zip(pending, mbis, strict=True) if i not in inserted]
        if missed:
            cursor.execute(
                "SELECT mbi, id FROM beneficiaries_beneficiarymbi WHERE entity_id = %s AND mbi = ANY(%s)",
                [entity_id, [m for _, m in missed]],
            )
            theirs = dict(cursor.fetchall())
            remap = {i: theirs[m] for i, m in missed}
        cursor.execute("DROP TABLE claims_new_mbis")
    return len(inserted), remap


def remap_mbis(*, entity_id: int, codes: list[str], remap: dict[int, int]) -> None:
    """Point rows copied with a reserved MBI id at the id another writer registered."""
    if not remap:
        return
    values = ", ".join(["(%s::bigint, %s::bigint)"] * len(remap))
    params: list[Any] = [v for pair in remap.items() for v in pair]
    with connection.cursor() as cursor:
        for code in codes:
            table = CLAIMS_MODELS[code]._meta.db_table
            cursor.execute(
                f"UPDATE {table} t SET mbi_id = m.theirs FROM (VALUES {values}) m(ours, theirs) "
                "WHERE t.entity_id = %s AND t.mbi_id = m.ours",
                [*params, entity_id],
            )


class LineagePrefix:
    """Renders the lineage columns of each row: constants, then the MBI surrogate id."""

    def __init__(
        self,
        *,
        index: MbiIndex,
        mbi_start: int,
        entity_id: int,
        delivery_id: int,
        file_id: int,
        delivered_on: date,
    ) -> None:
        self.index, self.mbi_start = index, mbi_start
        const = f"{entity_id}\t{delivery_id}\t{file_id}\t{delivered_on.isoformat()}\t".encode()
        self.const = np.frombuffer(const, dtype=np.uint8)
        self.width = len(self.const) + ID_DIGITS + 1  # bytes put before each row

    def __call__(self, data: np.ndarray) -> np.ndarray:
        n = len(data)
        ids = self.index.ids_for(mbi_codes(data[:, self.mbi_start : self.mbi_start + 11]))
        k = len(self.const)
        head = np.empty((n, k + ID_DIGITS + 1), dtype=np.uint8)
        head[:, :k] = self.const
        digits = ids.copy()
        for i in range(k + ID_DIGITS - 1, k - 1, -1):
            head[:, i] = ZERO + digits % 10
            digits //= 10
        head[:, -1] = TAB
        return head


class CopySink:
    """One COPY into a table on the load's connection. With `savepoint`, a unique violation
    (a row already stored) is caught and rolled back: `conflicted` tells the caller."""

    def __init__(self, table: str, columns: list[str], *, savepoint: bool) -> None:
        self.sid = transaction.savepoint() if savepoint else None
        self.rows_text = 0
        self.conflicted = False
        self._cursor = connection.cursor()
        self._cm = self._cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN")
        self._copy = self._cm.__enter__()
        self._open = True

    def write(self, text: bytes) -> None:
        if self.conflicted:
            return
        try:
            self._copy.write(text)
        except psycopg.errors.UniqueViolation as exc:
            self._fail(exc)

    def _fail(self, exc: BaseException) -> None:
        if self.sid is None:
            raise exc
        self.conflicted = True
        if self._open:
            self._open = False
            with contextlib.suppress(psycopg.Error):
                self._cm.__exit__(type(exc), exc, exc.__traceback__)

    def close(self) -> None:
        try:
            if self._open:
                self._open = False
                try:
                    self._cm.__exit__(None, None, None)
                except psycopg.errors.UniqueViolation as exc:
                    if self.sid is None:
                        raise
                    self.conflicted = True
                    del exc
        finally:
            self._cursor.close()
        if self.sid is not None:
            if self.conflicted:
                transaction.savepoint_rollback(self.sid)
            else:
                transaction.savepoint_commit(self.sid)

    def abort(self) -> None:
        """Give up (the load failed): end the COPY so the connection can roll back."""
        if self._open:
            self._open = False
            with contextlib.suppress(psycopg.Error):
                self._cm.__exit__(RuntimeError, RuntimeError("load aborted"), None)
        self._cursor.close()
