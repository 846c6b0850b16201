"""Alignment in headless Chromium, the issue's "done when": a new user of the ACO starts a run
from the browser, watches its progress, reads the counts by step and reason, opens a dropped
beneficiary and sees why. The job is real (it runs in a thread beside the live server); the
population is the synthetic one the alignment tests and the benchmark use, with the demo's two
runs (the Q3 quarterly list, then the final list after a TIN left the participant list)."""

from __future__ import annotations

import re
from datetime import date

import psycopg
import pytest
from django.db import connection
from django.db.models import Count

from accounts.models import Role
from alignment.models import AlignmentChange, AlignmentRun, RunStatus
from entities.models import Participation
from synthetic.population import generate, write
from tests.alignment.conftest import SMALL
from tests.browser.signin import sign_in_with_mfa

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _registry(db: None) -> None:
    """Transactional tests flush the database after each test, data migrations included: load
    the program registry again (idempotent)."""
    from django.apps import apps

    from entities.registry_data import load_registry

    load_registry(apps)


def _login(page, live_server, email: str) -> None:
    sign_in_with_mfa(page, live_server.url, email)


def _hold_result_writes() -> psycopg.Connection:
    """Another session that holds the results table in SHARE mode: the run starts and shows its
    progress, but no bucket can write its results until this session lets go."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    holder = psycopg.connect(**params)
    holder.execute("LOCK TABLE alignment_alignmentresult IN SHARE MODE")
    return holder


def test_a_new_user_starts_a_run_watches_it_and_sees_why_a_beneficiary_was_dropped(
    live_server, page, screenshot, settings, entity_a, entity_b, aco_admin, make_member
) -> None:
    # Like the demo ACO: preliminary prospective assignment with retrospective reconciliation.
    entity_a.assignment_method = "preliminary_prospective"
    entity_a.save(update_fields=["assignment_method"])
    write(generate(SMALL), entity=entity_a)
    # The demo's first run: the Q3 quarterly list (alignment.demo.DEMO_RUNS).
    settings.JOBS_DISPATCH = "sync"
    from alignment.services.runs import alignment_run_create

    quarterly = alignment_run_create(
        entity=entity_a, performance_year=2025, list_kind="quarterly", as_of=date(2025, 10, 15)
    )
    quarterly.refresh_from_db()
    assert quarterly.status == RunStatus.SUCCEEDED
    settings.JOBS_DISPATCH = "thread"  # a real job, in a thread beside the live server
    # Then the TIN with the most step-1 alignments leaves the participant list.
    tin = (
        quarterly.results.filter(aligned=True, step="step_1")
        .values("attributed_tin")
        .annotate(n=Count("id"))
        .order_by("-n", "attributed_tin")
        .values_list("attributed_tin", flat=True)
        .first()
    )
    Participation.objects.filter(entity=entity_a, organization__tin=tin).update(
        end_date=date(2025, 6, 30)
    )

    _login(page, live_server, aco_admin.email)
    page.get_by_role("link", name="Alignment", exact=True).first.click()
    page.get_by_label("Entity").select_option(str(entity_a.pk))
    page.get_by_label("Performance year").fill("2025")
    page.get_by_label("List kind").select_option("final")
    page.get_by_label("Run date (as of)").fill("2026-03-31")
    holder = _hold_result_writes()
    try:
        page.get_by_role("button", name="Start alignment").click()
        page.wait_for_url(re.compile(r"/alignment/runs/\d+/$"))
        run = AlignmentRun.objects.get(entity=entity_a, list_kind="final")
        status = page.locator("#run-status")
        # The run page polls its progress while the job works.
        with page.expect_response(re.compile(rf"/alignment/runs/{run.pk}/status/$")):
            pass
        assert status.get_attribute("hx-get") is not None
        page.wait_for_function(
            "document.querySelector('#run-status').textContent.includes('Running')"
        )
        assert "buckets" in status.text_content()
        screenshot(page, "alignment_run_progress")
    finally:
        holder.close()  # the job goes on and finishes
    page.get_by_role("heading", name="Counts by step and reason").wait_for(timeout=60_000)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    text = page.locator("#run-status").text_content().replace(",", "")
    assert f"{run.aligned_count} of {run.beneficiary_count} beneficiaries aligned" in text
    # The counts table (the chart above it keeps its own figures' table in a <details>).
    counts = page.locator("section[aria-labelledby=counts-heading] > table tbody tr")
    assert counts.count() == len(run.summary["by_step_reason"])
    assert page.get_by_role("img", name="Beneficiaries by alignment step").is_visible()
    assert page.get_by_role(
        "link", name="Plurality of primary care charges with the entity"
    ).first.is_visible()
    assert page.get_by_role(
        "link", name="Plurality of primary care charges went to another entity"
    ).first.is_visible()
    screenshot(page, "alignment_run")

    # The dropped beneficiaries, and why.
    page.get_by_label("Show").select_option("dropped")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"change=dropped"))
    rows = page.locator("section[aria-labelledby=changes-heading] tbody tr")
    assert rows.count() > 0
    assert all(kind == "Dropped" for kind in rows.locator("td:nth-child(2)").all_text_contents())
    moved = rows.filter(has_text=f"plurality moved to TIN {tin}")
    assert moved.count() > 0
    screenshot(page, "alignment_dropped")
    moved.first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/alignment/beneficiaries/\d+/$"))
    bene_id = int(re.search(r"/beneficiaries/(\d+)/", page.url).group(1))
    change = AlignmentChange.objects.get(run=run, beneficiary_id=bene_id)
    assert change.kind == "dropped"
    latest = page.locator("li.history-item").first
    assert "Not aligned" in latest.text_content()
    assert f"Plurality of primary care charges went to TIN {tin}" in latest.text_content()
    assert re.search(rf"Dropped since .*: plurality moved to TIN {tin}", latest.text_content())
    assert page.locator("li.history-item").count() == 2
    body = page.content()
    assert change.beneficiary.current_mbi not in body
    screenshot(page, "alignment_dropped_beneficiary")

    # A user of another entity gets a 404 for the run and for the beneficiary.
    other = make_member(entity_b, Role.ENTITY_ADMIN, "admin@b.example.test")
    page.context.clear_cookies()
    _login(page, live_server, other.email)
    for url in (f"/alignment/runs/{run.pk}/", f"/alignment/beneficiaries/{bene_id}/"):
        assert page.goto(f"{live_server.url}{url}").status == 404
