"""The rows a migrated database starts with (content types, permissions, the program registry and
the reference defaults the data migrations ship), kept aside once per test session and put back
after every transactional test.

A transactional test ends with Django's flush, which empties every table, these rows included.
Loading them again through their loaders after each such test cost seconds (the registry is
about a thousand `update_or_create` calls with their history rows); Django's serialized
rollback saves object by object and fails outright when a flush without it has recreated the
content types under other ids. Here they are loaded once when the test database is set up, read
with one COPY per table, and written back with COPY into the tables a flush left empty.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from benchmarks.services.reference import reference_defaults_load
from entities.registry_data import ensure_registry

_kept: dict[str, tuple[str, bytes]] = {}
_ready = False  # keep() ran: the connection is the test database's


def _copyable_columns(cursor: Any, table: str) -> str:
    cursor.execute(
        "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped AND attgenerated = ''",
        [connection.ops.quote_name(table)],
    )
    return cursor.fetchone()[0]


def _nonempty_tables(cursor: Any) -> set[str]:
    tables = sorted(
        connection.introspection.django_table_names(only_existing=True, include_views=False)
    )
    cursor.execute(
        " UNION ALL ".join(
            f"SELECT %s WHERE EXISTS (SELECT 1 FROM {connection.ops.quote_name(t)})"  # noqa: S608
            for t in tables
        ),
        tables,
    )
    return {row[0] for row in cursor.fetchall()}


def keep() -> None:
    """Load the shipped rows where they are missing, then keep every non-empty table's rows."""
    global _ready
    ensure_registry()
    reference_defaults_load()
    _kept.clear()
    _ready = True
    if connection.vendor != "postgresql":
        return
    with transaction.atomic(), connection.cursor() as cursor:
        for table in sorted(_nonempty_tables(cursor)):
            columns = _copyable_columns(cursor, table)
            quoted = connection.ops.quote_name(table)
            with cursor.copy(f"COPY {quoted} ({columns}) TO STDOUT (FORMAT binary)") as copy:
                data = b"".join(bytes(block) for block in copy)
            _kept[table] = (columns, data)


def restore() -> None:
    """Put the kept rows back into those of their tables that are empty (after a flush)."""
    if not _ready:
        return
    if connection.vendor != "postgresql":
        ensure_registry()
        reference_defaults_load()
        return
    with transaction.atomic(), connection.cursor() as cursor:
        empty = set(_kept) - _nonempty_tables(cursor)
        for table in sorted(empty):
            columns, data = _kept[table]
            quoted = connection.ops.quote_name(table)
            with cursor.copy(f"COPY {quoted} ({columns}) FROM STDIN (FORMAT binary)") as copy:
                copy.write(data)
