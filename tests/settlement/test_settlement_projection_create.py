"""settlement_projection_create: a projected settlement with its seeded bootstrap band."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.api import ApplicationError
from settlement.demo import _ytd_frame
from settlement.services import settlement_projection_create

pytestmark = pytest.mark.django_db

ASSUMPTIONS = {
    "track": "BASIC_E",
    "msr_mlr": "2.0",
    "msr_pct": "2.0",
    "quality_score": "80",
    "met_qps": "true",
    "met_alt_qps": "false",
    "met_reporting": "true",
    "participant_revenue": "5000000",
    "months_elapsed": "6",
    "completion_factor": "0.92",
    "seed": "7",
    "replicates": "60",
}


def test_it_stores_the_point_projection_and_its_band(entity_a) -> None:
    frame = _ytd_frame(beneficiaries=400, months=6, seed=1)
    run = settlement_projection_create(
        entity=entity_a, performance_year=2025, frame=frame, assumptions=ASSUMPTIONS
    )
    assert (run.kind, run.version) == ("projection", 1)
    band = run.band
    assert (
        Decimal(band["savings_rate_low_pct"])
        <= Decimal(band["point_rate_pct"])
        <= Decimal(band["savings_rate_high_pct"])
    )
    assert band["msr_pct"] == band["mlr_pct"] == "2.0000"
    assert (band["seed"], band["replicates"], band["beneficiaries"]) == ("7", "60", "400")
    assert run.explanation[0]["label"] == "Aligned beneficiaries in the projection"
    assert "msr_pct" in run.inputs
    assert "total_benchmark" not in run.inputs  # the projection's own, not an input


def test_the_same_seed_gives_the_same_band(entity_a) -> None:
    frame = _ytd_frame(beneficiaries=300, months=6, seed=2)
    first = settlement_projection_create(
        entity=entity_a, performance_year=2025, frame=frame, assumptions=ASSUMPTIONS
    )
    again = settlement_projection_create(
        entity=entity_a, performance_year=2025, frame=frame, assumptions=ASSUMPTIONS
    )
    assert again.version == 2
    assert first.band == again.band


def test_a_reach_entity_is_projected_on_reach_figures(entity_b) -> None:
    # MSSP's template figures do not settle a REACH DCE: the REACH parser names what is missing.
    with pytest.raises(ApplicationError) as error:
        settlement_projection_create(
            entity=entity_b,
            performance_year=2025,
            frame=_ytd_frame(beneficiaries=50, months=6, seed=4),
            assumptions=ASSUMPTIONS,
        )
    assert error.value.extra["field"] == "arrangement"
    run = settlement_projection_create(
        entity=entity_b,
        performance_year=2025,
        frame=_ytd_frame(beneficiaries=300, months=6, seed=4),
        assumptions={
            "arrangement": "GLOBAL",
            "quality_withhold_earned_pct": "80",
            **{k: ASSUMPTIONS[k] for k in ("months_elapsed", "completion_factor", "seed")},
            "replicates": "60",
        },
    )
    band = run.band
    assert (run.program, band["program"], band["corridor_pct"]) == ("reach", "reach", "25.00")
    assert "msr_pct" not in band
    assert (
        Decimal(band["savings_rate_low_pct"])
        <= Decimal(band["point_rate_pct"])
        <= Decimal(band["savings_rate_high_pct"])
    )
    assert "benchmark" not in run.inputs  # the projection's own, not an input
    assert Decimal(run.figures["final_benchmark"]) > 0


def test_bad_year_to_date_figures_name_their_column(entity_a) -> None:
    frame = _ytd_frame(beneficiaries=10, months=6, seed=3).assign(eligible_months=9)
    with pytest.raises(ApplicationError) as error:
        settlement_projection_create(
            entity=entity_a, performance_year=2025, frame=frame, assumptions=ASSUMPTIONS
        )
    assert error.value.extra["field"] == "eligible_months"
