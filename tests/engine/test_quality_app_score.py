"""The MSSP quality score on hand-built benchmarks: deciles and partial points (direct and
inverse measures), the topped-out cap, CAHPS as the average of its summary survey measures, a
missing measure, the score, the quality performance standard and the alternative standard
(domain.md 3.4, 7.1; 42 CFR 425.512; 42 CFR 414.1380(b)(1))."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from quality.engine.app_score import (
    BenchmarkFileError,
    MeasureInput,
    NotComputable,
    app_score,
    measure_points,
    parse_benchmarks,
    qps_threshold_published,
)

HEADER = (
    "measureName,measureId,submissionMethod,isToppedOutByProgram,percentile1,percentile10,"
    "percentile20,percentile30,percentile40,percentile50,percentile60,percentile70,percentile80,"
    "percentile90,percentile99,isInverse\n"
)
FLAT = "1,10,20,30,40,50,60,70,80,90,99"
ROWS = (
    f"A1c,001,eCQM,N,{FLAT},Y\n"
    f"Depression,134,eCQM,Y,{FLAT},N\n"
    f"BP,236,eCQM,N,{FLAT},N\n"
    f"Breast,112,eCQM,N,{FLAT},N\n"
    "HWR,479,Administrative Claims,N,0,0.10,0.11,0.12,0.13,0.14,0.15,0.16,0.17,0.18,0.19,Y\n"
    f"SSM 1,CAHPS_1,CAHPS Survey Vendor,N,{FLAT},N\n"
    f"SSM 2,CAHPS_2,CAHPS Survey Vendor,N,{FLAT},N\n"
)


@pytest.fixture
def benchmarks():
    return parse_benchmarks(HEADER + ROWS)


def by_id(benchmarks, measure_id):
    return next(b for b in benchmarks if b.measure_id == measure_id)


def test_a_direct_measure_earns_its_decile_plus_the_share_of_the_way_through_it(benchmarks):
    bp = by_id(benchmarks, "236")
    assert measure_points(D("65"), bp).decile == 7  # 60th to 70th percentile: decile 7
    assert measure_points(D("65"), bp).points == D("7.5")
    assert measure_points(D("60"), bp).points == D("7")  # a decile starts at its percentile
    assert measure_points(D("90"), bp).points == D("10")  # decile 10: 10 points
    assert measure_points(D("5.5"), bp).decile == 1
    assert measure_points(D("5.5"), bp).points == D("1.5")  # from the 1st percentile value


def test_an_inverse_measure_is_best_at_its_lowest_rate(benchmarks):
    a1c = by_id(benchmarks, "001")
    assert measure_points(D("10"), a1c).points == D("10")  # at or below the 10th: decile 10
    assert measure_points(D("15"), a1c).decile == 9
    assert measure_points(D("15"), a1c).points == D("9.5")
    assert measure_points(D("20"), a1c).points == D("9")  # the decile's worse end
    assert measure_points(D("95"), a1c).decile == 1


def test_a_benchmark_topped_out_by_program_caps_the_measure_at_7_points(benchmarks):
    scored = measure_points(D("95"), by_id(benchmarks, "134"))
    assert (scored.decile, scored.points, scored.capped) == (10, D("7"), True)


def test_the_score_its_standards_and_the_path(benchmarks):
    inputs = {
        "001": MeasureInput("001", "eCQM", D("15"), "reported"),  # 9.5
        "134": MeasureInput("134", "eCQM", D("95"), "reported"),  # capped 7
        "236": MeasureInput("236", "eCQM", D("65"), "reported"),  # 7.5
        # 112 missing: 0 of 10
        # HWR 14.5% observed -> 0.145 on the benchmark's scale: decile 5, 5.5 points
        "479": MeasureInput("479", "Administrative Claims", D("14.5"), "observed"),
        "321": MeasureInput(
            "321",
            "CAHPS Survey Vendor",
            basis="survey vendor",
            components={"CAHPS_1": D("65"), "CAHPS_2": D("95"), "CAHPS_9": D("50")},
        ),  # fmt: skip  # (7.5 + 10) / 2 = 8.75; CAHPS_9 has no benchmark
    }
    score = app_score(year=2025, inputs=inputs, benchmarks=benchmarks, qps_threshold=D("76.70"))
    points = {line.measure_id: line.points for line in score.lines}
    assert points["479"] == D("5.5")
    assert points["321"] == D("8.75")
    assert points["112"] == 0
    assert score.possible == 60
    assert score.score == D("63.75")  # (9.5 + 7 + 7.5 + 0 + 8.75 + 5.5) / 60 x 100
    assert score.met_qps is False
    assert score.met_alternative is True  # 001 at the 10th percentile or better
    assert score.met_reporting is False  # 112 was not reported
    assert score.estimated
    path = "\n".join(score.path())
    assert "no result loaded: 0 points" in path
    assert "not CMS's risk-standardized rate" in path
    assert "without a benchmark, not scored: CAHPS_9" in path
    assert "= 63.75" in path


def test_the_alternative_standard_needs_an_outcome_measure_at_the_10th_percentile(benchmarks):
    inputs = {
        "001": MeasureInput("001", "eCQM", D("95"), "reported"),  # decile 1
        "236": MeasureInput("236", "eCQM", D("5"), "reported"),  # decile 1
        "134": MeasureInput("134", "eCQM", D("99"), "reported"),  # not an outcome measure
        "479": MeasureInput("479", "Administrative Claims", D("19.5"), "observed"),  # decile 1
    }
    score = app_score(year=2025, inputs=inputs, benchmarks=benchmarks, qps_threshold=None)
    assert score.met_alternative is False
    assert score.met_qps is None  # no threshold: undecided
    assert "not decided" in "\n".join(score.path())


def test_no_benchmarks_no_score_and_the_published_threshold(benchmarks):
    with pytest.raises(NotComputable, match="benchmarks for PY2025 not loaded"):
        app_score(year=2025, inputs={}, benchmarks=[], qps_threshold=None)
    assert qps_threshold_published(2025) == D("76.70")
    assert qps_threshold_published(2024) is None


def test_a_bad_benchmark_file_names_each_row_and_column():
    with pytest.raises(BenchmarkFileError) as bad:
        parse_benchmarks(
            HEADER
            + f"A1c,001,eCQM,maybe,{FLAT},Y\n"
            + "BP,236,eCQM,N,1,10,twenty,30,40,50,60,70,80,90,99,N\n"
            + "BP,236,eCQM,N,1,90,80,70,60,50,40,30,20,10,99,N\n"
            + f"A1c,001,eCQM,N,{FLAT},Y\n"
        )
    errors = bad.value.errors
    assert "row 2, column isToppedOutByProgram: 'maybe' is not Y/N" in errors
    assert "row 3, column percentile20: 'twenty' is not a number" in errors
    assert "row 4: measure 236 (eCQM) repeats row 3" in errors
    assert "row 5: measure 001 (eCQM) repeats row 2" in errors
    with pytest.raises(BenchmarkFileError, match="missing column"):
        parse_benchmarks("measureId,submissionMethod\n001,eCQM\n")


def test_the_shipped_cms_benchmark_files_read():
    from quality.engine.valuesets import VALUESET_DIR

    for year in (2024, 2025, 2026):
        rows = parse_benchmarks((VALUESET_DIR / f"mips_benchmarks_{year}.csv").read_text())
        assert {"001", "134", "236", "479", "CAHPS_1"} <= {b.measure_id for b in rows}


def test_the_cahps_note_names_each_survey_measure_in_cms_order(benchmarks):
    """CAHPS_2 before CAHPS_11 (not as text sorts), each with the title CMS publishes."""
    from quality.engine.app_score import cahps_ssm_label

    components = {"CAHPS_11": D("30"), "CAHPS_2": D("95"), "CAHPS_1": D("65")}
    inputs = {"321": MeasureInput("321", "CAHPS Survey Vendor", basis="survey vendor",
                                  components=components)}  # fmt: skip
    score = app_score(year=2025, inputs=inputs, benchmarks=benchmarks, qps_threshold=D("76.70"))
    note = next(line.note for line in score.lines if line.measure_id == "321")
    assert note.index("CAHPS_1 Getting Timely Care") < note.index("CAHPS_2 How Well Providers")
    assert note.index("CAHPS_2 How Well") < note.index("CAHPS_11 Stewardship of Patient Resources")
    assert cahps_ssm_label("CAHPS_99") == "CAHPS_99"


def test_a_reported_ecqm_without_a_rate_shows_the_rate_its_counts_give():
    from quality.models import ReportedMeasure

    counted = ReportedMeasure(measure_id="CMS122v13", denom=1840, numer=221, denex=0, denexcep=0)
    assert f"{counted.rate_shown:.6f}" == "0.120109"
    excluded = ReportedMeasure(measure_id="x", denom=100, numer=20, denex=10, denexcep=10)
    assert excluded.rate_shown == D("0.25")
    assert ReportedMeasure(measure_id="x", performance_rate=D("0.2")).rate_shown == D("0.2")
    assert ReportedMeasure(measure_id="x", denom=5, numer=0, denex=5).rate_shown is None


# ------------------------------------------------------------------------------------------------
# Case minimum (42 CFR 414.1367(c)(1)(i), 414.1380(b)(1)), PY2026's set, the first-year rule
# (42 CFR 425.512(a)(2))


def test_a_measure_below_its_case_minimum_is_out_of_the_points_and_the_points_possible(
    benchmarks,
):
    def scored(hwr_cases: int):
        inputs = {
            "001": MeasureInput("001", "eCQM", D("15"), "reported", cases=19),  # below 20
            "134": MeasureInput("134", "eCQM", D("95"), "reported", cases=20),  # capped 7
            "236": MeasureInput("236", "eCQM", D("65"), "reported", cases=500),  # 7.5
            "112": MeasureInput("112", "eCQM", D("65"), "reported"),  # count unknown: 7.5
            "479": MeasureInput(
                "479", "Administrative Claims", D("14.5"), "observed", cases=hwr_cases
            ),  # fmt: skip  # HWR: 200 index stays
        }
        return app_score(year=2025, inputs=inputs, benchmarks=benchmarks, qps_threshold=None)

    short = scored(199)
    lines = {line.measure_id: line for line in short.lines}
    assert lines["001"].excluded
    assert lines["001"].points == 0
    assert lines["001"].decile is None
    assert "19 cases, below the case minimum of 20" in lines["001"].note
    assert "199 cases, below the case minimum of 200" in lines["479"].note
    assert not lines["134"].excluded
    assert not lines["112"].excluded
    # 134, 236, 112 and CAHPS (no results: 0 of 10) count: (7 + 7.5 + 7.5 + 0) / 40 x 100
    assert (short.points, short.possible, short.score) == (D("22"), 40, D("55.00"))
    assert short.met_alternative  # 236 (outcome) at decile 7; 001 was not scored
    enough = scored(200)
    assert enough.possible == 50
    assert enough.points == D("27.5")  # 479 at decile 5: 5.5 points


MCC_ROWS = f"CRC,113,eCQM,N,{FLAT},N\nMCC,484,Administrative Claims,N,{FLAT},Y\n"


def test_py2026_scores_484_as_an_outcome_measure_with_its_own_case_minimum():
    """CMS's PY2026 measures data lists 484 in the APP Plus set: an outcome measure for the
    alternative standard; its case minimum is 18 patients (CMS's 484 specification)."""
    benchmarks = parse_benchmarks(HEADER + ROWS + MCC_ROWS)

    def scored(patients: int):
        inputs = {"484": MeasureInput("484", "Administrative Claims", D("15"), "observed",
                                      cases=patients)}  # fmt: skip
        return app_score(year=2026, inputs=inputs, benchmarks=benchmarks, qps_threshold=None)

    score = scored(18)
    assert [line.measure_id for line in score.lines] == [
        "001", "134", "236", "112", "113", "321", "479", "484",
    ]  # fmt: skip
    mcc = score.lines[-1]
    assert (mcc.outcome, mcc.decile, mcc.points) == (True, 9, D("9.5"))  # 15 per 100: decile 9
    assert (score.possible, score.score) == (80, D("11.88"))  # 9.5 / 80 = 11.875
    assert score.met_alternative  # by 484 alone
    assert "outcome measure among 001, 236, 479, 484): met by 484" in "\n".join(score.path())
    short = scored(17)
    assert (short.possible, short.score, short.met_alternative) == (70, D("0.00"), False)


def _first_year_inputs(**cases: int) -> dict[str, MeasureInput]:
    rates = {"001": D("95"), "134": D("15"), "236": D("15"), "112": D("15")}  # all decile 1-2
    inputs = {
        m: MeasureInput(m, "eCQM", rate, "reported", cases=cases.get(f"m{m}", 50))
        for m, rate in rates.items()
    }
    inputs["321"] = MeasureInput("321", "CAHPS Survey Vendor", basis="survey vendor",
                                 components={"CAHPS_1": D("15")})  # fmt: skip
    return inputs


def test_the_first_year_rule_meets_the_standard_by_reporting(benchmarks):
    """42 CFR 425.512(a)(2): in the first PY of its first agreement period the ACO meets the
    standard by reporting the eCQMs at the case minimum and fielding CAHPS, whatever the score."""
    first = app_score(year=2025, inputs=_first_year_inputs(), benchmarks=benchmarks,
                      qps_threshold=D("76.70"), first_year=True)  # fmt: skip
    assert first.met_qps is False
    assert first.met_incentive is False
    assert (first.met_first_year, first.met_standard) == (True, True)
    path = "\n".join(first.path())
    assert "met by reporting: 001, 134, 236, 112 reported" in path
    assert "decided by: the first-year rule (42 CFR 425.512(a)(2))" in path

    later = app_score(year=2025, inputs=_first_year_inputs(), benchmarks=benchmarks,
                      qps_threshold=D("76.70"))  # fmt: skip
    assert (later.met_first_year, later.met_standard) == (None, False)
    assert "decided by: none: not met" in "\n".join(later.path())

    short = app_score(year=2025, inputs=_first_year_inputs(m112=19), benchmarks=benchmarks,
                      qps_threshold=D("76.70"), first_year=True)  # fmt: skip
    assert (short.met_first_year, short.met_standard) == (False, False)
    assert "below the case minimum: 112" in short.first_year_line

    no_survey = _first_year_inputs()
    del no_survey["321"]
    unfielded = app_score(year=2025, inputs=no_survey, benchmarks=benchmarks,
                          qps_threshold=D("76.70"), first_year=True)  # fmt: skip
    assert unfielded.met_first_year is False
    assert "no CAHPS for MIPS results" in unfielded.first_year_line


def test_a_required_measure_without_a_benchmark_notes_the_40th_percentile_rule(benchmarks):
    """PY2026's shipped file has no eCQM benchmark for 113 here: the path says 42 CFR
    425.512(a)(7) may apply and that CMS decides it; the score is not raised."""
    inputs = {"113": MeasureInput("113", "eCQM", D("50"), "reported", cases=40)}
    score = app_score(year=2026, inputs=inputs, benchmarks=benchmarks, qps_threshold=None)
    assert score.score == D("0.00")
    assert any("No benchmark loaded for 113" in n and "425.512(a)(7)" in n for n in score.notes)
