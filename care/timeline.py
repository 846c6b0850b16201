"""The claims part of a beneficiary page, read from `ClaimEvent` (built by the care refresh)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from django.db.models import Count, Q, Sum
from django.utils import timezone

from care.models import ClaimEvent
from core import codes

TIMELINE_LIMIT = 40


def beneficiary_claims_summary(
    *, entity: Any, beneficiary: Any, year: int | None
) -> dict[str, Any]:
    """Timeline events (newest first) and paid totals for `year` (the calendar year of the
    care refresh's as-of date: the page's "this year") and the year before. Without a refresh
    there is no year yet and no totals."""
    # Imported here: this module is loaded at every start (events registers its timeline row
    # at app-ready), and the other apps' selectors behind care.upstream bring pandas and the
    # CMS-HCC model with them.
    from care import upstream

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
    # Who billed and rendered each claim shown, named from the entities registry.
    providers = upstream.claim_provider_labels(
        entity=entity, claim_ids=[e.claim_id for e in latest]
    )
    rows = [
        {
            "event": e,
            "providers": providers.get(e.claim_id, {"facility": "", "clinicians": []}),
            "codes": [c.strip() for c in e.codes.split(",") if c.strip()],
        }
        for e in latest
    ]
    return {
        "events": latest,
        "rows": rows,
        "event_count": totals["n"],
        "as_of": latest[0].as_of if latest else None,
        "paid_this_year": totals["this_year"] or Decimal("0.00"),
        "paid_last_year": totals["last_year"] or Decimal("0.00"),
        "this_year": year,
        "last_year": year - 1 if year else None,
    }


# The chart's rows, top to bottom: claim kinds (care.engine.timeline) grouped as a coordinator
# reads them, then the work done.
CHART_ROWS = (
    ("Stays", ("Inpatient", "SNF", "Hospice", "Home health")),
    ("ED visits", ("ED visit",)),
    ("Primary care and wellness", ("Office visit", "Wellness visit")),
    ("Other claims", ("Outpatient", "Professional", "DME", "Institutional")),
    ("Tasks opened", ("task",)),
    ("Outreach", ("outreach",)),
)
CHART_MONTHS = 24
CHART_LEFT, CHART_WIDTH, ROW_HEIGHT = 190, 720, 26


@dataclass(frozen=True)
class TimelineEntry:
    """One thing that happened to the person, from an app above care (hospital ADT events).
    `claim_id`: the final-action claim that later covered the same stay; the entry is then
    shown with that claim, not on its own (the stay is counted once)."""

    day: date
    kind: str
    text: str
    claim_id: str = ""


class TimelineSource(Protocol):
    def __call__(
        self, *, entity: Any, beneficiary: Any, start: date, end: date
    ) -> list[TimelineEntry]: ...


# The chart rows other apps add (label, source), registered at app-ready: care sits below them
# and never imports them (.importlinter), so they register here instead.
TIMELINE_SOURCES: list[tuple[str, TimelineSource]] = []


def timeline_source_register(label: str, source: TimelineSource) -> None:
    """Add a chart row `label` filled by `source` (once per label: re-registering replaces)."""
    TIMELINE_SOURCES[:] = [(lbl, src) for lbl, src in TIMELINE_SOURCES if lbl != label]
    TIMELINE_SOURCES.append((label, source))


def timeline_extra_rows(
    *, entity: Any, beneficiary: Any, start: date, end: date
) -> list[tuple[str, list[TimelineEntry]]]:
    """Each registered source's entries for the person between `start` and `end`."""
    return [
        (label, source(entity=entity, beneficiary=beneficiary, start=start, end=end))
        for label, source in TIMELINE_SOURCES
    ]


def timeline_start(end: date) -> date:
    """The first day of the 24-month chart ending on `end`."""
    return _months_before(end, CHART_MONTHS - 1)


