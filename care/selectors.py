"""Reads for the coordinator pages, always scoped to what the user may see.

The roster pages through 250,000 people by keyset ("after this beneficiary id"), never OFFSET:
the next page starts from the last row's sort values, found by its internal id, so the cost of a
page does not grow with how far one has paged, and neither names nor dates of birth go into a URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from benchmarks.selectors import recapture_gaps
from beneficiaries.models import Beneficiary
from care.models import (
    OPEN_STATUSES,
    CareGap,
    CareProfile,
    CareSummary,
    ItemKind,
    ItemStatus,
    OutreachAttempt,
    WorklistItem,
    WorklistNote,
)
from entities.models import Entity

PAGE_SIZE = 50
RECENT_DAYS = 90

# Sort keys the roster offers: name -> the ordered columns (all ending in the unique id).
SORTS: dict[str, tuple[str, ...]] = {
    "name": ("last_name", "first_name", "id"),
    "-name": ("-last_name", "-first_name", "-id"),
    "dob": ("birth_date", "id"),
    "-dob": ("-birth_date", "-id"),
}
# Sorts on the care profile: name -> (column, the value a missing one sorts as, and the one it
# sorts as low to low-first when the missing belong last). "-" in front of the name sorts high
# to low; the first value puts the missing at the low end, so that "last primary care visit,
# oldest first" lists those with none in the claims first. A risk score, a cost or a discharge
# that is missing (no score, CMS withholds the claims, no stay) sorts last either way: "lowest
# first" does not open on pages of blanks.
PROFILE_SORTS: dict[str, tuple[str, Any, Any]] = {
    "risk": ("care__risk_score", Decimal("-1"), Decimal("999999999")),
    "gaps": ("care__open_gap_count", -1, -1),
    "cost": ("care__spend_this_year", Decimal("-1"), Decimal("999999999999")),
    "discharge": ("care__last_inpatient_discharge", date(1, 1, 1), date(9999, 12, 31)),
    "pc_visit": ("care__last_primary_care_visit", date(1, 1, 1), date(1, 1, 1)),
    "alignment_risk": ("care__alignment_at_risk", False, False),
}
SORT_KEY = "roster_sort_key"


def sort_names() -> set[str]:
    """Every sort the roster takes."""
    return set(SORTS) | {f"{p}{name}" for name in PROFILE_SORTS for p in ("", "-")}


def _profile_sort(sort: str) -> tuple[str, Any, bool] | None:
    """(column, stand-in for none, descending) of a profile sort; None for the others."""
    found = PROFILE_SORTS.get(sort.lstrip("-"))
    if found is None:
        return None
    column, low, high = found
    descending = sort.startswith("-")
    return column, low if descending else high, descending


def care_data_date(*, entity: Entity) -> date | None:
    """The date the entity's care figures are counted from: the date of its latest care refresh,
    which is the claims' own date (the latest claim through date, `claims_data_date`) unless
    someone asked for another. "Last 90 days", "due" and "overdue" count from it, never from the
    clock; None before the first refresh."""
    return CareSummary.objects.filter(entity=entity).values_list("as_of", flat=True).first()


def entity_for_user(*, user: Any, entity_id: int) -> Entity:
    """The entity if the user belongs to it; otherwise 404 (never 403: absent, not forbidden)."""
    entity = Entity.objects.for_user(user).select_related("program").filter(pk=entity_id).first()
    if entity is None:
        raise Http404("No such entity.")
    return entity


@dataclass(frozen=True)
class RosterFilters:
    """What the roster form asks for. `last_name`/`birth_date` come from a POST, never a URL."""

    last_name: str = ""
    first_name: str = ""
    birth_date: date | None = None
    recent_inpatient: bool = False
    recent_ed: bool = False
    open_gaps: bool = False
    gap: str = ""
    hcc_recapture: bool = False
    aligned: bool = False
    newly_aligned: bool = False
    alignment_at_risk: bool = False
    attributed_tin: str = ""
    attributed_npi: str = ""
    risk_tier: str = ""
    sort: str = "name"
    after: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> RosterFilters:
        """From a roster form's cleaned data or an export job's parameters (ISO birth date)."""
        birth = data.get("birth_date")
        if isinstance(birth, str):
            birth = date.fromisoformat(birth) if birth else None
        return cls(
            **{
                name: data[name]
                for name in cls.__dataclass_fields__
                if name not in ("extra", "birth_date") and data.get(name) not in (None, "")
            },
            birth_date=birth,
        )


def measure_gap_keys(*, entity: Entity) -> list[str]:
    """The quality measures' gap keys (`measure_<code>`) the entity has open gaps of."""
    return list(
        CareGap.objects.filter(entity=entity, gap__startswith="measure_")
        .order_by()
        .values_list("gap", flat=True)
        .distinct()
    )


