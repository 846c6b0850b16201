"""PMPM on the coordinator pages: the overview's spending by enrollment type against the
benchmark, and a beneficiary's PMPM this year and last, from the care refresh."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from benchmarks.models import BenchmarkCalculation, BenchmarkSegment
from care.models import CareProfile
from care.services import care_refresh

pytestmark = pytest.mark.django_db


def _benchmark(entity, year, per_capita):
    calculation = BenchmarkCalculation.objects.create(
        entity=entity, performance_year=year, version=1, program="mssp", method="test",
        total=Decimal(per_capita), member_months=12,
        member_months_by_enrollment_type={"aged_nondual": 12},
    )  # fmt: skip
    BenchmarkSegment.objects.create(
        calculation=calculation, segment="aged_nondual", member_months=12,
        per_capita=Decimal(per_capita), total=Decimal(per_capita),
    )  # fmt: skip
    return calculation


@pytest.fixture
def spending(
    entity_a, entity_b, aco_coordinator, other_entity_user, make_bene, add_visit, login_client
):
    """One aged non-dual person in A with a $95 visit in February this year and last year; B has
    its own person with a visit. No delivery: the year's claims count to the month before
    today's."""
    year = timezone.localdate().year
    bene = make_bene(entity_a, last_name="Abbott", medicare_status_code="10")
    add_visit(bene, 8101, date(year, 2, 10), "99214")
    add_visit(bene, 8102, date(year - 1, 2, 10), "99214")
    other = make_bene(entity_b, last_name="Other", medicare_status_code="10")
    add_visit(other, 8103, date(year, 2, 10), "99214")
    _benchmark(entity_a, year, "12000.00")
    care_refresh(entity=entity_a, as_of=timezone.localdate())
    care_refresh(entity=entity_b, as_of=timezone.localdate())
    return {
        "a": login_client(aco_coordinator),
        "b": login_client(other_entity_user),
        "bene": bene,
        "other": other,
    }


def test_the_overview_shows_pmpm_against_the_benchmark_by_enrollment_type(spending, entity_a):
    months = timezone.localdate().month - 1
    body = spending["a"].get(reverse("care:overview", args=[entity_a.pk])).content.decode()
    assert 'id="pmpm-table"' in body
    assert "Aged/non-dual" in body
    # The months it covers, named (not "January to month 11").
    today = timezone.localdate()
    covered = (
        f"January to {today.replace(day=1) - timedelta(days=1):%B %Y}" if months > 1
        else f"January {today.year}" if months == 1 else str(today.year)
    )  # fmt: skip
    assert f"Spending per member per month, {covered}</caption>" in body
    assert f"${Decimal('95') / months:.2f}" in body  # $95 over the months to date
    assert "$1,000.00" in body  # 12,000 per person-year / 12


def test_the_beneficiary_page_shows_pmpm_this_year_and_last(spending, entity_a):
    bene = spending["bene"]
    profile = CareProfile.objects.get(beneficiary=bene)
    assert profile.spend_last_year == Decimal("95.00")
    assert profile.months_last_year == 12
    body = (
        spending["a"].get(reverse("care:beneficiary", args=[entity_a.pk, bene.pk])).content.decode()
    )
    assert "$7.92" in body  # 95 / 12
    assert f"${Decimal('95') / (timezone.localdate().month - 1):.2f}" in body


def test_entity_b_sees_its_own_spending_and_not_as_benchmark(spending, entity_b):
    body = spending["b"].get(reverse("care:overview", args=[entity_b.pk])).content.decode()
    assert "$1,000.00" not in body
    assert "No benchmark calculated" in body


def test_a_population_without_medicare_status_says_why_pmpm_is_missing(
    entity_a, aco_coordinator, make_bene, add_visit, login_client
):
    year = timezone.localdate().year
    bene = make_bene(entity_a, last_name="Nostatus")  # no CCLF8 Medicare status code
    add_visit(bene, 8201, date(year, 2, 10), "99214")
    result = care_refresh(entity=entity_a, as_of=timezone.localdate())
    assert result["beneficiaries"] == 1  # the refresh itself went through
    body = (
        login_client(aco_coordinator)
        .get(reverse("care:overview", args=[entity_a.pk]))
        .content.decode()
    )
    assert f"Beneficiary {bene.pk} has no Medicare status code" in body
    assert 'id="pmpm-table"' not in body
