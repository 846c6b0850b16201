"""ACO REACH High Needs eligibility (Participation Agreement Appendix A Section IV.B) on
hand-built claims and risk scores, one criterion at a time, with the lookbacks of Tables C and D."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import pytest

from alignment.engine import high_needs as hn

JAN_2026 = dt.date(2026, 1, 1)


def claim(bene, cid, ctype, frm, thru=None, *, source="A", hcpcs="", admit=""):
    return {
        "bene_id": bene, "claim_id": cid, "source": source, "claim_type": ctype,
        "from_date": pd.Timestamp(frm), "thru_date": pd.Timestamp(thru or frm),
        "hcpcs": hcpcs, "admission_type": admit,
    }  # fmt: skip


def dx(bene, cid, ctype, thru, code):
    return {
        "bene_id": bene, "claim_id": cid, "claim_type": ctype,
        "thru_date": pd.Timestamp(thru), "dx_code": code,
    }  # fmt: skip


CLAIM_COLUMNS = list(claim(0, "", "", "2025-01-01"))
DX_COLUMNS = list(dx(0, "", "", "2025-01-01", ""))


def run(population, claims=(), diagnoses=(), risk=None, check=JAN_2026):
    return {
        r.bene_id: r
        for r in hn.evaluate(
            population=population,
            claims=pd.DataFrame(list(claims), columns=CLAIM_COLUMNS),
            diagnoses=pd.DataFrame(list(diagnoses), columns=DX_COLUMNS),
            risk=risk or {},
            check_date=check,
        )
    }


def ad(score, *, v24=None):
    scores = {"CMS-HCC Model V28": Decimal(score)}
    if v24 is not None:
        scores["CMS-HCC Model V24"] = Decimal(v24)
    return hn.Risk(family="cms_hcc", scores=scores, payment_year=2026)


def esrd(score):
    return hn.Risk(
        family="esrd", scores={"CMS-HCC ESRD Model V24": Decimal(score)}, payment_year=2026
    )


def test_lookbacks_follow_tables_c_and_d() -> None:
    # Table C: Jan 1 PY2026 reads Nov 1, 2024 - Oct 31, 2025; Apr 1 reads Feb 1, 2025 - Jan 31, 2026.
    assert hn.lookback(JAN_2026, 12) == hn.Window(dt.date(2024, 11, 1), dt.date(2025, 10, 31))
    assert hn.lookback(dt.date(2026, 4, 1), 12) == hn.Window(
        dt.date(2025, 2, 1), dt.date(2026, 1, 31)
    )
    assert hn.lookback(dt.date(2024, 7, 1), 12) == hn.Window(
        dt.date(2023, 5, 1), dt.date(2024, 4, 30)
    )
    # Table D (criterion d): 60 months, Nov 1, 2020 - Oct 31, 2025.
    assert hn.lookback(JAN_2026, 60) == hn.Window(dt.date(2020, 11, 1), dt.date(2025, 10, 31))
    with pytest.raises(ValueError, match="not a check date"):
        hn.lookback(dt.date(2026, 2, 1), 12)


def test_risk_score_thresholds_use_the_higher_model_and_esrd_scale() -> None:
    got = run(
        [1, 2, 3, 4],
        risk={1: ad("2.950", v24="3.000"), 2: ad("2.999"), 3: esrd("0.350"), 4: esrd("0.349")},
    )
    assert got[1].met == ["b"]
    assert "3.000 (CMS-HCC Model V24" in got[1].reasons[0]
    assert got[2].met == []
    assert "Risk score 2.999" in got[2].notes[0]
    assert got[3].met == ["b"]
    assert "ESRD" in got[3].reasons[0]
    assert got[4].met == []
    assert "No risk score" in run([9])[9].notes[0]


def test_moderate_score_needs_two_unplanned_admissions_in_the_lookback() -> None:
    claims = [
        claim(1, "i1", "60", "2025-02-01", "2025-02-05", admit="1"),
        claim(1, "i2", "60", "2025-06-01", "2025-06-03", admit="2"),
        claim(2, "i3", "60", "2025-02-01", "2025-02-05", admit="1"),
        claim(2, "i4", "60", "2025-03-01", "2025-03-02", admit="3"),  # elective: not counted
        claim(3, "i5", "60", "2025-02-01", "2025-02-05", admit="1"),
        claim(3, "i6", "60", "2025-11-02", "2025-11-04", admit="1"),  # after Oct 31: outside
        claim(4, "i7", "60", "2025-01-01", "2025-01-02", admit="1"),
        claim(4, "i8", "60", "2025-01-10", "2025-01-12", admit="1"),
    ]
    risk = {1: ad("2.000"), 2: ad("2.500"), 3: ad("2.500"), 4: esrd("0.240")}
    got = run([1, 2, 3, 4], claims=claims, risk=risk)
    assert got[1].met == ["c"]
    assert "2 unplanned admissions" in got[1].reasons[0]
    assert got[2].met == []
    assert "with 1 unplanned admission: " in got[2].notes[0]
    assert got[3].met == []
    assert got[4].met == ["c"]


def test_mobility_diagnosis_one_inpatient_claim_or_two_other_dates() -> None:
    diagnoses = [
        dx(1, "a1", "60", "2025-03-05", "G800"),
        dx(2, "b1", "71", "2025-03-05", "E849"),
        dx(3, "b2", "71", "2025-03-05", "G7101"),
        dx(3, "b3", "71", "2025-05-05", "G7101"),
        dx(4, "a2", "60", "2024-10-31", "G800"),  # the day before the lookback starts
        dx(5, "a3", "60", "2025-03-05", "I509"),
    ]
    got = run([1, 2, 3, 4, 5], diagnoses=diagnoses, risk={})
    assert got[1].met == ["a"]
    assert "G800" in got[1].reasons[0]
    assert got[2].met == []
    assert got[3].met == ["a"]
    assert "2 claims on different dates" in got[3].reasons[0]
    assert got[4].met == []
    assert got[5].met == []


def test_frailty_needs_two_equipment_dates_in_sixty_months() -> None:
    claims = [
        claim(1, "d1", "82", "2021-01-15", source="DME", hcpcs="E0250"),
        claim(1, "d2", "82", "2025-09-15", source="DME", hcpcs="E0630"),
        claim(2, "d3", "82", "2025-09-15", source="DME", hcpcs="E0250"),
        claim(3, "d4", "82", "2020-10-15", source="DME", hcpcs="E0250"),  # before Nov 1, 2020
        claim(3, "d5", "82", "2025-09-15", source="DME", hcpcs="E0250"),
        claim(4, "d6", "82", "2025-01-15", source="DME", hcpcs="E1130"),  # a wheelchair: not listed
        claim(4, "d7", "82", "2025-02-15", source="DME", hcpcs="E1130"),
    ]
    got = run([1, 2, 3, 4], claims=claims)
    assert got[1].met == ["d"]
    assert "E0250, E0630" in got[1].reasons[0]
    assert [got[b].met for b in (2, 3, 4)] == [[], [], []]


def test_snf_and_home_health_days_from_py2024_only() -> None:
    claims = [
        claim(1, "s1", "20", "2025-03-01", "2025-04-14"),  # 45 days
        claim(2, "s2", "20", "2025-03-01", "2025-04-13"),  # 44 days
        claim(3, "h1", "10", "2025-01-01", "2025-02-28"),  # 59 days
        claim(3, "h2", "10", "2025-02-15", "2025-03-31"),  # overlaps: 90 distinct days in all
        claim(4, "s3", "20", "2024-10-01", "2024-12-14"),  # 44 of its days inside the lookback
    ]
    got = run([1, 2, 3, 4], claims=claims)
    assert got[1].met == ["e"]
    assert "45 days in a skilled nursing facility" in got[1].reasons[0]
    assert got[2].met == []
    assert got[3].met == ["e"]
    assert "90 days of home health" in got[3].reasons[0]
    assert got[4].met == []
    # PY2023: criterion (e) is not in force yet.
    early = [claim(1, "s9", "20", "2022-03-01", "2022-05-30")]
    assert run([1], claims=early, check=dt.date(2023, 1, 1))[1].met == []


def test_criteria_file_cites_the_agreement_for_every_criterion() -> None:
    spec = hn.load_criteria()
    assert [c["code"] for c in spec["criteria"]] == ["a", "b", "c", "d", "e"]
    for criterion in spec["criteria"]:
        assert "Participation Agreement Appendix A Section IV.B.1" in criterion["citation"]
