"""Column names of the engine's input and output frames.

Every frame the engine reads or writes uses these names; the service layer maps the database's
fields onto them in one place. Dates are numpy/pandas datetime64 columns; money is integer cents
(int64), so plurality comparisons are exact (see STYLE.md: money is never float).
"""

from __future__ import annotations

from typing import Final

# --- Beneficiaries (one row per beneficiary considered) -------------------------------------
BENE_ID: Final = "bene_id"  # int64 surrogate key of beneficiaries.Beneficiary
DEATH_DATE: Final = "death_date"  # datetime64, NaT when alive
OTHER_INITIATIVE: Final = "other_initiative"  # bool: aligned to another shared-savings initiative

# --- Enrollment (one row per beneficiary and month; a missing month means "not enrolled") ---
MONTH: Final = "month"  # datetime64, any day inside the month
PART_A: Final = "part_a"  # bool
PART_B: Final = "part_b"  # bool
GROUP_HEALTH_PLAN: Final = "group_health_plan"  # bool: MA, cost plan, PACE, ... that month
OUTSIDE_US: Final = "outside_us"  # bool: residence outside the US and its territories

# --- Claim lines (final-action Part B and FQHC/RHC/CAH II/ETA lines) -------------------------
SERVICE_DATE: Final = "service_date"  # datetime64: line from-date
HCPCS: Final = "hcpcs"  # str or categorical
ALLOWED_CENTS: Final = "allowed_cents"  # int64: allowed charges in cents
TIN: Final = "tin"  # str, 9 digits ("" on institutional claims)
NPI: Final = "npi"  # str, 10 digits (rendering NPI)
CCN: Final = "ccn"  # str, 6 characters ("" on professional claims)
SPECIALTY: Final = "specialty"  # str, 2-character CMS provider specialty code
POS: Final = "pos"  # str, 2-character place-of-service code
FQHC_RHC: Final = "fqhc_rhc"  # bool: the line is on an FQHC or RHC claim
DENIED: Final = "denied"  # bool (optional column): denied line or claim

# --- Facility stays (optional: SNF and inpatient stays, to find services furnished there) ---
STAY_KIND: Final = "stay_kind"  # "snf" or "inpatient"
STAY_FROM: Final = "stay_from"  # datetime64
STAY_THRU: Final = "stay_thru"  # datetime64

# --- Voluntary alignment records ------------------------------------------------------------
VA_TIN: Final = "va_tin"  # str: the TIN the designated clinician bills through
VA_NPI: Final = "va_npi"  # str: the designated clinician
SIGNATURE_DATE: Final = "signature_date"  # datetime64

# --- Participant providers (REACH: TIN+NPI; MSSP: ACO professionals) ------------------------
PROVIDER_ROLE: Final = "provider_role"  # "participant" or "preferred"

# --- Result (one row per beneficiary, sorted by BENE_ID) ------------------------------------
ALIGNED: Final = "aligned"  # bool
STEP: Final = "step"  # str: vocabulary.Step value
REASON: Final = "reason"  # str: vocabulary.Reason value
ATTRIBUTED_TIN: Final = "attributed_tin"  # str ("" when not aligned)
ATTRIBUTED_NPI: Final = "attributed_npi"  # str
ATTRIBUTED_CCN: Final = "attributed_ccn"  # str
ENTITY_ALLOWED_CENTS: Final = "entity_allowed_cents"  # int64 (REACH: weighted, rounded once)
TOP_COMPETITOR: Final = "top_competitor"  # str: "TIN 123456789" / "CCN 123456" / ""
COMPETITOR_ALLOWED_CENTS: Final = "competitor_allowed_cents"  # int64
ENTITY_LAST_SERVICE: Final = "entity_last_service"  # datetime64, NaT when none
COMPETITOR_LAST_SERVICE: Final = "competitor_last_service"  # datetime64, NaT when none

RESULT_COLUMNS: Final = (
    BENE_ID,
    ALIGNED,
    STEP,
    REASON,
    ATTRIBUTED_TIN,
    ATTRIBUTED_NPI,
    ATTRIBUTED_CCN,
    ENTITY_ALLOWED_CENTS,
    TOP_COMPETITOR,
    COMPETITOR_ALLOWED_CENTS,
    ENTITY_LAST_SERVICE,
    COMPETITOR_LAST_SERVICE,
)

# --- Reconciliation with CMS's list (alignment.engine.reconcile) ------------------------------
PERSON: Final = "person"  # str: the caller's key for one person (never an MBI)
CMS_ASSIGNED: Final = "cms_assigned"  # bool: on CMS's list of assigned/aligned beneficiaries
CMS_VOLUNTARY: Final = "cms_voluntary"  # bool: CMS's list flags the person voluntarily aligned
CMS_TIN: Final = "cms_tin"  # str: the TIN CMS's list names for the person ("" when none)
CMS_EXCLUSION: Final = "cms_exclusion"  # str: reconcile.Exclusion value ("" when not excluded)
CMS_EXCLUSION_TEXT: Final = "cms_exclusion_text"  # str: CMS's own words for the exclusion
CMS_DEATH_DATE: Final = "cms_death_date"  # datetime64, NaT when CMS gives none
IN_DATA: Final = "in_data"  # bool: the person is in a delivered beneficiary file (CCLF8)
WITHHELD_FROM: Final = "withheld_from"  # datetime64: CMS withholds the person's data from then
GROUP: Final = "group"  # str: reconcile.Group value
CAUSE: Final = "cause"  # str: reconcile.Cause value ("" when both sides agree)
DETAIL: Final = "detail"  # str: one sentence on the evidence for the cause

RECONCILE_COLUMNS: Final = (PERSON, GROUP, CAUSE, DETAIL, CMS_EXCLUSION, CMS_EXCLUSION_TEXT)
