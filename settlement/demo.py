"""Demo settlements (synthetic figures): the demo MSSP ACO gets two versions of its PY2024
settlement with five participant TINs and a PY2025 projection with its band; the demo REACH DCE
gets a PY2024 Global settlement with its capitation cash flows. Idempotent."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

from accounts.models import User
from entities.models import Entity
from settlement.engine.distribution import AllocationBasis, AllocationMethod, ParticipantFigures
from settlement.models import SettlementRun
from settlement.services import settlement_projection_create, settlement_run_create

MSSP_PY2024 = {
    "track": "BASIC_D",
    "assigned_beneficiaries": "12400",
    "total_benchmark": "148800000.00",
    "total_expenditure": "144336000.00",
    "msr_mlr": "variable",
    "quality_score": "78.5",
    "met_qps": "true",
    "met_alt_qps": "false",
    "met_reporting": "true",
    "participant_revenue": "41250000.00",
    "low_revenue": "false",
}
MSSP_TINS = [
    ParticipantFigures(
        "990000101",
        "Valley Family Medicine",
        4100,
        Decimal("49200000"),
        Decimal("46900000"),
        Decimal("84.0"),
    ),
    ParticipantFigures(
        "990000102",
        "Riverside Internal Medicine",
        3300,
        Decimal("39600000"),
        Decimal("38100000"),
        Decimal("79.5"),
    ),
    ParticipantFigures(
        "990000103",
        "Hillcrest Primary Care",
        2500,
        Decimal("30000000"),
        Decimal("29650000"),
        Decimal("76.0"),
    ),
    ParticipantFigures(
        "990000104",
        "Northgate Community Health",
        1600,
        Decimal("19200000"),
        Decimal("19450000"),
        Decimal("71.0"),
    ),
    ParticipantFigures(
        "990000105",
        "Lakeside Geriatrics",
        900,
        Decimal("10800000"),
        Decimal("10236000"),
        Decimal("88.5"),
    ),
]
REACH_PY2024 = {
    "arrangement": "GLOBAL",
    "benchmark": "61200000.00",
    "total_cost_of_care": "55950000.00",
    "quality_withhold_earned_pct": "85",
    "aligned_member_months": "61200",
    "pcc_base_paid": "1936000.00",
    "pcc_enhanced_paid": "420000.00",
    "apo_paid": "610000.00",
    "apo_claims_reduced": "587340.55",
}
REACH_TINS = [
    ParticipantFigures("990000201", "Coastal Primary Partners", 2600, None, None, Decimal("82")),
    ParticipantFigures("990000202", "Harbor Medical Group", 1700, None, None, Decimal("77")),
    ParticipantFigures("990000203", "Dunes Senior Care", 800, None, None, Decimal("90")),
]
# Benchmark per beneficiary-month by enrollment type (synthetic), and each type's share.
ENROLLMENT_PBPM = {
    "aged_non_dual": ("980.00", 0.72),
    "aged_dual": ("1650.00", 0.14),
    "disabled": ("1120.00", 0.12),
    "esrd": ("7400.00", 0.02),
}


def _user(email: str) -> User | None:
    return User.objects.filter(email=email).first()


def _ytd_frame(*, beneficiaries: int, months: int, seed: int) -> pd.DataFrame:
    """Synthetic year-to-date costs: gamma-distributed spending around 96% of each beneficiary's
    benchmark, 93% of it paid so far (the rest still to come: the completion factor)."""
    rng = np.random.default_rng(seed)
    kinds = list(ENROLLMENT_PBPM)
    drawn = rng.choice(
        len(kinds), size=beneficiaries, p=[share for _, share in ENROLLMENT_PBPM.values()]
    )
    eligible = np.where(
        rng.random(beneficiaries) < 0.06, rng.integers(1, months, beneficiaries), months
    )
    pbpm_cents = np.array(
        [int(Decimal(ENROLLMENT_PBPM[kinds[k]][0]) * 100) for k in drawn], dtype=np.int64
    )
    expected = pbpm_cents * eligible * 0.96 * 0.93
    paid_cents = rng.gamma(0.9, expected / 0.9).astype(np.int64)
    return pd.DataFrame(
        {
            "beneficiary_key": [f"DEMO-{i:05d}" for i in range(beneficiaries)],
            "eligible_months": eligible.astype(np.int64),
            "paid_amount": [Decimal(int(c)).scaleb(-2) for c in paid_cents],
            "benchmark_pbpm": [Decimal(int(c)).scaleb(-2) for c in pbpm_cents],
        }
    )


def load(*, entities: dict[str, Entity], stdout: Any) -> None:
    aco, dce = entities.get("mssp"), entities.get("reach")
    if aco is not None and not SettlementRun.objects.filter(entity=aco).exists():
        analyst = _user("analyst@valley.demo")
        settlement_run_create(
            entity=aco,
            performance_year=2024,
            figures=MSSP_PY2024,
            participants=MSSP_TINS,
            method=AllocationMethod.single(AllocationBasis.BENEFICIARIES),
            acting_user=analyst,
            note="Demo: CMS's initial PY2024 reconciliation report",
        )
        settlement_run_create(
            entity=aco,
            performance_year=2024,
            figures={**MSSP_PY2024, "quality_score": "81.2", "total_expenditure": "144102500.00"},
            participants=MSSP_TINS,
            method=AllocationMethod(
                (
                    (AllocationBasis.BENEFICIARIES, Decimal("0.5")),
                    (AllocationBasis.QUALITY, Decimal("0.5")),
                )
            ),
            acting_user=analyst,
            note="Demo: revised report (health-equity-adjusted quality score, run-out) and the board's 50/50 policy",
        )
        settlement_projection_create(
            entity=aco,
            performance_year=2025,
            frame=_ytd_frame(beneficiaries=6200, months=8, seed=2025),
            assumptions={
                "track": "BASIC_E",
                "msr_mlr": "2.0",
                "quality_score": "80",
                "met_qps": "true",
                "met_alt_qps": "false",
                "met_reporting": "true",
                "participant_revenue": "43000000.00",
                "months_elapsed": "8",
                "completion_factor": "0.93",
                "seed": "2025",
                "replicates": "300",
            },
            acting_user=analyst,
            note="Demo: projection from claims through August",
        )
        stdout.write(
            "  settlement: demo ACO PY2024 (two versions, five TINs) and PY2025 projection"
        )
    if dce is not None and not SettlementRun.objects.filter(entity=dce).exists():
        settlement_run_create(
            entity=dce,
            performance_year=2024,
            figures=REACH_PY2024,
            participants=REACH_TINS,
            method=AllocationMethod.single(AllocationBasis.QUALITY),
            acting_user=_user("analyst@coastal.demo"),
            note="Demo: PY2024 final settlement report",
        )
        stdout.write("  settlement: demo DCE PY2024 Global settlement")
