"""Entity admins enter an entity-year's quality result in the admin console, for their own
entities only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import Role
from entities.models import Entity
from settlement.models import QualityResult

pytestmark = pytest.mark.django_db


@pytest.fixture
def console_admin(aco_admin: Any) -> Any:
    aco_admin.is_staff = True
    aco_admin.save(update_fields=["is_staff"])
    return aco_admin


@pytest.fixture
def console_admin_b(entity_b: Entity, make_member: Any) -> Any:
    user = make_member(entity_b, Role.ENTITY_ADMIN, "admin@b.example.test")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user


def test_an_entity_admin_enters_the_quality_result_of_their_entity(
    entity_a: Entity, console_admin: Any, login_client: Any
) -> None:
    client = login_client(console_admin)
    response = client.post(
        reverse("admin:settlement_qualityresult_add"),
        {
            "entity": entity_a.pk, "performance_year": 2025, "quality_score": "85.5",
            "met_standard": "on", "met_reporting": "on", "source": "PY2025 quality report",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content[:2000]
    result = QualityResult.objects.get(entity=entity_a, performance_year=2025)
    assert result.quality_score == Decimal("85.50")
    assert (result.met_standard, result.met_alternative, result.met_reporting) == (
        True,
        False,
        True,
    )
    assert result.entered_by == console_admin
    assert result.origin == "override"  # CMS's figure overrides the computed score


def test_a_score_above_100_is_refused(
    entity_a: Entity, console_admin: Any, login_client: Any
) -> None:
    response = login_client(console_admin).post(
        reverse("admin:settlement_qualityresult_add"),
        {"entity": entity_a.pk, "performance_year": 2025, "quality_score": "101", "source": "x"},
    )
    assert response.status_code == 200
    assert not QualityResult.objects.exists()


def test_another_entitys_admin_gets_a_404_and_cannot_enter_one_for_it(
    entity_a: Entity, console_admin_b: Any, login_client: Any
) -> None:
    result = QualityResult.objects.create(
        entity=entity_a, performance_year=2025, quality_score=Decimal("80"), source="x"
    )
    client = login_client(console_admin_b)
    change = client.get(reverse("admin:settlement_qualityresult_change", args=[result.pk]))
    assert change.status_code == 404
    listing = client.get(reverse("admin:settlement_qualityresult_changelist"))
    assert listing.status_code == 200
    assert b"A9001" not in listing.content
    client.post(
        reverse("admin:settlement_qualityresult_add"),
        {"entity": entity_a.pk, "performance_year": 2024, "quality_score": "90", "source": "x"},
    )
    assert not QualityResult.objects.filter(performance_year=2024).exists()


def test_a_quality_results_history_page_opens_for_its_entity_only(
    entity_a: Entity, console_admin: Any, console_admin_b: Any, login_client: Any
) -> None:
    """A quality result keeps no versions of its own: its history page is the console's action
    log (it was a 500)."""
    client = login_client(console_admin)
    client.post(
        reverse("admin:settlement_qualityresult_add"),
        {
            "entity": entity_a.pk, "performance_year": 2025, "quality_score": "85.5",
            "met_standard": "on", "met_reporting": "on", "source": "PY2025 quality report",
        },
    )  # fmt: skip
    result = QualityResult.objects.get(entity=entity_a, performance_year=2025)
    history = reverse("admin:settlement_qualityresult_history", args=[result.pk])

    page = client.get(history)
    assert page.status_code == 200
    assert "Change history: A9001 PY2025 quality 85.50" in page.content.decode()
    assert login_client(console_admin_b).get(history).status_code == 404
