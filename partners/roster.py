"""The aligned roster as the REST API serves it: one row per beneficiary of the caller's
current alignment lists, with the attribution, the change since the previous list, the risk
score and the open gaps.

Reads only: built on the alignment app's results (via partners.attribution), the benchmarks
app's risk scores and recapture gaps, the care app's care gaps and the entities app's
providers.

Two forms of the same rules: `roster_results`, a queryset other reads compose with (care gaps,
worklist, search filters), and `roster_rows`, the API's beneficiary detail and roster page in
one hand-written query each, with `roster_extras` one more for the risk scores and gaps of the
whole page. tests/partners/test_roster_api.py holds the two to the same rows and the extras
to the ORM selectors they stand for (benchmarks.selectors.recapture_gaps).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import OuterRef, Q, QuerySet, Subquery
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination

from alignment.models import AlignmentChange, AlignmentResult, AlignmentRun, RunStatus
from benchmarks.models import RiskHcc, RiskScore, RiskScoreComponent
from benchmarks.selectors import recapture_gaps
from beneficiaries.models import Beneficiary
from care.models import CareGap
from core.tenancy import entity_ids_for_user
from entities.models import Entity, PerformanceYear, Provider
from partners import sql
from partners.attribution import CHANGE_CODES, CURRENT_RUN_ORDER
from partners.selectors import principal_tins

ALIGNED, NOT_ALIGNED = "aligned", "not_aligned"
# A run's lineage (parameters, windows, deliveries, summary): JSON no roster row needs.
RUN_LINEAGE = ("run__parameters", "run__windows", "run__summary", "run__deliveries")


def current_runs(*, principal: Any) -> list[AlignmentRun]:
    """The current run (see partners.attribution.current_run) of each of the caller's
    entities, in one query; the runs' large JSON lineage is left unread."""
    runs = (
        AlignmentRun.objects.for_user(principal)
        .filter(status=RunStatus.SUCCEEDED)
        .select_related("entity__program")
        .defer(*(field.removeprefix("run__") for field in RUN_LINEAGE))
        .order_by("entity_id", *CURRENT_RUN_ORDER)
    )
    latest: dict[int, AlignmentRun] = {}
    for run in runs:
        latest.setdefault(run.entity_id, run)
    return list(latest.values())


def roster_results(
    *,
    principal: Any,
    status: str = ALIGNED,
    tin: str = "",
    npi: str = "",
    changed_since: dt.datetime | None = None,
    runs: list[AlignmentRun] | None = None,
) -> QuerySet[AlignmentResult]:
    """Results of the caller's current runs, one per beneficiary, ordered by beneficiary.

    A client limited to TINs sees the beneficiaries attributed to them and, among those not
    aligned, the ones its TINs lost in this run.
    """
    runs = current_runs(principal=principal) if runs is None else runs
    rows = AlignmentResult.objects.filter(run__in=runs)
    # Subqueries without the models' default ordering (which would join for nothing).
    change = AlignmentChange.objects.filter(
        run_id=OuterRef("run_id"), beneficiary_id=OuterRef("beneficiary_id")
    ).order_by()
    provider = Provider.objects.filter(npi=OuterRef("attributed_npi")).order_by()
    rows = rows.annotate(
        change_kind=Subquery(change.values("kind")[:1]),
        provider_name=Subquery(provider.values("name")[:1]),
    )
    tins = principal_tins(principal)
    if status == ALIGNED:
        rows = rows.filter(aligned=True)
        if tins:
            rows = rows.filter(attributed_tin__in=tins)
    else:
        rows = rows.filter(aligned=False)
        if tins:
            lost = AlignmentChange.objects.filter(run__in=runs, previous_tin__in=tins)
            rows = rows.filter(beneficiary_id__in=lost.values("beneficiary_id"))
    if tin:
        rows = rows.filter(attributed_tin=tin)
    if npi:
        rows = rows.filter(attributed_npi=npi)
    if changed_since is not None:
        moved = AlignmentChange.objects.filter(
            run__in=[r for r in runs if (r.finished_at or r.created_at) > changed_since]
        ).values("beneficiary_id")
        rows = rows.filter(
            Q(beneficiary__updated_at__gt=changed_since) | Q(beneficiary_id__in=moved)
        )
    return rows.select_related("beneficiary", "run__entity__program").defer(*RUN_LINEAGE)


