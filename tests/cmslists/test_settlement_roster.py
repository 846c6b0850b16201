"""Settlement on the platform's data uses the roster of record and says which list."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from benchmarks.engine import columns as bc
from benchmarks.selectors import expenditure_population
from beneficiaries.models import Beneficiary
from cmslists.selectors import cms_list_enrollment
from cmslists.services import cms_list_load
from entities.models import Entity
from settlement.collect import settlement_collect_final
from tests.settlement.test_settlement_collect import (  # noqa: F401
    PY,
    REPORT,
    TIN_1,
    TIN_2,
    _benchmark,
    aco,
    complete_inputs,
)

pytestmark = pytest.mark.django_db


def test_the_statement_names_the_cms_list(complete_inputs: Entity) -> None:  # noqa: F811
    b1, b2, _b3 = complete_inputs.built  # type: ignore[attr-defined]
    stem = "P.A9001.ACO.AALR.Y2025.D269999.T0200000"
    t11 = f"BENE_MBI_ID,EXCLUDED\n{b1.current_mbi},0\n{b2.current_mbi},0\n"
    t12 = f"BENE_MBI_ID,MASTER_ID,B_EM_LINE_CNT_T\n{b1.current_mbi},{TIN_1},3\n{b2.current_mbi},{TIN_2},2\n"
    cms_list_load(
        entity=complete_inputs,
        kind="mssp_final",
        performance_year=PY,
        list_date=dt.date(2026, 4, 15),
        files=[(f"{stem}_1-1.csv", t11.encode()), (f"{stem}_1-2.csv", t12.encode())],
    )
    run = settlement_collect_final(
        entity=complete_inputs,
        performance_year=PY,
        track="BASIC_E",
        msr_mlr="2.0",
        report_figures=REPORT,
    )
    # The same two people as the run aligned: the same hand-worked totals.
    assert run.inputs["total_expenditure"] == "55900.00"
    assert run.inputs["assigned_beneficiaries"] == "2"
    first = run.explanation[0]
    assert first["label"] == "Aligned population (CMS list)"
    assert "MSSP annual (final) assignment list PY2025 of 2026-04-15" in first["value"]
    assert "roster_source=cms_list" in run.note
    assert sorted(s.tin for s in run.shares.all()) == sorted([TIN_1, TIN_2])


# Two people only CMS's list names (CCLF never carried them: opted out of data sharing, say).
# LISTED_1's enrollment flags place them (aged/non-dual January to November, not enrolled in
# December: 11 member-months); LISTED_2's row has no flags, so nothing places them.
LISTED_1, LISTED_2 = "1AC0AC0AA51", "1AC0AC0AA52"
FLAGS = ",".join(f"ENROLLFLAG{m}" for m in range(1, 13))


def _final_list_with_list_only_people(entity: Entity, b1: Any, b2: Any) -> None:
    stem = "P.A9001.ACO.AALR.Y2025.D269999.T0200000"
    t11 = (
        f"BENE_MBI_ID,BENE_1ST_NAME,BENE_LAST_NAME,EXCLUDED,{FLAGS}\n"
        f"{b1.current_mbi},,,0,{','.join('4' * 12)}\n"
        f"{b2.current_mbi},,,0,{','.join('4' * 12)}\n"
        f"{LISTED_1},ADA,LISTED,0,{','.join('4' * 11)},0\n"
        f"{LISTED_2},BEA,LISTED,0,{',' * 11}\n"
    )
    t12 = (
        f"BENE_MBI_ID,MASTER_ID,B_EM_LINE_CNT_T\n{b1.current_mbi},{TIN_1},3\n"
        f"{b2.current_mbi},{TIN_2},2\n{LISTED_1},{TIN_1},4\n{LISTED_2},{TIN_2},1\n"
    )
    cms_list_load(
        entity=entity,
        kind="mssp_final",
        performance_year=PY,
        list_date=dt.date(2026, 4, 15),
        files=[(f"{stem}_1-1.csv", t11.encode()), (f"{stem}_1-2.csv", t12.encode())],
    )


def test_list_only_people_keep_their_place_and_the_unplaced_are_named(
    complete_inputs: Entity,  # noqa: F811
) -> None:
    b1, b2, _b3 = complete_inputs.built  # type: ignore[attr-defined]
    _final_list_with_list_only_people(complete_inputs, b1, b2)
    listed_1 = Beneficiary.objects.get(entity=complete_inputs, current_mbi=LISTED_1)
    listed_2 = Beneficiary.objects.get(entity=complete_inputs, current_mbi=LISTED_2)
    assert listed_1.medicare_status_code == ""  # CCLF never described them

    population = expenditure_population(entity=complete_inputs, year=PY)
    months = population.months
    mine = months[months[bc.BENE_ID] == listed_1.pk]
    assert list(mine[bc.MONTH]) == list(range(1, 12))
    assert set(mine[bc.ENROLLMENT_TYPE]) == {bc.AGED_NONDUAL}
    assert listed_2.pk not in set(months[bc.BENE_ID])
    assert population.left_out == (
        (listed_2.pk, "Table 1-1 line 5: no enrollment flags (ENROLLFLAG1..12)"),
    )

    # The benchmark counts the population's 35 member-months (24 + LISTED_1's 11).
    _benchmark(complete_inputs, per_capita="40000.00", member_months=35, version=2)
    run = settlement_collect_final(
        entity=complete_inputs,
        performance_year=PY,
        track="BASIC_E",
        msr_mlr="2.0",
        report_figures=REPORT,
    )
    assert run.inputs["assigned_beneficiaries"] == "4"  # the head count keeps both
    assert run.inputs["total_expenditure"] == "55900.00"  # LISTED_1 has no claims
    first, known, warning = run.explanation[:3]
    assert first["label"] == "Aligned population (CMS list)"
    assert "4 assigned beneficiaries, 2.92 person-years" in first["value"]
    assert known["label"] == "1 assigned beneficiary known from CMS's list alone"
    assert "expenditures are zero in these figures" in known["value"]
    assert warning["label"] == (
        "Warning: 1 assigned beneficiary left out of person-years and expenditures"
    )
    assert f"beneficiary {listed_2.pk}: Table 1-1 line 5: no enrollment flags" in warning["value"]
    assert LISTED_2 not in warning["value"]  # named by id and line, never by MBI


def test_a_list_cannot_place_whom_its_flags_do_not_describe_for_the_year(
    entity_a: Entity,
) -> None:
    """A quarterly list's flags are its assignment window's months (Q2: July to June), and a
    code the data dictionary does not give is not read: both people are left out, with why."""
    stem = "P.A9001.ACO.QALR.2025Q2.D259999.T0200000"
    t11 = f"BENE_MBI_ID,EXCLUDED,{FLAGS}\n{LISTED_1},0,{','.join('4' * 12)}\n"
    quarterly = cms_list_load(
        entity=entity_a,
        kind="mssp_quarterly",
        performance_year=PY,
        period=2,
        list_date=dt.date(2025, 5, 15),
        files=[(f"{stem}_1-1.csv", t11.encode())],
    )
    listed = Beneficiary.objects.get(entity=entity_a, current_mbi=LISTED_1)
    found = cms_list_enrollment(cms_list=quarterly.cms_list, beneficiary_ids=[listed.pk])
    assert found.months == []
    assert "not January to December of the performance year" in found.left_out[0][1]

    stem = "P.A9001.ACO.AALR.Y2025.D269999.T0200000"
    t11 = f"BENE_MBI_ID,EXCLUDED,{FLAGS}\n{LISTED_1},0,{','.join('7' * 12)}\n"
    final = cms_list_load(
        entity=entity_a,
        kind="mssp_final",
        performance_year=PY,
        list_date=dt.date(2026, 4, 15),
        files=[(f"{stem}_1-1.csv", t11.encode())],
    )
    found = cms_list_enrollment(cms_list=final.cms_list, beneficiary_ids=[listed.pk])
    assert found.months == []
    assert found.left_out == [
        (
            listed.pk,
            "Table 1-1 line 2: enrollment flag code 7 has no meaning in the Assignment List "
            "Report data dictionary as the platform holds it",
        )
    ]


def test_an_aco_reach_report_gives_no_enrollment_type(entity_b: Entity) -> None:
    """CMS publishes no layout for the REACH alignment report, and the columns it accepts carry
    no enrollment type: a listed person CCLF never described is left out, with why."""
    header = "BENE_MBI_ID,ALGN_STATUS,EXCLUSION_REASON,VA_FLAG"
    report = cms_list_load(
        entity=entity_b,
        kind="reach_prospective",
        performance_year=PY,
        list_date=dt.date(2025, 1, 15),
        files=[("bar_2025.csv", f"{header}\n{LISTED_1},A,,0\n".encode())],
    ).cms_list
    listed = Beneficiary.objects.get(entity=entity_b, current_mbi=LISTED_1)
    found = cms_list_enrollment(cms_list=report, beneficiary_ids=[listed.pk])
    assert found.months == []
    assert found.left_out == [
        (
            listed.pk,
            "CMS's ACO REACH alignment report gives no monthly enrollment type, and CCLF never "
            "described the beneficiary (no Medicare status code)",
        )
    ]
