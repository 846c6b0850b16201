"""Referrals, e-consults and co-management agreements (who manages which condition) with a
return-to-primary-care plan: recorded per beneficiary, each plan's due date raised as a task on
the entity's worklist through care's services (specialists sits above care)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from beneficiaries.models import Beneficiary
from care.services import worklist_item_create
from core.api import ApplicationError
from entities.models import Entity
from specialists.models import CareTransition, TransitionKind


def care_transitions(*, entity: Entity, beneficiary: Beneficiary) -> QuerySet[CareTransition]:
    return CareTransition.objects.filter(entity=entity, beneficiary=beneficiary).select_related(
        "worklist_item", "created_by"
    )


def care_transition_create(
    *,
    entity: Entity,
    beneficiary: Beneficiary,
    acting_user: Any,
    kind: str,
    specialist_tin: str,
    manages: str,
    specialist_npi: str = "",
    condition: str = "",
    return_plan: str = "",
    return_due: dt.date | None = None,
) -> CareTransition:
    """Record a transition; with a return due date, a worklist task for the entity's care team
    falls due on it ("Return to primary care due"). A bad field raises ApplicationError naming
    it."""
    if beneficiary.entity_id != entity.pk:
        raise ApplicationError("The beneficiary is not in this entity.", {"field": "beneficiary"})
    if kind not in TransitionKind.values:
        raise ApplicationError(f"Unknown kind {kind!r}.", {"field": "kind"})
    tin, npi = specialist_tin.strip(), specialist_npi.strip()
    if not (tin.isdigit() and len(tin) == 9):
        raise ApplicationError("The specialist TIN is nine digits.", {"field": "specialist_tin"})
    if npi and not (npi.isdigit() and len(npi) == 10):
        raise ApplicationError("The specialist NPI is ten digits.", {"field": "specialist_npi"})
    if not manages.strip():
        raise ApplicationError("Say who manages what.", {"field": "manages"})
    if return_due is not None and not return_plan.strip():
        raise ApplicationError("A return due date needs the return plan.", {"field": "return_plan"})
    record = CareTransition(
        entity=entity,
        beneficiary=beneficiary,
        kind=kind,
        condition=condition.strip()[:32],
        specialist_tin=tin,
        specialist_npi=npi,
        manages=manages.strip()[:300],
        return_plan=return_plan.strip()[:500],
        return_due=return_due,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    record.full_clean()
    with transaction.atomic(durable=True):
        record.save()
    if return_due is not None:
        # care's service opens its own transaction (with the item's first note).
        item = worklist_item_create(
            entity=entity,
            beneficiary=beneficiary,
            title="Return to primary care due",
            detail=(
                f"{record.get_kind_display()} with TIN {tin}"
                + (f" / NPI {npi}" if npi else "")
                + f": {record.manages}. Plan: {record.return_plan}"
            ),
            due_date=return_due,
            acting_user=record.created_by,
        )
        CareTransition.objects.filter(pk=record.pk).update(worklist_item=item)
        record.worklist_item = item
    return record
