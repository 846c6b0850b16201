"""Rows a whole test module shares, built once for it instead of once per test.

What Django's `TestCase.setUpTestData` does for a class, for a pytest module: the rows are written
in a transaction opened before the module's first test and rolled back after its last; each test
runs inside it in a savepoint of its own (pytest-django's `db`), rolled back after the test, so
a test still sees exactly the shared rows and what it wrote itself. Fixtures hand each test fresh
copies of the shared objects (read again by primary key), so that a test changing one in memory
does not change it for the next. Only for modules whose tests are not transactional.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction


@pytest.fixture(scope="module")
def module_db(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The module's transaction. Fixtures that build shared rows depend on it and write them
    inside `django_db_blocker.unblock()`."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        # As Django's TestCase marks its class-wide transaction: code under test may open a
        # durable block inside it.
        atomic._from_testcase = True  # type: ignore[attr-defined]
        atomic.__enter__()
    try:
        yield
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