def roster_beneficiary_ids(
    *,
    principal: Any,
    tin: str = "",
    npi: str = "",
    runs: list[AlignmentRun] | None = None,
    field: str = "beneficiary_id",
) -> Q:
    """A filter on `field` (a beneficiary's key) for the beneficiaries the caller may read: those of its
    roster, aligned or not (the rows a beneficiary detail finds). Filters work as on the
    roster."""
    runs = current_runs(principal=principal) if runs is None else runs
    aligned, not_aligned = (
        roster_results(principal=principal, status=status, tin=tin, npi=npi, runs=runs)
        .order_by()
        .values("beneficiary_id")
        for status in (ALIGNED, NOT_ALIGNED)
    )
    if tin or npi:
        # A TIN or NPI filter names whom the row is attributed to: not-aligned rows have none.
        return Q(**{f"{field}__in": aligned})
    return Q(**{f"{field}__in": aligned}) | Q(**{f"{field}__in": not_aligned})


# ------------------------------------------------------------------ the API's rows, in SQL


def visible_entity_ids(principal: Any) -> list[int] | None:
    """The entities the caller's roster comes from (as `for_user` scopes them); None: all."""
    if not getattr(principal, "is_authenticated", False):
        return []
    # Superusers too: a roster is PHI, seen through memberships and break-glass grants only.
    ids = entity_ids_for_user(principal)
    return list(ids) if isinstance(ids, list) else [row["entity_id"] for row in ids]


def withheld_ids(*, entity_ids: Iterable[int]) -> set[int]:
    """Beneficiaries of these entities whose claims CMS withholds (declined data sharing,
    suppressed): their alignment is shown, nothing derived from their claims is
    (claims.selectors.withheld_beneficiary_ids, as of the latest data-sharing file)."""
    from claims.selectors import withheld_beneficiary_ids

    held: set[int] = set()
    for entity_id in sorted(set(entity_ids)):
        held |= withheld_beneficiary_ids(entity=entity_id)
    return held


def principal_withheld_ids(principal: Any) -> set[int]:
    """`withheld_ids` over the caller's entities."""
    return withheld_ids(entity_ids=visible_entity_ids(principal) or [])


def extras_without_withheld(extras: Extras, *, entity_ids: Iterable[int]) -> Extras:
    """`extras` without the risk scores and gaps (all derived from claims) of withheld
    beneficiaries."""
    for beneficiary in withheld_ids(entity_ids=entity_ids):
        extras.risk.pop(beneficiary, None)
        extras.gaps.pop(beneficiary, None)
    return extras


RUN_FIELDS = ("parameters", "windows", "summary", "deliveries")  # see RUN_LINEAGE


@cache
def _roster_parts() -> list[tuple[type[Any], list[Any]]]:
    return [
        (AlignmentResult, sql.fields_of(AlignmentResult)),
        (Beneficiary, sql.fields_of(Beneficiary)),
        (AlignmentRun, sql.fields_of(AlignmentRun, exclude=RUN_FIELDS)),
        (Entity, sql.fields_of(Entity)),
    ]


def roster_rows(
    *,
    principal: Any,
    status: str | None = ALIGNED,
    tin: str = "",
    npi: str = "",
    changed_since: dt.datetime | None = None,
    beneficiary_id: int | None = None,
    mbis: list[str] | None = None,
    after: int | None = None,
    before: int | None = None,
    offset: int = 0,
    limit: int | None = None,
    with_extras: bool = False,
) -> list[AlignmentResult]:
    """The rows `roster_results` selects, in one query: the results of the caller's current
    runs (`current_runs`), with the beneficiary, the run and its entity, and the annotations
    `change_kind`, `provider_name` and `period` (the run's performance year, as `run_period`
    dates it). `status=None` takes aligned rows and then the others (a beneficiary detail).
    Ordered by beneficiary; descending when only `before` is given (a cursor going back).
    `with_extras` reads each row's risk and gaps in the same query (`extras_of` gives them):
    what `roster_extras` would read in a second one, for a call that shows one row."""
    if connection.vendor != "postgresql":
        return roster_rows_orm(
            principal=principal, status=status, tin=tin, npi=npi, changed_since=changed_since,
            beneficiary_id=beneficiary_id, mbis=mbis, after=after, before=before,
            offset=offset, limit=limit,
        )  # fmt: skip
    entity_ids = visible_entity_ids(principal)
    if entity_ids == []:
        return []
    return with_list_only(
        _run_rows_sql, principal=principal, entity_ids=entity_ids, status=status, tin=tin,
        npi=npi, changed_since=changed_since, beneficiary_id=beneficiary_id, mbis=mbis,
        after=after, before=before, offset=offset, limit=limit, with_extras=with_extras,
    )  # fmt: skip


