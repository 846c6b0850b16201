"""Column names of the specialist engine's frames. Money is integer cents (int64), so that the
plurality compares exactly; dates are datetime64."""

from __future__ import annotations

from typing import Final

# --- Inputs -----------------------------------------------------------------------------------
BENE_ID: Final = "bene_id"  # int64 surrogate key of beneficiaries.Beneficiary
CLAIM_ID: Final = "claim_id"  # claim identifier (CUR_CLM_UNIQ_ID)
SERVICE_DATE: Final = "service_date"  # datetime64: the claim's or line's through date
DX_CODE: Final = "dx_code"  # ICD-10-CM without the dot
HCPCS: Final = "hcpcs"  # the line's HCPCS/CPT code
SPECIALTY: Final = "specialty"  # CMS provider specialty code on the line (CLM_PRVDR_SPCLTY_CD)
TIN: Final = "tin"
NPI: Final = "npi"
ALLOWED_CENTS: Final = "allowed_cents"  # int64

# --- Output: one row per beneficiary and condition met ---------------------------------------
CONDITION: Final = "condition"
TRIGGER_CODE: Final = "trigger_code"  # the trigger diagnosis billed most often (then latest)
TRIGGER_CLAIMS: Final = "trigger_claims"  # claims on distinct dates carrying a trigger
LAST_TRIGGER: Final = "last_trigger"
LEAD_TIN: Final = "lead_tin"
LEAD_NPI: Final = "lead_npi"
LEAD_SPECIALTY: Final = "lead_specialty"
LEAD_ALLOWED: Final = "lead_allowed_cents"
SPECIALTY_ALLOWED: Final = "specialty_allowed_cents"  # all of the condition's specialists
LEAD_SERVICES: Final = "lead_services"
LAST_SERVICE: Final = "last_service"
RUNNER_UP_TIN: Final = "runner_up_tin"
RUNNER_UP_NPI: Final = "runner_up_npi"
RUNNER_UP_ALLOWED: Final = "runner_up_allowed_cents"
REASON: Final = "reason"

OUTPUT_COLUMNS: Final = [
    BENE_ID,
    CONDITION,
    TRIGGER_CODE,
    TRIGGER_CLAIMS,
    LAST_TRIGGER,
    LEAD_TIN,
    LEAD_NPI,
    LEAD_SPECIALTY,
    LEAD_ALLOWED,
    SPECIALTY_ALLOWED,
    LEAD_SERVICES,
    LAST_SERVICE,
    RUNNER_UP_TIN,
    RUNNER_UP_NPI,
    RUNNER_UP_ALLOWED,
    REASON,
]

# --- Changes between two runs ----------------------------------------------------------------
KIND: Final = "kind"  # added, changed, dropped
PREVIOUS_TIN: Final = "previous_tin"
PREVIOUS_NPI: Final = "previous_npi"
