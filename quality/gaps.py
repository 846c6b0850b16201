"""Care gaps from the quality measures: each beneficiary's open numerator events, written into
care's gaps through `care.services.measure_gaps_replace` (care cannot import quality), after
every computation of the measures and after every care refresh (the `care_refreshed` signal).

An event is open while the measure can still count it the way the score needs, as of the
latest computation's claims date: the cases the computation left out of the rate because their
window runs past that date (`MeasureCase.window_complete` False), without an outcome so far:

- TFU (CBE #3455): an acute exacerbation (ED visit, observation or inpatient stay) without an
  outpatient follow-up visit yet, whose follow-up window has not closed: the gap closes on the
  window's last day.
- ACR and HWR (Quality ID 479): an index stay whose 30-day readmission window is still open and
  without a readmission so far: the gap (keep the beneficiary out of the hospital) closes 30
  days after discharge.

- The APP eCQMs (Quality IDs 001, 134, 236, 112, 113) from the partners' patient-level results
  (quality.patient_level): a patient in the denominator, not excluded, whose quality action is
  not met yet (for the inverse 001: in its numerator) while the reporting period runs, as of the
  latest submission date: the gap closes on the period's last day.

UAMCC, 484 and DAH count admissions and days over the year: they have no event that closes, so
they raise no gap. Each gap carries its measure (the key `measure_<code>` and the label) and the
date it closes (`closes_on`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from quality.models import MeasureCase, MeasureResult
from quality.selectors import latest_run

GAP_MEASURES = {
    "TFU": "follow-up visit after an acute exacerbation due",
    "ACR": "30-day readmission window open",
    "479": "30-day readmission window open",
}


def measure_gaps_refresh(*, entity: Any) -> dict[str, int]:
    """Write the open numerator events of the entity's latest computation as care gaps, one
    measure at a time; a measure of the catalog without an open event gets its gaps cleared."""
    from care.services import measure_gaps_replace

    written = ecqm_gaps_refresh(entity=entity)
    run = latest_run(entity=entity)
    if run is None:
        return written
    results = {r.code: r for r in MeasureResult.objects.filter(run=run, code__in=GAP_MEASURES)}
    for code, text in GAP_MEASURES.items():
        result = results.get(code)
        if result is None:
            continue
        cases = (
            MeasureCase.objects.filter(result=result, outcome=0)
            # window_end after the claims date: a run computed before the flag was stored.
            .filter(Q(window_complete=False) | Q(window_end__gt=run.as_of))
            .order_by("beneficiary_id", "window_end")
            .values("beneficiary_id", "category", "event_start", "event_end", "window_end")
        )
        gaps: dict[int, dict[str, Any]] = {}
        for case in cases:
            if case["beneficiary_id"] in gaps:
                continue  # the first to close
            what = f"{case['category']} event" if case["category"] else "hospital stay"
            gaps[case["beneficiary_id"]] = {
                "beneficiary_id": case["beneficiary_id"],
                "label": f"{code} {result.title[:60]}: {text}",
                "closes_on": case["window_end"],
                "detail": (
                    f"{what} ended {case['event_end']:%Y-%m-%d}; the measure's window closes "
                    f"{case['window_end']:%Y-%m-%d} (claims as of {run.as_of:%Y-%m-%d})"
                ),
            }
        written[code] = measure_gaps_replace(
            entity=entity, measure=code, as_of=run.as_of, gaps=list(gaps.values())
        )
    return written


def ecqm_gaps_refresh(*, entity: Any) -> dict[str, int]:
    """The eCQMs' open numerator events from the latest reporting period with patient-level
    results, while that period runs (as of the latest submission date of the period)."""
    from django.db.models import Max

    from care.services import measure_gaps_replace
    from quality.engine.app_score import app_measure
    from quality.models import ReportedFile
    from quality.patient_level import GAP_TEXT, open_numerator_events

    files = ReportedFile.objects.filter(
        entity=entity, kind=ReportedFile.Kind.MEASURE_REPORT, superseded_by__isnull=True
    )
    year = files.aggregate(year=Max("performance_year"))["year"]
    written: dict[str, int] = {}
    if year is None:
        return written
    latest = files.filter(performance_year=year).aggregate(
        submitted=Max("submitted_on"), end=Max("period_end")
    )
    as_of, closes = latest["submitted"], latest["end"]
    events = open_numerator_events(entity=entity, year=year) if closes >= as_of else {}
    for quality_id in GAP_TEXT:
        title = str(app_measure(quality_id).get("title", ""))
        gaps = [
            {
                "beneficiary_id": bene,
                "label": f"Quality ID {quality_id}: {GAP_TEXT[quality_id]}",
                "closes_on": closes,
                "detail": (
                    f"{title}: not met in the partners' patient-level results for the period "
                    f"ending {closes:%Y-%m-%d} (submitted by {as_of:%Y-%m-%d}); the period "
                    f"closes {closes:%Y-%m-%d}"
                ),
            }
            for bene in events.get(quality_id, [])
        ]
        written[quality_id] = measure_gaps_replace(
            entity=entity, measure=quality_id, as_of=as_of, gaps=gaps
        )
    return written


def after_care_refresh(sender: Any, *, entity: Any, as_of: Any, **_: Any) -> None:
    """care_refreshed receiver: the measures' gaps follow every care refresh."""
    measure_gaps_refresh(entity=entity)
