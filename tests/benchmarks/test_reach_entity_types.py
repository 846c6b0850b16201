"""ACO REACH entity types end to end: the High Needs criteria read from stored claims and risk
scores for the roster of record, the page with its reasons, minimums and sources (and its access
record), another entity's user refused; a benchmark whose entity-type rule is unsourced refused
rather than computed with the Standard method."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from accounts.models import Role
from audit.models import AccessRecord
from benchmarks.entity_types import high_needs_report
from benchmarks.models import RiskScore, RiskScoreComponent
from benchmarks.services.calculations import calculation_parameters
from benchmarks.services.reference import reference_dataset_upload
from claims.models import PartAClaimHeader
from cmslists.services import cms_list_load
from core.api import ApplicationError
from entities.models import EntityYear, Track
from tests.benchmarks.builders import ClaimsBuilder
from tests.partners.phi_world import verify_second_factor

pytestmark = pytest.mark.django_db

BAR_HEADER = "BENE_MBI_ID,ALGN_STATUS,EXCLUSION_REASON,VA_FLAG,VA_NPI"


def set_type(entity: Any, year: int, code: str) -> None:
    EntityYear.objects.update_or_create(
        entity=entity,
        performance_year=year,
        defaults={
            "track": Track.objects.get(program=entity.program, code="global"),
            "entity_type": Track.objects.get(program=entity.program, code=code),
        },
    )


def risk(entity: Any, bene: Any, year: int, **scores: str) -> None:
    score = RiskScore.objects.create(
        entity=entity, beneficiary=bene, payment_year=year, model_family="cms_hcc",
        segment="CNA", raw_score=Decimal(max(scores.values())), demographic_score=Decimal("0.4"),
        diagnosis_year=year - 1, diagnoses_through=dt.date(year - 1, 12, 31),
    )  # fmt: skip
    names = {"v24": "CMS-HCC Model V24", "v28": "CMS-HCC Model V28"}
    for key, value in scores.items():
        RiskScoreComponent.objects.create(
            risk_score=score, model=names[key], weight=Decimal("0.5"), segment="CNA",
            raw_score=Decimal(value), demographic_score=Decimal("0.4"),
        )  # fmt: skip


@pytest.fixture
def high_needs_dce(entity_b: Any) -> dict[str, Any]:
    """Entity B as a High Needs Population ACO in PY2026 with five beneficiaries on CMS's list:
    a high risk score (b); a moderate score and two unplanned admissions (c); neither; and two
    with listed diagnoses (a)."""
    set_type(entity_b, 2026, "high_needs")
    build = ClaimsBuilder(entity_b)
    high, moderate, neither = (build.beneficiary(years=[2025]) for _ in range(3))
    risk(entity_b, high, 2026, v24="2.900", v28="3.214")
    risk(entity_b, moderate, 2026, v28="2.400")
    risk(entity_b, neither, 2026, v28="1.100")
    for day, admit in ((dt.date(2025, 2, 5), "1"), (dt.date(2025, 7, 9), "2")):
        cid = build.part_a(moderate, thru=day, paid="9000", dx=("I5021",))
        PartAClaimHeader.objects.filter(cur_clm_uniq_id=cid).update(clm_admsn_type_cd=admit)
    elective = build.part_a(neither, thru=dt.date(2025, 3, 3), paid="9000", dx=("M1711",))
    PartAClaimHeader.objects.filter(cur_clm_uniq_id=elective).update(clm_admsn_type_cd="3")
    # Criterion (a): a cerebral palsy diagnosis on an inpatient claim; cystic fibrosis on two
    # physician claims of different dates.
    palsy, fibrosis = build.beneficiary(years=[2025]), build.beneficiary(years=[2025])
    build.part_a(palsy, thru=dt.date(2025, 4, 2), paid="7000", dx=("I10", "G800"))
    for day in (dt.date(2025, 5, 1), dt.date(2025, 8, 1)):
        build.part_b(fibrosis, thru=day, paid="120", dx=("E849",))
    build.part_b(neither, thru=dt.date(2025, 5, 1), paid="120", dx=("E849",))  # one date only
    rows = [f"{b.current_mbi},A,,0," for b in (high, moderate, neither, palsy, fibrosis)]
    cms_list_load(
        entity=entity_b,
        kind="reach_prospective",
        performance_year=2026,
        list_date=dt.date(2026, 1, 10),
        files=[
            (
                "P.D9002.BAR.2026.PROSPECTIVE.D269999.csv",
                ("\n".join([BAR_HEADER, *rows]) + "\n").encode(),
            )
        ],
    )
    return {
        "entity": entity_b, "high": high, "moderate": moderate, "neither": neither,
        "palsy": palsy, "fibrosis": fibrosis,
    }  # fmt: skip


def test_report_reads_claims_and_risk_scores_of_the_roster(high_needs_dce) -> None:
    entity = high_needs_dce["entity"]
    report = high_needs_report(entity=entity, performance_year=2026)
    met = {r.bene_id: r.met for r in report.results}
    assert met == {
        high_needs_dce["high"].pk: ["b"],
        high_needs_dce["moderate"].pk: ["c"],
        high_needs_dce["neither"].pk: [],
        high_needs_dce["palsy"].pk: ["a"],
        high_needs_dce["fibrosis"].pk: ["a"],
    }
    assert report.claims_through == dt.date(2025, 8, 1)
    assert report.count_by_criterion() == {"a": 2, "b": 1, "c": 1, "d": 0, "e": 0}


def test_page_shows_reasons_minimums_and_sources_to_the_entity_only(
    high_needs_dce, other_entity_user, aco_admin, login_client, make_member
) -> None:
    entity = high_needs_dce["entity"]
    url = reverse("benchmarks:entity_type", args=[entity.pk, 2026])
    verify_second_factor(other_entity_user)
    client = login_client(other_entity_user)
    before = AccessRecord.objects.count()
    page = client.get(url).content.decode()
    assert "<strong>High Needs Population</strong> ACO in PY2026" in page
    # The PY2026 minimum (cut from 1,400 to 1,250) with the Participation Agreement's section.
    assert "1,250" in page
    assert "section 5.03" in page
    assert "Participation Agreement Appendix A Section IV.B.1(b)" in page
    assert "risk score 3.214 (CMS-HCC Model V28, payment year 2026) is at least 3.0" in page
    assert "2 unplanned admissions, Nov 1, 2024 to Oct 31, 2025" in page
    assert "Not computed here" in page  # the High Needs benchmark method
    assert f'data-beneficiary="{high_needs_dce["neither"].pk}"' not in page
    records = list(AccessRecord.objects.order_by("id")[before:])
    assert [r.beneficiary_count for r in records] == [4]
    # Everyone, and a check date that is not one of the year's.
    page = client.get(url + "?show=all&check=2026-02-01").content.decode()
    assert f'data-beneficiary="{high_needs_dce["neither"].pk}"' in page
    assert "is not one of PY2026&#x27;s check dates" in page
    verify_second_factor(aco_admin)
    assert login_client(aco_admin).get(url).status_code == 404
    # The entity-year page links here (an analyst sees settlement).
    analyst = login_client(make_member(entity, Role.ANALYST))
    year_page = analyst.get(reverse("settlement:entity_year", args=[entity.pk, 2026]))
    assert url in year_page.content.decode()


def test_benchmark_refuses_unsourced_entity_type_methods(entity_b) -> None:
    set_type(entity_b, 2025, "high_needs")
    with pytest.raises(ApplicationError, match="does not compute"):
        calculation_parameters(entity=entity_b, performance_year=2025, given={})
    set_type(entity_b, 2025, "new_entrant")
    with pytest.raises(ApplicationError, match="blend_historical_weight and blend_regional_weight"):
        calculation_parameters(entity=entity_b, performance_year=2025, given={})
    reference_dataset_upload(
        program=entity_b.program, year=2025, entity=entity_b,
        source="CMS PY2025 benchmark report of the DCE", file_name="weights.csv",
        content=b"name,segment,value,status,note\nblend_historical_weight,,0.2,cms,\n"
        b"blend_regional_weight,,0.8,cms,\n",
        user=None,
    )  # fmt: skip
    assert (
        calculation_parameters(entity=entity_b, performance_year=2025, given={})["arrangement"]
        == "global"
    )
    set_type(entity_b, 2025, "standard")
    assert calculation_parameters(entity=entity_b, performance_year=2025, given={})


def test_minimum_check_says_whether_the_alignment_buffer_covers_a_shortfall(entity_b) -> None:
    from alignment.selectors import RosterOfRecord, program_minimum_check

    set_type(entity_b, 2026, "high_needs")

    def check(count: int) -> Any:
        roster = RosterOfRecord(
            entity_id=entity_b.pk, performance_year=2026, period=None, source="cms_list",
            as_of=dt.date(2026, 1, 10), label="list", count=count,
        )  # fmt: skip
        return program_minimum_check(entity=entity_b, roster=roster)

    # PY2026 High Needs minimum 1,250; the 10% buffer reaches down to 1,125.
    assert check(1250).note == ""
    assert check(1125).note.startswith("Within the 10% alignment buffer (at least 1,125)")
    assert check(1124).note == "Also below the 10% alignment buffer (1,125)."
