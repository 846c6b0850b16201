"""Entities, their tracks per performance year, and provider details."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from entities.models import Entity, EntityYear, Provider, SpecialtyCode, Track

ENTITY_ADMIN_FIELDS = (
    "legal_name",
    "tin",
    "agreement_start",
    "assignment_method",
    "msr_mlr_choice",
)


def entity_update(*, entity: Entity, data: dict[str, Any], acting_user: Any = None) -> Entity:
    """Change an entity's own details. The program and CMS ID are fixed once created."""
    unknown = set(data) - set(ENTITY_ADMIN_FIELDS)
    if unknown:
        raise ValueError(f"entity_update cannot change {', '.join(sorted(unknown))}")
    if all(getattr(entity, name) == value for name, value in data.items()):
        return entity  # Nothing changes: no save, no history row.
    with transaction.atomic():
        for name, value in data.items():
            setattr(entity, name, value)
        entity.full_clean()
        entity._history_user = acting_user  # type: ignore[attr-defined]
        entity.save()
    return entity


def entity_year_set(
    *,
    entity: Entity,
    performance_year: int,
    track: Track,
    entity_type: Track | None = None,
    agreement_start: dt.date | None = None,
    agreement_period: int | None = None,
    acting_user: Any = None,
) -> EntityYear:
    """Set the track (and entity type) the entity holds in a performance year and, for an MSSP
    ACO, the agreement period the year belongs to (its start and number; kept as recorded when
    not given)."""
    with transaction.atomic():
        row = EntityYear.objects.filter(
            entity=entity, performance_year=performance_year
        ).first() or EntityYear(entity=entity, performance_year=performance_year)
        start = agreement_start if agreement_start is not None else row.agreement_start
        number = agreement_period if agreement_period is not None else row.agreement_period
        if (
            row.pk
            and row.track_id == track.pk
            and row.entity_type_id == (entity_type.pk if entity_type else None)
            and (row.agreement_start, row.agreement_period) == (start, number)
        ):
            return row
        row.track, row.entity_type = track, entity_type
        row.agreement_start, row.agreement_period = start, number
        row.full_clean()
        row._history_user = acting_user  # type: ignore[attr-defined]
        row.save()
    return row


def provider_update(
    *,
    provider: Provider,
    name: str | None = None,
    specialty_code: str | None = None,
    acting_user: Any = None,
) -> Provider:
    """Change a provider's name or specialty (the NPI is its identity and never changes)."""
    with transaction.atomic():
        if name is not None:
            provider.name = name
        if specialty_code is not None:
            if specialty_code and not SpecialtyCode.objects.filter(code=specialty_code).exists():
                raise ValidationError(
                    {"specialty": f"Specialty code {specialty_code} is not a CMS specialty code."}
                )
            provider.specialty_id = specialty_code or None
        provider.full_clean()
        provider._history_user = acting_user  # type: ignore[attr-defined]
        provider.save()
    return provider
