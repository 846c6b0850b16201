"""The coordinator dashboard in headless Chromium: sign in with a second factor, find today's
work, search and filter the roster, open a beneficiary, add and close a task, export the roster;
and a coordinator of another entity sees none of it. Saves the README screenshots."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from audit.models import AccessRecord
from care.models import ItemKind, WorklistItem
from care.services import care_refresh
from tests.browser import signin
from tests.care.conftest import (  # noqa: F401 (fixtures)
    add_inpatient,
    add_visit,
    make_alignment_run,
    make_bene,
    make_risk_score,
)
from tests.factories import EntityFactory, MembershipFactory, ProgramFactory, UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def sign_in_with_mfa(page: Any, base: str, email: str) -> None:
    signin.sign_in_with_mfa(page, base, email)
    page.goto(f"{base}/care/")
    assert page.get_by_role("heading", name="My work today").is_visible()
    page.goto(f"{base}/care/")
    assert page.get_by_role("heading", name="My work today").is_visible()


@pytest.fixture
def world(request: pytest.FixtureRequest) -> dict[str, Any]:
    new_bene = request.getfixturevalue("make_bene")
    inpatient = request.getfixturevalue("add_inpatient")
    visit = request.getfixturevalue("add_visit")
    risk = request.getfixturevalue("make_risk_score")
    align = request.getfixturevalue("make_alignment_run")
    today = timezone.localdate()
    a = EntityFactory(
        program=ProgramFactory(code="mssp"), cms_id="A9001", legal_name="Synthetic Valley ACO"
    )
    b = EntityFactory(
        program=ProgramFactory(code="reach", name="ACO REACH"),
        cms_id="D9002",
        legal_name="Synthetic Coast DCE",
    )
    coord_a = UserFactory(email="coordinator@a.example.test", full_name="Casey Coordinator")
    MembershipFactory(user=coord_a, entity=a, role=Role.CARE_COORDINATOR)
    coord_b = UserFactory(email="coordinator@b.example.test", full_name="Blake Other")
    MembershipFactory(user=coord_b, entity=b, role=Role.CARE_COORDINATOR)
    names = [
        ("Abbott", "Alma"),
        ("Baker", "Bruno"),
        ("Carter", "Celia"),
        ("Diaz", "Dora"),
        ("Evans", "Eli"),
        ("Foster", "Faye"),
        ("Garcia", "Gus"),
        ("Hughes", "Hana"),
    ]
    benes = [
        new_bene(a, last_name=last, first_name=first, medicare_status_code="10")
        for last, first in names
    ]
    inpatient(benes[0], 7001, today - timedelta(days=8), today - timedelta(days=4), dx="I5020")
    visit(benes[0], 7002, today - timedelta(days=200), "99214", dx="E119")
    visit(benes[0], 7003, today - timedelta(days=120), "83036", dx="E119")
    visit(benes[1], 7004, today - timedelta(days=12), "99284", dx="R0789")
    visit(benes[2], 7005, today - timedelta(days=60), "G0439")
    visit(benes[3], 7006, today - timedelta(days=30), "77067")
    for i, bene in enumerate(benes[4:]):
        visit(bene, 7100 + i, today - timedelta(days=40 + i), "99213", dx="I10")
    others = [new_bene(b, last_name=last, first_name="Zoe") for last in ("Quinn", "Reyes")]
    inpatient(others[0], 8001, today - timedelta(days=5), today - timedelta(days=2))
    risk(
        benes[0],
        today.year,
        [("226", "Heart Failure"), ("38", "Diabetes with Chronic Complications")],
    )
    risk(benes[0], today.year + 1, [("226", "Heart Failure")])
    _alignment(a, b, benes, others, align, today)
    care_refresh(entity=a, as_of=today)
    from settlement.demo import _ytd_frame
    from settlement.services import settlement_projection_create
    from tests.settlement.test_settlement_projection_create import ASSUMPTIONS

    settlement_projection_create(
        entity=a,
        performance_year=2025,
        frame=_ytd_frame(beneficiaries=200, months=6, seed=5),
        assumptions=ASSUMPTIONS,
    )
    care_refresh(entity=b, as_of=today)
    WorklistItem.objects.filter(entity=a, kind=ItemKind.DISCHARGE_FOLLOW_UP).update(
        assigned_to=coord_a
    )
    WorklistItem.objects.filter(entity=b).update(assigned_to=coord_b)
    return {
        "a": a,
        "b": b,
        "coord_a": coord_a,
        "coord_b": coord_b,
        "benes": benes,
        "others": others,
    }


TIN_A, TIN_B, TIN_X = "123456789", "234567891", "555555555"
NPI_A = "1234567893"


def _alignment(a: Any, b: Any, benes: list[Any], others: list[Any], align: Any, today: Any) -> None:
    """Two quarterly runs of A: Abbott aligned to Dr Doe at TIN A but with a competitor close
    behind (at risk), Baker added by the second run, Hughes dropped (plurality moved to TIN X);
    one run of B with its own people. A benchmark for A's year and the registry's names."""
    from decimal import Decimal

    from benchmarks.models import BenchmarkCalculation, BenchmarkSegment
    from entities.models import ParticipantOrganization, Provider

    Provider.objects.create(npi=NPI_A, name="Doe, Jane")
    ParticipantOrganization.objects.create(tin=TIN_A, legal_name="Valley Primary Care")
    recent = {"entity_last_service": today - timedelta(days=45)}
    first = align(
        a,
        as_of=today - timedelta(days=120),
        results=[(benes[0], True, "aligned_plurality", TIN_A, NPI_A, "", recent)]
        + [(benes[1], False, "no_primary_care_service", "", "", "")]
        + [(x, True, "aligned_plurality", TIN_B, "", "", recent) for x in benes[2:]],
    )
    align(
        a,
        previous=first,
        as_of=today - timedelta(days=30),
        results=[
            (benes[0], True, "aligned_plurality", TIN_A, NPI_A, f"TIN {TIN_X}",
             {**recent, "competitor_allowed": Decimal("270.00")}),
            (benes[1], True, "aligned_plurality", TIN_B, "", "", recent),
            (benes[7], False, "plurality_lost", "", "", f"TIN {TIN_X}"),
        ]
        + [(x, True, "aligned_plurality", TIN_B, "", "", recent) for x in benes[2:7]],
        changes=[
            (benes[1], "added", "no_primary_care_service", ""),
            (benes[7], "dropped", "aligned_plurality", TIN_B),
        ],
    )  # fmt: skip
    align(
        b,
        as_of=today - timedelta(days=30),
        results=[(x, True, "aligned_plurality", "999999999", "", "") for x in others],
    )
    calculation = BenchmarkCalculation.objects.create(
        entity=a, performance_year=today.year, version=1, program="mssp", method="synthetic",
        total=Decimal("96000.00"), member_months=96,
        member_months_by_enrollment_type={"aged_nondual": 96},
    )  # fmt: skip
    BenchmarkSegment.objects.create(
        calculation=calculation, segment="aged_nondual", member_months=96,
        per_capita=Decimal("12000.00"), total=Decimal("96000.00"),
    )  # fmt: skip


def test_a_coordinator_works_the_day_from_the_browser(
    live_server: Any,
    page: Any,
    screenshot: Any,
    world: dict[str, Any],
    tmp_path: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))
    base = live_server.url
    a = world["a"]
    sign_in_with_mfa(page, base, "coordinator@a.example.test")

    # Today's work: the discharge without follow-up, assigned to this coordinator.
    # Listed once, where it falls due, tagged as created today (the refresh's).
    row = page.get_by_role("row").filter(has_text="Discharge without 7-day follow-up")
    assert row.count() == 1
    expect(row.get_by_text("new today")).to_be_visible()
    screenshot(page, "dashboard-today")

    page.goto(f"{base}/care/{a.pk}/")
    assert page.get_by_role("heading", name="Overview").is_visible()
    page.wait_for_function("() => window.Chart && Chart.getChart('gaps-chart')")
    page.wait_for_function("() => window.Chart && Chart.getChart('alignment-chart')")
    # Every measure's bar is labelled, a long title shortened to fit (none cut at the edge).
    ticks = page.evaluate(
        "() => { const c = Chart.getChart('gaps-chart'); const s = c.scales.y;"
        " return {n: c.data.labels.length, shown: s.ticks.length,"
        " labels: s.ticks.map((t) => t.label)}; }"
    )
    assert ticks["shown"] == ticks["n"] > 0
    assert all(len(label) <= 34 for label in ticks["labels"])
    expect(page.get_by_text("dropped: plurality moved to TIN 555555555")).to_be_visible()
    expect(page.locator("#pmpm-table").get_by_text("Aged/non-dual")).to_be_visible()
    screenshot(page, "dashboard-overview")

    page.get_by_role("link", name="Roster").click()
    page.get_by_label("Last name starts with").fill("ab")
    # The search reloads the page: wait for it before counting what is not there.
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Abbott, Alma")).to_be_visible()
    assert page.get_by_role("link", name="Baker, Bruno").count() == 0
    assert "Abbott" not in page.url
    assert "ab" not in page.url.split("/care/")[1]
    page.get_by_label("Last name starts with").fill("")
    page.get_by_label("ED visit, last 90 days").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Baker, Bruno")).to_be_visible()
    expect(page.get_by_role("link", name="Abbott, Alma")).to_have_count(0)
    page.get_by_label("ED visit, last 90 days").uncheck()
    page.get_by_label("At risk of being dropped").check()
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Baker, Bruno")).to_have_count(0)
    expect(page.get_by_role("link", name="Abbott, Alma")).to_be_visible()
    page.get_by_label("At risk of being dropped").uncheck()
    page.get_by_label("Newly aligned (latest run)").check()
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Abbott, Alma")).to_have_count(0)
    expect(page.get_by_role("link", name="Baker, Bruno")).to_be_visible()
    page.get_by_label("Newly aligned (latest run)").uncheck()
    page.get_by_role("button", name="Search").click()
    screenshot(page, "dashboard-roster")

    # At phone width every menu link is on the screen and nothing widens the page.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/care/{a.pk}/")
    nav = page.get_by_role("navigation", name="Main")
    for name in ("Home", "My work", "Benchmarks", "Alignment", "Settlement", "API"):
        box = nav.get_by_role("link", name=name, exact=True).bounding_box()
        assert box is not None, name
        assert box["x"] >= 0, (name, box)
        assert box["x"] + box["width"] <= 390, (name, box)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # The menu, the search and the entity's tabs leave the page's heading on the first screen,
    # well above its middle (it sat 442 px down before the menu and tabs were tightened).
    heading = page.get_by_role("heading", name="Overview", exact=True).bounding_box()
    assert heading is not None
    assert heading["y"] < 360, heading
    screenshot(page, "phone-overview")
    page.set_viewport_size({"width": 1366, "height": 900})

    # Open the person recently discharged from "my work today".
    page.goto(f"{base}/care/")
    page.get_by_role("link", name="Abbott, Alma").first.click()
    expect(page.get_by_role("heading", name="Alma Abbott")).to_be_visible()
    # The claims one by one fold under the totals: opened, the stay is listed.
    assert (
        not page.locator("table.timeline").get_by_text("Inpatient", exact=True).first.is_visible()
    )
    page.locator("#claims-list > summary").click()
    assert page.locator("table.timeline").get_by_text("Inpatient", exact=True).first.is_visible()
    assert page.get_by_text("Annual wellness visit", exact=True).first.is_visible()
    assert page.get_by_text("HCC recapture: seen in").is_visible()
    # Why they are aligned, to whom, and what is due.
    alignment = page.locator(
        "section", has=page.get_by_role("heading", name="Alignment and attributed provider")
    )
    expect(
        alignment.get_by_text("Plurality of primary care charges with the entity").first
    ).to_be_visible()
    expect(alignment.get_by_text("Doe, Jane")).to_be_visible()
    expect(alignment.get_by_text("At risk of being dropped")).to_be_visible()
    expect(alignment.get_by_role("link", name="Full alignment history")).to_be_visible()
    discharge_item = page.locator("li.item").filter(has_text="Discharge without 7-day follow-up")
    due = (timezone.localdate() - timedelta(days=4) + timedelta(days=2)).isoformat()
    expect(discharge_item.get_by_text(f"due {due}")).to_be_visible()
    expect(
        page.locator("li.item").filter(has_text="At risk of dropping from alignment")
    ).to_be_visible()
    screenshot(page, "dashboard-beneficiary")

    # Add a task by hand, then close it; close the discharge task too.
    page.get_by_text("Add a task").click()
    page.get_by_label("Task").fill("Book a cardiology follow-up")
    page.get_by_label("Assign to").select_option(label="Casey Coordinator")
    page.get_by_role("button", name="Add task").click()
    item = page.locator("li.item").filter(has_text="Book a cardiology follow-up")
    item.get_by_label("Status").select_option("done")
    item.get_by_label("Note", exact=True).fill("Booked for next Tuesday")
    item.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Task marked done.")).to_be_visible()
    manual = WorklistItem.objects.get(title="Book a cardiology follow-up")
    assert manual.status == "done"
    discharge = page.locator("li.item").filter(has_text="Discharge without 7-day follow-up")
    discharge.get_by_label("Status").select_option("done")
    discharge.get_by_role("button", name="Save").click()
    page.goto(f"{base}/care/")
    assert page.get_by_text("Nothing due today").is_visible()

    # Export the roster: a job, then a download.
    page.goto(f"{base}/care/{a.pk}/roster/")
    page.get_by_role("button", name="Export CSV").click()
    page.wait_for_selector("#download-export")
    with page.expect_download() as download_info:
        page.locator("#download-export").click()
    path = tmp_path / "roster.csv"
    download_info.value.save_as(path)
    text = path.read_text()
    assert "Abbott" in text
    assert "Quinn" not in text

    purposes = set(
        AccessRecord.objects.filter(user=world["coord_a"]).values_list("purpose", flat=True)
    )
    assert {
        "my work today",
        "roster",
        "beneficiary page",
        "roster CSV export",
        "roster CSV download",
    } <= purposes
    record = AccessRecord.objects.filter(purpose="beneficiary page").latest("pk")
    assert record.beneficiary_ids == [world["benes"][0].pk]
    # No synthetic MBI in the server's logs or in any URL the browser asked for.
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "queued: care.roster_export" in logged  # the capture does see the server's logs
    for bene in world["benes"]:
        assert bene.current_mbi not in logged
        assert all(bene.current_mbi not in url for url in visited)
        assert all(bene.last_name not in url for url in visited)


def test_a_coordinator_of_another_entity_sees_none_of_entity_as_people(
    live_server: Any, page: Any, world: dict[str, Any], tmp_path: Any
) -> None:
    base = live_server.url
    a, b = world["a"], world["b"]
    abbott = world["benes"][0]
    sign_in_with_mfa(page, base, "coordinator@b.example.test")
    a_names = [bene.last_name for bene in world["benes"]]

    def assert_no_a_names() -> None:
        content = page.content()
        for name in a_names:
            assert name not in content

    assert_no_a_names()  # my work today
    for path in (
        f"/care/{a.pk}/",
        f"/care/{a.pk}/roster/",
        f"/care/{a.pk}/worklist/",
        f"/care/{a.pk}/beneficiaries/{abbott.pk}/",
        f"/care/{b.pk}/beneficiaries/{abbott.pk}/",
    ):
        response = page.goto(base + path)
        assert response.status == 404, path
        assert_no_a_names()
    page.goto(f"{base}/care/{b.pk}/")
    assert_no_a_names()
    chart_data = page.locator("#gaps-data").text_content()
    assert chart_data is not None
    # B's alignment panel is B's run alone: none of A's TINs, changes or benchmark.
    overview = page.content()
    for text in (TIN_A, TIN_B, TIN_X, "Doe, Jane", "$1,000.00"):
        assert text not in overview
    assert "999999999" not in overview  # B's own TIN is only on B's people, not the summary
    page.goto(f"{base}/care/{b.pk}/worklist/")
    assert_no_a_names()
    page.goto(f"{base}/care/{b.pk}/roster/")
    page.get_by_label("Last name starts with").fill("Abb")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No beneficiaries match.")).to_be_visible()
    page.get_by_label("Last name starts with").fill("")
    page.get_by_role("button", name="Export CSV").click()
    page.wait_for_selector("#download-export")
    with page.expect_download() as download_info:
        page.locator("#download-export").click()
    path = tmp_path / "b.csv"
    download_info.value.save_as(path)
    text = path.read_text()
    assert "Quinn" in text
    for name in a_names:
        assert name not in text
    assert not AccessRecord.objects.filter(user=world["coord_b"], entity=a).exists()
