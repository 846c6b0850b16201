"""Care gaps from the measures: an index stay whose 30-day readmission window is still open on
the claims date becomes a gap naming HWR (Quality ID 479) and the day it closes; written through
care's services after the computation, kept by the care refresh (whose signal rewrites them),
and never given to a deceased beneficiary."""

from __future__ import annotations

from datetime import date

import pytest

from care.models import CareGap
from care.services import care_refresh
from quality.services import measures_compute

pytestmark = pytest.mark.django_db
TIN, NPI = "223456789", "1234567893"


def test_an_open_readmission_window_is_a_care_gap_until_it_closes(
    entity_a, make_bene, add_inpatient, add_visit, make_alignment_run
) -> None:
    open_window = make_bene(entity_a, birth_date=date(1945, 5, 1))
    closed = make_bene(entity_a, birth_date=date(1948, 2, 1))
    died = make_bene(entity_a, birth_date=date(1940, 2, 1), death_date=date(2024, 8, 29))
    add_inpatient(open_window, 9101, date(2024, 8, 16), date(2024, 8, 20), dx="J189")
    add_inpatient(closed, 9102, date(2024, 6, 1), date(2024, 6, 4), dx="N390")
    add_inpatient(died, 9103, date(2024, 8, 10), date(2024, 8, 14), dx="I509")
    add_visit(closed, 9104, date(2024, 8, 30), "99214")  # the claims date: 2024-08-30
    make_alignment_run(
        entity_a, as_of=date(2024, 12, 31), performance_year=2024, list_kind="final",
        results=[(b, True, "aligned_plurality", TIN, NPI, "") for b in (open_window, closed, died)],
    )  # fmt: skip
    outcome = measures_compute(entity=entity_a, performance_year=2024)
    assert outcome["care_gaps"]["479"] == 1

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
