"""The flush that ends a transactional test: only the tables the test left rows in, as DELETE
where PostgreSQL allows it.

Django empties every table with one TRUNCATE, which on PostgreSQL makes new files for each of
the ~600 tables, indexes and sequences whatever they hold: 3.5-5.4 s a test on the 2-core
machine, against 0.1-0.2 s to DELETE the few thousand rows a test writes. One query first finds
the tables that hold rows (as the tables' owner, outside any row-security scope, so that it and
the DELETEs see every row); the empty ones are left alone. The tables DELETE cannot empty are
truncated when they hold rows: those with a trigger that refuses DELETE (the append-only access
log), and, as TRUNCATE demands, every table whose foreign key points at one of them. Deferred
foreign keys (Django's) let the DELETEs run in any order inside the flush's transaction; a table
in a non-deferred foreign key is truncated. With `reset_sequences` Django's own statements run
unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection

_TRUNCATE_SEEDS = """
SELECT tgrelid::regclass::text FROM pg_trigger
WHERE NOT tgisinternal AND (tgtype & 8) <> 0  -- a DELETE trigger
UNION SELECT conrelid::regclass::text FROM pg_constraint WHERE contype = 'f' AND NOT condeferred
UNION SELECT confrelid::regclass::text FROM pg_constraint WHERE contype = 'f' AND NOT condeferred
"""
_REFERENCES = "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint WHERE contype = 'f'"


def _references() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(_REFERENCES)
        return [(a.strip('"'), b.strip('"')) for a, b in cursor.fetchall()]


def _with_referencing(names: set[str], references: list[tuple[str, str]]) -> set[str]:
    """`names` and every table whose foreign key points at one of them, transitively."""
    names = set(names)
    grown = True
    while grown:
        before = len(names)
        names |= {referencing for referencing, referenced in references if referenced in names}
        grown = len(names) > before
    return names


def _must_truncate(references: list[tuple[str, str]]) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(_TRUNCATE_SEEDS)
        names = {row[0].strip('"') for row in cursor.fetchall()}
    return _with_referencing(names, references)


def _holding_rows(tables: list[str]) -> set[str]:
    """The tables with at least one row, in one query, as the owner outside any scope."""
    from core import rls

    rls.scope_reset()
    with connection.cursor() as cursor:
        cursor.execute(
            " UNION ALL ".join(
                f"SELECT %s WHERE EXISTS (SELECT 1 FROM {connection.ops.quote_name(t)})"  # noqa: S608 - Django's own table names
                for t in tables
            ),
            tables,
        )
        return {row[0] for row in cursor.fetchall()}


def install() -> None:
    """Make the test connection's flush DELETE where it can (once per session)."""
    if connection.vendor != "postgresql":
        return
    ops = connection.ops
    original: Callable[..., list[str]] = ops.sql_flush
    references = _references()
    truncated = _must_truncate(references)

    def sql_flush(
        style: Any, tables: list[str], *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        if reset_sequences or not tables:
            return original(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        touched = _holding_rows(tables)
        by_truncate = sorted(_with_referencing(touched & truncated, references) & set(tables))
        statements = (
            original(style, by_truncate, reset_sequences=False, allow_cascade=allow_cascade)
            if by_truncate
            else []
        )
        return statements + [
            f"DELETE FROM {ops.quote_name(t)}"  # noqa: S608 - Django's own table names
            for t in sorted(touched)
            if t not in truncated
        ]

    ops.sql_flush = sql_flush  # type: ignore[method-assign,assignment]
