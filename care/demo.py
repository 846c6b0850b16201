"""Demo: run the care refresh on each demo entity's claims, and give the demo coordinator the
discharge follow-ups. Needs the beneficiaries and claims the claims app's demo loads; without
them it says so and does nothing."""

from __future__ import annotations

from typing import Any

from django.db.models import Max

from accounts.models import Membership, Role
from care.models import CareSummary, ItemKind, WorklistItem
from care.services import care_refresh


def load(*, entities: dict[str, Any], stdout: Any) -> None:
    from beneficiaries.models import Beneficiary
    from claims.models import PartAClaimHeader, PartBPhysicianLine

    for key, entity in entities.items():
        if not Beneficiary.objects.filter(entity=entity).exists():
            if stdout:
                stdout.write(f"care: no beneficiaries for {key} yet; load claims first.")
            continue
        latest = [
            PartAClaimHeader.objects.filter(entity=entity).aggregate(d=Max("clm_thru_dt"))["d"],
            PartBPhysicianLine.objects.filter(entity=entity).aggregate(d=Max("clm_thru_dt"))["d"],
        ]
        dates = [d for d in latest if d is not None]
        if not dates:
            continue
        # The synthetic claims end in the past: look at them as of their last day, so that the
        # demo has recent discharges to follow up.
        as_of = max(dates)
        if CareSummary.objects.filter(entity=entity, as_of=as_of).exists():
            # A second `make run`: the refresh of these claims is there (the overview's button
            # runs it again on demand).
            if stdout:
                stdout.write(f"care: {key} already refreshed as of {as_of}")
            continue
        result = care_refresh(entity=entity, as_of=as_of)
        coordinator = (
            Membership.objects.filter(entity=entity, role=Role.CARE_COORDINATOR)
            .select_related("user")
            .first()
        )
        if coordinator is not None:
            WorklistItem.objects.filter(
                entity=entity,
                kind__in=[ItemKind.DISCHARGE_FOLLOW_UP, ItemKind.ED_VISIT],
                assigned_to__isnull=True,
            ).update(assigned_to=coordinator.user)
        if stdout:
            stdout.write(f"care: {key} as of {as_of}: {result}")
