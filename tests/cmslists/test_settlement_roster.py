"""Settlement on the platform's data uses the roster of record and says which list."""

from __future__ import annotations

import datetime as dt

import pytest

from cmslists.services import cms_list_load
from entities.models import Entity
from settlement.collect import settlement_collect_final
from tests.settlement.test_settlement_collect import (  # noqa: F401
    PY,
    REPORT,
    TIN_1,
    TIN_2,
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
