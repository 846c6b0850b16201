"""The settlement demo loads on the real database and a second load changes nothing; the demo
year is settled on the platform's own data (alignment run, claims, benchmark, quality result)."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from entities.models import Entity
from settlement import demo
from settlement.models import SettlementRun
from synthetic import demo as core_demo
from tests.settlement.test_settlement_collect import aco, complete_inputs  # noqa: F401
from tests.settlement.test_settlement_collect_reach import dce  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_demo_loads_once_and_is_idempotent() -> None:
    entities: dict = {}
    core_demo.load(entities=entities, stdout=io.StringIO())
    out = io.StringIO()
    demo.load(entities=entities, stdout=out)
    runs = list(
        SettlementRun.objects.order_by("entity__cms_id", "performance_year", "kind", "version")
    )
    summary = [(r.entity.cms_id, r.performance_year, r.kind, r.version) for r in runs]
    # Without the alignment and benchmarks demos there is no platform data for PY2025: the demo
    # says so and settles PY2024 from report figures only.
    assert summary == [
        ("A9901", 2024, "final", 1),
        ("A9901", 2024, "final", 2),
        ("D9902", 2024, "final", 1),
    ]
    assert "A9901 PY2025 not settled: No alignment run for A9901 PY2025" in out.getvalue()
    assert all(sum(s.amount for s in r.shares.all()) == r.earned_savings_losses for r in runs)
    demo.load(entities=entities, stdout=io.StringIO())
    assert SettlementRun.objects.count() == 3


def test_the_demo_year_is_settled_from_the_platform_data(
    complete_inputs: Entity,  # noqa: F811
) -> None:
    out = io.StringIO()
    written = demo.settle_demo_year(
        entity=complete_inputs, performance_year=2025, acting_user=None, stdout=out
    )
    assert [r.kind for r in written] == ["projection", "final"], out.getvalue()
    projection, final = written
    assert projection.band["months_elapsed"] == "8"
    assert Decimal(projection.band["earned_low"]) <= Decimal(projection.band["earned_high"])
    assert final.inputs["total_expenditure"] == "55900.00"  # the hand-worked collect fixture
    assert final.explanation[0]["label"] == "Aligned population (platform data)"
    shares = list(final.shares.all())
    assert len(shares) == 2
    assert sum(s.amount for s in shares) == final.earned_savings_losses > 0
    assert "from the platform's data" in out.getvalue()
    assert (
        demo.settle_demo_year(
            entity=complete_inputs, performance_year=2025, acting_user=None, stdout=io.StringIO()
        )
        == []
    )


def test_the_demo_dce_year_is_projected_and_settled(dce: Entity) -> None:  # noqa: F811
    written = demo.settle_demo_year(
        entity=dce, performance_year=2025, acting_user=None, stdout=io.StringIO()
    )
    assert [r.kind for r in written] == ["projection", "final"]
    projection, final = written
    assert (projection.program, projection.band["months_elapsed"]) == ("reach", "8")
    assert projection.band["corridor_pct"] == "25.00"  # the DCE's Global track
    assert final.inputs["total_cost_of_care"] == "66150.25"  # the hand-worked REACH fixture
