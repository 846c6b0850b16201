"""Reads of the partners app: what a caller (a partner client, or a person) may see.

A partner client sees its one entity; a client limited to TINs sees only the beneficiaries
attributed to those TINs, the clinicians listed under them and those organisations. A person
sees the entities of their memberships (superusers: all), every TIN. Everything here is built
on the data apps' own querysets (`for_user`), never on a second copy of their rules.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from beneficiaries.models import Beneficiary
from beneficiaries.selectors import beneficiary_list
from entities.models import Entity, ParticipantOrganization, Participation, Provider


def principal_tins(principal: Any) -> tuple[str, ...]:
    """The TINs a caller is limited to; empty when it sees every TIN of its entities."""
    return tuple(getattr(principal, "tins", ()) or ())


def visible_entities(*, principal: Any) -> QuerySet[Entity]:
    return Entity.objects.for_user(principal).select_related("program")


def visible_participations(*, principal: Any) -> QuerySet[Participation]:
    rows = Participation.objects.for_user(principal)
    tins = principal_tins(principal)
    return rows.filter(organization__tin__in=tins) if tins else rows


def visible_organizations(*, principal: Any) -> QuerySet[ParticipantOrganization]:
    listed = visible_participations(principal=principal).values("organization_id")
    return ParticipantOrganization.objects.filter(pk__in=listed)


def visible_providers(*, principal: Any) -> QuerySet[Provider]:
    listed = visible_participations(principal=principal).values("provider_id")
    return Provider.objects.filter(pk__in=listed).select_related("specialty")


def visible_beneficiaries(*, principal: Any) -> QuerySet[Beneficiary]:
    """The beneficiaries the caller may read.

    A TIN-limited client sees a beneficiary only through an attribution to one of its TINs;
    until alignment results exist to say so, it sees none.
    """
    rows = beneficiary_list(user=principal)
    if principal_tins(principal):
        return rows.none()
    return rows
