"""The settlement demo loads on the real database and a second load changes nothing."""

from __future__ import annotations

import io

import pytest

from core import demo as core_demo
from settlement import demo
from settlement.models import SettlementRun

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once_and_is_idempotent() -> None:
    entities: dict = {}
    core_demo.load(entities=entities, stdout=io.StringIO())
    demo.load(entities=entities, stdout=io.StringIO())
    runs = list(
        SettlementRun.objects.order_by("entity__cms_id", "performance_year", "kind", "version")
    )
    summary = [(r.entity.cms_id, r.performance_year, r.kind, r.version) for r in runs]
    assert summary == [
        ("A9901", 2024, "final", 1),
        ("A9901", 2024, "final", 2),
        ("A9901", 2025, "projection", 1),
        ("D9902", 2024, "final", 1),
    ]
    assert all(
        sum(s.amount for s in r.shares.all()) == r.earned_savings_losses
        for r in runs
        if r.kind == "final"
    )
    demo.load(entities=entities, stdout=io.StringIO())
    assert SettlementRun.objects.count() == 4
