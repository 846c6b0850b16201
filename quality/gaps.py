"""Care gaps from the quality measures: each beneficiary's open numerator events, written into
care's gaps through `care.services.measure_gaps_replace` (care cannot import quality), after
every computation of the measures and after every care refresh (the `care_refreshed` signal).

An event is open while the measure can still count it the way the score needs, as of the
latest computation's claims date:

- TFU (CBE #3455): an acute exacerbation (ED visit, observation or inpatient stay) without an
  outpatient follow-up visit yet, whose follow-up window has not closed: the gap closes on the
  window's last day.
- ACR and HWR (Quality ID 479): an index stay whose 30-day readmission window is still open and
  without a readmission so far: the gap (keep the beneficiary out of the hospital) closes 30
  days after discharge.

UAMCC, 484 and DAH count admissions and days over the year: they have no event that closes, so
they raise no gap.
"""

from __future__ import annotations

from typing import Any

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

    run = latest_run(entity=entity)
    if run is None:
        return {}
    written = {}
    results = {r.code: r for r in MeasureResult.objects.filter(run=run, code__in=GAP_MEASURES)}
    for code, text in GAP_MEASURES.items():
        result = results.get(code)
        if result is None:
            continue
        cases = (
            MeasureCase.objects.filter(result=result, outcome=0, window_end__gte=run.as_of)
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
                "detail": (
                    f"{what} ended {case['event_end']:%Y-%m-%d}; the measure's window closes "
                    f"{case['window_end']:%Y-%m-%d} (claims as of {run.as_of:%Y-%m-%d})"
                ),
            }
        written[code] = measure_gaps_replace(
            entity=entity, measure=code, as_of=run.as_of, gaps=list(gaps.values())
        )
    return written


def after_care_refresh(sender: Any, *, entity: Any, as_of: Any, **_: Any) -> None:
    """care_refreshed receiver: the measures' gaps follow every care refresh."""
    measure_gaps_refresh(entity=entity)
