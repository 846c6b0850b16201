"""The second wall: row-level security in PostgreSQL on the tables that hold PHI or money.

`for_user()` scopes every query the application means to make. Should one forget it, PostgreSQL
still answers only rows of the entities of the current request or job:

* The role of DATABASE_URL owns the tables: migrations and management commands run as it,
  deliberately unscoped (policies do not apply to a table's owner).
* Requests and jobs run as the application role (`settings.DATABASE_APP_ROLE`, no BYPASSRLS,
  owner of nothing, granted row privileges), subject to one policy per table: a row is visible,
  and may be written, only when its entity is in `openvbc_entity_ids()`, which reads the
  connection's `openvbc.entity_ids` (unset or empty: no entity, so no row).
* The application sets both on the connection, never from user input: `RowSecurityMiddleware`
  from the signed-in user's memberships (platform staff: with their running break-glass grants;
  a superuser's money rows, which hold no PHI, of every entity: as `for_user()`), the
  partner authentication from the client's entity, `jobs.services.job_execute` from the job's
  entity. Django runs in autocommit with persistent connections, so they are set for the
  session (`set_config(..., false)`; `SET LOCAL` would end with the statement's transaction)
  and reset when the request or job ends: a job's at once, a request's before the connection's
  next statement outside a request (`RowSecurityMiddleware`); a connection that cannot be reset
  is closed. A connection opened within a scope (a reconnect) gets the scope at once. A scope
  the server is known to hold already is not set again (`_set`): a partner client's calls on a
  persistent connection pay no statement for the wall.

Web processes should log in as the application role itself (their DATABASE_URL names it), so
that no statement can switch back to the owner. A process that logs in as the owner (workers,
tests, `manage.py runserver`, the benches) switches to the application role for every request
and job with `SET ROLE` (the owner is a member of it); workers must, because PostgreSQL refuses
COPY FROM under row-level security and the bulk writers of jobs step out of the scope for it
(`bulk_write`).

Policies, the function and the grants are (re)applied after every `migrate` (`rls_install`,
from a post_migrate handler), so that every table the code lists is covered however the
database was made. SQLite (`make run`) has none of this: there the scopes do nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.models import Model

from core.phi_tables import holds_phi

logger = logging.getLogger(__name__)

#: Every entity (those there are when the scope begins): platform superusers, and jobs of no
#: entity (platform jobs).
ALL = "*"
SETTING = "openvbc.entity_ids"
FUNCTION = "openvbc_entity_ids"
#: The entities whose money rows (settlement, benchmarks: no PHI) the connection answers for. The
#: same as SETTING for everyone but platform superusers, who see every entity's money rows and
#: PHI only of their memberships and running break-glass grants.
MONEY_SETTING = "openvbc.money_entity_ids"
MONEY_FUNCTION = "openvbc_money_entity_ids"
POLICY = "openvbc_entity"

#: The models whose tables hold PHI or money, with the path from the row to its entity (blank:
#: the model's `tenant_path`, else "entity"). tests/core/test_row_security.py checks that every
#: model of these apps that reaches an entity is listed here or in `UNSCOPED`.
SCOPED: dict[str, str] = {
    "beneficiaries.Beneficiary": "",
    "beneficiaries.BeneficiaryMbi": "",
    "beneficiaries.MbiCrosswalk": "",
    "beneficiaries.BeneficiaryDemographics": "",
    "datasharing.DataSharingRecord": "",
    "claims.PartAClaimHeader": "",
    "claims.PartARevenueCenter": "",
    "claims.PartAProcedure": "",
    "claims.PartADiagnosis": "",
    "claims.PartBPhysicianLine": "",
    "claims.PartBDmeLine": "",
    "claims.PartDEvent": "",
    "claims.PartABeDemo": "",
    "claims.PartBBeDemo": "",
    "cmslists.CmsListBeneficiary": "",
    "cmslists.CmsListProvider": "",
    "alignment.AlignmentResult": "",
    "alignment.AlignmentChange": "",
    "alignment.VoluntaryAlignment": "",
    "alignment.HistoricalVoluntaryAlignment": "entity",
    "alignment.PendingDesignation": "",
    "alignment.ClaimSnapshot": "",
    "alignment.ClaimLine": "snapshot__entity",
    "benchmarks.RiskScore": "",
    "benchmarks.RiskScoreComponent": "",
    "benchmarks.RiskHcc": "",
    "benchmarks.RiskDiagnosis": "",
    "benchmarks.InstitutionalStatus": "",
    "benchmarks.BenchmarkCalculation": "",
    "benchmarks.BenchmarkSegment": "",
    "benchmarks.BenchmarkStep": "",
    "benchmarks.BenchmarkYearPopulation": "",
    "benchmarks.HighNeedsResult": "",
    "care.CareProfile": "",
    "care.CareGap": "",
    "care.WorklistItem": "",
    "care.WorklistNote": "",
    "care.ClaimEvent": "",
    "care.CareSummary": "",
    "care.OutreachAttempt": "",
    "care.RosterView": "",
    "care.ContactDetails": "",
    "events.AdtMessage": "",
    "events.Stay": "",
    "settlement.SettlementRun": "",
    "settlement.ParticipantShare": "",
    "settlement.QualityResult": "",
    "quality.MeasureCase": "",
    "quality.MeasureEvent": "",
    "quality.PatientResult": "",
    "specialists.LeadSpecialist": "",
    "specialists.LeadSpecialistChange": "",
    "specialists.Episode": "",
    "specialists.CareTransition": "",
    "specialists.GainSharePolicy": "",
    "specialists.GainShareArrangement": "",
}
#: Models of those apps that reach an entity but hold neither PHI nor money, and why.
UNSCOPED: dict[str, str] = {
    "claims.Delivery": "file names, dates and counts of a delivery",
    "claims.DeliveryFile": "file names, dates and counts of a delivery",
    "cmslists.CmsList": "a CMS report's name, dates and counts; its rows are scoped",
    "datasharing.DataSharingFile": "file names, dates and counts of a data-sharing file",
    "alignment.AlignmentRun": "a run's parameters and state; its results are scoped",
    "alignment.AlignmentRunEvent": "a run's state changes",
    "alignment.AlignmentBucket": "a run's work units (bucket numbers and states)",
    "alignment.Reconciliation": "counts by group and cause of a run against a CMS list",
    "benchmarks.ReferenceDataset": "published CMS reference data",
    "benchmarks.ReferenceValue": "published CMS reference data",
    "benchmarks.HighNeedsRun": "a High Needs computation's check date, data dates and counts; its rows are scoped",
    "events.Sender": "a facility's interface name and the entity it sends for",
    "events.HistoricalSender": "the earlier versions of a sender",
    "quality.MeasureRun": "a quality computation's year, claims date and population count",
    "quality.MeasureResult": "a measure's counts and rates; its cases are scoped",
    "quality.ReportedFile": "a partner's QRDA III file: source, dates, reporting period",
    "quality.ReportedMeasure": "a measure's aggregate counts and rate from a partner's file",
    "quality.HealthEquityInput": "CMS's health equity adjustment inputs of an ACO's year (aggregates)",
    "specialists.LeadSpecialistRun": "a run's dates, conditions and counts; its leads are scoped",
}


def _path_of(model: type[Model], path: str) -> str:
    return path or getattr(model, "tenant_path", "") or "entity"


def _ids(function: str = FUNCTION) -> str:
    # A scalar subquery: PostgreSQL evaluates it once per statement (an InitPlan), and
    # `entity_id = ANY (...)` stays an index condition.
    return f"(SELECT {function}())::bigint[]"


def predicate(
    model: type[Model], path: str, table: str = "", depth: int = 0, function: str = ""
) -> str:
    """SQL true for the model's rows of the current entities, following `path` to the entity.

    A row reached through a parent (a risk score's HCCs) is tested with a correlated EXISTS on
    the parent's key, which PostgreSQL runs as a lookup per row for a few rows and as one hashed
    scan for many; an `IN (SELECT ...)` read every parent row of the entity, on every query."""
    table = table or model._meta.db_table
    function = function or (FUNCTION if holds_phi(model) else MONEY_FUNCTION)
    head, _, rest = path.partition("__")
    field = model._meta.get_field(head)
    assert isinstance(field, models.Field)  # a forward field: tenant paths follow foreign keys
    if not rest:
        return f"{table}.{field.column} = ANY ({_ids(function)})"
    assert isinstance(field, models.ForeignKey)
    target = field.related_model
    assert isinstance(target, type)
    alias = f"rls_parent_{depth}"
    parent = f"SELECT 1 FROM {target._meta.db_table} {alias}"  # noqa: S608 - our own table names
    key = f"{alias}.{field.target_field.column} = {table}.{field.column}"
    return (
        f"EXISTS ({parent} WHERE {key} AND {predicate(target, rest, alias, depth + 1, function)})"
    )


def scoped_tables() -> dict[str, str]:
    """Table name -> policy predicate, for every scoped model."""
    tables = {}
    for label, path in SCOPED.items():
        model = apps.get_model(label)
        tables[model._meta.db_table] = predicate(model, _path_of(model, path))
    return tables


def _function_sql(function: str = FUNCTION, setting: str = SETTING) -> str:
    # One expression, no subquery: PostgreSQL inlines the function into each policy.
    return f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS bigint[]
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT string_to_array(NULLIF(current_setting('{setting}', true), ''), ',')::bigint[]
$$"""  # noqa: S608 - our constants


def rls_install(*, using: str = DEFAULT_DB_ALIAS, **_: Any) -> None:
    """Create or refresh the function, the policies and the application role's grants.

    Idempotent and cheap when nothing changed (a digest of what it would do is kept as the
    function's comment): it runs after every `migrate` and every flush of the test database."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    role = settings.DATABASE_APP_ROLE
    tables = scoped_tables()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )
        existing = [name for (name,) in cursor.fetchall()]
        cursor.execute(
            "SELECT obj_description(to_regprocedure(%s), 'pg_proc'), "
            "EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)",
            [f"{FUNCTION}()", role],
        )
        comment, role_exists = cursor.fetchone()
        if not role_exists:
            role_exists = _create_role(cursor, role)
        if not role_exists:
            raise ImproperlyConfigured(
                f"The PostgreSQL role {role!r} (DATABASE_APP_ROLE), which requests and jobs run "
                f"as, does not exist. As a superuser: CREATE ROLE {role} LOGIN PASSWORD '...' "
                f"NOBYPASSRLS; GRANT {role} TO <the owner of the tables>; (scripts/test does so)."
            )
        plan = [_function_sql(), _function_sql(MONEY_FUNCTION, MONEY_SETTING)]
        for table, condition in sorted(tables.items()):
            if table not in existing:  # a partial migrate; the next one adds it
                continue
            plan += [
                f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
                f"DROP POLICY IF EXISTS {POLICY} ON {table}",
                f"CREATE POLICY {POLICY} ON {table} USING ({condition}) WITH CHECK ({condition})",
            ]
        plan += [
            f"GRANT USAGE, CREATE ON SCHEMA public TO {role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
            f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
        ]
        digest = hashlib.sha256("\n".join([role, *existing, *plan]).encode()).hexdigest()
        if comment == f"rls {digest}":
            return
        for statement in plan:
            cursor.execute(statement)
        cursor.execute(f"COMMENT ON FUNCTION {FUNCTION}() IS %s", [f"rls {digest}"])
    logger.info("row-level security installed on %s tables", len(tables))


def _create_role(cursor: Any, role: str) -> bool:
    """Create the application role when the migrating role may (a superuser, as in the Compose
    setup); it logs in with DATABASE_APP_PASSWORD, or not at all when that is unset."""
    cursor.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
    if not cursor.fetchone()[0]:
        return False
    password = settings.DATABASE_APP_PASSWORD
    login = "LOGIN PASSWORD %s" if password else "NOLOGIN"
    cursor.execute(f"CREATE ROLE {role} {login} NOBYPASSRLS", [password] if password else None)
    cursor.execute(f"GRANT {role} TO CURRENT_USER")
    return True


# --- Scopes: which entities the connection answers for -------------------------------------
#
# The current scope lives on Django's connection object (one per thread): `None` outside any
# request or job (the connection as it logged in), else a tuple ("ids", "1,2"), ("user", pk).


_EVERY = "SELECT string_agg(id::text, ',') FROM entities_entity"
# A preferred provider's membership (core.tenancy.TIN_SCOPED_ROLES) opens no scope: the pages
# that show its TIN's patients check it and enter the entity's scope themselves.
_MEMBERS = (
    "SELECT entity_id FROM accounts_membership WHERE user_id = %s AND role <> 'preferred_provider'"
)
# A platform staff member's running break-glass grants (accounts.BreakGlassGrant), as
# core.tenancy.entity_ids_for_user reads them.
_GRANTS = (
    "SELECT entity_id FROM accounts_breakglassgrant WHERE user_id = %s AND ended_at IS NULL "
    "AND starts_at <= statement_timestamp() AND expires_at > statement_timestamp()"
)


def _sql(scope: tuple[str, Any]) -> tuple[str, list[Any]]:
    """One statement that puts the connection in `scope`: the role, then the entities of PHI
    rows and of money rows."""
    kind, value = scope
    head = (
        f"SELECT set_config('role', %s, false), set_config('{SETTING}', COALESCE(({{phi}}), ''), "
        f"false), set_config('{MONEY_SETTING}', COALESCE(({{money}}), ''), false)"
    )
    role = settings.DATABASE_APP_ROLE
    if value == ALL:  # the entities there are now, listed
        return head.format(phi=_EVERY, money=_EVERY), [role]
    if kind in ("user", "staff", "superuser"):
        listed = _MEMBERS if kind == "user" else f"{_MEMBERS} UNION {_GRANTS}"
        phi = f"SELECT string_agg(DISTINCT e::text, ',') FROM ({listed}) AS s(e)"  # noqa: S608
        params = [value] * listed.count("%s")
        if kind == "superuser":
            return head.format(phi=phi, money=_EVERY), [role, *params]
        return head.format(phi=phi, money=phi), [role, *params, *params]
    return head.format(phi="%s", money="%s"), [role, value, value]


def _determinate(scope: tuple[str, Any] | None) -> bool:
    """Whether the statement that sets `scope` sets the same thing whenever it runs: no scope, or
    entities listed (a partner client's, a job's). A person's scope is read from their
    memberships and break-glass grants when it is set, and those change (a grant expires)."""
    return scope is None or (scope[0] == "ids" and scope[1] != ALL)


def _apply(connection: Any) -> None:
    scope = connection.rls_scope
    # What the server holds afterwards: for good when set outside a transaction; inside one,
    # only until it rolls back, so unknown.
    durable = connection.get_autocommit() and not connection.in_atomic_block
    connection.rls_held = UNKNOWN  # while the statement runs, and should it fail
    connection.rls_deferred = False
    with connection.cursor() as cursor:
        if scope is None:
            cursor.execute(
                f"SELECT set_config('{SETTING}', '', false), set_config('{MONEY_SETTING}', '', "
                "false), set_config('role', 'none', false)"
            )
        else:
            cursor.execute(*_sql(scope))
    if durable and _determinate(scope):
        connection.rls_held = scope


# What the server holds after a rollback this process did not see through: the next scope is
# applied whatever it is.
UNKNOWN = ("unknown", "")


def _set(scope: tuple[str, Any] | None, *, defer: bool = False) -> None:
    """Put the connection in `scope`, now or (`defer`) before its next statement.

    Skipped when the server is known to hold that scope already: one set outside a transaction
    with a statement that sets the same thing whenever it runs (`_determinate`), such as the
    same partner client's on a persistent connection. Set inside a transaction, the server's
    settings are unknown from then on (a rollback would put back the ones from before), and the
    next scope is applied whatever it is."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql" or not settings.DATABASE_ROW_SECURITY:
        return
    if scope == UNKNOWN:
        scope = None
    held = getattr(connection, "rls_held", UNKNOWN)
    if defer:
        connection.rls_scope = scope  # type: ignore[attr-defined]
        connection.rls_deferred = scope != held  # type: ignore[attr-defined]
        return
    if connection.connection is None:
        # A new connection gets the scope when it opens (`on_connection_created`).
        connection.rls_scope = scope  # type: ignore[attr-defined]
        connection.rls_deferred = False  # type: ignore[attr-defined]
        return
    if connection.in_atomic_block and connection.needs_rollback:
        # Nothing runs until the rollback, and the rollback puts back the settings of the
        # savepoint it returns to, which may be another scope's: apply the next one in full.
        connection.rls_scope = UNKNOWN  # type: ignore[attr-defined]
        connection.rls_held = UNKNOWN  # type: ignore[attr-defined]
        connection.rls_deferred = False  # type: ignore[attr-defined]
        return
    connection.rls_scope = scope  # type: ignore[attr-defined]
    if held == scope:
        connection.rls_deferred = False  # type: ignore[attr-defined]
        return
    try:
        _apply(connection)
    except Exception:
        if scope is not None:
            raise
        # A connection whose settings cannot be put back must not serve anyone else.
        logger.warning("could not reset the connection's row security scope; closing it")
        connection.close()


def settle() -> None:
    """Apply a deferred scope now (before a statement that does not pass through Django's
    execute wrappers: a prepared statement, a COPY)."""
    connection = connections[DEFAULT_DB_ALIAS]
    if getattr(connection, "rls_deferred", False) and not getattr(connection, "rls_quiet", False):
        _set(connection.rls_scope)  # type: ignore[attr-defined]


def _settle_first(
    execute: Callable[..., Any], sql: Any, params: Any, many: bool, context: Any
) -> Any:
    """Django execute wrapper: a deferred scope is applied before the statement runs."""
    if getattr(context["connection"], "rls_deferred", False):
        settle()
    return execute(sql, params, many, context)


@contextmanager
def unscoped_tables() -> Iterator[None]:
    """Run the block's statements in whatever scope the server holds, without applying a
    deferred one: for reads of tables that hold no PHI nor money (a partner call's token, read
    before its client's scope replaces the anonymous one)."""
    connection = connections[DEFAULT_DB_ALIAS]
    previous = getattr(connection, "rls_quiet", False)
    connection.rls_quiet = True  # type: ignore[attr-defined]
    try:
        yield
    finally:
        connection.rls_quiet = previous  # type: ignore[attr-defined]


def on_connection_created(sender: Any, connection: Any, **_: Any) -> None:
    """A connection opened inside a scope (first query, or a reconnect) gets it at once."""
    if connection.vendor != "postgresql":
        return
    if _settle_first not in connection.execute_wrappers:
        # First in the list: `execute_wrapper()` blocks pop the last one when they end.
        connection.execute_wrappers.insert(0, _settle_first)
    connection.rls_held = None  # as it logged in
    connection.rls_deferred = False
    scope = getattr(connection, "rls_scope", None)
    if scope is not None and scope != UNKNOWN:
        _apply(connection)


def _entity_value(entity_ids: Iterable[int] | str) -> tuple[str, str]:
    if entity_ids == ALL:
        return ("ids", ALL)
    return ("ids", ",".join(str(int(pk)) for pk in entity_ids))


def current_scope() -> tuple[str, Any] | None:
    return getattr(connections[DEFAULT_DB_ALIAS], "rls_scope", None)


@contextmanager
def entity_scope(entity_ids: Iterable[int] | str) -> Iterator[None]:
    """Run the block as the application role, seeing rows of `entity_ids` only (or `ALL`);
    then put back the scope that was in force (none, or the request's around a job run in it)."""
    previous = current_scope()
    _set(_entity_value(entity_ids))
    try:
        yield
    finally:
        _set(previous)


def scope_keep(entity_ids: Iterable[int] | str) -> None:
    """Put the connection in the scope of `entity_ids` and leave it there; nothing is sent when
    it is already in that scope. For a connection that serves one kind of work only, set
    outside any transaction (so no rollback can undo it), where entering and leaving a scope
    around every transaction would cost two round trips (the ADT listener's database threads)."""
    _set(_entity_value(entity_ids))


def scope_reset() -> None:
    """Back to the role the connection logged in as, outside any scope, whatever was set before
    (a process that starts new work on a connection it cannot vouch for: a test, a module's
    data)."""
    _set(None)


@contextmanager
def bulk_write() -> Iterator[None]:
    """Run the block as the role the connection logged in as, outside the scope.

    PostgreSQL refuses COPY FROM into a table under row-level security, and the bulk writers of
    jobs (a CCLF load, an alignment bucket's results) COPY into scoped tables. They write rows of
    their job's entity only, by their own keys; workers log in as the owner for this (web
    processes, which log in as the application role, cannot leave the wall)."""
    previous = current_scope()
    _set(None)
    try:
        yield
    finally:
        _set(previous)


def scope_user(user: Any) -> tuple[str, Any] | None:
    """The scope of a request's principal, as `for_user()` sees it; None for no principal."""
    if not getattr(user, "is_authenticated", False):
        return None
    scoped = getattr(user, "tenant_entity_ids", None)
    if scoped is not None:
        return _entity_value(scoped)
    if getattr(user, "is_superuser", False):
        # PHI of their memberships and running break-glass grants only; every entity's money.
        return ("superuser", user.pk)
    if getattr(user, "is_staff", False):
        return ("staff", user.pk)
    return ("user", user.pk)


def request_scope_replace(user: Any) -> None:
    """Within a request, switch to the principal just authenticated (a partner client, whose
    token DRF reads inside the view). The request's end resets it."""
    scope = scope_user(user)
    _set(scope if scope is not None else ("ids", ""))


class RowSecurityMiddleware:
    """Every request runs in the scope of its signed-in user; an anonymous one in the scope of
    no entity. Reset when the response is done (for a streamed response, once it is closed).

    The reset is deferred to the connection's next statement outside a request, and a request
    sets only what the server does not hold already: on a persistent connection, a partner
    client's calls pay no statement for the wall, a signed-in person's one. Until the scope is
    set, and once the response leaves it, the middleware above (the session, the user) reads
    and writes tables of no entity in whatever scope the server holds (`on_request_started`,
    `on_request_finished`)."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        scope = scope_user(request.user)
        if scope is None:
            # A partner call is anonymous until its token is read (tables of no entity), then
            # takes its client's scope: the anonymous one waits for a statement that needs it.
            bearer = request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "
            _set(None if _logged_in_as_app_role() else ("ids", ""), defer=bearer)
        else:
            _set(scope)
        connections[DEFAULT_DB_ALIAS].rls_quiet = False  # type: ignore[attr-defined]
        streaming = False
        try:
            response = self.get_response(request)
            streaming = getattr(response, "streaming", False)
            if streaming:
                settle()  # the content is read after this middleware: in the request's scope
                response._resource_closers.append(_request_done)
            return response
        finally:
            if not streaming:
                _request_done()


def _request_done() -> None:
    _set(None, defer=True)
    # The middleware above (the session saved) writes tables of no entity.
    connections[DEFAULT_DB_ALIAS].rls_quiet = True  # type: ignore[attr-defined]


def on_request_started(**_: Any) -> None:
    """A request's first statements, before `RowSecurityMiddleware` sets its scope, read tables
    of no entity (the session, the user) and do not apply the reset the last request deferred."""
    connections[DEFAULT_DB_ALIAS].rls_quiet = True  # type: ignore[attr-defined]


def on_request_finished(**_: Any) -> None:
    """After the request, a deferred reset comes before the connection's next statement."""
    connections[DEFAULT_DB_ALIAS].rls_quiet = False  # type: ignore[attr-defined]


def check_row_security_on(**_: Any) -> list[Any]:
    """`check --deploy`: the wall is on (DATABASE_ROW_SECURITY off is for measuring only)."""
    from django.core.checks import Warning as CheckWarning

    if settings.DATABASE_ROW_SECURITY:
        return []
    return [
        CheckWarning(
            "DATABASE_ROW_SECURITY is off: requests and jobs run without PostgreSQL's "
            "row-level security (meant for measuring its cost only).",
            id="openvbc.W001",
        )
    ]


def _logged_in_as_app_role() -> bool:
    connection = connections[DEFAULT_DB_ALIAS]
    return connection.vendor != "postgresql" or (
        connection.settings_dict.get("USER") == settings.DATABASE_APP_ROLE
    )
