"""Assemble the one-row-per-beneficiary result frame shared by MSSP and REACH."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from alignment.engine import columns as c
from alignment.engine.lines import BeneIndex, UnitTable
from alignment.engine.plurality import NO_DAY, Plurality
from alignment.engine.vocabulary import Reason, Step
from alignment.engine.voluntary import Designations


def _dates(days: npt.NDArray[np.int32]) -> npt.NDArray[np.datetime64]:
    out = days.astype(np.int64).astype("datetime64[D]")
    out[days == NO_DAY] = np.datetime64("NaT")
    return out


def _rounded(amount: npt.NDArray[np.int64], denominator: int) -> npt.NDArray[np.int64]:
    """Weighted sums back to cents, rounded once here (half up). With denominator 3 no value is
    ever exactly half a cent, so the rounding mode never matters for REACH's 1/3-2/3 weights."""
    if denominator == 1:
        return amount
    return (2 * amount + denominator) // (2 * denominator)


def assemble(
    bene_index: BeneIndex,
    *,
    step: npt.NDArray[np.object_],
    reason: npt.NDArray[np.object_],
    plur: Plurality,
    units: UnitTable,
    not_eligible: npt.NDArray[np.object_],
    designated: Designations,
    voluntary_requires_eligibility: bool,
    denominator: int = 1,
) -> pd.DataFrame:
    """Claims result, then voluntary alignment over it, then the eligibility screen over both
    (domain.md 1.2: voluntary alignment takes precedence; the beneficiary must still meet A-D)."""
    n = len(bene_index)
    aligned = plur.aligned.copy()
    eligible = pd.isna(not_eligible)
    voluntary = designated.aligned & (eligible | (not voluntary_requires_eligibility))
    step = step.copy()
    reason = reason.copy()
    step[voluntary] = Step.VOLUNTARY.value
    reason[voluntary] = Reason.ALIGNED_VOLUNTARY.value
    aligned |= voluntary
    blocked = ~eligible & ~voluntary
    step[blocked] = Step.ELIGIBILITY.value
    reason[blocked] = not_eligible[blocked]
    aligned &= ~blocked

    unit = plur.attributed_unit
    has_unit = aligned & ~voluntary & (unit >= 0)
    tin = np.full(n, "", dtype=object)
    npi = np.full(n, "", dtype=object)
    ccn = np.full(n, "", dtype=object)
    tin[has_unit] = units.tin[unit[has_unit]]
    npi[has_unit] = units.npi[unit[has_unit]]
    ccn[has_unit] = units.ccn[unit[has_unit]]
    tin[voluntary] = designated.tin[voluntary]
    npi[voluntary] = designated.npi[voluntary]

    comp = plur.competitor_unit
    competitor = np.full(n, "", dtype=object)
    has_comp = comp >= 0
    competitor[has_comp] = units.labels()[comp[has_comp]]

    return pd.DataFrame(
        {
            c.BENE_ID: bene_index.ids,
            c.ALIGNED: aligned,
            c.STEP: pd.array(step, dtype="str"),
            c.REASON: pd.array(reason, dtype="str"),
            c.ATTRIBUTED_TIN: pd.array(tin, dtype="str"),
            c.ATTRIBUTED_NPI: pd.array(npi, dtype="str"),
            c.ATTRIBUTED_CCN: pd.array(ccn, dtype="str"),
            c.ENTITY_ALLOWED_CENTS: _rounded(plur.entity_amount, denominator),
            c.TOP_COMPETITOR: pd.array(competitor, dtype="str"),
            c.COMPETITOR_ALLOWED_CENTS: _rounded(plur.competitor_amount, denominator),
            c.ENTITY_LAST_SERVICE: _dates(plur.entity_last),
            c.COMPETITOR_LAST_SERVICE: _dates(plur.competitor_last),
        },
        columns=list(c.RESULT_COLUMNS),
    )
