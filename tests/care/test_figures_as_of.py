"""The coordinator pages count from the data's date (the care refresh), never the wall clock,
and show that date; a filter that does not parse lists nobody; the recapture and risk-tier
filters find the people the risk pages show."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from care.models import CareProfile
from care.services import care_refresh

pytestmark = pytest.mark.django_db

# The claims end a year before the wall clock: a refresh "as of" the data, as the demo has.
AS_OF = date(2025, 6, 30)


@pytest.fixture
def world(entity_a, aco_coordinator, make_bene, add_inpatient, add_visit, login_client):
    benes = {n: make_bene(entity_a, last_name=n) for n in ("Abbott", "Baker", "Carter", "Diaz")}
    # Abbott: discharged 10 days before the refresh; Baker: ED 30 days before; Carter: an
    # inpatient stay 120 days before (outside 90 days); Diaz: nothing.
    add_inpatient(benes["Abbott"], 9101, AS_OF - timedelta(days=14), AS_OF - timedelta(days=10))
    add_visit(benes["Baker"], 9102, AS_OF - timedelta(days=30), "99284", dx="E119")
    add_inpatient(benes["Carter"], 9103, AS_OF - timedelta(days=125), AS_OF - timedelta(days=120))
    care_refresh(entity=entity_a, as_of=AS_OF)
    return {"client": login_client(aco_coordinator), "benes": benes}


def _names(response) -> set[str]:
    return {b.last_name for b in response.context["rows"]}


def test_recent_filters_count_back_from_the_claims_refresh_not_today(world, entity_a):
    url = reverse("care:roster", args=[entity_a.pk])
    client = world["client"]
    assert _names(client.post(url, {"recent_inpatient": "on"})) == {"Abbott"}
    assert _names(client.post(url, {"recent_ed": "on"})) == {"Baker"}
    body = client.get(url).content.decode()
    # The window shown is the 90 days before the refresh: 2025-04-01 to 2025-06-30.
    assert "2025-04-01 to 2025-06-30" in body
    assert 'data-as-of="2025-06-30"' in body


def test_an_invalid_tin_filter_shows_its_error_and_nobody(world, entity_a):
    url = reverse("care:roster", args=[entity_a.pk])
    response = world["client"].post(url, {"attributed_tin": "12345678"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "A TIN is 9 digits." in body
    assert response.context["rows"] == []
    for name in ("Abbott", "Baker", "Carter", "Diaz"):
        assert name not in body


def test_the_beneficiary_page_counts_its_year_from_the_refresh(world, entity_a):
    bene = world["benes"]["Abbott"]
    body = world["client"].get(reverse("care:beneficiary", args=[entity_a.pk, bene.pk]))
    text = body.content.decode()
    # The inpatient claim (paid $12,000.00) ended in 2025, the refresh's year, so it is in
    # "Paid 2025 to 2025-06-30"; the wall clock's year appears nowhere as "this year".
    assert re.search(r"Paid 2025 to 2025-06-30</dt><dd[^>]*>\$12,000\.00<", text), text
    assert re.search(r"Paid 2024</dt><dd[^>]*>\$0\.00<", text)
    assert "PMPM 2025" in text
    assert 'data-as-of="2025-06-30"' in text


def test_hcc_recapture_filter_finds_the_risk_pages_gaps(world, entity_a, make_risk_score):
    benes = world["benes"]
    # PY2025 (2024 diagnoses) has HCC 226 for Abbott and Baker; PY2026 (2025 diagnoses so far)
    # has it again for Baker only: Abbott's is a recapture gap of the refresh's year, 2025.
    make_risk_score(benes["Abbott"], 2025, [("226", "Heart failure")])
    make_risk_score(benes["Abbott"], 2026, [])
    make_risk_score(benes["Baker"], 2025, [("226", "Heart failure")])
    make_risk_score(benes["Baker"], 2026, [("226", "Heart failure")])
    url = reverse("care:roster", args=[entity_a.pk])
    assert _names(world["client"].post(url, {"hcc_recapture": "on"})) == {"Abbott"}


def test_the_risk_tier_filter_and_its_counts(world, entity_a):
    benes = world["benes"]
    CareProfile.objects.filter(beneficiary=benes["Carter"]).update(risk_tier="high")
    CareProfile.objects.filter(beneficiary=benes["Diaz"]).update(risk_tier="moderate")
    url = reverse("care:roster", args=[entity_a.pk])
    assert _names(world["client"].post(url, {"risk_tier": "high"})) == {"Carter"}
    body = world["client"].get(url).content.decode()
    assert "High from 2.00 (1 person)" in body
    assert "Moderate from 1.00 (1 person)" in body
    assert Decimal("2.0") == dict(__import__("django.conf").conf.settings.CARE_RISK_TIERS)["high"]
