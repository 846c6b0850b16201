"""CMS-HCC risk scores through hccinfhir, and the ACO programs' treatment of them.

The CMS-HCC model itself is hccinfhir's (mimilabs/hccinfhir, domain.md 6.2): this module only
prepares its inputs (demographics from CCLF8, diagnoses from risk-adjustment-eligible claims, as
hccinfhir's own filter decides), calls it once per model in the payment-year blend, and blends the
raw scores. The program-specific treatment (normalization, MSSP's aggregate +3% cap, REACH's
symmetric cap and coding intensity factor) is applied on top of the raw score. The MA coding
pattern adjustment is never applied: ACO programs do not use it (domain.md 6.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import pandas as pd

from benchmarks.engine import columns as c
from benchmarks.engine.rounding import ONE, ZERO, safe_divide, score_from_float
from benchmarks.engine.steps import WEIGHT_TOLERANCE

# hccinfhir (its pydantic models and the model tables) is imported by the functions that call
# it: this module comes with benchmarks.selectors, which the pages and most jobs import, and
# only a risk-score computation needs the model (about a second of a process's start).
if TYPE_CHECKING:
    from hccinfhir import Demographics, HCCInFHIR

V24 = "CMS-HCC Model V24"
V28 = "CMS-HCC Model V28"
ESRD_V21 = "CMS-HCC ESRD Model V21"
ESRD_V24 = "CMS-HCC ESRD Model V24"
CMS_HCC_MODELS = (V24, V28)
ESRD_MODELS = (ESRD_V21, ESRD_V24)

# The reference-data name that holds each model's weight in a payment year's blend.
BLEND_WEIGHT_NAMES = {
    V24: "hcc_weight_v24",
    V28: "hcc_weight_v28",
    ESRD_V21: "hcc_weight_esrd_v21",
    ESRD_V24: "hcc_weight_esrd_v24",
}

CMS_HCC = "cms_hcc"
ESRD = "esrd"

# CCLF8 BENE_MDCR_STUS_CD (domain.md 8.1): 10 aged, 11 aged + ESRD, 20 disabled, 21 disabled +
# ESRD, 31 ESRD only.
ESRD_STATUSES = frozenset({"11", "21", "31"})
# hccinfhir reads ESRD status from the current reason for entitlement (CREC 2 ESRD, 3 disability
# and ESRD). CCLF carries no CREC, so it is derived from the Medicare status code.
CREC_OF_STATUS = {"10": "0", "11": "2", "20": "1", "21": "3", "31": "2"}
DUAL_CODES_ACCEPTED = frozenset(
    {"NA", "99", "00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10"}
)


@dataclass(frozen=True)
class HccDataFiles:
    """Which of hccinfhir's bundled tables score a payment year, and what to confirm about it."""

    dx_to_cc: str
    hierarchies: str
    coefficients: str
    note: str = field(default="", compare=False)


def hcc_data_files(payment_year: int) -> HccDataFiles:
    """hccinfhir 0.4 bundles mappings for payment years 2025 and 2026 (and proposed 2027).

    V24 and V28 coefficients did not change between those years; earlier payment years (benchmark
    years 2021-2024) are scored with the 2025 diagnosis mapping, which may differ for ICD-10 codes
    added or deleted since: flagged to confirm on every step that uses it.
    """
    if payment_year >= 2026:
        note = (
            ""
            if payment_year == 2026
            else "hccinfhir ships no final mapping after 2026; 2026 tables used"
        )
        return HccDataFiles(
            "ra_dx_to_cc_2026.csv", "ra_hierarchies_2026.csv", "ra_coefficients_2026.csv", note
        )
    note = (
        ""
        if payment_year == 2025
        else f"hccinfhir ships no {payment_year} mapping; 2025 tables used"
    )
    return HccDataFiles(
        "ra_dx_to_cc_2025.csv", "ra_hierarchies_2025.csv", "ra_coefficients_2025.csv", note
    )


def _processor(model: str, payment_year: int) -> HCCInFHIR:
    return _processor_for_files(model, hcc_data_files(payment_year))


@lru_cache(maxsize=16)
def _processor_for_files(model: str, files: HccDataFiles) -> HCCInFHIR:
    from hccinfhir import HCCInFHIR

    # Keyed by the tables, not the year: every benchmark year before 2025 shares the 2025 ones.
    return HCCInFHIR(
        filter_claims=False,  # eligible_diagnoses() applies hccinfhir's filter at claim level
        model_name=model,
        dx_cc_mapping_filename=files.dx_to_cc,
        hierarchies_filename=files.hierarchies,
        coefficients_filename=files.coefficients,
    )


