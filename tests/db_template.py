"""One migration per run, not one per pytest-xdist worker.

Each worker tests against a database of its own. Built by `migrate`, that costs about 24 s of
CPU on the 2-core machine (Python re-rendering the project's models, PostgreSQL running the
DDL), and a run with a new database (`--create-db`, CI's fresh clone, a new machine) paid it
once per worker. The first worker to migrate now saves its fresh database as this run's
template; a worker that needs its database after that copies the template (PostgreSQL's
`CREATE DATABASE ... TEMPLATE`, as Django's own parallel test runner clones), and `migrate`
then finds nothing to apply. A worker that comes first, or whose database is kept by
`--reuse-db`, is not affected. The template is named after the run; a later run drops the
templates of earlier ones.
"""

from __future__ import annotations

import os
from contextlib import suppress

from django.db import DatabaseError, connection, connections

_published: set[str] = set()
_made_here = False  # this worker's database is new in this run, made by `migrate`


def _names() -> tuple[str, str, str] | None:
    """(this worker's test database, the run's template, the templates' name prefix), or None
    when there is nothing to share: no xdist run, or not PostgreSQL."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    if not run or connection.vendor != "postgresql":
        return None
    name = connection.creation._get_test_db_name()  # type: ignore[attr-defined]
    prefix = f"{name.rsplit('_gw', 1)[0]}_template_"
    return name, f"{prefix}{run[:16]}", prefix


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def _exists(cursor: object, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])  # type: ignore[attr-defined]
    return cursor.fetchone() is not None  # type: ignore[attr-defined]


def clone(*, recreate: bool) -> bool:
    """Copies this run's template into this worker's test database, when a template exists and
    the database is to be made (`recreate`, or it does not exist yet). True if it did: the
    caller then keeps the database and lets `migrate` confirm it has nothing to apply."""
    names = _names()
    if names is None:
        return False
    global _made_here
    name, template, _ = names
    with connection._nodb_cursor() as cursor:
        exists = _exists(cursor, name)
        if exists and not recreate:
            return False
        if not _exists(cursor, template):
            _made_here = True
            return False
        if exists:
            cursor.execute(f"DROP DATABASE {_quoted(name)}")
        cursor.execute(f"CREATE DATABASE {_quoted(name)} TEMPLATE {_quoted(template)}")
    return True


def publish() -> None:
    """After this worker migrated its new database, and before a test writes to it: saves it
    as the run's template (unless another worker did), and drops earlier runs' templates."""
    names = _names()
    if names is None or not _made_here:
        return
    name, template, prefix = names
    if template in _published:
        return
    _published.add(template)
    for alias in connections:
        connections[alias].close()  # a template may have no one connected to it
    with connection._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s",
            [prefix.replace("_", r"\_") + "%", template],
        )
        for (stale,) in cursor.fetchall():
            with suppress(DatabaseError):  # another run's, still in use
                cursor.execute(f"DROP DATABASE {_quoted(stale)}")
        if _exists(cursor, template):
            return
        with suppress(DatabaseError):  # another worker saved it first
            cursor.execute(f"CREATE DATABASE {_quoted(template)} TEMPLATE {_quoted(name)}")
