"""The generator's hospital readmissions: a beneficiary's later inpatient stay of the year
follows the earlier discharge within 30 days (keeping its length of stay, for an acute
condition), so the demo's readmission measures (Quality ID 479, ACR) see Medicare-like rates;
other kinds of claims and a beneficiary's only stay keep their dates."""

from __future__ import annotations

import numpy as np

from synthetic.cclf import READMISSION_DIAGNOSES, GeneratorConfig, _writer


def test_a_later_stay_follows_the_earlier_discharge_within_30_days() -> None:
    pop, _current, _changed, writer = _writer(
        GeneratorConfig(entity_id="A9999", year=2025, beneficiaries=50)
    )
    alive = np.flatnonzero(np.isnat(pop.death))[:2]
    bene = np.array([alive[0], alive[0], alive[0], alive[1]])
    kind = np.array(["inpatient", "outpatient", "inpatient", "inpatient"], dtype="U10")
    start = np.array(
        ["2025-02-01", "2025-06-01", "2025-08-10", "2025-05-01"], dtype="datetime64[D]"
    )
    thru = np.array(["2025-02-05", "2025-06-01", "2025-08-13", "2025-05-04"], dtype="datetime64[D]")
    new_start, new_thru, readmitted, dx = writer._readmissions(bene, kind, start, thru)
    assert readmitted.tolist() == [False, False, True, False]
    gap = int((new_start[2] - thru[0]).astype(int))
    assert 2 <= gap <= 30
    assert new_thru[2] - new_start[2] == thru[2] - start[2]  # the same length of stay
    assert (new_start[[0, 1, 3]] == start[[0, 1, 3]]).all()
    assert dx[2].decode() in READMISSION_DIAGNOSES
