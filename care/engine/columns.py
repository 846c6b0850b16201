"""Column names the care engine reads and writes."""

from __future__ import annotations

BENEFICIARY_ID = "beneficiary_id"
BIRTH_DATE = "birth_date"
SEX_CODE = "sex_code"
SERVICE_DATE = "service_date"
CODE = "code"
CLAIM_ID = "claim_id"
ADMISSION_DATE = "admission_date"
DISCHARGE_DATE = "discharge_date"

GAP = "gap"
LABEL = "label"
LAST_DONE = "last_done"
DETAIL = "detail"
KIND = "kind"
SOURCE_KEY = "source_key"
DUE_DATE = "due_date"
