"""The cast every test can call on: two entities, users in each role, and logged-in clients.

Entity A is an MSSP ACO, entity B a REACH DCE. `other_entity_user` belongs to B only: tests use
that user to prove A's rows are invisible to B.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from django.conf import settings
from django.test import Client
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.database import DirectoryBasedExampleDatabase
from pytest_django.fixtures import validate_django_db
from pytest_django.plugin import blocking_manager_key

from accounts.models import Role, User
from entities.models import Entity
from tests import db_template, flush, reference_rows
from tests.factories import EntityFactory, MembershipFactory, ProgramFactory, UserFactory

PASSWORD = "correct horse battery"
# Rows a whole module shares, built once for it: the `module_db` fixture (tests/module_data.py).
pytest_plugins = ["tests.module_data"]

# Property-based and schema-fuzzing tests (Hypothesis, Schemathesis on it). `make test` runs
# them derandomized: each test's examples come from a seed derived from its own code, so a run
# that passed passes again, and no example database is read or written. `make test-explore`
# (HYPOTHESIS_PROFILE=explore) draws fresh examples each run and keeps what fails in a database
# outside the repository to replay it; a finding becomes an `@example` regression test (or a
# test of its own) before it is fixed.
hypothesis.settings.register_profile("repeatable", derandomize=True, print_blob=True)
hypothesis.settings.register_profile(
    "explore",
    derandomize=False,
    print_blob=True,
    database=DirectoryBasedExampleDatabase(
        Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "openvbc" / "hypothesis"
    ),
)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))
# Hypothesis's own files (its Unicode tables) go to the run's folder, not into the repository.
set_hypothesis_home_dir(Path(settings.VAR_DIR) / "hypothesis")


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("REQUIRE_SERVICES") == "1":
        missing = [name for name in ("DATABASE_URL", "REDIS_URL") if not os.environ.get(name)]
        if missing:
            raise pytest.UsageError(f"REQUIRE_SERVICES=1 but {', '.join(missing)} is not set.")


# pytest-xdist hands each worker whole test files in collection order (`--dist loadfile`): the
# longest go first, so that the run does not end with one worker alone on one of them (the
# slowest files of a run with --durations); the rest keep their order.
LONGEST_FIRST = (
    "tests/core/test_demo_on_sqlite.py",  # load_demo twice on SQLite, in a subprocess
    "tests/bench/test_benches.py",  # every bench's small run, one after another
    "tests/alignment/test_alignment_demo.py",
    "tests/jobs/test_worker.py",
    "tests/browser/test_settlement_page.py",
    "tests/partners/test_openapi_schemathesis.py",
    "tests/browser/test_dashboard.py",
    "tests/browser/test_partner_api_walkthrough.py",
    "tests/browser/test_session_logs.py",
    "tests/browser/test_benchmark_pages.py",
    "tests/alignment/test_alignment_worker.py",
    "tests/browser/test_alignment_pages.py",
    "tests/claims/test_parser_kernel.py",
    "tests/settlement/test_settle_batch_command.py",
    "tests/browser/test_entities_admin_console.py",
    "tests/audit/test_phi_policy_matrix.py",
    "tests/partners/test_phi_matrix.py",
    "tests/claims/test_killed_load.py",
    "tests/engine/test_alignment_determinism.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.nodeid.split("::", 1)[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)


@pytest.fixture(scope="session")
def django_db_createdb(
    django_db_createdb: bool, django_db_modify_db_settings: None, django_db_blocker: Any
) -> bool:
    """A worker whose database is to be made copies the run's template where another worker
    already migrated one (tests/db_template.py); pytest-django then keeps it as it is."""
    with django_db_blocker.unblock():
        return False if db_template.clone(recreate=django_db_createdb) else django_db_createdb


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """The rows data migrations ship (the program registry, reference defaults), loaded where a
    reused test database lacks them and kept aside once, to be put back after each flush; and
    that flush made of DELETEs (tests/flush.py). A database this worker migrated becomes the
    run's template for the others (tests/db_template.py)."""
    with django_db_blocker.unblock():
        db_template.publish()
        reference_rows.keep()
        flush.install()


def _flushes(item: pytest.Item) -> bool:
    """Whether pytest-django runs the test as a TransactionTestCase, which ends with a flush."""
    marker = item.get_closest_marker("django_db")
    if marker is not None:
        transactional, reset_sequences, *_ = validate_django_db(marker)
        if transactional or reset_sequences:
            return True
    used = set(getattr(item, "fixturenames", ()))
    return bool(used & {"transactional_db", "live_server", "django_db_reset_sequences"})


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    """After a transactional test's flush (its fixtures are torn down when this hook's inner
    call returns), the shipped rows go back in, so the next test starts as every test does."""
    try:
        return (yield)
    finally:
        if _flushes(item):
            with item.config.stash[blocking_manager_key].unblock():
                reference_rows.restore()


def make_entity_a() -> Entity:
    return EntityFactory(
        program=ProgramFactory(code="mssp"), cms_id="A9001", legal_name="Synthetic Valley ACO"
    )


def make_entity_b() -> Entity:
    return EntityFactory(
        program=ProgramFactory(code="reach", name="ACO REACH"),
        cms_id="D9002",
        legal_name="Synthetic Coast DCE",
    )


@pytest.fixture
def entity_a(db: None) -> Entity:
    return make_entity_a()


@pytest.fixture
def entity_b(db: None) -> Entity:
    return make_entity_b()


@pytest.fixture
def make_member(db: None) -> Callable[..., User]:
    def make(entity: Entity, role: str = Role.CARE_COORDINATOR, email: str | None = None,
             tin: str = "") -> User:  # fmt: skip
        user = UserFactory(email=email) if email else UserFactory()
        if role == Role.PREFERRED_PROVIDER:  # a preferred provider is tied to one TIN
            tin = tin or "999999999"
        MembershipFactory(user=user, entity=entity, role=role, tin=tin)
        return user

    return make


@pytest.fixture
def aco_admin(entity_a: Entity, make_member: Callable[..., User]) -> User:
    return make_member(entity_a, Role.ENTITY_ADMIN, "admin@a.example.test")


@pytest.fixture
def aco_analyst(entity_a: Entity, make_member: Callable[..., User]) -> User:
    return make_member(entity_a, Role.ANALYST, "analyst@a.example.test")


@pytest.fixture
def aco_coordinator(entity_a: Entity, make_member: Callable[..., User]) -> User:
    return make_member(entity_a, Role.CARE_COORDINATOR, "coordinator@a.example.test")


@pytest.fixture
def other_entity_user(entity_b: Entity, make_member: Callable[..., User]) -> User:
    return make_member(entity_b, Role.CARE_COORDINATOR, "coordinator@b.example.test")


def _client_for(user: User) -> Client:
    """Signed in with a second factor, as allauth's login leaves the session (tests/login.py)."""
    from tests.login import verified_client

    return verified_client(user)


@pytest.fixture
def client_a(aco_coordinator: User) -> Client:
    return _client_for(aco_coordinator)


@pytest.fixture
def client_b(other_entity_user: User) -> Client:
    return _client_for(other_entity_user)


@pytest.fixture
def login_client() -> Callable[[User], Client]:
    return _client_for


@pytest.fixture(autouse=True)
def _outside_row_security(django_db_blocker: pytest.FixtureRequest) -> None:
    """Each test starts as the owner of the tables, outside any row-security scope (core/rls.py)
    that an earlier test's requests or jobs may have left on a shared connection. Free when the
    connection is not open yet."""
    from core import rls

    with django_db_blocker.unblock():
        rls.scope_reset()
