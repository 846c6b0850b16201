"""Why a beneficiary gets no generated care work (care.engine.eligibility decides which). Kept
apart from the rules, which need pandas: care.models reads these at every process start."""

from __future__ import annotations

DECEASED = "deceased"
HOSPICE = "hospice"
NOT_IN_POPULATION = "not_in_population"
REASON_TEXT = {
    DECEASED: "Deceased (date of death on the beneficiary file)",
    HOSPICE: "In hospice (hospice election on the beneficiary file or a hospice claim)",
    NOT_IN_POPULATION: "Not in the entity's aligned population",
}
