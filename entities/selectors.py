"""Reads of the entities app, always scoped to a user or an entity."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.db.models import Q, QuerySet

from accounts.selectors import administered_entity_ids
from core import csvfiles
from entities.choices import ParticipationRole
from entities.models import (
    Entity,
    EntityYear,
    ParameterBand,
    Participation,
    PerformanceYear,
    Program,
    ProgramParameter,
)

EXPORT_COLUMNS = (
    "tin",
    "tin_legal_name",
    "npi",
    "provider_name",
    "ccn",
    "specialty_code",
    "role",
    "effective_start",
    "effective_end",
)


# ------------------------------------------------------------------ who administers what


def admin_entity_ids(*, user: Any) -> QuerySet[Any]:
    """Ids of the entities the user administers (superusers: every entity), as a subquery."""
    if not getattr(user, "is_authenticated", False):
        return Entity.objects.none().values("pk")
    if user.is_superuser:
        return Entity.objects.values("pk")
    return administered_entity_ids(user=user)


def is_entity_admin(*, user: Any) -> bool:
    """True for superusers and for users who administer at least one entity."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or administered_entity_ids(user=user).exists()


def entity_list(*, user: Any) -> QuerySet[Entity]:
    return Entity.objects.for_user(user).select_related("program")


def user_entities(*, user: Any) -> QuerySet[Entity]:
    """The entities the user belongs to, by legal name (the header's entity list)."""
    return Entity.objects.for_user(user).select_related("program").order_by("legal_name")


# ------------------------------------------------------------------ the program registry


def performance_year_get(*, program: Program, year: int) -> PerformanceYear | None:
    return PerformanceYear.objects.filter(program=program, year=year).first()


def program_parameter(
    *, program: Program, performance_year: int, key: str, track: Any = None
) -> ProgramParameter | None:
    """The parameter for the track if there is one, else the program-wide one (or None).

    `track` is a Track, a track code or None.
    """
    rows = ProgramParameter.objects.filter(
        program=program, performance_year=performance_year, key=key
    )
    if track is not None:
        by_track = (
            rows.filter(track__code=track) if isinstance(track, str) else rows.filter(track=track)
        )
        found = by_track.first()
        if found is not None:
            return found
    return rows.filter(track__isnull=True).first()


def program_parameters_by_year(
    *, program: Program, keys: list[str], track: Any = None
) -> dict[tuple[int, str], ProgramParameter]:
    """(performance year, key) -> what `program_parameter` answers for that year and key (the
    track's row, else the program-wide one), for every year the registry holds one: one query
    instead of one or two per year and key. `track` is a Track, a track code or None."""
    rows = ProgramParameter.objects.filter(program=program, key__in=keys)
    if track is None:
        rows = rows.filter(track__isnull=True)
    elif isinstance(track, str):
        rows = rows.filter(Q(track__isnull=True) | Q(track__code=track))
    else:
        rows = rows.filter(Q(track__isnull=True) | Q(track=track))
    found: dict[tuple[int, str], ProgramParameter] = {}
    # Program-wide rows first, so that a track's row (one per year, track and key) replaces it.
    for row in sorted(rows, key=lambda r: r.track_id is not None):
        found[(row.performance_year, row.key)] = row
    return found


def parameter_bands(
    *, program: Program, performance_year: int, table: str, track: Any = None
) -> list[ParameterBand]:
    rows = ParameterBand.objects.filter(
        program=program, performance_year=performance_year, table=table
    )
    if track is None:
        rows = rows.filter(track__isnull=True)
    elif isinstance(track, str):
        rows = rows.filter(track__code=track)
    else:
        rows = rows.filter(track=track)
    return list(rows.order_by("lower"))


def entity_year_get(*, entity: Entity, performance_year: int) -> EntityYear | None:
    return (
        EntityYear.objects.filter(entity=entity, performance_year=performance_year)
        .select_related("track", "entity_type")
        .first()
    )