def _run_rows_sql(
    *,
    principal: Any,
    entity_ids: list[int] | None,
    status: str | None,
    tin: str,
    npi: str,
    changed_since: dt.datetime | None,
    beneficiary_id: int | None,
    mbis: list[str] | None,
    after: int | None,
    before: int | None,
    offset: int,
    limit: int | None,
    with_extras: bool = False,
) -> list[AlignmentResult]:
    """`roster_rows`'s rows of the current runs, in one query (without the list-only rows)."""
    tins = list(principal_tins(principal))
    params: dict[str, Any] = {"entities": entity_ids, "tins": tins}
    aligned = "r.aligned" + (" AND r.attributed_tin = ANY(%(tins)s)" if tins else "")
    lost = (
        " AND r.beneficiary_id IN (SELECT l.beneficiary_id FROM "  # noqa: S608 - our names
        f"{sql.table(AlignmentChange)} l WHERE l.run_id IN (SELECT id FROM runs) "
        "AND l.previous_tin = ANY(%(tins)s))"
        if tins
        else ""
    )
    not_aligned = "NOT r.aligned" + lost
    where = {
        ALIGNED: [aligned],
        NOT_ALIGNED: [not_aligned],
        None: [f"(({aligned}) OR ({not_aligned}))"],
    }[status]
    if tin:
        where.append("r.attributed_tin = %(tin)s")
        params["tin"] = tin
    if npi:
        where.append("r.attributed_npi = %(npi)s")
        params["npi"] = npi
    if changed_since is not None:
        where.append(
            "(b.updated_at > %(since)s OR r.beneficiary_id IN (SELECT m.beneficiary_id FROM "  # noqa: S608 - our names
            f"{sql.table(AlignmentChange)} m JOIN runs mr ON mr.id = m.run_id "
            "WHERE COALESCE(mr.finished_at, mr.created_at) > %(since)s))"
        )
        params["since"] = changed_since
    # Bounds on the beneficiary key are given on both tables: the planner does not carry
    # them across the join, and would otherwise walk the beneficiaries from the first.
    if beneficiary_id is not None:
        where.append("r.beneficiary_id = %(beneficiary)s AND b.id = %(beneficiary)s")
        params["beneficiary"] = beneficiary_id
    if mbis is not None:
        where.append("b.current_mbi = ANY(%(mbis)s)")
        params["mbis"] = list(mbis)
    if after is not None:
        where.append("r.beneficiary_id > %(after)s AND b.id > %(after)s")
        params["after"] = after
    if before is not None:
        where.append("r.beneficiary_id < %(before)s AND b.id < %(before)s")
        params["before"] = before
    order = "r.beneficiary_id DESC" if before is not None and after is None else "r.beneficiary_id"
    if status is None:
        order = f"r.aligned DESC, {order}"
    page = " OFFSET %(offset)s" if offset else ""
    params["offset"] = offset
    if limit is not None:
        page += " LIMIT %(limit)s"
        params["limit"] = limit
    parts = _roster_parts()
    result, beneficiary, run, entity = (fields for _, fields in parts)
    query = (
        # The current run of each entity, as CURRENT_RUN_ORDER picks it.
        "WITH runs AS (SELECT DISTINCT ON (run.entity_id) "  # noqa: S608 - our names; values are bound
        f"{sql.columns('run', run)} FROM {sql.table(AlignmentRun)} run "
        "WHERE run.status = %(succeeded)s"
        + (" AND run.entity_id = ANY(%(entities)s)" if entity_ids is not None else "")
        + " ORDER BY run.entity_id, run.performance_year DESC, run.finished_at DESC, run.id DESC) "  # noqa: S608 - our names
        f"SELECT {sql.columns('r', result)}, {sql.columns('b', beneficiary)}, "
        f"{sql.columns('runs', run)}, {sql.columns('e', entity)}, "
        "c.kind, p.name, py.start_date, py.end_date"
        + (_EXTRAS_COLUMNS if with_extras else "")
        + f" FROM runs JOIN {sql.table(AlignmentResult)} r ON r.run_id = runs.id "
        f"JOIN {sql.table(Beneficiary)} b ON b.id = r.beneficiary_id "
        f"JOIN {sql.table(Entity)} e ON e.id = runs.entity_id "
        f"LEFT JOIN {sql.table(PerformanceYear)} py "
        "ON py.program_id = e.program_id AND py.year = runs.performance_year "
        f"LEFT JOIN {sql.table(AlignmentChange)} c "
        "ON c.run_id = r.run_id AND c.beneficiary_id = r.beneficiary_id "
        f"LEFT JOIN {sql.table(Provider)} p ON p.npi = r.attributed_npi "
        f"WHERE {' AND '.join(where)} ORDER BY {order}{page}"
    )
    params["succeeded"] = RunStatus.SUCCEEDED
    with sql.prepared_cursor() as cursor:
        cursor.execute(query, params)
        fetched = cursor.fetchall()
    # Columns: the result, the beneficiary, the run, its entity, then the annotations. The
    # run and the entity are built once per run.
    ends = [len(result), len(result) + len(beneficiary)]
    ends += [ends[1] + len(run), ends[1] + len(run) + len(entity)]
    run_id_at = next(i for i, f in enumerate(result) if f.attname == "run_id")
    runs: dict[int, AlignmentRun] = {}
    rows = []
    for values in fetched:
        row = sql.instance(AlignmentResult, result, values[: ends[0]])
        if values[run_id_at] not in runs:
            run_row = sql.instance(AlignmentRun, run, values[ends[1] : ends[2]])
            run_row.entity = sql.instance(Entity, entity, values[ends[2] : ends[3]])
            runs[run_row.pk] = run_row
        row.run = runs[row.run_id]
        row.beneficiary = sql.instance(Beneficiary, beneficiary, values[ends[0] : ends[1]])
        row.change_kind, row.provider_name, start, end = values[ends[3] : ends[3] + 4]
        if with_extras:
            row.extras = values[ends[3] + 4 :]
        year = row.run.performance_year
        # As run_period dates it: the registry's year, else the calendar year.
        row.period = (start, end) if start else (dt.date(year, 1, 1), dt.date(year, 12, 31))
        rows.append(row)
    return rows


