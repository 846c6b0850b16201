"""A later claim for the same stay closes the loop: the claims refresh records it on the stay
and withdraws its own discharge task, so the discharge is worked (and counted) once."""

from __future__ import annotations

# ruff: noqa: F811 - the care fixtures, imported, are arguments of the test
from datetime import date

import pytest
from django.urls import reverse

from care.models import ItemKind, WorklistItem
from care.services import care_refresh
from events.models import Stay
from events.services import adt_v2_receive
from tests.care.conftest import add_inpatient  # noqa: F401
from tests.events.conftest import adt, at

pytestmark = pytest.mark.django_db


def test_the_claim_for_an_adt_stay_does_not_raise_a_second_discharge_task(
    entity_a, sender_a, make_bene, add_inpatient, client_a
):
    bene = make_bene(entity_a)
    other = make_bene(entity_a)  # a stay known from claims only keeps its claims task
    admit, out = at(2026, 11, 16, 9), at(2026, 11, 20, 11)
    adt_v2_receive(
        text=adt(sender_a, bene, "A01", "K1", event_at=admit, admit_at=admit), channel="mllp"
    )
    adt_v2_receive(
        text=adt(sender_a, bene, "A03", "K2", event_at=out, admit_at=admit, discharge_at=out,
                 disposition="01"),
        channel="mllp",
    )  # fmt: skip
    # Before the claim: the beneficiary's timeline shows the stay the hospital reported, in its
    # own row, and the tasks it raised.
    page_url = reverse("care:beneficiary", args=[entity_a.pk, bene.pk])
    timeline = client_a.get(page_url).context["timeline"]
    hospital = _row(timeline, "Hospital events (ADT)")
    assert hospital["n"] == 1
    assert hospital["dots"][0]["title"].startswith("2026-11-16 ")
    stay_line = next(e for e in timeline["events"] if e["kind"] == "Inpatient stay")
    assert stay_line["text"].endswith(
        "(hospital feed), admitted 2026-11-16 09:00, discharged 2026-11-20 11:00 to home or "
        "self care (status 01)"
    )
    tasks = [e["text"] for e in timeline["events"] if e["kind"] == "Task opened"]
    assert len(tasks) == 2  # the transitional care contact and visit
    add_inpatient(bene, 8801, date(2026, 11, 16), date(2026, 11, 20))
    add_inpatient(other, 8802, date(2026, 11, 10), date(2026, 11, 14))
    care_refresh(entity=entity_a, as_of=date(2026, 11, 25))
    # After it: the claim closes the loop; the stay is one dot, the claim's, which tells both.
    timeline = client_a.get(page_url).context["timeline"]
    assert _row(timeline, "Hospital events (ADT)")["n"] == 0
    assert _row(timeline, "Stays")["n"] == 1
    (claim_line,) = [e for e in timeline["events"] if e["kind"] == "Inpatient"]
    assert "the same stay as reported before: inpatient stay, " in claim_line["text"]
    assert not [e for e in timeline["events"] if e["kind"] == "Inpatient stay"]
    stay = Stay.objects.get(beneficiary=bene)
    assert stay.claim_id == "8801"
    claims_task = WorklistItem.objects.get(source_key="discharge:8801")
    assert claims_task.status == "dismissed"
    assert "raised its tasks from the hospital's notification" in claims_task.dismissed_reason
    open_kinds = sorted(
        WorklistItem.objects.filter(beneficiary=bene, status="open")
        .exclude(kind=ItemKind.AWV_DUE)  # the wellness visit gap of a person with no visits
        .values_list("kind", flat=True)
    )
    assert open_kinds == ["tcm_contact", "tcm_visit"]
    assert WorklistItem.objects.get(source_key="discharge:8802").status == "open"
    # The beneficiary's hospital events show the claim beside the stay, as one stay.
    panel = client_a.get(
        reverse("events:beneficiary", args=[entity_a.pk, bene.pk])
    ).content.decode()
    assert "claim 8801: Inpatient 2026-11-16 – 2026-11-20," in panel
    assert "(the same stay: counted once)" in panel
    assert (
        WorklistItem.objects.get(source_key="discharge:8802").kind == ItemKind.DISCHARGE_FOLLOW_UP
    )


def _row(timeline, label):
    return next(row for row in timeline["rows"] if row["label"] == label)
