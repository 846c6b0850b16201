"""risk_scores_compute: stored scores with their HCCs and diagnoses, and recapture gaps."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hccinfhir import Demographics, HCCInFHIR

from benchmarks import selectors
from benchmarks.engine import risk as r
from benchmarks.models import RiskDiagnosis, RiskHcc, RiskScore
from benchmarks.services.risk import risk_scores_compute
from tests.benchmarks.builders import ClaimsBuilder

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(entity_a):
    build = ClaimsBuilder(entity_a)
    bene = build.beneficiary(years=[2024, 2025], birth=date(1950, 6, 1), sex="2")
    other = build.beneficiary(years=[2024, 2025], birth=date(1955, 1, 1), sex="1")
    build.part_b(bene, thru=date(2024, 3, 1), paid="100.00", dx=("E1122", "I5022"))
    build.part_b(bene, thru=date(2024, 9, 1), paid="100.00", dx=("E1122",))
    build.part_b(
        bene, thru=date(2024, 10, 1), paid="20.00", hcpcs="80053", dx=("C3490",)
    )  # lab: not eligible
    build.part_b(
        bene, thru=date(2025, 2, 1), paid="100.00", dx=("E1122",)
    )  # diabetes recaptured in 2025
    build.part_b(other, thru=date(2024, 5, 1), paid="100.00", dx=("J449",))
    return entity_a, bene, other


def test_it_stores_each_score_as_hccinfhir_computes_it(scored) -> None:
    entity, bene, _ = scored
    summary = risk_scores_compute(entity=entity, payment_year=2025)
    assert summary["scored"] == 2
    score = RiskScore.objects.get(beneficiary=bene, payment_year=2025)
    files = r.hcc_data_files(2025)
    direct = {}
    for model in (r.V24, r.V28):
        processor = HCCInFHIR(
            model_name=model,
            dx_cc_mapping_filename=files.dx_to_cc,
            hierarchies_filename=files.hierarchies,
            coefficients_filename=files.coefficients,
        )
        result = processor.calculate_from_diagnosis(
            ["E1122", "I5022"],
            Demographics(age=74, sex="2", orec="0", crec="0", dual_elgbl_cd="NA"),
        )
        direct[model] = Decimal(repr(result.risk_score)).quantize(Decimal("0.001"))
    assert score.raw_score == Decimal("0.33") * direct[r.V24] + Decimal("0.67") * direct[r.V28]
    assert score.segment == "CNA"
    assert {c.model for c in score.components.all()} == {r.V24, r.V28}


def test_each_hcc_keeps_the_diagnoses_and_claims_behind_it(scored) -> None:
    entity, bene, _ = scored
    risk_scores_compute(entity=entity, payment_year=2025)
    diabetes = RiskDiagnosis.objects.get(
        hcc__risk_score__beneficiary=bene, hcc__model=r.V28, dx_code="E1122"
    )
    assert diabetes.claim_count == 2
    assert diabetes.last_date == date(2024, 9, 1)
    assert not RiskDiagnosis.objects.filter(dx_code="C3490").exists()  # lab-only claim filtered out


def test_a_rerun_replaces_the_years_scores(scored) -> None:
    entity, _, _ = scored
    risk_scores_compute(entity=entity, payment_year=2025)
    first = RiskHcc.objects.count()
    risk_scores_compute(entity=entity, payment_year=2025)
    assert RiskScore.objects.filter(payment_year=2025).count() == 2
    assert RiskHcc.objects.count() == first


def test_recapture_gaps_are_last_years_hccs_not_yet_coded_this_year(scored, aco_analyst) -> None:
    entity, bene, other = scored
    risk_scores_compute(entity=entity, payment_year=2025)  # diagnoses of 2024
    risk_scores_compute(entity=entity, payment_year=2026)  # diagnoses of 2025 so far
    gaps = selectors.recapture_gaps(user=aco_analyst, entity=entity, year=2025)
    by_bene = {}
    for gap in gaps:
        by_bene.setdefault(gap.risk_score.beneficiary_id, set()).add((gap.model, gap.label))
    labels = {label for _, label in by_bene[bene.pk]}
    assert any("Heart Failure" in label or "Congestive" in label for label in labels)
    assert not any("Diabetes" in label for label in labels)  # recaptured in 2025
    assert other.pk in by_bene  # COPD not seen again
