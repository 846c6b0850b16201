"""Voluntary alignment designations recorded before the beneficiary is in any delivery.

A beneficiary may designate one of the entity's clinicians (on Medicare.gov, or on a signed
attestation) before CMS sends any claims or enrollment data about them: the entity has their MBI,
name and date of birth from the designation, but no beneficiary record. The designation is
recorded by MBI (`pending_designation_create`, checked like any designation: the NPI must be a
participant on the date signed, 42 CFR 425.402(e); a REACH Participant Provider). When a delivery
brings the MBI, `pending_designations_match` checks the date of birth against CMS's beneficiary
file and records the VoluntaryAlignment that alignment runs read, exactly as one entered for a
known beneficiary. Every alignment run matches first (alignment.services.runs), so a run after a
delivery always sees the designations of the people it brought.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction

from alignment.models import (
    DesignationStatus,
    PendingDesignation,
    VoluntaryAlignment,
    VoluntarySource,
)
from alignment.services.voluntary import _designated_tin, _Lookups
from beneficiaries.models import Beneficiary, BeneficiaryMbi
from core.api import ApplicationError
from core.logging import MBI_PATTERN
from entities.identifiers import is_valid_npi
from entities.models import Entity

MBI_FORMAT = (
    "11 characters as on the Medicare card: digits and capital letters (no S, L, O, I, B or Z), "
    "dashes allowed"
)


def normalise_mbi(value: str) -> str:
    """The MBI without dashes or spaces, in capitals."""
    return value.replace("-", "").replace(" ", "").strip().upper()


def pending_designation_check(
    *,
    entity: Entity,
    mbi: str,
    first_name: str,
    last_name: str,
    birth_date: date | None,
    npi: str,
    signature_date: date | None,
    source: str,
    today: date,
    tin: str = "",
) -> tuple[dict[str, Any] | None, list[tuple[str, str]]]:
    """The fields to store, or the (field, message) problems. An MBI is never echoed back: it
    may be a real identifier typed into the wrong box."""
    errors: list[tuple[str, str]] = []
    mbi = normalise_mbi(mbi)
    npi, tin = npi.strip(), tin.strip()
    if not MBI_PATTERN.fullmatch(mbi):
        errors.append(("mbi", f"Not a valid MBI ({MBI_FORMAT})."))
    if not first_name.strip():
        errors.append(("first_name", "The beneficiary's first name is required."))
    if not last_name.strip():
        errors.append(("last_name", "The beneficiary's last name is required."))
    if birth_date is None:
        errors.append(("birth_date", "The date of birth is required."))
    elif birth_date > today:
        errors.append(("birth_date", f"{birth_date.isoformat()} is in the future."))
    if signature_date is None:
        errors.append(("signature_date", "The date signed is required."))
    elif signature_date > today:
        errors.append(("signature_date", f"{signature_date.isoformat()} is in the future."))
    elif birth_date is not None and signature_date < birth_date:
        errors.append(("signature_date", "The date signed is before the date of birth."))
    if not is_valid_npi(npi):
        errors.append(("npi", f"{npi!r} is not a valid NPI (10 digits with a Luhn check digit)."))
    if source not in VoluntarySource.values:
        errors.append(("source", f"{source!r} is not one of {', '.join(VoluntarySource.values)}."))
    if errors or signature_date is None:
        return None, errors
    lookups = _Lookups.load(entity=entity, beneficiary_ids=set(), npis={npi})
    designated, problem = _designated_tin(
        entity=entity, npi=npi, signed=signature_date, tin=tin, lookups=lookups
    )
    if problem:
        return None, [("npi", problem)]
    if PendingDesignation.objects.filter(
        entity=entity, mbi=mbi, npi=npi, signature_date=signature_date
    ).exists():
        return None, [("signature_date", "This designation is already recorded.")]
    return {
        "entity": entity,
        "mbi": mbi,
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "birth_date": birth_date,
        "npi": npi,
        "tin": designated,
        "signature_date": signature_date,
        "source": source,
    }, []


def pending_designation_create(
    *,
    entity: Entity,
    mbi: str,
    first_name: str,
    last_name: str,
    birth_date: date | None,
    npi: str,
    signature_date: date | None,
    source: str,
    today: date,
    tin: str = "",
    acting_user: Any = None,
) -> PendingDesignation:
    """Record a designation by MBI, then match it at once if a delivery already brought the MBI.
    A bad field raises ApplicationError naming it (`extra["field"]`)."""
    fields, errors = pending_designation_check(
        entity=entity,
        mbi=mbi,
        first_name=first_name,
        last_name=last_name,
        birth_date=birth_date,
        npi=npi,
        signature_date=signature_date,
        source=source,
        today=today,
        tin=tin,
    )
    if fields is None:
        field, message = errors[0]
        raise ApplicationError(f"{field}: {message}", {"field": field})
    try:
        with transaction.atomic():
            record = PendingDesignation.objects.create(
                **fields,
                created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
            )
    except IntegrityError as exc:  # recorded by someone else since the check
        raise ApplicationError(
            "signature_date: This designation is already recorded.", {"field": "signature_date"}
        ) from exc
    pending_designations_match(entity=entity, ids=[record.pk])
    record.refresh_from_db()
    return record


@dataclass(frozen=True)
class MatchOutcome:
    matched: int
    conflicts: int
    waiting: int


def pending_designations_match(*, entity: Entity, ids: list[int] | None = None) -> MatchOutcome:
    """Match the entity's waiting designations with the beneficiaries deliveries brought.

    An MBI is matched through every MBI a delivery carried (a crosswalked, older MBI finds the
    person too). The date of birth must agree with CMS's beneficiary file when that file gives
    one; otherwise the designation is held as a conflict for someone to look at, and nothing
    is recorded. A match records the VoluntaryAlignment (or links the one already recorded)."""
    waiting = PendingDesignation.objects.filter(entity=entity, status=DesignationStatus.PENDING)
    if ids is not None:
        waiting = waiting.filter(pk__in=ids)
    rows = list(waiting.order_by("pk"))
    if not rows:
        return MatchOutcome(0, 0, 0)
    known = {
        mbi: (bene_id, merged_into, first_seen)
        for mbi, bene_id, merged_into, first_seen in BeneficiaryMbi.objects.filter(
            entity=entity, mbi__in={r.mbi for r in rows}, beneficiary__isnull=False
        ).values_list("mbi", "beneficiary_id", "beneficiary__merged_into_id", "first_seen_on")
    }
    people = dict(
        Beneficiary.objects.filter(
            entity=entity, pk__in={m or b for b, m, _ in known.values()}
        ).values_list("pk", "birth_date")
    )
    matched = conflicts = 0
    with transaction.atomic():
        for row in rows:
            found = known.get(row.mbi)
            if found is None:
                continue
            bene_id, merged_into, first_seen = found
            person = merged_into or bene_id
            row.beneficiary_id = person
            row.matched_on = first_seen
            birth = people.get(person)
            if birth is not None and birth != row.birth_date:
                row.status = DesignationStatus.CONFLICT
                row.note = (
                    "The date of birth differs from the one in CMS's beneficiary file: check the "
                    "designation before recording it for this beneficiary."
                )
                conflicts += 1
            else:
                record, _ = VoluntaryAlignment.objects.get_or_create(
                    entity=entity,
                    beneficiary_id=person,
                    npi=row.npi,
                    signature_date=row.signature_date,
                    defaults={"tin": row.tin, "source": row.source, "created_by": row.created_by},
                )
                row.voluntary_alignment = record
                row.status = DesignationStatus.MATCHED
                row.note = ""
                matched += 1
            row.save(
                update_fields=[
                    "beneficiary",
                    "matched_on",
                    "status",
                    "note",
                    "voluntary_alignment",
                ]
            )
    return MatchOutcome(matched, conflicts, len(rows) - matched - conflicts)
