"""The hospital events' row of the beneficiary timeline. The timeline is care's; events sits above
care (.importlinter), so this source is registered into `care.timeline` at app-ready
(events.apps) and care never imports events.

One entry a stay (an inpatient or SNF stay, an emergency visit), dated on its admission: the
hospital's notification. When a final-action claim later covers the same stay (the care refresh
records it on the stay, events.services.stays_reconcile_after_refresh), the entry names that
claim and the timeline shows the stay once, with the claim."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from care.timeline import TimelineEntry
from events import rules
from events.models import Stay, StayStatus

ROW_LABEL = "Hospital events (ADT)"
DISPOSITIONS = {
    **rules.COMMUNITY, **rules.SNF, **rules.TRANSFER, **rules.EXPIRED, **rules.HOSPICE
}  # fmt: skip


def _when(moment: Any) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def stay_entries(*, entity: Any, beneficiary: Any, start: date, end: date) -> list[TimelineEntry]:
    """The person's stays known from hospital feeds that began (or, without an admission time,
    ended) between `start` and `end`, cancelled ones left out. One query."""
    entries = []
    stays = (
        Stay.objects.filter(entity=entity, beneficiary=beneficiary)
        .exclude(status=StayStatus.CANCELLED)
        .select_related("sender")
    )
    for stay in stays:
        moment = stay.admitted_at or stay.discharged_at
        if moment is None:
            continue
        day = timezone.localtime(moment).date()
        if not start <= day <= end:
            continue
        parts = [f"{stay.sender.name} (hospital feed)"]
        if stay.admitted_at:
            parts.append(f"admitted {_when(stay.admitted_at)}")
        if stay.discharged_at:
            to = DISPOSITIONS.get(stay.discharge_disposition)
            code = stay.discharge_disposition
            parts.append(
                f"discharged {_when(stay.discharged_at)}"
                + (f" to {to} (status {code})" if to else f" (status {code})" if code else "")
            )
        elif stay.status == StayStatus.IN_FACILITY:
            parts.append("still there")
        entries.append(
            TimelineEntry(
                day=day,
                kind=stay.get_kind_display(),
                text=", ".join(parts),
                claim_id=stay.claim_id,
            )
        )
    return entries
