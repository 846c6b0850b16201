"""Voluntary alignment (domain.md 1.2 "Voluntary alignment takes precedence", 1.4).

A beneficiary's most recent designation signed on or before the cutoff governs. It aligns the
beneficiary to the entity when the designated clinician is the entity's: for MSSP an ACO
professional (billing through a participant TIN; any specialty since PY2019), for REACH a
participant provider (TIN+NPI; preferred providers never align). A most recent designation of
someone else's clinician leaves the beneficiary to claims-based alignment here: whether that
clinician is in another ACO is not visible to us.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from alignment.engine import columns as c
from alignment.engine.lines import BeneIndex, EntityMatch, ParticipantList, day_of, to_days


@dataclass(frozen=True)
class Designations:
    """Per beneficiary (dense index): aligned by designation, and the designated TIN/NPI."""

    aligned: npt.NDArray[np.bool_]
    tin: npt.NDArray[np.object_]
    npi: npt.NDArray[np.object_]


def designations(
    voluntary: pd.DataFrame | None,
    *,
    bene_index: BeneIndex,
    cutoff: date,
    participants: ParticipantList,
    match: EntityMatch,
) -> Designations:
    """voluntary: BENE_ID, VA_TIN, VA_NPI, SIGNATURE_DATE. Designations signed on the same day
    are ordered by TIN then NPI so that the pick never depends on row order."""
    n = len(bene_index)
    aligned = np.zeros(n, dtype=bool)
    tin = np.full(n, "", dtype=object)
    npi = np.full(n, "", dtype=object)
    if voluntary is None or voluntary.empty:
        return Designations(aligned, tin, npi)
    frame = pd.DataFrame(
        {
            "b": bene_index.codes(voluntary[c.BENE_ID]),
            "d": to_days(voluntary[c.SIGNATURE_DATE]),
            "t": voluntary[c.VA_TIN].astype(str).str.strip().to_numpy(dtype=object),
            "n": voluntary[c.VA_NPI].astype(str).str.strip().to_numpy(dtype=object),
        }
    )
    frame = frame[(frame["b"] >= 0) & (frame["d"] <= day_of(cutoff))]
    latest = frame.sort_values(["b", "d", "t", "n"], kind="stable").drop_duplicates(
        "b", keep="last"
    )
    # Membership is tested on "TIN|NPI" strings in one vectorised pass.
    pair = latest["t"] + "|" + latest["n"]
    provider_pairs = {f"{t}|{p}" for t, p in participants.providers}
    if match is EntityMatch.MSSP:
        ours = latest["t"].isin(participants.tins)
        if participants.providers:
            ours &= pair.isin(provider_pairs)
    else:
        ours = pair.isin(provider_pairs)
    ours_arr = ours.to_numpy(dtype=bool)
    idx = latest["b"].to_numpy()[ours_arr]
    aligned[idx] = True
    tin[idx] = latest["t"].to_numpy()[ours_arr]
    npi[idx] = latest["n"].to_numpy()[ours_arr]
    return Designations(aligned, tin, npi)