def roster_rows_orm(
    *,
    principal: Any,
    status: str | None = ALIGNED,
    tin: str = "",
    npi: str = "",
    changed_since: dt.datetime | None = None,
    beneficiary_id: int | None = None,
    mbis: list[str] | None = None,
    after: int | None = None,
    before: int | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[AlignmentResult]:
    """`roster_rows` through `roster_results`: what other databases (SQLite) run, and what
    the tests hold the SQL to."""
    return with_list_only(
        _run_rows_orm, principal=principal, entity_ids=visible_entity_ids(principal),
        status=status, tin=tin, npi=npi, changed_since=changed_since,
        beneficiary_id=beneficiary_id, mbis=mbis, after=after, before=before, offset=offset,
        limit=limit,
    )  # fmt: skip


def _bounded(
    found: QuerySet[Any],
    *,
    beneficiary_id: int | None,
    mbis: list[str] | None,
    after: int | None,
    before: int | None,
) -> QuerySet[Any]:
    """`found` (rows with a beneficiary) of one beneficiary, of these MBIs, or after or before a
    beneficiary key, as given."""
    if beneficiary_id is not None:
        found = found.filter(beneficiary_id=beneficiary_id)
    if mbis is not None:
        found = found.filter(beneficiary__current_mbi__in=mbis)
    if after is not None:
        found = found.filter(beneficiary_id__gt=after)
    if before is not None:
        found = found.filter(beneficiary_id__lt=before)
    return found


def _run_rows_orm(
    *, principal: Any, status: str | None, offset: int, limit: int | None, **filters: Any
) -> list[AlignmentResult]:
    """`roster_rows_orm`'s rows of the current runs (without the list-only rows); `filters`
    are `roster_rows`'s."""
    from partners.attribution import run_period

    tin, npi, changed_since = filters["tin"], filters["npi"], filters["changed_since"]
    beneficiary_id, mbis = filters["beneficiary_id"], filters["mbis"]
    after, before = filters["after"], filters["before"]
    descending = before is not None and after is None
    rows: list[AlignmentResult] = []
    for each in [status] if status else [ALIGNED, NOT_ALIGNED]:
        found = roster_results(
            principal=principal, status=each, tin=tin, npi=npi, changed_since=changed_since
        )
        found = _bounded(
            found, beneficiary_id=beneficiary_id, mbis=mbis, after=after, before=before
        )
        found = found.order_by("-beneficiary_id" if descending else "beneficiary_id")
        if status and limit is not None:
            found = found[offset : offset + limit]
        rows += list(found)
    if not status:
        rows = rows[offset : None if limit is None else offset + limit]
    periods: dict[int, tuple[dt.date, dt.date]] = {}
    for row in rows:
        if row.run_id not in periods:
            periods[row.run_id] = run_period(row.run)
        row.period = periods[row.run_id]
    return rows


# ------------------------------------------------------------------ list-only rows

# A row of CMS's list that the platform's run has no row for (see `list_only_rows`).
LIST_ONLY_EXPLANATION = (
    "Assigned on CMS's list, the roster of record; the platform's alignment run has no record "
    "of this beneficiary (CMS sees what the claim files do not: beneficiaries whose claims are "
    "withheld from data sharing, voluntary alignment, enrollment)."
)


def list_only_rows(
    *,
    principal: Any,
    entity_ids: list[int] | None,
    status: str | None = ALIGNED,
    limit: int | None = None,
    descending: bool = False,
    **filters: Any,
) -> list[AlignmentResult]:
    """The "list-only" beneficiaries of the caller's entities: assigned on the CMS list that is
    an entity's roster of record (as `partners.api.views.rosters_of` and
    alignment.selectors.roster_of_record_current choose it: the list of the newest listed year,
    when that year is not older than the current run's) with no row in the entity's current
    run, as the FHIR Group lists them (partners.attribution.Members). Each is an unsaved row of
    that run, aligned, attributed to the TIN and NPI the list gives (cmslists.selectors.
    cms_list_member_rows), with `list_only` set to the list and `period` to the list's year.
    `filters` are `roster_rows`'s (tin, npi, changed_since, beneficiary_id, mbis, after,
    before); at most `limit` rows, by beneficiary. One query when no CMS list
    is the roster of record."""
    from cmslists.models import CmsListBeneficiary, Status
    from cmslists.selectors import cms_list_member_rows, cms_lists_current
    from partners.attribution import year_period

    if status == NOT_ALIGNED:
        return []
    tin, npi, changed_since = (filters.get(k) for k in ("tin", "npi", "changed_since"))
    beneficiary_id, mbis = filters.get("beneficiary_id"), filters.get("mbis")
    after, before = filters.get("after"), filters.get("before")
    if entity_ids is None:
        entity_ids = list(Entity.objects.values_list("pk", flat=True))
    lists = cms_lists_current(entity_ids=entity_ids)
    if not lists:
        return []
    runs = {run.entity_id: run for run in current_runs(principal=principal)}
    tins = set(principal_tins(principal))
    rows: list[AlignmentResult] = []
    for entity_id, cms_list in sorted(lists.items()):
        run = runs.get(entity_id)
        if run is None or cms_list.performance_year < run.performance_year:
            continue
        found: QuerySet[Any] = CmsListBeneficiary.objects.filter(
            cms_list=cms_list, status=Status.ASSIGNED
        ).exclude(
            beneficiary_id__in=AlignmentResult.objects.filter(run=run).values("beneficiary_id")
        )
        found = _bounded(
            found, beneficiary_id=beneficiary_id, mbis=mbis, after=after, before=before
        )
        if changed_since is not None and cms_list.loaded_at <= changed_since:
            # A list loaded since then changes all its rows; else the beneficiary's own record.
            found = found.filter(beneficiary__updated_at__gt=changed_since)
        found = found.order_by("-beneficiary_id" if descending else "beneficiary_id")
        if limit is not None and not (tins or tin or npi):
            found = found[:limit]
        people = {
            row.beneficiary_id: row.beneficiary for row in found.select_related("beneficiary")
        }
        if not people:
            continue
        period = year_period(run.entity, cms_list.performance_year)
        for bene, list_tin, list_npi in cms_list_member_rows(
            cms_list=cms_list, beneficiary_ids=list(people)
        ):
            if (tins and list_tin not in tins) or (tin and list_tin != tin):
                continue
            if npi and list_npi != npi:
                continue
            row = AlignmentResult(
                run=run, beneficiary=people[bene], bucket=0, aligned=True, step="", reason="",
                attributed_tin=list_tin, attributed_npi=list_npi,
            )  # fmt: skip
            row.change_kind = None
            row.list_only = cms_list
            row.period = period
            rows.append(row)
    rows.sort(key=lambda row: row.beneficiary_id, reverse=descending)
    rows = rows[:limit] if limit is not None else rows
    names = dict(
        Provider.objects.filter(npi__in={r.attributed_npi for r in rows if r.attributed_npi})
        .order_by()
        .values_list("npi", "name")
    ) if any(r.attributed_npi for r in rows) else {}  # fmt: skip
    for row in rows:
        row.provider_name = names.get(row.attributed_npi, "")
    return rows


def with_list_only(
    fetch: Any,
    *,
    principal: Any,
    entity_ids: list[int] | None,
    status: str | None,
    offset: int,
    limit: int | None,
    with_extras: bool = False,
    **filters: Any,
) -> list[AlignmentResult]:
    """The rows `fetch` reads from the current runs with the list-only rows (`list_only_rows`)
    merged in, in the roster's order (aligned first when `status` is None, then by beneficiary;
    descending when only `before` is given), sliced by `offset` and `limit`."""
    descending = filters["before"] is not None and filters["after"] is None
    window = None if limit is None else offset + limit
    extra = list_only_rows(
        principal=principal, entity_ids=entity_ids, status=status, limit=window,
        descending=descending, **filters,
    )  # fmt: skip
    more = {"with_extras": with_extras} if with_extras else {}
    if not extra:
        return fetch(
            principal=principal, entity_ids=entity_ids, status=status, offset=offset,
            limit=limit, **filters, **more,
        )  # fmt: skip
    own = fetch(
        principal=principal, entity_ids=entity_ids, status=status, offset=0, limit=window,
        **filters, **more,
    )  # fmt: skip
    aligned = sorted(
        [r for r in own if r.aligned] + extra,
        key=lambda row: row.beneficiary_id,
        reverse=descending,
    )
    if status is None:
        rows = aligned + [r for r in own if not r.aligned]
    else:
        rows = sorted(
            [r for r in own if not r.aligned] + aligned,
            key=lambda row: row.beneficiary_id,
            reverse=descending,
        )
    return rows[offset:window]


class RosterRows:
    """`roster_rows` as DRF's CursorPagination pages a queryset: ordered by beneficiary,
    filtered from a position, sliced. Each slice is one query."""

    model = AlignmentResult  # for the OpenAPI schema's path parameters

    def __init__(self, **filters: Any) -> None:
        self.filters = filters
        self.bounds: dict[str, int] = {}

    def _clone(self, **bounds: int) -> RosterRows:
        clone = RosterRows(**self.filters)
        clone.bounds = {**self.bounds, **bounds}
        return clone

    def order_by(self, *ordering: str) -> RosterRows:
        if ordering not in (("beneficiary_id",), ("-beneficiary_id",)):
            raise ValueError(f"The roster is ordered by beneficiary, not {ordering}.")
        clone = self._clone()
        clone.descending = ordering[0].startswith("-")
        return clone

    descending = False

    def filter(self, **position: Any) -> RosterRows:
        ((lookup, value),) = position.items()
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise NotFound(CursorPagination.invalid_cursor_message) from None
        if lookup == "beneficiary_id__gt":
            return self._clone(after=value)
        if lookup == "beneficiary_id__lt":
            return self._clone(before=value)
        raise ValueError(f"The roster pages by beneficiary, not {lookup}.")

    def __getitem__(self, window: slice) -> list[AlignmentResult]:
        start = window.start or 0
        bounds = dict(self.bounds)
        if self.descending and "before" not in bounds:
            # Going back from the end: every row, newest first.
            bounds["before"] = 2**63 - 1
        return roster_rows(**self.filters, **bounds, offset=start, limit=window.stop - start)


@dataclass(frozen=True)
class Risk:
    payment_year: int
    raw_score: Any  # Decimal


@dataclass
class Extras:
    """What a page of rows needs from other apps, fetched for the whole page at once."""

    risk: dict[int, Risk] = field(default_factory=dict)
    # Care gaps found in claims (care.CareGap) first, then HCC recapture gaps.
    gaps: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))


