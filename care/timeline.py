"""The claims part of a beneficiary page, read from `ClaimEvent` (built by the care refresh)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from care.models import ClaimEvent

TIMELINE_LIMIT = 40


def beneficiary_claims_summary(
    *, entity: Any, beneficiary: Any, year: int | None
) -> dict[str, Any]:
    """Timeline events (newest first) and paid totals for `year` (the calendar year of the
    care refresh's as-of date: the page's "this year") and the year before. Without a refresh
    there is no year yet and no totals."""
    events = ClaimEvent.objects.filter(entity=entity, beneficiary=beneficiary)
    if year is None:
        totals = {"this_year": None, "last_year": None, "n": events.count()}
    else:
        totals = events.aggregate(
            this_year=Sum("paid", filter=Q(thru_date__year=year)),
            last_year=Sum("paid", filter=Q(thru_date__year=year - 1)),
            n=Count("pk"),
        )
    latest = list(events.order_by("-thru_date", "-from_date")[:TIMELINE_LIMIT])
    return {
        "events": latest,
        "event_count": totals["n"],
        "as_of": latest[0].as_of if latest else None,
        "paid_this_year": totals["this_year"] or Decimal("0.00"),
        "paid_last_year": totals["last_year"] or Decimal("0.00"),
        "this_year": year,
        "last_year": year - 1 if year else None,
    }
