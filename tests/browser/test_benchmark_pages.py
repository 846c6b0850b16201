"""The benchmark page in headless Chromium: a user of the ACO follows every step; another
entity's user gets a 404."""

from __future__ import annotations

import pytest

from benchmarks.services.calculations import benchmark_calculate
from benchmarks.services.reference import reference_defaults_load
from benchmarks.services.risk import risk_scores_compute
from tests.benchmarks.conftest import mssp_aco  # noqa: F401 - the fixture, shared with the DB tests
from tests.browser.signin import sign_in_with_mfa

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


def test_a_coordinator_follows_every_step_of_the_benchmark(
    live_server,
    page,
    screenshot,
    mssp_aco,  # noqa: F811
    aco_coordinator,
) -> None:
    calculation = benchmark_calculate(entity=mssp_aco, performance_year=2024)
    risk_scores_compute(entity=mssp_aco, payment_year=2024)
    _login(page, live_server, aco_coordinator.email)
    page.get_by_role("link", name="Benchmarks", exact=True).first.click()
    page.get_by_role("link", name="PY2024").click()
    assert page.get_by_role("heading", name="Every step").is_visible()
    for step in calculation.steps.all():
        assert page.get_by_role("heading", name=step.title).is_visible()
    assert "to confirm" in page.content()
    # The summary comes first: the binding limits, then the waterfall to the final benchmark.
    assert page.locator("#binding-limits").is_visible()
    assert page.get_by_role("img", name="From the historical benchmark").is_visible()
    # Each benchmark year's population: the alignment engine with the current participant list,
    # in a section folded under the summary.
    page.get_by_role("heading", name="population came from").click()
    for year in (2021, 2022, 2023):
        row = page.locator(f"#population-{year}")
        assert "Alignment engine" in row.inner_text()
        assert "As of 2024-01-01" in row.inner_text()
    screenshot(page, "benchmark")
    page.get_by_role("link", name="PMPM by enrollment type and service category").click()
    assert "/pmpm/2024/" in page.url
    assert "Aged/non-dual" in page.content()
    assert "Professional" in page.content()
    page.go_back()
    page.get_by_role("link", name="risk score with its HCCs").click()
    page.get_by_role("link", name=f"#{mssp_aco.beneficiaries_built[0].pk}").first.click()
    assert "E1122" in page.content()
    screenshot(page, "beneficiary_risk")


def test_another_entitys_user_gets_404(live_server, page, mssp_aco, other_entity_user) -> None:  # noqa: F811
    calculation = benchmark_calculate(entity=mssp_aco, performance_year=2024)
    _login(page, live_server, other_entity_user.email)
    response = page.goto(f"{live_server.url}/benchmarks/calculations/{calculation.pk}/")
    assert response.status == 404