@lru_cache(maxsize=8)
def _eligible_procedures(service_year: int) -> frozenset[str]:
    from hccinfhir.utils import load_proc_filtering

    year = min(max(service_year, 2023), 2027)  # the years hccinfhir bundles
    return frozenset(load_proc_filtering(f"ra_eligible_cpt_hcpcs_{year}.csv"))


def eligible_diagnoses(
    lines: pd.DataFrame, diagnoses: pd.DataFrame, *, service_year: int
) -> pd.DataFrame:
    """Diagnoses of the claims that risk adjustment may use, by hccinfhir's filter.

    hccinfhir keeps inpatient bills (type 11x, 41x) whatever their lines, outpatient bills of the
    listed types with an eligible CPT/HCPCS line, and professional claims with an eligible
    CPT/HCPCS (the CMS list for the year of service). A claim counts when any line passes.

    lines: CLAIM_ID, FACILITY_TYPE, SERVICE_TYPE (nulls for Part B), PROCEDURE_CODE.
    diagnoses: CLAIM_ID, BENE_ID, DX_CODE (any further columns are kept).
    Returns the rows of `diagnoses` whose claim passes.
    """
    from hccinfhir import ServiceLevelData, apply_filter

    if diagnoses.empty:
        return diagnoses.copy()
    kinds = lines[[c.FACILITY_TYPE, c.SERVICE_TYPE, c.PROCEDURE_CODE]].drop_duplicates()
    kinds = kinds.astype(object).where(kinds.notna(), None)
    items = [
        ServiceLevelData(facility_type=f, service_type=s, procedure_code=p)
        for f, s, p in kinds.itertuples(index=False)
    ]
    passing = apply_filter(items, professional_cpt=set(_eligible_procedures(service_year)))
    keep = pd.DataFrame(
        [(i.facility_type, i.service_type, i.procedure_code) for i in passing],
        columns=[c.FACILITY_TYPE, c.SERVICE_TYPE, c.PROCEDURE_CODE],
        dtype=object,
    )
    flagged = lines.astype(
        {c.FACILITY_TYPE: object, c.SERVICE_TYPE: object, c.PROCEDURE_CODE: object}
    )
    flagged = flagged.where(flagged.notna(), None)
    eligible_claims = flagged.merge(keep, on=[c.FACILITY_TYPE, c.SERVICE_TYPE, c.PROCEDURE_CODE])[
        c.CLAIM_ID
    ]
    return diagnoses[diagnoses[c.CLAIM_ID].isin(set(eligible_claims))].reset_index(drop=True)


def age_on(birth_date: date, as_of: date) -> int:
    """Whole years of age on a date."""
    return (
        as_of.year
        - birth_date.year
        - ((as_of.month, as_of.day) < (birth_date.month, birth_date.day))
    )


def risk_age_date(payment_year: int) -> date:
    """The CMS-HCC model takes age as of February 1 of the payment year (CMS-HCC software
    documentation, variable AGEF) [R: not in domain.md; to confirm]."""
    return date(payment_year, 2, 1)


def is_new_enrollee(part_b_start: date | None, data_year: int) -> bool:
    """New-enrollee segment: fewer than 12 months of Part B in the data (diagnosis) year
    (CMS-HCC model documentation) [R: not in domain.md; to confirm]."""
    return part_b_start is None or part_b_start > date(data_year, 1, 1)


@dataclass(frozen=True)
class RiskResult:
    """Risk scores for one payment year.

    scores: BENE_ID, MODEL_FAMILY, SEGMENT, RAW_SCORE, DEMOGRAPHIC_SCORE
        (RAW_SCORE and DEMOGRAPHIC_SCORE are the blended Decimals).
    components: BENE_ID, MODEL, WEIGHT, SEGMENT, RAW_SCORE, DEMOGRAPHIC_SCORE (one row per model).
    hccs: BENE_ID, MODEL, HCC, HCC_LABEL, COEFFICIENT, DX_CODE (one row per HCC and diagnosis
        behind it, after hierarchies).
    """

    payment_year: int
    scores: pd.DataFrame
    components: pd.DataFrame
    hccs: pd.DataFrame
    data_files_note: str


def _validated_blend(
    blend: Mapping[str, Decimal], models: tuple[str, ...], family: str
) -> dict[str, Decimal]:
    weights = {model: blend.get(model, ZERO) for model in models}
    if (
        any(w < 0 for w in weights.values())
        or abs(sum(weights.values(), ZERO) - ONE) > WEIGHT_TOLERANCE
    ):
        raise ValueError(f"The {family} blend weights {weights} must be non-negative and sum to 1.")
    return {model: w for model, w in weights.items() if w}