def risk_tier_counts(*, entity: Entity) -> dict[str, int]:
    """People per risk tier on the care profiles (what the roster's tier filter finds)."""
    rows = CareProfile.objects.filter(entity=entity).values("risk_tier").annotate(n=Count("pk"))
    return {row["risk_tier"]: row["n"] for row in rows}


def roster_queryset(*, user: Any, entity: Entity, filters: RosterFilters) -> QuerySet[Beneficiary]:
    """The entity's current beneficiaries matching the filters, in the requested order."""
    qs = Beneficiary.objects.for_user(user).filter(entity=entity, merged_into__isnull=True)
    if filters.last_name:
        qs = qs.filter(last_name__istartswith=filters.last_name.strip())
    if filters.first_name:
        qs = qs.filter(first_name__istartswith=filters.first_name.strip())
    if filters.birth_date:
        qs = qs.filter(birth_date=filters.birth_date)
    if filters.recent_inpatient or filters.recent_ed:
        # Counted back from the care figures' date (the claims' own date), not from today.
        as_of = care_data_date(entity=entity)
        if as_of is None:  # no refresh yet: no profile to filter on
            return qs.none()
        since = as_of - timedelta(days=RECENT_DAYS)
        if filters.recent_inpatient:
            qs = qs.filter(care__last_inpatient_discharge__gte=since)
        if filters.recent_ed:
            qs = qs.filter(care__last_ed_visit__gte=since)
    if filters.open_gaps:
        qs = qs.filter(care__open_gap_count__gt=0)
    if filters.gap:
        qs = qs.filter(
            pk__in=CareGap.objects.filter(entity=entity, gap=filters.gap).values("beneficiary_id")
        )
    if filters.hcc_recapture:
        # The same gaps the risk pages show (benchmarks.selectors.recapture_gaps: HCCs of last
        # year's diagnoses not yet coded this year, "this year" being the care refresh's), not
        # only those a task was generated for.
        # Those with an open recapture task (generated or added by hand) count too.
        as_of = care_data_date(entity=entity)
        tasks = WorklistItem.objects.filter(
            entity=entity, kind="hcc_recapture", status__in=OPEN_STATUSES
        ).values("beneficiary_id")
        wanted = Q(pk__in=tasks)
        if as_of is not None:
            wanted |= Q(
                pk__in=recapture_gaps(user=user, entity=entity, year=as_of.year)
                .order_by()
                .values("risk_score__beneficiary_id")
            )
        qs = qs.filter(wanted)
    # Alignment and risk facts are on the care profile (copied from the latest alignment run and
    # risk scores by the care refresh), so each is one indexed condition on the joined profile.
    if filters.aligned:
        qs = qs.filter(care__aligned=True)
    if filters.newly_aligned:
        qs = qs.filter(care__newly_aligned=True)
    if filters.alignment_at_risk:
        qs = qs.filter(care__alignment_at_risk=True)
    if filters.attributed_tin:
        qs = qs.filter(care__attributed_tin=filters.attributed_tin)
    if filters.attributed_npi:
        qs = qs.filter(care__attributed_npi=filters.attributed_npi)
    if filters.risk_tier:
        qs = qs.filter(care__risk_tier=filters.risk_tier)
    return _ordered(qs, filters.sort)


def _ordered(qs: QuerySet[Beneficiary], sort: str) -> QuerySet[Beneficiary]:
    profile = _profile_sort(sort)
    if profile is None:
        return qs.order_by(*SORTS.get(sort, SORTS["name"]))
    column, missing, descending = profile
    qs = qs.annotate(**{SORT_KEY: Coalesce(F(column), Value(missing))})
    # Ties in the order they were received (the id), whichever way the figure sorts.
    return qs.order_by(F(SORT_KEY).desc() if descending else F(SORT_KEY).asc(), "id")


def _after_profile(
    qs: QuerySet[Beneficiary], sort: str, key: Any, anchor_id: int
) -> QuerySet[Beneficiary]:
    """Rows after the anchor (its sort value `key`, its id) in a profile sort."""
    op = "lt" if sort.startswith("-") else "gt"
    return qs.filter(Q(**{f"{SORT_KEY}__{op}": key}) | Q(**{SORT_KEY: key, "id__gt": anchor_id}))