def _months_before(day: date, months: int) -> date:
    total = day.year * 12 + day.month - 1 - months
    return date(total // 12, total % 12 + 1, 1)


def beneficiary_timeline(
    *,
    claims: list[Any],
    items: list[Any],
    attempts: list[Any],
    end: date,
    extra_rows: Sequence[tuple[str, list[TimelineEntry]]] = (),
) -> dict[str, Any]:
    """The person's last 24 months to `end` (the page's data date, or today without one):
    claims (final action, as the care refresh read them), the registered sources' entries
    (`extra_rows`: hospital events), tasks opened and outreach attempts, newest first, and the
    same as dots on a chart of one row per kind (an SVG the template writes; positions computed
    here). An entry whose stay a claim on the chart covers (`claim_id`) is told in that claim's
    dot and line, not drawn again: one stay, one dot."""
    start = _months_before(end, CHART_MONTHS - 1)
    covered: dict[str, list[str]] = {}
    claim_ids = {str(getattr(e, "claim_id", "")) for e in claims} - {""}
    extra: list[dict[str, Any]] = []
    for label, entries in extra_rows:
        for entry in entries:
            if entry.claim_id and entry.claim_id in claim_ids:
                covered.setdefault(entry.claim_id, []).append(f"{entry.kind.lower()}, {entry.text}")
            else:
                extra.append({"day": entry.day, "kind": entry.kind, "row_kind": f"+{label}",
                              "text": entry.text})  # fmt: skip
    events: list[dict[str, Any]] = list(extra)
    for e in claims:
        text = f"{e.kind} claim{f': {e.codes}' if e.codes else ''}"
        for told in covered.get(str(getattr(e, "claim_id", "")), []):
            text += f"; the same stay as reported before: {told}"
        events.append({"day": e.from_date, "kind": e.kind, "row_kind": e.kind, "text": text})
    for item in items:
        events.append({"day": timezone.localtime(item.created_at).date(), "kind": "Task opened",
                       "row_kind": "task", "text": item.title})  # fmt: skip
    for a in attempts:
        text = f"{a.get_method_display()}: {a.get_outcome_display()}"
        if a.next_action_on:
            text += f"; next action on {a.next_action_on:%Y-%m-%d}"
        if a.note:
            text += f" ({a.note})"
        events.append({"day": timezone.localtime(a.attempted_at).date(), "kind": "Outreach",
                       "row_kind": "outreach", "text": text})  # fmt: skip
    shown = sorted(
        (e for e in events if start <= e["day"] <= end), key=lambda e: e["day"], reverse=True
    )
    span = (end - start).days or 1
    rows = []
    # The registered rows go after the claims' rows, before the work done.
    chart_rows = [
        *CHART_ROWS[:4], *((label, (f"+{label}",)) for label, _ in extra_rows), *CHART_ROWS[4:]
    ]  # fmt: skip
    for i, (label, kinds) in enumerate(chart_rows):
        y = ROW_HEIGHT * i + ROW_HEIGHT // 2
        dots = [
            {
                "x": CHART_LEFT + round(CHART_WIDTH * (e["day"] - start).days / span),
                "y": y,
                "title": f"{e['day']:%Y-%m-%d} {e['text']}",
            }  # fmt: skip
            for e in shown
            if e["row_kind"] in kinds
        ]
        rows.append({"label": label, "y": y, "dots": dots, "n": len(dots)})
    ticks = []
    for m in range(0, CHART_MONTHS, 3):
        first = _months_before(end, CHART_MONTHS - 1 - m)
        ticks.append(
            {
                "x": CHART_LEFT + round(CHART_WIDTH * (first - start).days / span),
                "label": f"{first:%b %Y}",
            }  # fmt: skip
        )
    return {
        "events": shown,
        "rows": rows,
        "ticks": ticks,
        "start": start,
        "end": end,
        "height": ROW_HEIGHT * len(chart_rows) + 24,
        "width": CHART_LEFT + CHART_WIDTH + 20,
        "axis_y": ROW_HEIGHT * len(chart_rows),
        "left": CHART_LEFT,
        "right": CHART_LEFT + CHART_WIDTH,
    }


def conditions_from_claims(claims: list[Any], *, year: int | None = None) -> list[dict[str, Any]]:
    """The diagnoses on the person's claims (each claim's principal diagnosis, as the care refresh
    kept it), with descriptions, per code how many claims and the latest date, grouped by the
    CMS-HCC payment category (model V28) each maps to in the payment year after the diagnosis's
    year (`core.codes.hcc_category`); codes in no payment category grouped by their ICD-10-CM
    block after them. Groups with the most recent diagnosis first."""
    by_code: dict[str, dict[str, Any]] = {}
    for e in claims:
        if not e.dx:
            continue
        seen = by_code.setdefault(e.dx, {"code": e.dx, "claims": 0, "last": e.thru_date})
        seen["claims"] += 1
        seen["last"] = max(seen["last"], e.thru_date)
    groups: dict[str, dict[str, Any]] = {}
    for entry in by_code.values():
        hcc, hcc_label = codes.hcc_category(
            entry["code"], diagnosis_year=year or entry["last"].year
        )
        if hcc:
            key, label = hcc, f"{hcc} {hcc_label}"
        else:
            block, block_label = codes.icd10_block(entry["code"])
            key, label = f"icd:{block}", block_label or "Codes not in ICD-10-CM"
        group = groups.setdefault(key, {"key": key, "hcc": hcc, "label": label, "codes": []})
        group["codes"].append({**entry, "text": codes.icd10_display(entry["code"])})
    for group in groups.values():
        group["codes"].sort(key=lambda c: c["last"], reverse=True)
        group["last"] = group["codes"][0]["last"]
    return sorted(groups.values(), key=lambda g: (not g["hcc"], -g["last"].toordinal()))