def _demographics_key(row: Any) -> tuple[Any, ...]:
    """The fields of hccinfhir's Demographics for a beneficiary's row, in a hashable tuple:
    (age, sex, dual_elgbl_cd, orec, crec, new_enrollee, lti, graft_months)."""
    status = str(row.medicare_status)
    dual = (
        row.dual_status
        if isinstance(row.dual_status, str) and row.dual_status in DUAL_CODES_ACCEPTED
        else "NA"
    )
    graft = (
        row.graft_months if hasattr(row, "graft_months") and pd.notna(row.graft_months) else None
    )
    return (
        int(row.age),
        str(row.sex),
        dual,
        str(row.orec) if pd.notna(row.orec) else "0",
        CREC_OF_STATUS.get(status, "0"),
        bool(row.new_enrollee),
        bool(getattr(row, "institutional", False)),
        None if graft is None else int(graft),
    )


def _demographics(key: tuple[Any, ...]) -> Demographics:
    from hccinfhir import Demographics

    age, sex, dual, orec, crec, new_enrollee, lti, graft = key
    return Demographics(
        age=age,
        sex=sex,
        dual_elgbl_cd=dual,
        orec=orec,
        crec=crec,
        new_enrollee=new_enrollee,
        lti=lti,
        graft_months=graft,
    )


@dataclass(frozen=True)
class _ModelScore:
    """What risk_scores keeps of one hccinfhir result: the same for every beneficiary with the
    same diagnoses and demographics under the same model."""

    raw: Decimal
    demographic: Decimal
    segment: str
    hccs: tuple[tuple[str, str, Decimal | None, str], ...]  # (HCC, label, coefficient, dx code)


def _mapped_codes(model: str, payment_year: int) -> Any:
    """A function giving the diagnosis codes, of a sorted list, that the model's diagnosis
    mapping holds (as hccinfhir looks them up: upper case, no dot): hccinfhir ignores the rest."""
    mapping = _processor(model, payment_year).dx_to_cc_mapping

    def mapped(codes: list[str]) -> list[str]:
        return [code for code in codes if (code.upper().replace(".", ""), model) in mapping]

    return mapped


def _model_score(model: str, payment_year: int, codes: list[str], demographics: Any) -> _ModelScore:
    from hccinfhir.model_coefficients import get_coefficent_prefix

    result = _processor(model, payment_year).calculate_from_diagnosis(codes, demographics)
    hccs = [
        (
            detail.hcc,
            detail.label or "",
            None if detail.coefficient is None else score_from_float(detail.coefficient),
            dx,
        )
        for detail in result.hcc_details
        for dx in result.cc_to_dx.get(detail.hcc, ())
    ]
    # hccinfhir lists the HCCs from a set, in an order that changes with the process's hash
    # seed: sorted here (HCC, then diagnosis), so a rerun stores the same rows in the same order.
    hccs.sort(key=lambda hcc: (hcc[0], hcc[3]))
    return _ModelScore(
        raw=score_from_float(result.risk_score),
        demographic=score_from_float(result.risk_score_demographics),
        segment=get_coefficent_prefix(result.demographics, model).rstrip("_"),
        hccs=tuple(hccs),
    )


