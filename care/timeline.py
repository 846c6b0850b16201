"""The claims part of a beneficiary page, read from `ClaimEvent` (built by the care refresh)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from care.models import ClaimEvent

TIMELINE_LIMIT = 40


def beneficiary_claims_summary(*, entity: Any, beneficiary: Any, today: date) -> dict[str, Any]:
    """Timeline events (newest first) and paid totals for this and last calendar year."""
    events = ClaimEvent.objects.filter(entity=entity, beneficiary=beneficiary)
    totals = events.aggregate(
        this_year=Sum("paid", filter=Q(thru_date__year=today.year)),
        last_year=Sum("paid", filter=Q(thru_date__year=today.year - 1)),
        n=Count("pk"),
    )
    latest = list(events.order_by("-thru_date", "-from_date")[:TIMELINE_LIMIT])
    return {
        "events": latest,
        "event_count": totals["n"],
        "as_of": latest[0].as_of if latest else None,
        "paid_this_year": totals["this_year"] or Decimal("0.00"),
        "paid_last_year": totals["last_year"] or Decimal("0.00"),
        "this_year": today.year,
        "last_year": today.year - 1,
    }
