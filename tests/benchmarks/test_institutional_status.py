"""Long-term institutional status: an uploaded input (ALR Table 1-1 LTI_STATUS), all or nothing,
scoped to the entity, and read by the risk scores (institutional segment)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hccinfhir import Demographics, HCCInFHIR

from benchmarks.engine import risk as r
from benchmarks.models import InstitutionalStatus, RiskScore
from benchmarks.services.institutional import institutional_status_upload
from benchmarks.services.risk import risk_scores_compute
from core.api import ApplicationError
from tests.benchmarks.builders import ClaimsBuilder

pytestmark = pytest.mark.django_db
SOURCE = "ALR 2025 Q4 Table 1-1 LTI_STATUS (synthetic)"


@pytest.fixture
def two(entity_a):
    build = ClaimsBuilder(entity_a)
    resident = build.beneficiary(years=[2024, 2025], birth=date(1937, 6, 1), sex="2")
    home = build.beneficiary(years=[2024, 2025], birth=date(1937, 6, 1), sex="2")
    for bene in (resident, home):
        build.part_b(bene, thru=date(2024, 3, 1), paid="100.00", dx=("G309", "L89154"))
    return entity_a, resident, home


def _csv(*rows: tuple[str, str]) -> bytes:
    return ("mbi,lti_status\n" + "".join(f"{m},{v}\n" for m, v in rows)).encode()


def _direct(lti: bool) -> Decimal:
    files = r.hcc_data_files(2025)
    total = Decimal(0)
    for model, weight in ((r.V24, Decimal("0.33")), (r.V28, Decimal("0.67"))):
        processor = HCCInFHIR(
            model_name=model,
            dx_cc_mapping_filename=files.dx_to_cc,
            hierarchies_filename=files.hierarchies,
            coefficients_filename=files.coefficients,
        )
        result = processor.calculate_from_diagnosis(
            ["G309", "L89154"],
            Demographics(age=87, sex="2", orec="0", crec="0", dual_elgbl_cd="NA", lti=lti),
        )
        total += weight * Decimal(repr(result.risk_score)).quantize(Decimal("0.001"))
    return total


def test_an_uploaded_lti_status_scores_the_beneficiary_in_the_institutional_segment(two) -> None:
    entity, resident, home = two
    stored = institutional_status_upload(
        entity=entity,
        year=2025,
        content=_csv((resident.current_mbi, "1"), (home.current_mbi, "0")),
        source=SOURCE,
    )
    assert stored == 2
    summary = risk_scores_compute(entity=entity, payment_year=2025)
    assert summary["institutional"] == 1
    assert "LTI status uploaded for 2025" in summary["institutional_source"]
    lti = RiskScore.objects.get(beneficiary=resident, payment_year=2025)
    community = RiskScore.objects.get(beneficiary=home, payment_year=2025)
    assert lti.segment == "INS"
    assert community.segment == "CNA"
    assert lti.raw_score == _direct(lti=True)
    assert community.raw_score == _direct(lti=False)
    assert lti.raw_score != community.raw_score


def test_without_an_upload_everyone_is_scored_in_the_community_and_it_says_so(two) -> None:
    entity, resident, _ = two
    summary = risk_scores_compute(entity=entity, payment_year=2025)
    assert summary["institutional"] == 0
    assert "no LTI status uploaded for 2025" in summary["institutional_source"]
    assert RiskScore.objects.get(beneficiary=resident, payment_year=2025).segment == "CNA"


def test_a_bad_row_rejects_the_whole_file_naming_line_and_field(two) -> None:
    entity, resident, home = two
    with pytest.raises(ApplicationError) as err:
        institutional_status_upload(
            entity=entity,
            year=2025,
            content=_csv((resident.current_mbi, "1"), (home.current_mbi, "maybe")),
            source=SOURCE,
        )
    assert err.value.extra["errors"] == [
        {"line": 3, "field": "lti_status", "message": "'maybe' is not 1/Y or 0/N"}
    ]
    assert not InstitutionalStatus.objects.exists()
    with pytest.raises(ApplicationError, match="columns must be mbi,lti_status"):
        institutional_status_upload(entity=entity, year=2025, content=b"mbi,lti\n", source=SOURCE)


def test_another_entitys_beneficiary_cannot_be_marked(two, entity_b) -> None:
    entity, _, _ = two
    stranger = ClaimsBuilder(entity_b).beneficiary(years=[2025])
    with pytest.raises(ApplicationError) as err:
        institutional_status_upload(
            entity=entity, year=2025, content=_csv((stranger.current_mbi, "1")), source=SOURCE
        )
    assert err.value.extra["errors"][0]["field"] == "mbi"
    assert stranger.current_mbi not in str(err.value)
    assert not InstitutionalStatus.objects.exists()


def test_a_new_upload_replaces_the_years_statuses(two) -> None:
    entity, resident, home = two
    institutional_status_upload(
        entity=entity, year=2025, content=_csv((resident.current_mbi, "Y")), source=SOURCE
    )
    institutional_status_upload(
        entity=entity, year=2025, content=_csv((home.current_mbi, "Y")), source=SOURCE
    )
    assert list(InstitutionalStatus.objects.values_list("beneficiary_id", flat=True)) == [home.pk]
