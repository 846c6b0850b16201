"""The generator's hospital readmissions: an inpatient stay that begins 2 to 30 days after
another person's discharge may become that person's readmission (for an acute condition), who
gives one of their other stays in exchange, so the demo's readmission measures (Quality ID 479,
ACR) see Medicare-like rates; every claim keeps its dates and amount and every person as many
stays, so the year's spending and its timing do not change."""

from __future__ import annotations

import numpy as np
import pytest

from synthetic import cclf
from synthetic.cclf import READMISSION_DIAGNOSES, GeneratorConfig, _writer


def test_a_stay_soon_after_a_discharge_becomes_that_persons_readmission_in_exchange(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cclf, "READMISSION_SHARE", 1.0)
    pop, _current, _changed, writer = _writer(
        GeneratorConfig(entity_id="A9999", year=2025, beneficiaries=50)
    )
    a, b = np.flatnonzero(np.isnat(pop.death))[:2]
    bene = np.array([a, b, a, a])
    kind = np.array(["inpatient", "inpatient", "outpatient", "inpatient"], dtype="U10")
    start = np.array(
        ["2025-02-01", "2025-02-15", "2025-02-16", "2025-06-01"], dtype="datetime64[D]"
    )
    thru = np.array(["2025-02-05", "2025-02-18", "2025-02-16", "2025-06-04"], dtype="datetime64[D]")
    new_bene, readmitted, dx = writer._readmissions(bene, kind, start, thru)
    # b's stay 10 days after a's discharge is a's readmission, and a's June stay is b's in
    # exchange (each keeps two inpatient claims); the outpatient visit stays a's.
    assert new_bene.tolist() == [a, a, a, b]
    assert readmitted.tolist() == [False, True, False, False]
    assert dx[1].decode() in READMISSION_DIAGNOSES
