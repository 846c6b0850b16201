"""Prepared statements (`core.prepared`): the hot paths' statements are really prepared, keep a
generic plan, and the request's first one stands in for Django's connection health check."""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from core.prepared import fetch_first, prepared_cursor

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"
)

QUERY = "SELECT %s::int + 1"


def _terminate(pid: int) -> None:
    params = connection.get_connection_params()
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])


@pytest.mark.django_db
def test_statements_asked_for_are_prepared_once_with_a_generic_plan() -> None:
    for n in range(3):
        with prepared_cursor() as cursor:
            cursor.execute(QUERY, [n])
            assert cursor.fetchone() == (n + 1,)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement = 'SELECT $1::int + 1'"
        )
        assert cursor.fetchall() == [(3, 0)]
        # The ORM's own statements are not prepared.
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        assert cursor.fetchone() == (1,)


@pytest.mark.django_db(transaction=True)
def test_the_first_statement_replaces_a_connection_the_server_dropped() -> None:
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"]
    assert fetch_first(QUERY, [1]) == [(2,)]
    dropped = connection.connection.info.backend_pid
    _terminate(dropped)
    connection.health_check_done = False  # a new request on the persistent connection
    assert fetch_first(QUERY, [41]) == [(42,)]
    assert connection.connection.info.backend_pid != dropped


@pytest.mark.django_db(transaction=True)
def test_a_dropped_connection_already_checked_is_an_error() -> None:
    """Within a request, after the check, a lost connection is an error as anywhere else."""
    from django.db import OperationalError

    assert fetch_first(QUERY, [1]) == [(2,)]
    _terminate(connection.connection.info.backend_pid)
    with pytest.raises(OperationalError):
        fetch_first(QUERY, [1])
    connection.close()