def _recaptured() -> str:
    """The condition that HCC `h` of score `s` (payment year Y) is open to recapture, as
    benchmarks.selectors.recapture_gaps has it: the Y + 1 score uses `h`'s model and does not
    hold `h`."""
    score, hcc = sql.table(RiskScore), sql.table(RiskHcc)
    return (
        f"EXISTS (SELECT 1 FROM {sql.table(RiskScoreComponent)} nc "  # noqa: S608 - our names
        f"JOIN {score} ns ON ns.id = nc.risk_score_id "
        "WHERE ns.beneficiary_id = s.beneficiary_id AND ns.payment_year = s.payment_year + 1 "
        "AND nc.model = h.model) "
        f"AND NOT EXISTS (SELECT 1 FROM {hcc} nh JOIN {score} ns ON ns.id = nh.risk_score_id "
        "WHERE ns.beneficiary_id = s.beneficiary_id AND ns.payment_year = s.payment_year + 1 "
        "AND nh.model = h.model AND nh.hcc = h.hcc)"
    )


# `roster_rows(with_extras=True)`: the rows of `_extras_sql` for one row, as three columns (a
# scalar subquery each, keyed on the row): the latest risk score (year and score as text: a
# Decimal, never a float), the care gaps by gap, the recapture gaps by model and HCC (JSON).
_EXTRAS_COLUMNS = (
    ", (SELECT ARRAY[s.payment_year::text, s.raw_score::text] FROM "  # noqa: S608 - our names
    f"{sql.table(RiskScore)} s WHERE s.beneficiary_id = r.beneficiary_id "
    "ORDER BY s.payment_year DESC LIMIT 1), "
    "(SELECT json_agg(json_build_array(g.gap, g.label, g.last_done, g.as_of) ORDER BY g.gap) "
    f"FROM {sql.table(CareGap)} g WHERE g.beneficiary_id = r.beneficiary_id), "
    "(SELECT json_agg(json_build_array(h.model, h.label, h.hcc) ORDER BY h.model, h.hcc) "
    f"FROM {sql.table(RiskScore)} s JOIN {sql.table(RiskHcc)} h ON h.risk_score_id = s.id "
    "WHERE s.beneficiary_id = r.beneficiary_id AND s.entity_id = runs.entity_id "
    f"AND s.payment_year = runs.performance_year AND {_recaptured()})"
)


