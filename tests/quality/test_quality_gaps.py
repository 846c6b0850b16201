"""Care gaps from the measures: an index stay whose 30-day readmission window is still open on
the claims date becomes a gap naming HWR (Quality ID 479) and the day it closes; written through
care's services after the computation, kept by the care refresh (whose signal rewrites them),
and never given to a deceased beneficiary."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from care.models import CareGap
from care.services import care_refresh
from quality.models import MeasureCase, MeasureResult
from quality.services import measures_compute

pytestmark = pytest.mark.django_db
TIN, NPI = "223456789", "1234567893"


def test_an_open_readmission_window_is_a_care_gap_until_it_closes(
    entity_a, make_bene, add_inpatient, add_visit, make_alignment_run, aco_coordinator, login_client
) -> None:
    open_window = make_bene(entity_a, birth_date=date(1945, 5, 1))
    closed = make_bene(entity_a, birth_date=date(1948, 2, 1))
    died = make_bene(entity_a, birth_date=date(1940, 2, 1), death_date=date(2024, 8, 29))
    edge = make_bene(entity_a, birth_date=date(1944, 3, 1))
    add_inpatient(open_window, 9101, date(2024, 8, 16), date(2024, 8, 20), dx="J189")
    add_inpatient(closed, 9102, date(2024, 6, 1), date(2024, 6, 4), dx="N390")
    add_inpatient(died, 9103, date(2024, 8, 10), date(2024, 8, 14), dx="I509")
    add_inpatient(edge, 9105, date(2024, 7, 28), date(2024, 7, 31), dx="J189")  # closes 08-30
    add_visit(closed, 9104, date(2024, 8, 30), "99214")  # the claims date: 2024-08-30
    make_alignment_run(
        entity_a, as_of=date(2024, 12, 31), performance_year=2024, list_kind="final",
        results=[
            (b, True, "aligned_plurality", TIN, NPI, "") for b in (open_window, closed, died, edge)
        ],
    )  # fmt: skip
    outcome = measures_compute(entity=entity_a, performance_year=2024)
    assert outcome["care_gaps"]["479"] == 1

    # The interim rate counts the two stays whose 30 days are over by the claims date (the one
    # closing on it too); the two still open are left out, flagged, and counted on the result.
    hwr = MeasureResult.objects.get(run_id=outcome["run"], code="479")
    assert (hwr.numerator, hwr.denominator, hwr.open_cases) == (0, 2, 2)
    assert "1 to 30 days after the index discharge" in hwr.window
    open_claims = MeasureCase.objects.filter(result=hwr, window_complete=False)
    assert sorted(open_claims.values_list("event_claim_id", flat=True)) == ["9101", "9103"]
    html = (
        login_client(aco_coordinator)
        .get(reverse("quality:measure", args=[entity_a.pk, hwr.pk]))
        .content.decode()
    )
    assert "2 index stays have their 30-day window still open in the claims to 2024-08-30" in html
    assert "left out of the rate until they close" in html
    assert "Outcome window: an unplanned readmission 1 to 30 days after the index discharge" in html
    assert "window open: not in the rate yet" in html
    assert (
        "Outcome window still open in the claims to 2024-08-30 (counted once it closes): 2" in html
    )
    from quality.scores import _claims_inputs

    inputs, _ = _claims_inputs(entity_a, 2024)
    assert inputs["479"].detail == (
        "claims as of 2024-08-30; 2 index stays with the 30-day window still open left out "
        "until they close"
    )
    assert inputs["479"].cases == 2

    gap = CareGap.objects.get(entity=entity_a, gap="measure_479")
    assert gap.beneficiary_id == open_window.pk
    assert gap.label.startswith("479 Hospital-Wide, 30-Day, All-Cause Unplanned Readmission")
    assert "window closes 2024-09-19" in gap.detail  # 30 days after the 2024-08-20 discharge
    assert gap.as_of == date(2024, 8, 30)

    # The care refresh replaces its own claims gaps and leaves the measure's, rewritten.
    CareGap.objects.filter(gap="measure_479").update(detail="stale")
    care_refresh(entity=entity_a, as_of=date(2024, 8, 30))
    gap = CareGap.objects.get(entity=entity_a, gap="measure_479")
    assert "window closes 2024-09-19" in gap.detail
