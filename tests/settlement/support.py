"""Figures and participants the settlement DB tests share."""

from __future__ import annotations

from decimal import Decimal

from settlement.engine.distribution import ParticipantFigures

# domain.md 3.5, BASIC E meeting the QPS: earns $4,704,000.00.
MSSP_FIGURES = {
    "track": "BASIC_E",
    "assigned_beneficiaries": "20000",
    "total_benchmark": "240000000",
    "total_expenditure": "230400000",
    "msr_mlr": "2.0",
    "quality_score": "80",
    "met_qps": "true",
    "met_alt_qps": "false",
    "met_reporting": "true",
    "participant_revenue": "30000000",
}
# domain.md 4.4, Global (PY2023's 3% discount): keeps $3,960,000 before sequestration.
REACH_FIGURES = {
    "arrangement": "GLOBAL",
    "benchmark": "60000000",
    "total_cost_of_care": "54000000",
    "quality_withhold_earned_pct": "80",
}
TINS = [
    ParticipantFigures(
        "900000001", "Synthetic North Clinic", 3, Decimal("3000"), Decimal("2000"), Decimal("90")
    ),
    ParticipantFigures(
        "900000002", "Synthetic South Clinic", 3, Decimal("3000"), Decimal("2500"), Decimal("60")
    ),
    ParticipantFigures(
        "900000003", "Synthetic East Clinic", 3, Decimal("3000"), Decimal("3600"), Decimal("75")
    ),
]
