"""Column names the engine and the batch calculator share."""

from __future__ import annotations

# Projection input frame: one row per aligned beneficiary, year to date. The key is a
# pseudonymous key chosen by the caller, never an MBI.
BENEFICIARY_KEY = "beneficiary_key"
ELIGIBLE_MONTHS = "eligible_months"
PAID_AMOUNT = "paid_amount"
BENCHMARK_PBPM = "benchmark_pbpm"
PROJECTION_COLUMNS = (BENEFICIARY_KEY, ELIGIBLE_MONTHS, PAID_AMOUNT, BENCHMARK_PBPM)

# MSSP batch calculator (issue 7).
MSSP_REQUIRED = (
    "entity_id",
    "performance_year",
    "track",
    "assigned_beneficiaries",
    "total_benchmark",
    "total_expenditure",
    "msr_mlr",
    "quality_score",
    "met_qps",
    "met_alt_qps",
    "met_reporting",
)
MSSP_OPTIONAL = ("msr_pct", "participant_revenue", "low_revenue", "euc_loss_reduction")
MSSP_OUTPUT = (
    "entity_id",
    "performance_year",
    "gross_savings",
    "savings_rate_pct",
    "msr_pct",
    "generated_savings_losses",
    "final_sharing_rate_pct",
    "final_loss_rate_pct",
    "earned_savings_losses",
    "warnings",
    "explanation",
)

# ACO REACH batch calculator (documented in README.md).
REACH_REQUIRED = (
    "entity_id",
    "performance_year",
    "arrangement",
    "benchmark",
    "total_cost_of_care",
    "quality_withhold_earned_pct",
)
REACH_OPTIONAL = (
    "aligned_member_months",
    "stop_loss_charge",
    "stop_loss_payout",
    "pcc_base_paid",
    "pcc_enhanced_paid",
    "tcc_paid",
    "apo_paid",
    "apo_claims_reduced",
)
REACH_OUTPUT = (
    "entity_id",
    "performance_year",
    "arrangement",
    "final_benchmark",
    "gross_savings",
    "savings_rate_pct",
    "shared_savings_losses",
    "sequestration",
    "earned_savings_losses",
    "cash_flow_adjustments",
    "net_settlement",
    "explanation",
)