def _after(qs: QuerySet[Beneficiary], sort: str, anchor: Beneficiary) -> QuerySet[Beneficiary]:
    """Rows strictly after `anchor` in the sort order (row-value comparison, spelled out)."""
    columns = SORTS.get(sort, SORTS["name"])
    condition = Q()
    for i, col in enumerate(columns):
        name = col.lstrip("-")
        op = "lt" if col.startswith("-") else "gt"
        step = Q(**{f"{name}__{op}": getattr(anchor, name)})
        for prev in columns[:i]:
            prev_name = prev.lstrip("-")
            step &= Q(**{prev_name: getattr(anchor, prev_name)})
        condition |= step
    # The same bound on the leading column alone, redundant but sargable: it lets PostgreSQL
    # start the index scan at the anchor instead of filtering every row before it.
    lead = columns[0].lstrip("-")
    lead_op = "lte" if columns[0].startswith("-") else "gte"
    return qs.filter(Q(**{f"{lead}__{lead_op}": getattr(anchor, lead)}) & condition)


# A filter on the alignment facts that matches at most this many people is applied as a list of
# ids, sorted without the name index (see _selective_ids).
SELECTIVE_LIMIT = 5000


def _selective_ids(*, entity: Entity, filters: RosterFilters) -> QuerySet[Any] | None:
    """The ids matching the alignment filters (a subquery) when they are few, else None.

    Walking the name index and probing each person's profile finds a page fast when many
    people match, but a rare combination (an attributed TIN and "at risk") would probe most of
    the 250,000 rows. One indexed count of the profiles (stopping at SELECTIVE_LIMIT + 1) tells
    which case this is; when few match, the page is sorted from those rows alone."""
    wanted: dict[str, Any] = {}
    if filters.newly_aligned:
        wanted["newly_aligned"] = True
    if filters.alignment_at_risk:
        wanted["alignment_at_risk"] = True
    if filters.attributed_tin:
        wanted["attributed_tin"] = filters.attributed_tin
    if filters.attributed_npi:
        wanted["attributed_npi"] = filters.attributed_npi
    if not wanted:
        return None
    matching = CareProfile.objects.filter(entity=entity, **wanted)
    if matching[: SELECTIVE_LIMIT + 1].count() > SELECTIVE_LIMIT:
        return None
    return matching.values("beneficiary_id")


def _sorted_without_index(qs: QuerySet[Beneficiary], sort: str) -> QuerySet[Beneficiary]:
    """The same order as SORTS, by expressions no index provides (so PostgreSQL sorts the few
    matching rows instead of walking the whole name or birth-date index)."""
    from django.db.models import F, Value
    from django.db.models.functions import Concat

    terms = []
    for col in SORTS.get(sort, SORTS["name"]):
        name = col.lstrip("-")
        field = F(name)
        if name in ("last_name", "first_name"):
            expr: Any = Concat(field, Value(""))
        elif name == "id":
            expr = field + 0
        else:
            expr = field
        terms.append(expr.desc() if col.startswith("-") else expr.asc())
    return qs.order_by(*terms)


def _from_anchor(*, user: Any, entity: Entity, filters: RosterFilters) -> QuerySet[Beneficiary]:
    """The roster's rows from `filters.after` on (all of them without an anchor), in order."""
    qs = roster_queryset(user=user, entity=entity, filters=filters)
    few = _selective_ids(entity=entity, filters=filters)
    profile = _profile_sort(filters.sort) is not None
    if few is not None:
        qs = qs.filter(pk__in=few)
        if not profile:
            qs = _sorted_without_index(qs, filters.sort)
    if filters.after is not None and profile:
        anchor_row = qs.filter(pk=filters.after).values(SORT_KEY, "id").first()
        if anchor_row is not None:
            qs = _after_profile(qs, filters.sort, anchor_row[SORT_KEY], anchor_row["id"])
    elif filters.after is not None:
        anchor = (
            Beneficiary.objects.for_user(user)
            .filter(entity=entity, pk=filters.after)
            .only("id", "last_name", "first_name", "birth_date")
            .first()
        )
        if anchor is not None:
            if filters.sort in ("dob", "-dob") and anchor.birth_date is None:
                qs = qs.filter(pk__gt=anchor.pk)
            else:
                qs = _after(qs, filters.sort, anchor)
    return qs