def _care_gap(gap: str, label: str, last_done: Any, as_of: Any) -> dict[str, Any]:
    return {"type": "care_gap", "gap": gap, "label": label, "last_done": last_done, "as_of": as_of}


def _recapture_gap(model: str, hcc: str, label: str, year: int) -> dict[str, Any]:
    return {
        "type": "hcc_recapture",
        "model": model,
        "hcc": hcc,
        "label": label,
        "last_seen_payment_year": year,
    }


def extras_of(rows: Iterable[AlignmentResult]) -> Extras:
    """The risk and gaps `roster_rows(with_extras=True)` read with its rows: what
    `roster_extras` gives for them."""
    extras = Extras()
    for row in rows:
        risk, gaps, recapture = row.extras
        beneficiary = row.beneficiary_id
        if risk is not None:
            extras.risk[beneficiary] = Risk(int(risk[0]), Decimal(risk[1]))
        for gap, label, last_done, as_of in gaps or ():
            extras.gaps[beneficiary].append(
                _care_gap(
                    gap,
                    label,
                    last_done and dt.date.fromisoformat(last_done),
                    as_of and dt.date.fromisoformat(as_of),
                )
            )
        for model, label, hcc in recapture or ():
            extras.gaps[beneficiary].append(
                _recapture_gap(model, hcc, label, row.run.performance_year)
            )
    return extras


