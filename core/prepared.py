"""Prepared statements on Django's connection, for the few hot queries that earn them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from django.db import InterfaceError, OperationalError, connection

from core.rls import settle


def _server_binding_cursor() -> Any:
    """Django's psycopg 3 cursor class, or None without psycopg 3."""
    try:
        from django.db.backends.postgresql import base
    except ImportError:  # pragma: no cover - no psycopg
        return None
    return getattr(base, "ServerBindingCursor", None)


# Any: django-stubs describe neither this cursor's constructor nor its execute().
ServerBindingCursor: Any = _server_binding_cursor()


if ServerBindingCursor is not None:

    class PreparedCursor(ServerBindingCursor):
        """Server-side parameters, and each statement prepared on its connection (Django turns
        psycopg's automatic preparation off for the ORM's queries)."""

        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            kwargs.setdefault("prepare", True)
            return super().execute(query, params, **kwargs)


@contextmanager
def prepared_cursor() -> Iterator[Any]:
    """A cursor of Django's connection (its transaction, error wrapping and query log) whose
    statements are prepared once per connection and keep one generic plan (the settings set
    psycopg's `prepare_threshold` and PostgreSQL's `plan_cache_mode` for this: planning these
    joins cost several times running them, ~2 ms against ~0.3 ms per detail). Prepared statements live on the connection, so they pay off with
    persistent connections (CONN_MAX_AGE); a pooler in transaction mode in front of PostgreSQL
    needs protocol-level prepared statements (PgBouncer 1.21+). Elsewhere, Django's cursor."""
    # Prepared statements bypass Django's execute wrappers: a deferred scope first (core.rls).
    settle()
    if connection.vendor != "postgresql" or ServerBindingCursor is None:
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = PreparedCursor(connection.connection)
    wrapper: Any = connection  # _prepare_cursor is the PostgreSQL backend's, not in the stubs
    with wrapper._prepare_cursor(raw) as cursor:
        yield cursor


def fetch_first(query: str, params: Any) -> list[tuple[Any, ...]]:
    """Run a request's first statement, which also serves as the connection's health check.

    With CONN_HEALTH_CHECKS, Django sends `SELECT 1` before a request's first query to find a
    persistent connection the server dropped while it was idle: one more round trip on every
    call, which on the partner API's detail cost as much as a query (bench/api). Here the
    statement itself is the check: if it fails on a connection that had not been checked yet,
    the connection is closed and the statement runs once more on a new one, which is what
    the check would have done. Only outside a transaction (nothing else to replay)."""
    wrapper: Any = connection  # the health-check attributes are not in django-stubs
    pending = (
        connection.vendor == "postgresql"
        and wrapper.health_check_enabled
        and not wrapper.health_check_done
        and connection.connection is not None
        and not connection.in_atomic_block
    )
    if pending:
        wrapper.health_check_done = True
    try:
        with prepared_cursor() as cursor:
            cursor.execute(query, params)
            return cursor.fetchall()
    except (OperationalError, InterfaceError):
        if not pending or connection.is_usable():
            raise
        connection.close()
    with prepared_cursor() as cursor:
        cursor.execute(query, params)
        return cursor.fetchall()


def _iso(value: Any) -> str:
    if isinstance(value, date):  # datetime too: ISO 8601 with its offset
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not written as JSON here")


def rows_json(rows: list[dict[str, Any]]) -> str:
    """Rows as one JSON parameter for `json_populate_recordset(NULL::table, %s::json)`: a
    statement whose text does not change with the number of rows (so it is prepared once), and
    one parameter to send, where an array per column cost psycopg's dumping of each. Dates and
    times in ISO 8601 (an aware datetime with its offset); keys are the table's column names."""
    return json.dumps(rows, default=_iso, ensure_ascii=False, separators=(",", ":"))
