"""In the browser: a coordinator has "My work today" open; a hospital's discharge (A03) sent over
a real socket to the running MLLP listener makes its transitional-care task appear on that page,
without a reload, within the page's polling interval."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from events.models import Sender
from synthetic.adt import Patient, message, send
from tests import builders
from tests.browser.signin import sign_in_with_mfa
from tests.events.test_listener import listening

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POLL_SECONDS = 3  # templates/care/_event_items.html: hx-trigger="every 3s"


def test_a_discharge_sent_to_the_listener_appears_on_my_work_today_without_a_reload(
    live_server, page, entity_a, aco_coordinator, screenshot
) -> None:
    bene = builders.beneficiary(
        entity_a,
        serial=917_001,
        first_seen_on=date(2025, 1, 1),
        first_name="Rosa",
        last_name="Delacroix",
        birth_date=date(1944, 6, 2),
        sex_code="2",
    )
    sender = Sender.objects.create(
        entity=entity_a, name="Mercy General", sending_application="EPIC", sending_facility="MERCY"
    )
    sign_in_with_mfa(page, live_server.url, aco_coordinator.email)
    page.goto(f"{live_server.url}/care/")
    events = page.locator("#event-items")
    expect(events).to_contain_text("No new admission, discharge or emergency department tasks")
    page.evaluate("window.notReloaded = true")

    discharged = datetime.now(ZoneInfo("America/New_York")) - timedelta(minutes=4)
    a03 = message(
        trigger="A03",
        control_id="LIVE0001",
        patient=Patient(bene.current_mbi, "Delacroix", "Rosa", bene.birth_date, "F"),
        visit="V917001",
        event_at=discharged,
        application=sender.sending_application,
        facility=sender.sending_facility,
        admit_at=discharged - timedelta(days=3),
        discharge_at=discharged,
        disposition="01",
    )
    with listening() as running:
        sent = send("127.0.0.1", running.port, [a03])
    acknowledged = time.monotonic()
    assert list(sent.acks.values()) == ["AA"]

    # The next poll brings it: within one interval (and the page's own time to swap it in).
    expect(events).to_contain_text("Delacroix, Rosa", timeout=(POLL_SECONDS + 2) * 1000)
    assert time.monotonic() - acknowledged < POLL_SECONDS + 2
    expect(events).to_contain_text("4 minutes ago")
    expect(events).to_contain_text("within 2 business days")
    assert page.evaluate("window.notReloaded") is True
    screenshot(page, "live-event-task")
