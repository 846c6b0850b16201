"""Merging staged files into the claims tables: INSERT ... SELECT, one statement per file.

Runs inside the load's single transaction. A row is keyed by its CMS record key within the entity
(the model's composite primary key). The first attempt is a plain insert, which is what a new
delivery needs; when it meets rows delivered before (a re-delivery, the regular and run-out copies of
a claim, or a repeated key within the file) it is rolled back to its savepoint and done again as an
upsert where the copy from the latest delivery wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, connection, transaction

from cclf.parser import CopyPlan
from claims.models import CLAIMS_MODELS


@dataclass
class MergeCounts:
    inserted: int = 0
    replaced: int = 0
    unchanged: int = 0


def _key_columns(model: Any) -> list[str]:
    return list(model.cclf_key)


def merge_claims(
    *,
    code: str,
    plan: CopyPlan,
    stage: str,
    entity_id: int,
    delivery_id: int,
    file_id: int,
    delivered_on: date,
) -> MergeCounts:
    model = CLAIMS_MODELS[code]
    table = model._meta.db_table
    key = _key_columns(model)
    data_columns = [f.column for f in plan.fields if f.label != "BENE_MBI_ID"]
    lineage = [
        "entity_id",
        "mbi_id",
        "delivery_id",
        "source_file_id",
        "source_line",
        "delivered_on",
    ]
    params = {
        "entity_id": entity_id,
        "delivery_id": delivery_id,
        "file_id": file_id,
        "delivered_on": delivered_on,
    }
    select_cols = [
        "%(entity_id)s",
        "m.id",
        "%(delivery_id)s",
        "%(file_id)s",
        "s.source_line",
        "%(delivered_on)s",
        *[f"s.{c}" for c in data_columns],
    ]
    columns = lineage + data_columns
    if "row_seq" in key:
        # CCLFA holds one or more rows per claim: number them in file order.
        columns.append("row_seq")
        select_cols.append(
            "ROW_NUMBER() OVER (PARTITION BY s.cur_clm_uniq_id ORDER BY s.source_line)"
        )
    select = (
        f"SELECT {', '.join(select_cols)} FROM {stage} s "
        "JOIN beneficiaries_beneficiarymbi m ON m.entity_id = %(entity_id)s AND m.mbi = s.bene_mbi_id"
    )
    insert = f"INSERT INTO {table} ({', '.join(columns)}) {select}"
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():
                cursor.execute(insert, params)
                return MergeCounts(inserted=cursor.rowcount)
        except IntegrityError:
            pass
        # Rows delivered before: count them, drop repeated keys within the file (the last line
        # wins), then upsert, the copy from the latest delivery winning.
        join = " AND ".join(f"t.{k} = s.{k}" for k in key if k != "row_seq")
        dedupe_key = ", ".join(k for k in key if k != "row_seq")
        if "row_seq" not in key:
            cursor.execute(
                f"DELETE FROM {stage} WHERE source_line NOT IN "
                f"(SELECT MAX(source_line) FROM {stage} GROUP BY {dedupe_key})"
            )
        cursor.execute(f"SELECT COUNT(*) FROM {stage}")
        staged = cursor.fetchone()[0]
        if "row_seq" in key:
            existing_sql = (
                f"SELECT COUNT(*) FROM {table} t WHERE t.entity_id = %(entity_id)s AND t.cur_clm_uniq_id IN "
                f"(SELECT cur_clm_uniq_id FROM {stage})"
            )
        else:
            existing_sql = f"SELECT COUNT(*) FROM {stage} s JOIN {table} t ON t.entity_id = %(entity_id)s AND {join}"
        cursor.execute(existing_sql, params)
        existing = cursor.fetchone()[0]
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in ("entity_id", *key))
        upsert = (
            f"INSERT INTO {table} ({', '.join(columns)}) {select} WHERE 1 = 1 "
            f"ON CONFLICT (entity_id, {', '.join(key)}) DO UPDATE SET {updates} "
            f"WHERE {table}.delivered_on < excluded.delivered_on"
        )
        cursor.execute(upsert, params)
        affected = cursor.rowcount
    inserted = max(staged - existing, 0)
    replaced = max(affected - inserted, 0)
    return MergeCounts(inserted=inserted, replaced=replaced, unchanged=max(existing - replaced, 0))
