"""Lead-specialist lists: a FHIR Group per specialist TIN, through the attribution-list machinery.

A specialist practice on the entity's list (participant or preferred provider) that leads the
care of some of its beneficiaries in the current lead-specialist run (specialists app) has a
Group `<CMS ID>-lead-<organisation id>`: the beneficiaries it leads, with the lead clinician (by
NPI), for the quarter the run is published for, and each member's change since the previous run
(`new`, `changed` clinician, `nochange`, `dropped` kept as inactive). It is read, searched and
bulk-exported like the attribution lists (`group_get`, `group_lists`, `members_of`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import Q, QuerySet

from entities.models import Entity, ParticipantOrganization
from partners.attribution import (
    LIST_STATUS_URL,
    AttributionList,
    Member,
    Members,
    attribution_list_get,
    attribution_lists,
    group_resource,
)
from partners.fhir import resources
from partners.selectors import principal_tins, visible_entities
from specialists.models import LeadSpecialist, LeadSpecialistRun
from specialists.selectors import lead_run_current

LEAD = "-lead-"
SOURCE = "lead_specialist"


@dataclass(frozen=True)
class LeadList(AttributionList):
    """One specialist TIN's lead-specialist list (no alignment run, no CMS roster)."""

    lead_run: LeadSpecialistRun | None = None

    @property
    def id(self) -> str:
        assert self.organization is not None
        return f"{self.entity.cms_id}{LEAD}{self.organization.pk}"

    @property
    def period(self) -> tuple[dt.date, dt.date] | None:
        if self.lead_run is None:
            return None
        return (self.lead_run.effective_start, self.lead_run.effective_end)

    @property
    def source(self) -> str:
        return SOURCE


def _lead_organizations(entity: Entity, run: LeadSpecialistRun, tins: tuple[str, ...]) -> Any:
    led = LeadSpecialist.objects.filter(run=run).exclude(lead_tin="").values("lead_tin")
    rows = ParticipantOrganization.objects.filter(participations__entity=entity, tin__in=led)
    return (rows.filter(tin__in=tins) if tins else rows).distinct().order_by("tin")


def lead_lists(*, principal: Any) -> list[LeadList]:
    """The lead-specialist lists the caller may read (a TIN-limited client: its TINs' only)."""
    lists = []
    tins = principal_tins(principal)
    for entity in visible_entities(principal=principal):
        run = lead_run_current(entity=entity)
        if run is None:
            continue
        for organization in _lead_organizations(entity, run, tins):
            lists.append(LeadList(entity, organization, None, None, run))
    return lists


def lead_list_get(*, principal: Any, group_id: str) -> LeadList | None:
    cms_id, _, rest = group_id.partition(LEAD)
    entity = visible_entities(principal=principal).filter(cms_id=cms_id).first()
    if entity is None or not rest.isdigit():
        return None
    run = lead_run_current(entity=entity)
    if run is None:
        return None
    organization = (
        _lead_organizations(entity, run, principal_tins(principal)).filter(pk=rest).first()
    )
    return None if organization is None else LeadList(entity, organization, None, None, run)


def group_get(*, principal: Any, group_id: str) -> AttributionList | None:
    """An attribution list or a lead-specialist list, by its Group id."""
    if LEAD in group_id:
        return lead_list_get(principal=principal, group_id=group_id)
    return attribution_list_get(principal=principal, group_id=group_id)


def group_lists(*, principal: Any) -> list[AttributionList]:
    return [*attribution_lists(principal=principal), *lead_lists(principal=principal)]


def members_of(group: AttributionList, patients: list[int] | None = None) -> Members:
    """The members of a list (with `patients`, only those: the ATR `patient` parameter)."""
    members_class = LeadMembers if isinstance(group, LeadList) else Members
    return members_class(group, patients=patients)


class LeadMembers(Members):
    """The members of a lead-specialist list: one per beneficiary the TIN leads (for one or
    more conditions; the clinician of the first condition in the definitions' order)."""

    group: LeadList

    def _leads(self, run_id: int | None) -> dict[int, str]:
        if run_id is None:
            return {}
        leads: dict[int, str] = {}
        rows = LeadSpecialist.objects.filter(run_id=run_id, lead_tin=self.group.tin)
        for bene, npi in rows.order_by("beneficiary_id", "id").values_list(
            "beneficiary_id", "lead_npi"
        ):
            leads.setdefault(bene, npi)
        return leads

    @cached_property
    def _current(self) -> dict[int, str]:
        run = self.group.lead_run
        return self._leads(run.pk if run else None)

    @cached_property
    def _previous(self) -> dict[int, str]:
        run = self.group.lead_run
        return self._leads(run.previous_run_id if run else None)

    def count(self) -> int:
        return len(self._current)

    def members(self) -> Iterator[Member]:
        """Current members in beneficiary order, then those who left (inactive)."""
        first = self.group.lead_run is None or self.group.lead_run.previous_run_id is None
        for bene, npi in sorted(self._current.items()):
            before = self._previous.get(bene)
            code = (
                "new" if first or before is None else ("nochange" if before == npi else "changed")
            )
            yield Member(bene, self.group.tin, npi, code)
        for bene, npi in sorted(self._previous.items()):
            if bene not in self._current:
                yield Member(bene, self.group.tin, npi, "dropped")

    def beneficiary_filter(self, since: dt.datetime | None = None) -> Q:
        """The members' beneficiaries (those who left included, as the Group refers to them);
        with `since`, those changed after it, and those the list added or dropped in a run
        published since (the consumer has not had their record)."""
        dropped = sorted(b for b in self._previous if b not in self._current)
        wanted = Q(pk__in=sorted(self._current))
        if self.patients is not None:
            wanted &= Q(pk__in=sorted(self.patients))
        wanted |= Q(pk__in=dropped)
        if since is None:
            return wanted
        if self.list_changed_since(since):
            arrived = sorted(b for b in self._current if b not in self._previous)
            return wanted & (Q(updated_at__gt=since) | Q(pk__in=arrived) | Q(pk__in=dropped))
        return wanted & Q(updated_at__gt=since)

    def organizations(
        self, *, since: dt.datetime | None = None
    ) -> QuerySet[ParticipantOrganization]:
        assert self.group.organization is not None
        rows = ParticipantOrganization.objects.filter(pk=self.group.organization.pk)
        return (rows.filter(updated_at__gt=since) if since else rows).order_by("pk")

    def list_changed_since(self, since: dt.datetime) -> bool:
        run = self.group.lead_run
        return run is not None and (run.finished_at or run.created_at) > since

    def group_resource(self, *, summary: bool = False) -> dict[str, Any]:
        """The attribution-list Group, named and dated as the lead-specialist run it shows."""
        data = group_resource(self.group, None if summary else self.members(), self)
        run = self.group.lead_run
        data["name"] = f"{self.entity.legal_name}, lead specialist TIN {self.group.tin}" + (
            f", {run.quarter_label} (claims through {run.as_of:%Y-%m-%d})" if run else ""
        )
        data["active"] = run is not None
        if run is not None:
            data["meta"]["lastUpdated"] = resources.instant(run.finished_at or run.created_at)
        for extension in data["extension"]:
            if extension["url"] == LIST_STATUS_URL:
                extension["valueCode"] = "final"
        if run is not None:
            ended = (run.effective_start - dt.timedelta(days=1)).isoformat()
            for member in data.get("member", []):
                if member.get("inactive"):
                    member["period"] = {"end": ended}
        return resources.validated(data)