def risk_scores(
    beneficiaries: pd.DataFrame,
    diagnoses: pd.DataFrame,
    *,
    payment_year: int,
    blend: Mapping[str, Decimal],
) -> RiskResult:
    """Raw CMS-HCC scores, blended by the payment year's model weights.

    beneficiaries: BENE_ID, AGE (on risk_age_date), SEX (1/2 or M/F), OREC, MEDICARE_STATUS,
        DUAL_STATUS, NEW_ENROLLEE; optional INSTITUTIONAL (long-term institutionalized, not in
        CCLF: community when absent) and GRAFT_MONTHS (ESRD functioning graft).
    diagnoses: BENE_ID, DX_CODE from eligible_diagnoses() for the data year.
    blend: model name -> weight. The CMS-HCC weights (V24, V28) and the ESRD weights (ESRD V21,
        V24) each sum to 1: 2024 67/33, 2025 33/67, 2026 100% V28 (domain.md 6.1 [V]).

    ESRD beneficiaries (Medicare status 11, 21, 31) are scored with the ESRD models, in
    hccinfhir's dialysis or functioning-graft segment; everyone else with the CMS-HCC models, in
    the community, institutional or new-enrollee segment hccinfhir derives from the demographics.
    """
    weights = {
        CMS_HCC: _validated_blend(blend, CMS_HCC_MODELS, "CMS-HCC"),
        ESRD: _validated_blend(blend, ESRD_MODELS, "ESRD"),
    }
    dx_by_bene: dict[Any, list[str]] = {}
    if not diagnoses.empty:
        for bene, dx in diagnoses.groupby(c.BENE_ID, sort=False)[c.DX_CODE]:
            dx_by_bene[bene] = sorted(set(dx))

    score_rows: list[dict[str, Any]] = []
    component_rows: list[dict[str, Any]] = []
    hcc_rows: list[dict[str, Any]] = []
    # hccinfhir's result is a function of the model, the diagnoses and the demographics alone,
    # and many beneficiaries share all three (same age, sex, status and no or common diagnoses):
    # each distinct combination is scored once.
    scored: dict[tuple[Any, ...], _ModelScore] = {}
    mapped_codes = {
        model: _mapped_codes(model, payment_year)
        for family_weights in weights.values()
        for model in family_weights
    }
    demographics_of: dict[tuple[Any, ...], Demographics] = {}
    for row in beneficiaries.itertuples(index=False):
        bene = getattr(row, c.BENE_ID)
        family = ESRD if str(row.medicare_status) in ESRD_STATUSES else CMS_HCC
        person = _demographics_key(row)
        codes = dx_by_bene.get(bene, [])
        raw = demographic = ZERO
        segment = ""
        for model, weight in weights[family].items():
            # Only the codes the model maps to a condition category can change its result.
            mapped = mapped_codes[model](codes)
            key = (model, person, *mapped)
            score = scored.get(key)
            if score is None:
                demographics = demographics_of.get(person)
                if demographics is None:
                    demographics = demographics_of[person] = _demographics(person)
                score = scored[key] = _model_score(model, payment_year, mapped, demographics)
            segment = score.segment
            raw += weight * score.raw
            demographic += weight * score.demographic
            component_rows.append(
                {
                    c.BENE_ID: bene,
                    c.MODEL: model,
                    c.WEIGHT: weight,
                    c.SEGMENT: segment,
                    c.RAW_SCORE: score.raw,
                    c.DEMOGRAPHIC_SCORE: score.demographic,
                }
            )
            hcc_rows.extend(
                {
                    c.BENE_ID: bene,
                    c.MODEL: model,
                    c.HCC: hcc,
                    c.HCC_LABEL: label,
                    c.COEFFICIENT: coefficient,
                    c.DX_CODE: dx,
                }
                for hcc, label, coefficient, dx in score.hccs
            )
        score_rows.append(
            {
                c.BENE_ID: bene,
                c.MODEL_FAMILY: family,
                c.SEGMENT: segment,
                c.RAW_SCORE: raw,
                c.DEMOGRAPHIC_SCORE: demographic,
            }
        )
    return RiskResult(
        payment_year=payment_year,
        scores=pd.DataFrame(
            score_rows,
            columns=[c.BENE_ID, c.MODEL_FAMILY, c.SEGMENT, c.RAW_SCORE, c.DEMOGRAPHIC_SCORE],
        ),
        components=pd.DataFrame(
            component_rows,
            columns=[c.BENE_ID, c.MODEL, c.WEIGHT, c.SEGMENT, c.RAW_SCORE, c.DEMOGRAPHIC_SCORE],
        ),
        hccs=pd.DataFrame(
            hcc_rows, columns=[c.BENE_ID, c.MODEL, c.HCC, c.HCC_LABEL, c.COEFFICIENT, c.DX_CODE]
        ),
        data_files_note=hcc_data_files(payment_year).note,
    )


