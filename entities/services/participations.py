"""Participations one at a time (admin forms, API): add, change, end. Never deleted."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from entities.choices import ParticipationRole
from entities.identifiers import (
    normalize_ccn,
    normalize_tin,
    validate_ccn,
    validate_npi,
    validate_tin,
)
from entities.models import Entity, Participation, SpecialtyCode
from entities.services.rules import (
    Candidate,
    CandidateResult,
    check_candidates,
    lock_program,
    write_results,
)

DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")


def parse_date(value: Any, *, label: str) -> tuple[dt.date | None, str | None]:
    """A date from a date or a YYYY-MM-DD (or MM/DD/YYYY) string; blank gives None."""
    if value is None or isinstance(value, dt.date):
        return value, None
    text = str(value).strip()
    if not text:
        return None, None
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date(), None  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    return None, f"{label} '{text}' is not a date: write it as YYYY-MM-DD, for example 2025-01-01."


def normalize_specialty(value: str) -> str:
    code = (value or "").strip().upper()
    return code.zfill(2) if code.isdigit() and len(code) == 1 else code


def build_candidate(
    *,
    tin: str,
    npi: str = "",
    ccn: str = "",
    specialty_code: str = "",
    role: str = "",
    start_date: Any,
    end_date: Any = None,
    default_start: dt.date | None = None,
    tin_legal_name: str = "",
    provider_name: str = "",
    line: int | None = None,
    specialty_codes: set[str] | None = None,
) -> tuple[Candidate | None, list[tuple[str, str]]]:
    """Normalise and check the fields of one participation; errors are (field, message) pairs."""
    errors: list[tuple[str, str]] = []
    tin = normalize_tin(tin or "")
    npi = (npi or "").strip()
    ccn = normalize_ccn(ccn or "")
    specialty_code = normalize_specialty(specialty_code)
    role = (role or "").strip().lower() or ParticipationRole.PARTICIPANT

    if not tin:
        errors.append(("tin", "The TIN is missing: every row needs the participant's 9-digit TIN."))
    else:
        try:
            validate_tin(tin)
        except ValidationError as exc:
            errors.append(("tin", exc.messages[0]))
    if npi:
        try:
            validate_npi(npi)
        except ValidationError as exc:
            errors.append(("npi", exc.messages[0]))
    if ccn:
        try:
            validate_ccn(ccn)
        except ValidationError as exc:
            errors.append(("ccn", exc.messages[0]))
    if specialty_code:
        codes = (
            specialty_codes
            if specialty_codes is not None
            else set(SpecialtyCode.objects.values_list("code", flat=True))
        )
        if not npi:
            errors.append(
                ("specialty_code", "A specialty code belongs to an NPI, and this row has no NPI.")
            )
        elif specialty_code not in codes:
            errors.append(
                (
                    "specialty_code",
                    f"Specialty code {specialty_code} is not a CMS specialty code (for example 08 is "
                    f"Family Practice, 11 Internal Medicine).",
                )
            )
    if role not in ParticipationRole.values:
        errors.append(("role", f"Role '{role}' is not known: use participant or preferred."))

    start, start_error = parse_date(start_date, label="Effective start")
    end, end_error = parse_date(end_date, label="Effective end")
    if start_error:
        errors.append(("start_date", start_error))
    elif start is None:
        if default_start is None:
            errors.append(("start_date", "The effective start is missing."))
        start = default_start
    if end_error:
        errors.append(("end_date", end_error))
    if start and end and end < start:
        errors.append(
            (
                "end_date",
                f"The effective end {end:%Y-%m-%d} is before the effective start {start:%Y-%m-%d}.",
            )
        )
    if errors or start is None:
        return None, errors
    return (
        Candidate(
            tin=tin,
            npi=npi,
            ccn=ccn,
            specialty_code=specialty_code,
            role=role,
            start_date=start,
            end_date=end,
            line=line,
            tin_legal_name=(tin_legal_name or "").strip(),
            provider_name=(provider_name or "").strip(),
        ),
        [],
    )


def _raise(errors: list[tuple[str, str]]) -> None:
    grouped: dict[str, list[str]] = defaultdict(list)
    for field_name, message in errors:
        grouped[field_name].append(message)
    raise ValidationError(dict(grouped))


def _check_one(
    *, entity: Entity, candidate: Candidate, exclude_ids: frozenset[int] = frozenset()
) -> CandidateResult:
    [result] = check_candidates(
        entity=entity, candidates=[candidate], allow_update=False, exclude_ids=exclude_ids
    )
    if result.errors:
        _raise(result.errors)
    return result


def participation_add(
    *,
    entity: Entity,
    tin: str,
    npi: str = "",
    ccn: str = "",
    specialty_code: str = "",
    role: str = ParticipationRole.PARTICIPANT,
    start_date: dt.date | str,
    end_date: dt.date | str | None = None,
    tin_legal_name: str = "",
    provider_name: str = "",
    acting_user: Any = None,
) -> Participation:
    """Put a TIN (with an NPI and/or CCN) on the entity's participant list for a period.

    Raises ValidationError keyed by field (tin, npi, ccn, specialty_code, role, start_date,
    end_date). Adding a row identical to a stored one returns the stored row.
    """
    candidate, errors = build_candidate(
        tin=tin,
        npi=npi,
        ccn=ccn,
        specialty_code=specialty_code,
        role=role,
        start_date=start_date,
        end_date=end_date,
        tin_legal_name=tin_legal_name,
        provider_name=provider_name,
    )
    if errors or candidate is None:
        _raise(errors)
    assert candidate is not None
    with transaction.atomic():
        lock_program(entity.program_id)
        result = _check_one(entity=entity, candidate=candidate)
        if result.action == "unchanged" and result.existing is not None:
            return result.existing
        summary = write_results(
            entity=entity,
            results=[result],
            acting_user=acting_user,
            reason="Added to the participant list",
        )
    return summary.created[0]


def participation_change(
    *,
    participation: Participation,
    start_date: dt.date | None = None,
    end_date: dt.date | None | str = "unchanged",
    role: str | None = None,
    acting_user: Any = None,
    reason: str = "Participation changed",
) -> Participation:
    """Change a participation's period or role, under the same rules as adding it.

    The TIN, NPI and CCN of a participation never change: end it and add another instead.
    """
    with transaction.atomic():
        lock_program(participation.entity.program_id)
        row = (
            Participation.objects.select_for_update(of=("self",))
            .select_related("entity__program", "organization", "provider")
            .get(pk=participation.pk)
        )
        new_end = row.end_date if end_date == "unchanged" else end_date
        candidate, errors = build_candidate(
            tin=row.organization.tin,
            npi=row.provider.npi if row.provider is not None else "",
            ccn=row.ccn,
            role=role or row.role,
            start_date=start_date or row.start_date,
            end_date=new_end,
        )
        if errors or candidate is None:
            _raise(errors)
        assert candidate is not None
        _check_one(entity=row.entity, candidate=candidate, exclude_ids=frozenset({row.pk}))
        row.start_date, row.end_date, row.role = (
            candidate.start_date,
            candidate.end_date,
            candidate.role,
        )
        row._history_user = acting_user  # type: ignore[attr-defined]
        row._change_reason = reason  # type: ignore[attr-defined]
        row.save()
    return row


def participation_end(
    *, participation: Participation, end_date: dt.date, acting_user: Any = None
) -> Participation:
    """End a participation on `end_date` (its last day on the list)."""
    if end_date < participation.start_date:
        raise ValidationError(
            {
                "end_date": f"The effective end {end_date:%Y-%m-%d} is before the effective start "
                f"{participation.start_date:%Y-%m-%d}."
            }
        )
    return participation_change(
        participation=participation,
        end_date=end_date,
        acting_user=acting_user,
        reason="Participation ended",
    )
