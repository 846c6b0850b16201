"""The settlement page in headless Chromium, on a year settled from the platform's own data (as
the demo does it): the projection's band beside the MSR/MLR (MSSP) or beside the first risk
corridor (ACO REACH), the final statement with every step and each TIN's share; another
entity's user gets a 404."""

from __future__ import annotations

import io

import pytest

from benchmarks.services.reference import reference_defaults_load
from settlement import demo
from tests.browser.signin import sign_in_with_mfa
from tests.settlement.test_settlement_collect import aco, complete_inputs  # noqa: F401
from tests.settlement.test_settlement_collect_reach import dce  # noqa: F401

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _defaults(db: None) -> None:
    """Transactional tests flush the database after each test, data migrations included: load
    the program registry and the shipped reference defaults again (both idempotent)."""
    from django.apps import apps

    from entities.registry_data import load_registry

    load_registry(apps)
    reference_defaults_load()


def _login(page, live_server, email: str) -> None:
    sign_in_with_mfa(page, live_server.url, email)


def test_an_analyst_reads_the_projection_statement_and_tin_shares(
    live_server,
    page,
    screenshot,
    complete_inputs,  # noqa: F811
    aco_admin,
    other_entity_user,
) -> None:
    projection, final = demo.settle_demo_year(
        entity=complete_inputs, performance_year=2025, acting_user=aco_admin, stdout=io.StringIO()
    )
    _login(page, live_server, aco_admin.email)
    page.goto(f"{live_server.url}/settlement/entities/{complete_inputs.pk}/2025/")
    assert page.get_by_role("heading", name="PY2025 projected settlement").is_visible()
    assert page.locator(".band-chart rect.band").is_visible()
    assert page.locator(".band-chart .msr-label").is_visible()
    assert page.get_by_role("heading", name="PY2025 settlement statement").is_visible()
    assert page.get_by_role("heading", name="Every step").first.is_visible()
    content = page.content()
    assert "Aligned population (platform data)" in content
    assert f"{final.earned_savings_losses:,.2f}" in content
    for share in final.shares.all():
        assert page.get_by_role("cell", name=share.tin, exact=True).is_visible()
    screenshot(page, "settlement")
    page.context.clear_cookies()
    _login(page, live_server, other_entity_user.email)
    response = page.goto(f"{live_server.url}/settlement/entities/{complete_inputs.pk}/2025/")
    assert response.status == 404


def test_a_dce_analyst_reads_the_reach_projection_band_beside_the_corridors(
    live_server,
    page,
    screenshot,
    dce,  # noqa: F811
    make_member,
    aco_admin,
) -> None:
    from accounts.models import Role

    analyst = make_member(dce, Role.ANALYST, "analyst@dce.example.test")
    projection, final = demo.settle_demo_year(
        entity=dce, performance_year=2025, acting_user=analyst, stdout=io.StringIO()
    )
    _login(page, live_server, analyst.email)
    page.goto(f"{live_server.url}/settlement/entities/{dce.pk}/2025/")
    assert page.get_by_role("heading", name="PY2025 projected settlement").is_visible()
    assert page.locator(".band-chart rect.band").is_visible()
    assert page.locator(".band-chart circle.point").is_visible()
    # REACH has no MSR/MLR: the reference lines are the first corridor's bounds (Global 25%).
    labels = page.locator(".band-chart .threshold-label").all_text_contents()
    assert labels == ["+25% corridor 1", "−25% corridor 1"]
    assert "First risk corridor ±25%" in page.locator(".band-chart figcaption").inner_text()
    assert page.locator(".band-chart .msr-label").is_visible()
    assert f"{final.earned_savings_losses:,.2f}" in page.content()
    assert "Year-to-date total cost of care (pre-reduction)" in page.content()
    screenshot(page, "settlement-reach-projection")
    page.context.clear_cookies()
    _login(page, live_server, aco_admin.email)
    response = page.goto(f"{live_server.url}/settlement/entities/{dce.pk}/2025/")
    assert response.status == 404
