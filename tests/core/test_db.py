"""`core.db.local_settings`: PostgreSQL settings for one block, restored after it, whether the
block ends, raises, or runs inside a caller's transaction and savepoints."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from claims.selectors import final_action_claims
from core.db import local_settings
from tests.factories import EntityFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL settings"),
]


def _show(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def test_the_settings_hold_inside_the_block_and_are_restored_in_the_outer_transaction() -> None:
    with connection.cursor() as cursor:
        # The caller's own local value must come back, not the session's default.
        cursor.execute("SET LOCAL work_mem = '7MB'")
    assert connection.in_atomic_block
    with local_settings(work_mem="64MB", enable_nestloop="off"):
        assert (_show("work_mem"), _show("enable_nestloop")) == ("64MB", "off")
        with local_settings(enable_nestloop="on"):
            assert _show("enable_nestloop") == "on"
        assert _show("enable_nestloop") == "off"
    assert (_show("work_mem"), _show("enable_nestloop")) == ("7MB", "on")


def test_a_block_that_raises_leaves_the_settings_as_they_were() -> None:
    seen = []

    def build() -> None:
        with local_settings(enable_nestloop="off"):
            seen.append(_show("enable_nestloop"))
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        build()
    assert seen == ["off"]
    assert _show("enable_nestloop") == "on"
    # The caller's transaction is still usable.
    with transaction.atomic():
        assert _show("work_mem") != ""


def test_the_claims_reader_leaves_the_callers_transaction_settings_as_they_were() -> None:
    before = _show("work_mem")
    assert before != "128MB"
    frame = final_action_claims(entity=EntityFactory())
    assert frame.empty
    assert _show("work_mem") == before
    assert _show("enable_nestloop") == "on"


def test_the_connection_runs_without_jit() -> None:
    """The settings turn JIT off (config/settings/base.py says why)."""
    assert _show("jit") == "off"
