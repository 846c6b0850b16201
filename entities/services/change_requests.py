"""Participant-list change requests: draft, submitted, then accepted (applied to the
participation table) or rejected. Every status change goes through here and is kept in history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from entities.choices import ChangeAction, ChangeStatus
from entities.models import Entity, ParticipantChangeRequest, Participation, PerformanceYear
from entities.services.participations import (
    _raise,
    build_candidate,
    participation_add,
    participation_change,
)
from entities.services.rules import check_candidates


def _performance_year(entity: Entity, year: int) -> PerformanceYear:
    py = PerformanceYear.objects.filter(program=entity.program, year=year).first()
    if py is None:
        raise ValidationError(
            {
                "performance_year": f"{entity.program.name} has no performance year {year} in the program registry."
            }
        )
    return py


def _participation_to_drop(change: ParticipantChangeRequest) -> Participation:
    rows = Participation.objects.for_entity(change.entity).filter(
        organization__tin=change.tin, ccn=change.ccn
    )
    rows = (
        rows.filter(provider__npi=change.npi) if change.npi else rows.filter(provider__isnull=True)
    )
    day_before = change.effective_date - dt.timedelta(days=1)
    row = rows.active_on(day_before).first()
    label = " / ".join(
        x for x in (f"TIN {change.tin}", f"NPI {change.npi}" if change.npi else "", change.ccn) if x
    )
    if row is None:
        raise ValidationError(
            {
                "effective_date": f"{label} is not on the participant list on {day_before:%Y-%m-%d}, so it cannot be dropped from {change.effective_date:%Y-%m-%d}."
            }
        )
    if row.end_date is not None and row.end_date < change.effective_date:
        raise ValidationError(
            {"effective_date": f"{label} already leaves the list on {row.end_date:%Y-%m-%d}."}
        )
    return row


def change_request_check(change: ParticipantChangeRequest) -> None:
    """Field formats, the performance year, and the participant-list rules as they stand now."""
    py = _performance_year(change.entity, change.performance_year)
    if not (py.start_date <= change.effective_date <= py.end_date):
        raise ValidationError(
            {
                "effective_date": f"{change.effective_date:%Y-%m-%d} is outside performance year "
                f"{change.performance_year} ({py.start_date:%Y-%m-%d} to {py.end_date:%Y-%m-%d})."
            }
        )
    candidate, errors = build_candidate(
        tin=change.tin,
        npi=change.npi,
        ccn=change.ccn,
        specialty_code=change.specialty_code,
        role=change.role,
        start_date=change.effective_date,
    )
    if errors or candidate is None:
        _raise([("effective_date" if f == "start_date" else f, m) for f, m in errors])
    assert candidate is not None
    change.tin, change.ccn, change.specialty_code = (
        candidate.tin,
        candidate.ccn,
        candidate.specialty_code,
    )
    if change.action == ChangeAction.DROP:
        _participation_to_drop(change)
        return
    [result] = check_candidates(entity=change.entity, candidates=[candidate], allow_update=False)
    if result.errors:
        _raise([("effective_date" if f == "start_date" else f, m) for f, m in result.errors])


def change_request_create(
    *,
    entity: Entity,
    action: str,
    performance_year: int,
    tin: str,
    effective_date: dt.date,
    npi: str = "",
    ccn: str = "",
    specialty_code: str = "",
    role: str = "participant",
    reason: str = "",
    acting_user: Any = None,
) -> ParticipantChangeRequest:
    """Record a draft add/drop request. It is checked now and again when accepted."""
    change = ParticipantChangeRequest(
        entity=entity,
        action=action,
        performance_year=performance_year,
        tin=tin,
        npi=(npi or "").strip(),
        ccn=ccn,
        specialty_code=specialty_code,
        role=role,
        effective_date=effective_date,
        reason=reason,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    if action not in ChangeAction.values:
        raise ValidationError({"action": f"Action '{action}' is not known: use add or drop."})
    change_request_check(change)
    change.full_clean()
    change._history_user = acting_user  # type: ignore[attr-defined]
    change.save()
    return change


def _transition(
    change: ParticipantChangeRequest, *, expected: str, to: str, acting_user: Any, reason: str
) -> ParticipantChangeRequest:
    locked = (
        ParticipantChangeRequest.objects.select_for_update()
        .select_related("entity__program")
        .get(pk=change.pk)
    )
    if locked.status != expected:
        raise ValidationError(
            {
                "status": f"This request is {locked.get_status_display().lower()}; only a "
                f"{ChangeStatus(expected).label.lower()} request can become {ChangeStatus(to).label.lower()}."
            }
        )
    locked.status = to
    locked._history_user = acting_user  # type: ignore[attr-defined]
    locked._change_reason = reason  # type: ignore[attr-defined]
    return locked


def change_request_submit(
    *, change_request: ParticipantChangeRequest, acting_user: Any = None
) -> ParticipantChangeRequest:
    """Draft to submitted, before the program's deadline for the performance year."""
    with transaction.atomic(durable=True):
        change = _transition(
            change_request,
            expected=ChangeStatus.DRAFT,
            to=ChangeStatus.SUBMITTED,
            acting_user=acting_user,
            reason="Submitted",
        )
        deadline = change.deadline
        today = timezone.localdate()
        if deadline is not None and today > deadline:
            raise ValidationError(
                {
                    "status": f"The deadline for performance year {change.performance_year} change requests "
                    f"was {deadline:%Y-%m-%d}."
                }
            )
        change_request_check(change)
        change.submitted_at = timezone.now()
        change.save()
    return change


def change_request_decide(
    *,
    change_request: ParticipantChangeRequest,
    accept: bool,
    note: str = "",
    acting_user: Any = None,
) -> ParticipantChangeRequest:
    """Record CMS's decision. Accepting applies the change to the participation table in the same
    transaction: an add creates a participation from the effective date, a drop ends the
    participation the day before the effective date."""
    with transaction.atomic(durable=True):
        to = ChangeStatus.ACCEPTED if accept else ChangeStatus.REJECTED
        change = _transition(
            change_request,
            expected=ChangeStatus.SUBMITTED,
            to=to,
            acting_user=acting_user,
            reason=f"{ChangeStatus(to).label}: {note}" if note else ChangeStatus(to).label,
        )
        if accept:
            if change.action == ChangeAction.ADD:
                change.participation = participation_add(
                    entity=change.entity,
                    tin=change.tin,
                    npi=change.npi,
                    ccn=change.ccn,
                    specialty_code=change.specialty_code,
                    role=change.role,
                    start_date=change.effective_date,
                    acting_user=acting_user,
                )
            else:
                row = _participation_to_drop(change)
                change.participation = participation_change(
                    participation=row,
                    end_date=change.effective_date - dt.timedelta(days=1),
                    acting_user=acting_user,
                    reason=f"Dropped by change request #{change.pk}",
                )
        change.decision_note = note
        change.decided_at = timezone.now()
        change.decided_by = acting_user if getattr(acting_user, "pk", None) else None
        change.save()
    return change
