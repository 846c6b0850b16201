"""Prepared statements on Django's connection, for the few hot queries that earn them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection

try:  # PostgreSQL through psycopg 3
    from django.db.backends.postgresql.base import ServerBindingCursor
except ImportError:  # pragma: no cover - no psycopg 3
    ServerBindingCursor = None


if ServerBindingCursor is not None:

    class PreparedCursor(ServerBindingCursor):  # type: ignore[misc, valid-type]
        """Server-side parameters, and each statement prepared on its connection (Django turns
        psycopg's automatic preparation off for the ORM's queries)."""

        def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
            kwargs.setdefault("prepare", True)
            return super().execute(query, params, **kwargs)


@contextmanager
def prepared_cursor() -> Iterator[Any]:
    """A cursor of Django's connection (its transaction, error wrapping and query log) whose
    statements are prepared: after five calls PostgreSQL keeps a generic plan instead of
    planning each call (planning these joins cost several times running them: ~2 ms against
    ~0.3 ms per detail). Prepared statements live on the connection, so they pay off with
    persistent connections (CONN_MAX_AGE); a pooler in transaction mode in front of PostgreSQL
    needs protocol-level prepared statements (PgBouncer 1.21+). Elsewhere, Django's cursor."""
    if connection.vendor != "postgresql" or ServerBindingCursor is None:
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = PreparedCursor(connection.connection)
    with connection._prepare_cursor(raw) as cursor:
        yield cursor