@cache
def _extras_sql() -> str:
    """One query for a page: each beneficiary's latest risk score, its care gaps (care.CareGap,
    by gap) and its HCC recapture gaps for its run's year (benchmarks.selectors.recapture_gaps:
    an HCC of payment year Y whose model the Y + 1 score also uses, without that HCC; by model
    and HCC)."""
    score, hcc = sql.table(RiskScore), sql.table(RiskHcc)
    return (
        "WITH page AS (SELECT * FROM unnest(%(ids)s::bigint[], %(entities)s::bigint[], "  # noqa: S608 - our names; values are bound
        "%(years)s::int[]) AS page(beneficiary_id, entity_id, year)) "
        "SELECT 1, s.beneficiary_id, s.payment_year, s.raw_score, '', '', NULL::date, "
        "NULL::date, '' FROM (SELECT DISTINCT ON (beneficiary_id) beneficiary_id, "
        f"payment_year, raw_score FROM {score} "
        "WHERE beneficiary_id IN (SELECT beneficiary_id FROM page) "
        "ORDER BY beneficiary_id, payment_year DESC) s "
        "UNION ALL SELECT 2, g.beneficiary_id, NULL, NULL, g.gap, g.label, g.last_done, "
        f"g.as_of, '' FROM {sql.table(CareGap)} g "
        "WHERE g.beneficiary_id IN (SELECT beneficiary_id FROM page) "
        "UNION ALL SELECT 3, s.beneficiary_id, page.year, NULL, h.model, h.label, NULL, NULL, "
        f"h.hcc FROM page JOIN {score} s ON s.beneficiary_id = page.beneficiary_id "
        "AND s.entity_id = page.entity_id AND s.payment_year = page.year "
        f"JOIN {hcc} h ON h.risk_score_id = s.id "
        f"WHERE {_recaptured()} "
        "ORDER BY 1, 2, 5, 9"
    )