def roster_page(
    *, user: Any, entity: Entity, filters: RosterFilters, page_size: int = PAGE_SIZE
) -> tuple[list[Beneficiary], int | None]:
    """One page of the roster and the id to continue after (None on the last page)."""
    qs = _from_anchor(user=user, entity=entity, filters=filters)
    rows = list(
        qs.select_related("care").only(
            "id",
            "entity_id",
            "current_mbi",
            "first_name",
            "last_name",
            "birth_date",
            "sex_code",
            "death_date",
            "care__as_of",
            "care__last_inpatient_discharge",
            "care__last_ed_visit",
            "care__open_gap_count",
            "care__aligned",
            "care__newly_aligned",
            "care__alignment_at_risk",
            "care__attributed_tin",
            "care__attributed_npi",
            "care__risk_tier",
            "care__risk_score",
            "care__spend_this_year",
            "care__last_primary_care_visit",
        )[: page_size + 1]
    )
    next_after = rows[page_size - 1].pk if len(rows) > page_size else None
    return rows[:page_size], next_after


def roster_position(
    *, user: Any, entity: Entity, filters: RosterFilters, page_size: int = PAGE_SIZE
) -> dict[str, int]:
    """How many match, how many pages, and which page starts after `filters.after` (two
    counts: all, and those from the anchor on; paging itself stays by keyset)."""
    total = roster_queryset(user=user, entity=entity, filters=filters).count()
    page = 1
    if filters.after is not None:
        remaining = _from_anchor(user=user, entity=entity, filters=filters).count()
        page = (total - remaining) // page_size + 1
    return {"total": total, "page": page, "pages": max(1, -(-total // page_size))}


def roster_anchor_for_page(
    *, user: Any, entity: Entity, filters: RosterFilters, page: int, page_size: int = PAGE_SIZE
) -> int | None:
    """The id to continue after to show page `page` (a jump by number: the one place the
    roster reads by offset, ids only; next and previous stay by keyset). None for page 1."""
    if page <= 1:
        return None
    qs = roster_queryset(user=user, entity=entity, filters=filters)
    ids = list(qs.values_list("pk", flat=True)[(page - 1) * page_size - 1 : (page - 1) * page_size])
    return ids[0] if ids else None


def beneficiary_for_user(*, user: Any, entity: Entity, beneficiary_id: int) -> Beneficiary:
    bene = (
        Beneficiary.objects.for_user(user)
        .filter(entity=entity, pk=beneficiary_id)
        .select_related("care")
        .first()
    )
    if bene is None:
        raise Http404("No such beneficiary.")
    return bene


def beneficiary_gaps(*, beneficiary: Beneficiary) -> list[CareGap]:
    return list(CareGap.objects.filter(beneficiary=beneficiary).order_by("label"))


def beneficiary_items(*, beneficiary: Beneficiary) -> list[WorklistItem]:
    """The beneficiary's items with their notes (author, status change) and outreach attempts."""
    return list(
        WorklistItem.objects.filter(beneficiary=beneficiary)
        .select_related("assigned_to")
        .prefetch_related(
            Prefetch(
                "notes",
                queryset=WorklistNote.objects.select_related("author").order_by("created_at", "id"),
            ),
            Prefetch(
                "outreach_attempts",
                queryset=OutreachAttempt.objects.select_related("recorded_by"),
            ),
        )
        .order_by("-status", "due_date", "id")
    )


def beneficiary_outreach(*, beneficiary: Beneficiary) -> list[OutreachAttempt]:
    """Every outreach attempt about the beneficiary, newest first."""
    return list(
        OutreachAttempt.objects.filter(beneficiary=beneficiary).select_related(
            "item", "recorded_by"
        )
    )


def data_dates_for_user(*, user: Any) -> dict[int, date | None]:
    """The care figures' date (`care_data_date`) of each entity the user belongs to."""
    entities = Entity.objects.for_user(user).values_list("pk", flat=True)
    dates = dict(
        CareSummary.objects.filter(entity_id__in=entities).values_list("entity_id", "as_of")
    )
    return {pk: dates.get(pk) for pk in entities}


WEEK_DAYS = 7


def my_work_sections(
    *, user: Any, dates: dict[int, date | None], created_since: Any
) -> dict[str, Any]:
    """ "My work today": the user's open items, overdue first (due before their entity's data
    date), then due on it or undated, then due in the week after it; how many are due later
    (listed on the worklist, never dropped); and the items assigned to the user that were
    created since `created_since` (the start of today, by the clock: when a task was made is an
    event's time, not a claims figure) and are not listed above: those above are tagged
    `new_today` instead, so that no task is listed twice."""
    mine = (
        WorklistItem.objects.for_user(user)
        .filter(assigned_to=user, status__in=OPEN_STATUSES)
        .select_related("beneficiary", "entity")
    )
    week = Q(due_date__isnull=True)
    later = Q(pk__in=[])
    for entity_id, as_of in dates.items():
        if as_of is None:
            week |= Q(entity_id=entity_id)
            continue
        week |= Q(entity_id=entity_id, due_date__lte=as_of + timedelta(days=WEEK_DAYS))
        later |= Q(entity_id=entity_id, due_date__gt=as_of + timedelta(days=WEEK_DAYS))
    sections: dict[str, Any] = {"overdue": [], "today": [], "week": []}
    for item in mine.filter(week).order_by(F("due_date").asc(nulls_last=True), "id")[:300]:
        as_of = dates.get(item.entity_id)
        item.data_date = as_of  # type: ignore[attr-defined]
        item.new_today = item.created_at >= created_since  # type: ignore[attr-defined]
        if as_of is None or item.due_date is None or item.due_date == as_of:
            sections["today"].append(item)
        elif item.due_date < as_of:
            sections["overdue"].append(item)
        else:
            sections["week"].append(item)
    sections["later"] = mine.filter(later).count()
    listed = [item.pk for key in ("overdue", "today", "week") for item in sections[key]]
    sections["created_today"] = list(
        mine.filter(created_at__gte=created_since)
        .exclude(pk__in=listed)
        .order_by("-created_at", "-id")[:100]
    )
    return sections


# Worklist status filters: "active" is open or in progress (the default), "open" is not started.
WORKLIST_STATUSES = [("active", "Open or in progress"), *ItemStatus.choices]


def new_event_items(*, user: Any, limit: int = 50) -> list[WorklistItem]:
    """Open items raised by events (hospital ADT feeds) in the user's entities that nobody has
    taken yet, newest event first: what "My work today" polls for."""
    return list(
        WorklistItem.objects.for_user(user)
        .filter(source_at__isnull=False, assigned_to__isnull=True, status=ItemStatus.OPEN)
        .select_related("beneficiary", "entity")
        .order_by("-source_at", "-id")[:limit]
    )


def entity_worklist(
    *, user: Any, entity: Entity, status: str = "active", kind: str = "", mine: bool = False
) -> QuerySet[WorklistItem]:
    """The entity's items by status ("active": open or in progress; or one status), kind and
    assignee, soonest due first (no due date last)."""
    qs = WorklistItem.objects.for_user(user).filter(entity=entity)
    if status == "active":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status in ItemStatus.values:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if mine:
        qs = qs.filter(assigned_to=user)
    return qs.select_related("beneficiary", "assigned_to").order_by(
        F("due_date").asc(nulls_last=True), "id"
    )


def worklist_by_kind(
    *, user: Any, entity: Entity, status: str, mine: bool, data_date: date | None
) -> list[dict[str, Any]]:
    """The worklist's summary: for the status and assignee filters (any kind), each kind's
    number of tasks and of open ones due before `data_date` (the claims date "overdue" counts
    from), in the kinds' own order."""
    qs = entity_worklist(user=user, entity=entity, status=status, mine=mine).order_by()
    overdue = Q(status__in=OPEN_STATUSES, due_date__lt=data_date) if data_date else Q(pk__in=[])
    counts = {
        row["kind"]: row
        for row in qs.values("kind").annotate(n=Count("id"), overdue=Count("id", filter=overdue))
    }
    return [
        {"kind": value, "label": label, "n": counts[value]["n"],
         "overdue": counts[value]["overdue"]}
        for value, label in ItemKind.choices
        if value in counts
    ]  # fmt: skip


def worklist_item_for_user(*, user: Any, item_id: int) -> WorklistItem:
    item = (
        WorklistItem.objects.for_user(user)
        .select_related("entity", "beneficiary", "assigned_to")
        .filter(pk=item_id)
        .first()
    )
    if item is None:
        raise Http404("No such item.")
    return item


def overview_figures(*, entity: Entity) -> dict[str, Any]:
    """The overview's counts: the refresh's summary (as of its date) and the live task counts
    (one aggregate over the indexed open items; overdue = due before the summary's date)."""
    summary = CareSummary.objects.filter(entity=entity).first()
    as_of = summary.as_of if summary else None
    items = WorklistItem.objects.filter(entity=entity, status__in=OPEN_STATUSES).aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(due_date__lt=as_of))
        if as_of
        else Count("pk", filter=Q(pk=None)),
    )
    return {"summary": summary, "gaps": summary.gaps if summary else [], "items": items}