def recapture_gaps(prior: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """HCCs a beneficiary had last year that no diagnosis has shown yet this year.

    prior, current: BENE_ID, MODEL, HCC (the `hccs` frames of two RiskResults; other columns of
    `prior`, such as HCC_LABEL and DX_CODE, are kept). Returns one row per gap.
    """
    keys = [c.BENE_ID, c.MODEL, c.HCC]
    seen = current[keys].drop_duplicates()
    merged = prior.merge(seen, on=keys, how="left", indicator=True)
    gaps = merged[merged["_merge"] == "left_only"].drop(columns="_merge")
    return gaps.reset_index(drop=True)


# --- Program treatment -------------------------------------------------------------------------


def person_year_weighted_mean(scores: pd.Series, person_years: pd.Series) -> Decimal:
    """Mean score weighted by person-years (each beneficiary counts for the time enrolled).

    Beneficiaries without a score (null: no birth date or sex in CCLF8) are left out of the mean.
    """
    pairs = [
        (s, p)
        for s, p in zip(scores, person_years, strict=True)
        if s is not None and not pd.isna(s)
    ]
    total = sum((p for _, p in pairs), ZERO)
    return safe_divide(sum((s * p for s, p in pairs), ZERO), total)


def normalize(score: Decimal, factor: Decimal) -> Decimal:
    """Program normalization: the score divided by the year's normalization factor (a versioned
    reference value, never a constant; domain.md 6.1 and 2.5)."""
    if factor <= 0:
        raise ValueError(f"A normalization factor must be positive, not {factor}.")
    return score / factor


@dataclass(frozen=True)
class MsspRiskRatios:
    """MSSP risk ratios BY3 -> performance year, with the cap (domain.md 2.10, 10.5)."""

    uncapped: dict[str, Decimal]
    capped: dict[str, Decimal]
    aggregate_growth: Decimal  # PY / BY3 aggregate risk, weighted by PY person-years
    demographic_growth: Decimal | None
    cap: Decimal  # the largest aggregate growth allowed
    scale: Decimal  # what each enrollment type's ratio is multiplied by (1 when the cap binds not)


def mssp_capped_risk_ratios(
    *,
    py_scores: Mapping[str, Decimal],
    by3_scores: Mapping[str, Decimal],
    py_person_years: Mapping[str, Decimal],
    cap_pct: Decimal,
    py_demographic_scores: Mapping[str, Decimal] | None = None,
    by3_demographic_scores: Mapping[str, Decimal] | None = None,
) -> MsspRiskRatios:
    """Per-enrollment-type risk ratios (PY normalized score / BY3 normalized score), capped.

    Positive growth is capped at `cap_pct` cumulatively from BY3 to any PY of the agreement
    period [V 425.610(a)(2)]. For agreement periods from 2024 the cap applies in aggregate across
    enrollment types (weights: the PY's person-years) and adds the ACO's aggregate demographic
    risk-score growth when demographic scores are given [R CY2023 PFS: to confirm]. When the
    aggregate growth exceeds the cap, every type's ratio is scaled by cap / aggregate growth.
    Negative growth is not capped [R].
    """
    types = [t for t in py_scores if py_person_years.get(t, ZERO) > 0]
    uncapped = {t: safe_divide(py_scores[t], by3_scores[t]) for t in types}
    weights = {t: py_person_years[t] for t in types}

    def aggregate(py: Mapping[str, Decimal], by3: Mapping[str, Decimal]) -> Decimal:
        return safe_divide(
            sum((weights[t] * py[t] for t in types), ZERO),
            sum((weights[t] * by3[t] for t in types), ZERO),
        )

    growth = aggregate(py_scores, by3_scores)
    demographic_growth = None
    cap = ONE + cap_pct
    if py_demographic_scores is not None and by3_demographic_scores is not None:
        demographic_growth = aggregate(py_demographic_scores, by3_demographic_scores)
        cap = demographic_growth + cap_pct
    scale = cap / growth if growth > cap else ONE
    return MsspRiskRatios(
        uncapped=uncapped,
        capped={t: r * scale for t, r in uncapped.items()},
        aggregate_growth=growth,
        demographic_growth=demographic_growth,
        cap=cap,
        scale=scale,
    )


@dataclass(frozen=True)
class ReachRisk:
    """ACO REACH performance-year risk score after caps and the coding intensity factor."""

    normalized: Decimal
    lower_bound: Decimal
    upper_bound: Decimal
    capped: Decimal
    upper_bound_2019: Decimal | None
    capped_2019: Decimal
    final: Decimal


def reach_capped_risk_score(
    *,
    normalized: Decimal,
    reference_score: Decimal,
    cap_pct: Decimal,
    coding_intensity_factor: Decimal,
    score_2019: Decimal | None = None,
    cap_2019_pct: Decimal | None = None,
) -> ReachRisk:
    """REACH (Standard ACO): normalized PY score capped symmetrically at +/- cap_pct of the
    reference-year (2022) score, then, in PY2026, capped upward at cap_2019_pct over the 2019
    score, then reduced by the coding intensity factor (domain.md 4.1.3 [V Milliman 2025])."""
    lower = reference_score * (ONE - cap_pct)
    upper = reference_score * (ONE + cap_pct)
    capped = min(max(normalized, lower), upper)
    upper_2019 = None
    capped_2019 = capped
    if score_2019 is not None and cap_2019_pct is not None:
        upper_2019 = score_2019 * (ONE + cap_2019_pct)
        capped_2019 = min(capped, upper_2019)
    return ReachRisk(
        normalized=normalized,
        lower_bound=lower,
        upper_bound=upper,
        capped=capped,
        upper_bound_2019=upper_2019,
        capped_2019=capped_2019,
        final=capped_2019 * (ONE - coding_intensity_factor),
    )
