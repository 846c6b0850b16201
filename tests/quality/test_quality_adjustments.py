"""The MSSP quality score's adjustments on hand-built cases (pure engine, no database): the
health equity adjustment's bonus points (42 CFR 425.512; CY2023 PFS), the eCQM/MIPS CQM
reporting incentive (42 CFR 425.512(a)(4), (a)(5)(i)(B)(2)), a submitted measure without a
benchmark (42 CFR 414.1367(c)(1)(i)) and the score's range over the measures' intervals."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from quality.engine.app_score import (
    HealthEquityInputs,
    MeasureInput,
    app_score,
    app_score_range,
    hea_bonus,
    parse_benchmarks,
    reporting_incentive,
)
from tests.engine.test_quality_app_score import HEADER, ROWS


@pytest.fixture
def benchmarks():
    return parse_benchmarks(HEADER + ROWS)


def _inputs(**rates: str) -> dict[str, MeasureInput]:
    claims = {"479"}
    return {
        m: MeasureInput(
            m,
            "Administrative Claims" if m in claims else "eCQM",
            D(r),
            "observed" if m in claims else "reported",
        )  # fmt: skip
        for m, r in ((k.lstrip("m"), v) for k, v in rates.items())
    }


def test_the_health_equity_bonus_is_scaler_times_multiplier_capped_at_10():
    assert hea_bonus(None)[0] == 0
    assert "not entered" in hea_bonus(None)[1]
    given = HealthEquityInputs(D("12"), D("0.40"), True, "CMS PY2025 quality report")
    bonus, line = hea_bonus(given)
    assert bonus == D("4.8")
    assert "performance scaler 12 x underserved multiplier 0.40 = 4.80" in line
    assert hea_bonus(HealthEquityInputs(D("24"), D("0.5"), True, "CMS"))[0] == 10
    assert "capped at 10" in hea_bonus(HealthEquityInputs(D("24"), D("0.5"), True, "CMS"))[1]
    ineligible = hea_bonus(HealthEquityInputs(D("24"), D("0.5"), False, "CMS report"))
    assert ineligible[0] == 0
    assert "not eligible per CMS (CMS report)" in ineligible[1]


def test_py2026_takes_no_health_equity_bonus_whatever_is_entered(benchmarks):
    # CY2026 PFS final rule (CMS-1832-F): the adjustment is removed from ACO quality scores.
    given = HealthEquityInputs(D("20"), D("0.75"), True, "CMS quality report")
    assert hea_bonus(given, 2024)[0] == 10
    bonus, line = hea_bonus(given, 2026)
    assert bonus == 0
    assert "none for PY2026" in line
    assert "CMS-1832-F" in line
    assert hea_bonus(given, 2022)[0] == 0  # the adjustment starts with PY2023
    # PY2025 keeps it where CMS's inputs are entered, and the line says the rule is in question.
    assert "CY2026 PFS final rule (CMS-1832-F) removes the adjustment" in hea_bonus(None, 2025)[1]
    inputs = _inputs(m001="15", m134="65", m236="65", m112="65", m479="14.5")
    score = app_score(
        year=2026, inputs=inputs, benchmarks=benchmarks, qps_threshold=None, hea=given
    )
    assert score.hea_bonus == 0
    assert any("none for PY2026" in line for line in score.path())
    # The path gives each rate to two decimals, as the pages do.
    inputs["479"] = MeasureInput("479", "Administrative Claims", D("10.6618"), "observed")
    path = app_score(year=2026, inputs=inputs, benchmarks=benchmarks, qps_threshold=None).path()
    assert any(line.startswith("479 ") and "rate 10.66 (observed)" in line for line in path)


def test_the_bonus_is_added_to_the_score_which_stays_at_most_100(benchmarks):
    inputs = _inputs(m001="15", m134="65", m236="65", m112="65", m479="14.5")
    plain = app_score(year=2025, inputs=inputs, benchmarks=benchmarks, qps_threshold=D("76.70"))
    # (9.5 + 7 topped out + 7.5 + 7.5 + 0 CAHPS + 5.5) / 60 x 100 = 61.67
    assert plain.score == D("61.67")
    assert plain.met_qps is False
    hea = HealthEquityInputs(D("20"), D("0.75"), True, "CMS PY2025 quality report")
    adjusted = app_score(
        year=2025, inputs=inputs, benchmarks=benchmarks, qps_threshold=D("76.70"), hea=hea
    )
    assert adjusted.hea_bonus == 10
    assert adjusted.score == D("71.67")
    assert "Health equity adjustment = performance scaler 20" in "\n".join(adjusted.path())
    top = _inputs(m001="5", m134="95", m236="95", m112="95", m479="9")
    inputs_top = {**top, "321": MeasureInput(
        "321", "CAHPS Survey Vendor", basis="survey vendor",
        components={"CAHPS_1": D("95"), "CAHPS_2": D("95")},
    )}  # fmt: skip
    full = app_score(
        year=2025, inputs=inputs_top, benchmarks=benchmarks, qps_threshold=D("76.70"), hea=hea
    )
    assert full.score == D("100.00")  # 57 / 60 x 100 + 10 held at 100


def test_the_reporting_incentive_meets_the_standard_below_the_threshold(benchmarks):
    # 001 at decile 9 (outcome, 10th percentile or better); 134 at decile 5 (40th or better).
    inputs = _inputs(m001="15", m134="45", m236="5", m112="5", m479="19.5")
    score = app_score(year=2025, inputs=inputs, benchmarks=benchmarks, qps_threshold=D("76.70"))
    assert score.met_qps is False
    assert score.met_incentive is True
    assert score.met_standard is True
    line = score.incentive_line
    assert "42 CFR 425.512(a)(5)(i)(B)(2)" in line
    assert "001 (outcome) at decile 9" in line
    assert "134 at decile 5" in line
    assert "Data completeness (42 CFR 414.1340) is CMS's check" in line
    assert line in score.path()


def test_the_incentive_needs_a_second_measure_at_the_40th_percentile(benchmarks):
    # 001 is the only outcome measure at the 10th; no other measure reaches decile 5.
    inputs = _inputs(m001="15", m134="35", m236="5", m112="5", m479="19.5")
    score = app_score(year=2025, inputs=inputs, benchmarks=benchmarks, qps_threshold=D("76.70"))
    assert score.met_incentive is False
    assert score.met_standard is False
    assert "no other measure at the 40th percentile or better" in score.incentive_line
    # Two outcome measures: one serves the 10th-percentile leg, the other the 40th.
    two = _inputs(m001="15", m134="35", m236="55", m112="5", m479="19.5")
    assert (
        app_score(year=2025, inputs=two, benchmarks=benchmarks, qps_threshold=None).met_standard
        is True
    )
    # No outcome measure at the 10th percentile.
    none = _inputs(m001="95", m134="95", m236="5", m112="5", m479="19.5")
    assert (
        "no outcome measure"
        in app_score(
            year=2025, inputs=none, benchmarks=benchmarks, qps_threshold=None
        ).incentive_line
    )


def test_the_incentive_needs_every_ecqm_reported(benchmarks):
    inputs = _inputs(m001="15", m134="95", m236="95", m479="14.5")  # 112 not reported
    score = app_score(year=2025, inputs=inputs, benchmarks=benchmarks, qps_threshold=None)
    assert score.met_incentive is False
    assert score.met_standard is None  # no threshold and no incentive: undecided
    assert "no eCQM/MIPS CQM result for 112" in score.incentive_line


def test_a_year_without_the_incentive_in_the_rules_says_nothing(benchmarks):
    assert reporting_incentive(2030, []) == (None, "")


def test_a_submitted_measure_without_a_benchmark_leaves_the_points_possible(benchmarks):
    # PY2026 adds 113, which has no eCQM row in these benchmarks: it is excluded, not 0 of 10.
    inputs = _inputs(m001="15", m134="65", m236="65", m112="65", m113="80", m479="14.5")
    score = app_score(year=2026, inputs=inputs, benchmarks=benchmarks, qps_threshold=None)
    line = next(ln for ln in score.lines if ln.measure_id == "113")
    assert line.excluded
    assert "42 CFR 414.1367(c)(1)(i)" in line.note
    # 8 measures (484 back in the set from PY2026, here without a result: 0 of 10), 113 excluded
    assert score.possible == 70
    assert score.score == D("52.86")  # 37 / 70


def test_the_score_range_moves_each_rate_to_the_ends_of_its_interval(benchmarks):
    inputs = _inputs(m001="15", m134="65", m236="65", m112="65")
    inputs["001"] = MeasureInput("001", "eCQM", D("15"), "reported", interval=(D("10"), D("20")))
    inputs["236"] = MeasureInput("236", "eCQM", D("65"), "reported", interval=(D("60"), D("70")))
    low, high = app_score_range(
        year=2025, inputs=inputs, benchmarks=benchmarks, qps_threshold=D("76.70")
    )
    points = {ln.measure_id: ln.points for ln in low.lines}
    assert points["001"] == D("9")  # inverse: the worse end is the higher rate, 20
    assert points["236"] == D("7")  # the worse end is 60
    best = {ln.measure_id: ln.points for ln in high.lines}
    assert (best["001"], best["236"]) == (D("10"), D("8"))
    assert points["134"] == best["134"] == D("7")  # topped out, no interval: unchanged
    assert low.score < high.score