def first_agreement_year(*, entity: Entity, performance_year: int) -> tuple[bool | None, str]:
    """Whether the performance year is the first of the ACO's first agreement period under the
    Shared Savings Program (42 CFR 425.512(a)(2)), from the year's enrolment, and the words that
    say why; None when the enrolment does not record the year's agreement period."""
    row = EntityYear.objects.filter(entity=entity, performance_year=performance_year).first()
    if row is None:
        return None, f"PY{performance_year} is not enrolled on the platform"
    first = row.first_year_of_first_agreement()
    if first is None or row.agreement_start is None:
        return None, f"the agreement period of PY{performance_year} is not recorded"
    start = f"{row.agreement_start:%Y-%m-%d}"
    if first:
        return True, f"PY{performance_year} is the first year of agreement period 1 (from {start})"
    nth = performance_year - row.agreement_start.year + 1
    return False, (
        f"PY{performance_year} is year {nth} of agreement period {row.agreement_period} "
        f"(from {start})"
    )


# ------------------------------------------------------------------ participant lists


def participations_overlapping(
    *,
    entity: Entity,
    start: dt.date,
    end: dt.date,
    roles: tuple[str, ...] = (ParticipationRole.PARTICIPANT, ParticipationRole.PREFERRED),
) -> QuerySet[Participation]:
    """The entity's participations that share at least one day with [start, end], with their TIN,
    NPI and specialty loaded: what alignment and claims attribution read."""
    return (
        Participation.objects.for_entity(entity)
        .overlapping(start, end)
        .filter(role__in=roles)
        .select_related("organization", "provider__specialty")
        .order_by("organization__tin", "provider__npi", "ccn", "start_date")
    )


def participant_list(*, entity: Entity, performance_year: int) -> QuerySet[Participation]:
    """The participant list of a performance year: every row whose period touches the year."""
    py = performance_year_get(program=entity.program, year=performance_year)
    if py is None:
        return Participation.objects.none()
    return participations_overlapping(entity=entity, start=py.start_date, end=py.end_date)


def participant_list_rows(*, entity: Entity, performance_year: int) -> list[dict[str, str]]:
    """The participant list as CMS-style rows (the export's columns, dates as YYYY-MM-DD)."""
    return [
        {
            "tin": row.organization.tin,
            "tin_legal_name": row.organization.legal_name,
            "npi": row.provider.npi if row.provider is not None else "",
            "provider_name": row.provider.name if row.provider is not None else "",
            "ccn": row.ccn,
            "specialty_code": (row.provider.specialty_id or "") if row.provider is not None else "",
            "role": row.role,
            "effective_start": row.start_date.isoformat(),
            "effective_end": row.end_date.isoformat() if row.end_date else "",
        }
        for row in participant_list(entity=entity, performance_year=performance_year)
    ]


def participant_list_csv(*, entity: Entity, performance_year: int) -> str:
    buffer = io.StringIO()
    writer = csvfiles.dict_writer(buffer, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(participant_list_rows(entity=entity, performance_year=performance_year))
    return buffer.getvalue()


# ------------------------------------------------------------------ the admin console's home


def console_home(*, user: Any, today: dt.date, entities: int = 12, jobs: int = 8) -> dict[str, Any]:
    """What the console's home lists beside the apps: the entities the user administers (each
    with its participant-list rows active on `today`) and their latest background jobs, so that
    the home leads somewhere instead of Django's empty "Recent actions" panel."""
    from django.db.models import Count, Q

    from audit.phi import staff_scope
    from jobs.models import Job

    ids = admin_entity_ids(user=user)
    active = Q(participations__start_date__lte=today) & (
        Q(participations__end_date__isnull=True) | Q(participations__end_date__gte=today)
    )
    rows = (
        Entity.objects.filter(pk__in=ids)
        .select_related("program")
        .annotate(on_list=Count("participations", filter=active))
        .order_by("legal_name")
    )
    job_rows = Job.objects.filter(entity__in=ids)
    if getattr(user, "is_superuser", False):
        job_rows = staff_scope(Job.objects.all(), user)
    return {
        "entities": list(rows[:entities]),
        "more_entities": max(rows.count() - entities, 0),
        "jobs": list(job_rows.select_related("entity").order_by("-created_at", "-pk")[:jobs]),
        "today": today,
    }
