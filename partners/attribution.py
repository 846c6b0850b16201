"""Attribution lists: who is aligned to an entity, or to one of its participant TINs, now.

An attribution list (a FHIR Group of the Da Vinci Member Attribution List guide) is the latest
successful alignment run of the entity, read from the alignment app's tables:

* the entity's list (Group id = its CMS ID) holds every beneficiary the run aligned;
* a TIN's list (Group id = `<CMS ID>-org-<organisation id>`) holds those attributed to the TIN.

Each member carries the performance year as its period, the attributed clinician (by NPI) or
practice (by TIN), and its change since the previous run: `new`, `changed`, `nochange`, or
`dropped` (kept as an inactive member, so the consumer learns who left). The change codes are
the guide's (ext-changeType); the guide says `new` where the issue said "added".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import Q, QuerySet

from alignment.models import AlignmentChange, AlignmentResult, AlignmentRun, ChangeKind, RunStatus
from alignment.selectors import CMS_LIST, PLATFORM_PROJECTION, roster_of_record_current
from beneficiaries.models import Beneficiary
from cmslists.selectors import cms_list_member_rows, cms_list_previous
from entities.models import Entity, ParticipantOrganization, Participation, Provider
from entities.selectors import performance_year_get
from partners.fhir import resources
from partners.selectors import principal_tins, visible_entities

CHANGE_CODES = {
    ChangeKind.ADDED: "new",
    ChangeKind.CHANGED: "changed",
    ChangeKind.DROPPED: "dropped",
}
CHANGE_TYPE_URL = "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/ext-changeType"
ATTRIBUTED_PROVIDER_URL = (
    "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/ext-attributedProvider"
)
COVERAGE_REFERENCE_URL = (
    "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/ext-coverageReference"
)
CONTRACT_PERIOD_URL = (
    "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/ext-contractValidityPeriod"
)
LIST_STATUS_URL = "http://hl7.org/fhir/us/davinci-atr/StructureDefinition/ext-attributionListStatus"


# The run an entity's lists show: its latest successful run of its latest year.
CURRENT_RUN_ORDER = ("-performance_year", "-finished_at", "-id")


def current_run(entity: Entity | int) -> AlignmentRun | None:
    return (
        AlignmentRun.objects.for_entity(entity)
        .filter(status=RunStatus.SUCCEEDED)
        .select_related("entity__program")
        .order_by(*CURRENT_RUN_ORDER)
        .first()
    )


def run_period(run: AlignmentRun) -> tuple[dt.date, dt.date]:
    """The performance year a run aligns for, as the program registry dates it."""
    year = performance_year_get(program=run.entity.program, year=run.performance_year)
    if year is None:
        return (dt.date(run.performance_year, 1, 1), dt.date(run.performance_year, 12, 31))
    return (year.start_date, year.end_date)


@dataclass(frozen=True)
class AttributionList:
    """One Group: the entity's list, or one TIN's."""

    entity: Entity
    organization: ParticipantOrganization | None
    run: AlignmentRun | None
    # The roster of record when it is CMS's list (alignment.selectors.roster_of_record): the
    # list's assigned beneficiaries are then the Group's members, not the run's.
    roster: Any = None

    @property
    def id(self) -> str:
        if self.organization is None:
            return self.entity.cms_id
        return f"{self.entity.cms_id}-org-{self.organization.pk}"

    @property
    def tin(self) -> str:
        return self.organization.tin if self.organization else ""

    @cached_property
    def period(self) -> tuple[dt.date, dt.date] | None:
        if self.roster is not None:
            return year_period(self.entity, self.roster.performance_year)
        return run_period(self.run) if self.run else None

    @property
    def source(self) -> str:
        """cms_list or platform_projection: where the members come from."""
        return CMS_LIST if self.roster is not None else PLATFORM_PROJECTION


def year_period(entity: Entity, performance_year: int) -> tuple[dt.date, dt.date]:
    year = performance_year_get(program=entity.program, year=performance_year)
    if year is None:
        return (dt.date(performance_year, 1, 1), dt.date(performance_year, 12, 31))
    return (year.start_date, year.end_date)


def cms_roster(entity: Entity) -> Any:
    """The entity's current roster of record if it is CMS's list, else None."""
    roster = roster_of_record_current(entity=entity)
    return roster if roster is not None and roster.is_cms_list else None


def attribution_lists(*, principal: Any) -> list[AttributionList]:
    """Every list the caller may read: its entities' lists (unless it is limited to TINs) and
    the lists of the TINs it may see that appear on a participant list of those entities."""
    lists: list[AttributionList] = []
    tins = principal_tins(principal)
    for entity in visible_entities(principal=principal):
        run = current_run(entity)
        roster = cms_roster(entity)
        if not tins:
            lists.append(AttributionList(entity, None, run, roster))
        organizations = ParticipantOrganization.objects.filter(participations__entity=entity)
        if tins:
            organizations = organizations.filter(tin__in=tins)
        for organization in organizations.distinct().order_by("tin"):
            lists.append(AttributionList(entity, organization, run, roster))
    return lists


def attribution_list_get(*, principal: Any, group_id: str) -> AttributionList | None:
    cms_id, _, rest = group_id.partition("-org-")
    entity = visible_entities(principal=principal).filter(cms_id=cms_id).first()
    if entity is None:
        return None
    tins = principal_tins(principal)
    if not rest:
        return (
            None if tins else AttributionList(entity, None, current_run(entity), cms_roster(entity))
        )
    if not rest.isdigit():
        return None
    organization = (
        ParticipantOrganization.objects.filter(pk=rest, participations__entity=entity)
        .filter(**({"tin__in": tins} if tins else {}))
        .first()
    )
    if organization is None:
        return None
    return AttributionList(entity, organization, current_run(entity), cms_roster(entity))


def lists_identified_by(lists: list[AttributionList], tokens: list[str]) -> list[AttributionList]:
    """The lists any FHIR token (`system|value`, `|value` or `value`) identifies: by a Group
    identifier, or by an NPI that participates in the list's entity (under its TIN, for a TIN's
    list) on any day."""
    wanted: set[tuple[str, str]] = set()
    npis: list[str] = []
    for token in tokens:
        system, bar, value = token.strip().rpartition("|")
        if system == resources.NPI_SYSTEM:
            npis.append(value)
        wanted.add((system if bar else "*", value))
    listed: set[tuple[int, int]] = set()
    if npis:
        listed = set(
            Participation.objects.filter(provider__npi__in=npis).values_list(
                "entity_id", "organization_id"
            )
        )

    def matches(group: AttributionList) -> bool:
        for identifier in group_identifiers(group):
            system, value = identifier["system"], identifier["value"]
            if (system, value) in wanted or ("*", value) in wanted:
                return True
        if group.organization is None:
            return any(entity == group.entity.pk for entity, _ in listed)
        return (group.entity.pk, group.organization.pk) in listed

    return [group for group in lists if matches(group)]


# ------------------------------------------------------------------ members


@dataclass(frozen=True)
class Member:
    beneficiary_id: int
    tin: str
    npi: str
    change: str  # new, changed, nochange, dropped

    @property
    def inactive(self) -> bool:
        return self.change == "dropped"


class Members:
    """The members of one list, read in a few set-wise queries.

    With `patients` (beneficiary ids), only those members: the `patient` parameter of
    `$davinci-data-export`.
    """

    def __init__(self, group: AttributionList, patients: list[int] | None = None) -> None:
        self.group = group
        self.entity = group.entity
        self.patients = set(patients) if patients is not None else None

    @cached_property
    def listed(self) -> list[Member]:
        """Every member, current then dropped (each Group entry, and the export's references)."""
        return list(self.members())

    def dropped_ids(self) -> list[int]:
        return [m.beneficiary_id for m in self.listed if m.inactive]

    @cached_property
    def _listed(self) -> list[tuple[int, str, str]]:
        """(beneficiary id, TIN, NPI) of CMS's list's members (the roster of record), of the
        group's TIN if it has one."""
        rows = cms_list_member_rows(cms_list=self.group.roster.cms_list)
        return [r for r in rows if not self.group.tin or r[1] == self.group.tin]

    def _results(self) -> QuerySet[AlignmentResult]:
        if self.group.roster is not None:
            raise RuntimeError("a CMS list's members are read through _listed")
        if self.group.run is None:
            return AlignmentResult.objects.none()
        rows = AlignmentResult.objects.filter(run=self.group.run, aligned=True)
        return rows.filter(attributed_tin=self.group.tin) if self.group.tin else rows

    def _changes(self) -> QuerySet[AlignmentChange]:
        if self.group.run is None:
            return AlignmentChange.objects.none()
        return AlignmentChange.objects.filter(run=self.group.run)

    def count(self) -> int:
        if self.group.roster is not None:
            return len(self._listed)
        return self._results().count()

    def _listed_members(self) -> Iterator[Member]:
        """CMS's list's members, each changed against the entity's previous CMS list of the
        year (none: `new`), then those the previous list had and this one has not (`dropped`)."""
        previous = cms_list_previous(cms_list=self.group.roster.cms_list)
        before: dict[int, tuple[str, str]] = {}
        if previous is not None:
            before = {
                bene: (tin, npi)
                for bene, tin, npi in cms_list_member_rows(cms_list=previous)
                if not self.group.tin or tin == self.group.tin
            }
        for bene, tin, npi in self._listed:
            old = before.get(bene)
            code = "new" if old is None else "nochange" if old[0] == tin else "changed"
            yield Member(bene, tin, npi, code)
        now = {bene for bene, _, _ in self._listed}
        for bene, (tin, npi) in sorted(before.items()):
            if bene not in now:
                yield Member(bene, tin, npi, "dropped")

    def members(self) -> Iterator[Member]:
        """Current members in beneficiary order, then those who left (inactive)."""
        for member in self._all_members():
            if self.patients is None or member.beneficiary_id in self.patients:
                yield member

    def _all_members(self) -> Iterator[Member]:
        if self.group.roster is not None:
            yield from self._listed_members()
            return
        tin = self.group.tin
        changes = {
            c["beneficiary_id"]: c
            for c in self._changes().values("beneficiary_id", "kind", "previous_tin")
        }
        for row in (
            self._results()
            .order_by("beneficiary_id")
            .values_list("beneficiary_id", "attributed_tin", "attributed_npi")
            .iterator(chunk_size=5000)
        ):
            change = changes.get(row[0])
            if change is None:
                code = "nochange" if self.group.run.previous_run_id else "new"
            elif tin and change["previous_tin"] != tin:
                code = "new"  # new to this TIN's list, wherever it was before
            else:
                code = CHANGE_CODES[change["kind"]]
            yield Member(row[0], row[1], row[2], code)
        left = self._changes().filter(kind__in=[ChangeKind.DROPPED, ChangeKind.CHANGED])
        if tin:
            left = left.filter(previous_tin=tin).filter(
                Q(kind=ChangeKind.DROPPED) | ~Q(attributed_tin=tin)
            )
        else:
            left = left.filter(kind=ChangeKind.DROPPED)
        for row in left.order_by("beneficiary_id").values_list(
            "beneficiary_id", "previous_tin", "previous_npi"
        ):
            yield Member(row[0], row[1], row[2], "dropped")

    def beneficiary_ids(self, *, since: dt.datetime | None = None) -> list[int]:
        return [b.pk for b in self.beneficiaries(since=since, only_ids=True)]

    def beneficiaries(
        self, *, since: dt.datetime | None = None, only_ids: bool = False
    ) -> Iterator[Beneficiary]:
        """The members' beneficiary rows, those who left the list included (the Group refers
        to them); with `since`, those changed after it, and when the list itself changed
        since, every member it added or dropped (whose record the consumer has not had)."""
        rows = Beneficiary.objects.filter(entity=self.entity).filter(self.beneficiary_filter(since))
        if only_ids:
            rows = rows.only("pk")
        return rows.order_by("pk").iterator(chunk_size=2000)

    def beneficiary_filter(self, since: dt.datetime | None = None) -> Q:
        """Which of the entity's beneficiaries `beneficiaries` reads, as a filter."""
        dropped = self.dropped_ids()
        if self.group.roster is not None:
            current: Any = [bene for bene, _, _ in self._listed]
            arrived: Any = [m.beneficiary_id for m in self.listed if m.change == "new"]
        else:
            current = self._results().values("beneficiary_id")
            arrived = self._changes().filter(kind=ChangeKind.ADDED).values("beneficiary_id")
        wanted = Q(pk__in=current)
        if self.patients is not None:
            wanted &= Q(pk__in=sorted(self.patients))
        wanted |= Q(pk__in=dropped)
        if since is None:
            return wanted
        if self.list_changed_since(since):
            return wanted & (Q(updated_at__gt=since) | Q(pk__in=arrived) | Q(pk__in=dropped))
        return wanted & Q(updated_at__gt=since)

    def npis(self) -> set[str]:
        """The clinicians the members are (or were) attributed to."""
        return {m.npi for m in self.listed if m.npi}

    def tins(self) -> set[str]:
        return {m.tin for m in self.listed if m.tin}

    def practitioners(self, *, since: dt.datetime | None = None) -> QuerySet[Provider]:
        rows = Provider.objects.filter(npi__in=self.npis()).select_related("specialty")
        return (rows.filter(updated_at__gt=since) if since else rows).order_by("pk")

    def organizations(
        self, *, since: dt.datetime | None = None
    ) -> QuerySet[ParticipantOrganization]:
        """The entity's participant TINs the members are (or were) attributed to."""
        rows = ParticipantOrganization.objects.filter(
            tin__in=self.tins(), participations__entity=self.entity
        ).distinct()
        return (rows.filter(updated_at__gt=since) if since else rows).order_by("pk")

    def list_changed_since(self, since: dt.datetime) -> bool:
        if self.group.roster is not None:
            return self.group.roster.cms_list.loaded_at > since
        run = self.group.run
        return run is not None and (run.finished_at or run.created_at) > since

    def entity_changed_since(self, since: dt.datetime) -> bool:
        return entity_changed_since(self.entity, since)

    def group_resource(self, *, summary: bool = False) -> dict[str, Any]:
        return group_resource(self.group, None if summary else self.listed, self)


def entity_changed_since(entity: Entity, since: dt.datetime) -> bool:
    updated = getattr(entity, "updated_at", None)
    return updated is None or updated > since


def _references(members: Members) -> tuple[dict[str, int], dict[str, int]]:
    """Practitioner ids by NPI and Organization ids by TIN, for the members' references."""
    by_npi = dict(members.practitioners().values_list("npi", "pk"))
    by_tin = dict(members.organizations().values_list("tin", "pk"))
    return by_npi, by_tin


def group_resource(
    group: AttributionList, members: Iterable[Member] | None, source: Members | None = None
) -> dict[str, Any]:
    """The ATR Group of a list; without `members`, a summary (count only, marked SUBSETTED)."""
    source = source or Members(group)
    run = group.run
    roster = group.roster
    updated = roster.cms_list.loaded_at if roster is not None else run.finished_at if run else None
    data: dict[str, Any] = {
        "resourceType": "Group",
        "id": group.id,
        "meta": resources.meta(updated, resources.ATR_GROUP_PROFILE),
        "identifier": group_identifiers(group),
        "active": run is not None or roster is not None,
        "type": "person",
        "actual": True,
        "name": (
            f"{group.entity.legal_name} attribution list"
            if group.organization is None
            else f"{group.entity.legal_name}, TIN {group.tin} attribution list"
        )
        + _source_text(group),
        "managingEntity": {
            "reference": f"Organization/{resources.entity_organization_id(group.entity)}",
            "display": group.entity.legal_name,
        },
        "extension": [
            {
                "url": LIST_STATUS_URL,
                "valueCode": "final"
                if (roster is not None and roster.cms_list.kind == "mssp_final")
                or (roster is None and run and run.list_kind == "final")
                else "draft",
            }
        ],
    }
    data["meta"]["tag"] = [{"system": ROSTER_SOURCE_SYSTEM, "code": group.source}]
    if group.period:
        data["extension"].insert(
            0,
            {
                "url": CONTRACT_PERIOD_URL,
                "valuePeriod": {
                    "start": group.period[0].isoformat(),
                    "end": group.period[1].isoformat(),
                },
            },
        )
    if members is None:
        data["quantity"] = source.count()
        data["meta"]["tag"] += [
            {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
                "code": "SUBSETTED",
            }
        ]
        return resources.validated(data)
    by_npi, by_tin = _references(source)
    period = (
        {"start": group.period[0].isoformat(), "end": group.period[1].isoformat()}
        if group.period
        else None
    )
    entries = []
    active = 0
    for member in members:
        if member.npi and member.npi in by_npi:
            provider = {"reference": f"Practitioner/{by_npi[member.npi]}"}
        elif member.tin in by_tin:
            provider = {"reference": f"Organization/org-{by_tin[member.tin]}"}
        else:
            provider = None
        extension = [{"url": CHANGE_TYPE_URL, "valueCode": member.change}]
        if provider:
            extension.append({"url": ATTRIBUTED_PROVIDER_URL, "valueReference": provider})
        extension.append(
            {
                "url": COVERAGE_REFERENCE_URL,
                "valueReference": {"reference": f"Coverage/{member.beneficiary_id}"},
            }
        )
        entry: dict[str, Any] = {
            "extension": extension,
            "entity": {"reference": f"Patient/{member.beneficiary_id}"},
            "inactive": member.inactive,
        }
        if period:
            ended = roster.as_of if roster is not None else run.as_of if run else None
            entry["period"] = (
                {"start": period["start"], "end": _within(ended, group.period).isoformat()}
                if member.inactive and ended
                else period
            )
        entries.append(entry)
        active += not member.inactive
    data["quantity"] = active
    if source.patients is not None:
        # Only the members asked for (`patient`): the Group is a subset of the list.
        data["meta"]["tag"].append(
            {
                "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
                "code": "SUBSETTED",
            }
        )
    if entries:
        data["member"] = entries
    return resources.validated(data)


def _within(day: dt.date, period: tuple[dt.date, dt.date] | None) -> dt.date:
    """`day` moved into the contract period (ATR: a member's period lies inside it). A run
    dated after the year ends a dropped member's period on the year's last day."""
    if period is None:
        return day
    return min(max(day, period[0]), period[1])


def group_identifiers(group: AttributionList) -> list[dict[str, Any]]:
    """The list's own identifier, then the contract holder's (ATR Group identifier slices):
    a TIN's list carries the TIN; the entity's list its CMS ID and its TIN, if any."""
    tax = {"coding": [{"system": resources.V2_0203, "code": "TAX"}]}
    identifiers = [{"system": resources.GROUP_SYSTEM, "value": group.id}]
    if group.organization is not None:
        identifiers.append({"type": tax, "system": resources.TIN_SYSTEM, "value": group.tin})
        return identifiers
    identifiers.append({"system": resources.CMS_ENTITY_SYSTEM, "value": group.entity.cms_id})
    if group.entity.tin:
        identifiers.append({"type": tax, "system": resources.TIN_SYSTEM, "value": group.entity.tin})
    return identifiers


# Where a Group's members come from: the roster of record's source (alignment.selectors).
ROSTER_SOURCE_SYSTEM = "urn:openvbc:roster-source"


def _source_text(group: AttributionList) -> str:
    if group.roster is not None:
        return f" (source: CMS list, {group.roster.label})"
    if group.run is not None:
        return f" (source: platform projection, alignment run as of {group.run.as_of:%Y-%m-%d})"
    return ""
