from __future__ import annotations

import pytest

from synthetic import demo

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_the_demo_coordinator_logs_in_and_sees_their_entity(live_server, page, screenshot) -> None:
    entities: dict = {}
    demo.load(entities=entities, stdout=None)

    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    screenshot(page, "login")
    page.get_by_label("Email").fill("coordinator@valley.demo")
    page.get_by_label("Password").fill(demo.DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Demo Valley Health ACO", exact=True).is_visible()
    assert "Care coordinator" in page.content()
    # The other demo entity is not this user's: it is named nowhere on the page.
    assert "Demo Coastal Care DCE" not in page.content()
    screenshot(page, "home")


def test_a_wrong_password_is_refused_with_a_message(live_server, page) -> None:
    demo.load(entities={}, stdout=None)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("coordinator@valley.demo")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign In").click()
    assert "not correct" in page.content()
    assert "/accounts/login/" in page.url
