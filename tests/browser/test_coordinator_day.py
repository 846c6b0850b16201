"""A coordinator's day in headless Chromium: sign in with a second factor, find a person by MBI
from the header, see who to call and what they have, log a call in two clicks, and work the
ranked contact list to its end. Saves the screenshots docs/coordinator-day.md shows."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from audit.models import AccessRecord
from care.models import CareProfile, ItemKind, OutreachAttempt, WorklistItem
from care.services import care_refresh
from entities.models import ParticipantOrganization, Participation, Provider
from tests.browser import signin
from tests.care.conftest import add_fill, add_inpatient, add_visit, make_bene  # noqa: F401
from tests.factories import EntityFactory, MembershipFactory, ProgramFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def day(request: pytest.FixtureRequest) -> dict[str, Any]:
    new_bene = request.getfixturevalue("make_bene")
    inpatient = request.getfixturevalue("add_inpatient")
    visit = request.getfixturevalue("add_visit")
    today = timezone.localdate()
    a = EntityFactory(
        program=ProgramFactory(code="mssp"), cms_id="A9101", legal_name="Synthetic Ridge ACO"
    )
    coordinator = UserFactory(email="coordinator@a.example.test", full_name="Casey Coordinator")
    MembershipFactory(user=coordinator, entity=a, role=Role.CARE_COORDINATOR)
    names = [("Abbott", "Alma"), ("Baker", "Bruno"), ("Carter", "Celia")]
    benes = [new_bene(a, last_name=last, first_name=first) for last, first in names]
    inpatient(benes[0], 7001, today - timedelta(days=6), today - timedelta(days=3), dx="I5020")
    visit(benes[1], 7002, today - timedelta(days=12), "99284", dx="R0789")
    visit(benes[2], 7003, today - timedelta(days=300), "99214", dx="E119")
    # Abbott's heart-failure medicines from Part D: carvedilol refilled on time, furosemide
    # late twice; the hospital (CCN 330101 on her stay) is on the participant list.
    fill = request.getfixturevalue("add_fill")
    for k in range(6):
        fill(benes[0], 7100 + k, today - timedelta(days=180 - 30 * k), "57664024588", 30)
    for k, days_ago in enumerate((170, 120, 60)):
        fill(benes[0], 7200 + k, today - timedelta(days=days_ago), "51407011490", 30)
    # And an antidepressant (sertraline, 30 days), filled twice: its own class's refills.
    for k, days_ago in enumerate((50, 20)):
        fill(benes[0], 7300 + k, today - timedelta(days=days_ago), "68533005612", 30)
    hospital = ParticipantOrganization.objects.create(tin="123456789", legal_name="Ridge General")
    Participation.objects.create(
        entity=a, organization=hospital, ccn="330101", start_date=today - timedelta(days=400)
    )
    Provider.objects.get_or_create(npi="1234567893", defaults={"name": "Lee, Ann"})
    care_refresh(entity=a, as_of=today)
    CareProfile.objects.filter(beneficiary=benes[2]).update(
        risk_tier="high", risk_score=Decimal("2.412")
    )
    WorklistItem.objects.filter(entity=a).update(assigned_to=coordinator)
    return {"a": a, "benes": benes, "coordinator": coordinator}


def test_a_coordinator_finds_a_person_logs_a_call_and_works_the_queue(
    live_server: Any, page: Any, screenshot: Any, day: dict[str, Any], caplog: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))
    base, a = live_server.url, day["a"]
    signin.sign_in_with_mfa(page, base, "coordinator@a.example.test")
    page.goto(f"{base}/care/")
    expect(page.get_by_role("heading", name="My work today")).to_be_visible()
    expect(page.get_by_role("heading", name="Overdue")).to_be_visible()
    screenshot(page, "coordinator-my-work")

    # Find Abbott by MBI from the header: the person's page opens (one match).
    abbott = day["benes"][0]
    page.get_by_label("MBI or name").fill(abbott.current_mbi)
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("heading", name="Alma Abbott")).to_be_visible()
    expect(page.get_by_role("heading", name="Timeline", exact=False)).to_be_visible()
    expect(page.locator("svg.timeline-chart circle").first).to_be_attached()
    # What she takes and whether she keeps up, and who billed her stay.
    meds = page.locator("#medications")
    expect(meds).to_contain_text("Carvedilol 12.5 mg tablet")
    expect(meds).to_contain_text("Furosemide 40 mg tablet")
    expect(meds).to_contain_text("Out of supply since")
    expect(meds).to_contain_text("Sertraline hydrochloride 50 mg tablet")
    expect(meds.locator("tr", has_text="Sertraline")).to_contain_text("Antidepressants")
    # What she has, by CMS's chronic conditions (CCW), the code in words and the rule.
    conditions = page.locator("#conditions")
    chronic = conditions.locator("table", has_text="30 CCW Chronic Conditions")
    expect(chronic).to_contain_text("Heart Failure and Non-Ischemic Heart Disease")
    expect(chronic).to_contain_text("I50.20 Unspecified systolic (congestive) heart failure")
    expect(chronic).to_contain_text("At least 1 inpatient/SNF/HHA claim")
    expect(conditions).to_contain_text("reference period")
    expect(conditions).to_contain_text("HCC226 Heart Failure")
    # Who billed her stay: in the claims one by one, folded under the totals.
    page.locator("#claims-list > summary").click()
    expect(page.get_by_text("CCN 330101 · Ridge General")).to_be_visible()
    screenshot(page, "coordinator-person")

    # By the MBI's last characters and the name: the same, and the URL holds only ids.
    page.get_by_label("MBI or name").fill(f"{day['benes'][1].current_mbi[-4:]} Baker")
    page.get_by_role("button", name="Find").click()
    expect(page.get_by_role("heading", name="Bruno Baker")).to_be_visible()

    # The ranked list: the discharge first, with the reason; two clicks log a call.
    page.goto(f"{base}/care/{a.pk}/queue/")
    rows = page.locator("#contact-queue tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Abbott, Alma")
    # The summary first, then a section per reason: the first open, its heading the reason.
    expect(page.locator("#queue-summary")).to_contain_text("Leaving a hospital or facility")
    expect(page.locator("#queue-1 > summary")).to_contain_text("Leaving a hospital or facility")
    expect(rows.nth(2)).to_contain_text("CMS-HCC risk score 2.412")
    screenshot(page, "coordinator-queue")
    for expected in ("Abbott", "Baker", "Carter"):
        first = page.locator("#contact-queue tbody tr").first
        expect(first).to_contain_text(expected)
        first.get_by_text("Log outreach").click()
        first.get_by_role("button", name="Reached").click()
        expect(page.get_by_text("Outreach recorded for")).to_be_visible()
    expect(page.locator("#queue-done")).to_be_visible()
    assert OutreachAttempt.objects.filter(method="call", outcome="reached").count() == 3

    # The call shows on the person's timeline.
    page.get_by_role("link", name="Roster").click()
    page.get_by_role("button", name="Risk score").click()
    expect(page.locator("#roster-count")).to_contain_text("3 people · page 1 of 1")
    expect(page.locator("table.roster tbody tr").first).to_contain_text("Carter, Celia")
    screenshot(page, "coordinator-roster")
    page.get_by_role("link", name="Abbott, Alma").click()
    expect(page.locator("#timeline")).to_contain_text("Phone call: Reached")

    purposes = set(
        AccessRecord.objects.filter(user=day["coordinator"]).values_list("purpose", flat=True)
    )
    assert {"search", "contact queue", "beneficiary page", "my work today"} <= purposes
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for bene in day["benes"]:
        assert bene.current_mbi not in logged
        assert all(bene.current_mbi not in url for url in visited)
    assert WorklistItem.objects.filter(kind=ItemKind.DISCHARGE_FOLLOW_UP).exists()