def roster_extras(*, principal: Any, results: Iterable[AlignmentResult]) -> Extras:
    """Risk scores and open gaps of rows of `roster_rows` (or `roster_results`): one query.
    The recapture gaps are those of each row's run (its entity and year), which the caller's
    scope (`principal`) has already admitted."""
    results = list(results)
    if connection.vendor != "postgresql":
        return roster_extras_orm(principal=principal, results=results)
    extras = Extras()
    if not results:
        return extras
    params = {
        "ids": [r.beneficiary_id for r in results],
        "entities": [r.run.entity_id for r in results],
        "years": [r.run.performance_year for r in results],
    }
    with sql.prepared_cursor() as cursor:
        cursor.execute(_extras_sql(), params)
        fetched = cursor.fetchall()
    for part, beneficiary, year, raw_score, key, label, last_done, as_of, code in fetched:
        if part == 1:
            extras.risk[beneficiary] = Risk(year, raw_score)
        elif part == 2:
            extras.gaps[beneficiary].append(_care_gap(key, label, last_done, as_of))
        else:
            extras.gaps[beneficiary].append(_recapture_gap(key, code, label, year))
    return extras


def roster_extras_orm(*, principal: Any, results: Iterable[AlignmentResult]) -> Extras:
    """`roster_extras` through the ORM and the benchmarks app's selector: what other
    databases (SQLite) run, and what the tests hold the SQL to."""
    results = list(results)
    extras = Extras()
    ids = [r.beneficiary_id for r in results]
    if not ids:
        return extras
    for score in RiskScore.objects.filter(beneficiary_id__in=ids).order_by(
        "beneficiary_id", "-payment_year"
    ):
        extras.risk.setdefault(score.beneficiary_id, Risk(score.payment_year, score.raw_score))
    for gap in CareGap.objects.filter(beneficiary_id__in=ids).order_by("beneficiary_id", "gap"):
        extras.gaps[gap.beneficiary_id].append(
            _care_gap(gap.gap, gap.label, gap.last_done, gap.as_of)
        )
    by_run: dict[int, AlignmentRun] = {r.run_id: r.run for r in results}
    for run in by_run.values():
        run_ids = [r.beneficiary_id for r in results if r.run_id == run.pk]
        for hcc in recapture_gaps(
            user=principal, entity=run.entity_id, year=run.performance_year
        ).filter(risk_score__beneficiary_id__in=run_ids):
            extras.gaps[hcc.risk_score.beneficiary_id].append(
                _recapture_gap(hcc.model, hcc.hcc, hcc.label, run.performance_year)
            )
    return extras


def change_code(kind: str | None, run: AlignmentRun | None = None) -> str:
    """The ATR change type of a row: on a run's first list everyone is new."""
    if kind:
        return CHANGE_CODES[kind]
    return "new" if run is not None and run.previous_run_id is None else "nochange"
