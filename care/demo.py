"""Demo: run the care refresh on each demo entity's claims, and give the demo coordinator the
discharge follow-ups. Needs the beneficiaries and claims the claims app's demo loads; without
them it says so and does nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from accounts.models import Membership, Role
from care.models import (
    OPEN_STATUSES,
    CareSummary,
    ItemKind,
    OutreachMethod,
    OutreachOutcome,
    WorklistItem,
)
from care.services import care_refresh, outreach_attempt_create

# The coordinator's work before the data date: of the follow-ups the claims raised, those due
# more than WORKED_AFTER_DAYS before it were called on their due day (a message left, or no
# answer) and come back on a day in the next NEXT_ACTION_DAYS, as a coordinator's list does;
# the newest stay open and overdue, and so does the newest tenth of the older ones (at least
# one): claims arrive weeks after the stay, so every follow-up is due well before the data date,
# and without this every task of the demo coordinator was overdue on it (or, all worked, none).
WORKED_AFTER_DAYS = 4
NEXT_ACTION_DAYS = 21
LEFT_OVERDUE_SHARE = 10  # one in ten of the older follow-ups, the newest, is not reached yet


def load(*, entities: dict[str, Any], stdout: Any) -> None:
    from beneficiaries.models import Beneficiary
    from claims.selectors import claims_data_date

    for key, entity in entities.items():
        if not Beneficiary.objects.filter(entity=entity).exists():
            if stdout:
                stdout.write(f"care: no beneficiaries for {key} yet; load claims first.")
            continue
        # The synthetic claims end in the past: look at them as of their own last day, so that
        # the demo has recent discharges to follow up. A second `make run` keeps a refresh of
        # that date; after a refresh of another date (the overview's button) it runs again, and
        # the refresh closes the open tasks it no longer finds, so none is left behind.
        as_of = claims_data_date(entity=entity)
        if as_of is None:
            continue
        if CareSummary.objects.filter(entity=entity, as_of=as_of).exists():
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
                kind__in=[ItemKind.DISCHARGE_FOLLOW_UP, ItemKind.SNF_ADMISSION, ItemKind.ED_VISIT],
                status__in=OPEN_STATUSES,
                assigned_to__isnull=True,
            ).update(assigned_to=coordinator.user)
            coordinator_worked(entity=entity, user=coordinator.user, as_of=as_of)
        if stdout:
            stdout.write(
                f"care: {key} as of {as_of}: {result['items_considered']} new tasks, "
                f"{result['items_superseded']} closed as no longer found, {result['items_reopened']} reopened, "
                f"{result['care_gaps']} care gaps"
            )


def coordinator_worked(*, entity: Any, user: Any, as_of: date) -> None:
    items = WorklistItem.objects.filter(
        entity=entity,
        assigned_to=user,
        status__in=OPEN_STATUSES,
        due_date__lt=as_of - timedelta(days=WORKED_AFTER_DAYS),
    ).order_by("due_date", "pk")
    older = list(items)
    worked = older[: len(older) - max(1, len(older) // LEFT_OVERDUE_SHARE)]
    outcomes = (OutreachOutcome.LEFT_MESSAGE, OutreachOutcome.NO_ANSWER)
    for k, item in enumerate(worked):
        assert item.due_date is not None  # the filter above
        outreach_attempt_create(
            item=item,
            acting_user=user,
            attempted_at=datetime.combine(item.due_date, time(10, k % 50), tzinfo=UTC),
            method=OutreachMethod.CALL,
            outcome=outcomes[k % 2],
            next_action_on=as_of + timedelta(days=1 + k % NEXT_ACTION_DAYS),
        )
