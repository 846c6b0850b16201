"""PostgreSQL settings for one block of bulk SQL, and nothing after it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def local_settings(**settings: str) -> Iterator[None]:
    """Run the block in a transaction (a savepoint inside the caller's) with these PostgreSQL
    settings, e.g. `local_settings(work_mem="256MB", enable_nestloop="off")`; put back on the way
    out exactly the values that were in force before.

    `SET LOCAL` alone is not enough: it lasts to the end of the *transaction*, and releasing a
    savepoint keeps it, so a builder called inside a caller's transaction (a request, a job, a
    test) would leave its planner settings to every later query of that transaction. With
    `enable_nestloop` off, later small joins were planned dearer than PostgreSQL's JIT threshold
    and spent seconds compiling to run for milliseconds. A block that raises needs no restoring:
    leaving the atomic block rolls its savepoint (or transaction) back, and the settings with it.
    Elsewhere than PostgreSQL, only the transaction.
    """
    with transaction.atomic():
        if connection.vendor != "postgresql" or not settings:
            yield
            return
        names = list(settings)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT " + ", ".join(["current_setting(%s)"] * len(names)), names
            )  # names are bound; only the number of placeholders is built
            before = cursor.fetchone()
            for name in names:
                cursor.execute("SELECT set_config(%s, %s, true)", [name, str(settings[name])])
        yield
        with connection.cursor() as cursor:
            for name, value in zip(names, before, strict=True):
                cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
