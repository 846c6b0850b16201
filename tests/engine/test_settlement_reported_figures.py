"""CMS's figures as they come: the batch calculator accepts CMS's own rounding of the EUC loss
reduction and a BASIC row without participant revenue, with a warning; the what-if engine
(figures typed by hand) still refuses both. Figures worked by hand in each test."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from settlement.engine.batch import run_batch
from settlement.engine.errors import SettlementInputError
from settlement.engine.mssp import MSSPInput, settle_mssp
from settlement.engine.parameters import MSSPTrack
from tests.engine.settlement_support import BOOK

HEADER = (
    "entity_id,performance_year,track,assigned_beneficiaries,total_benchmark,total_expenditure,"
    "msr_mlr,quality_score,met_qps,met_alt_qps,met_reporting,participant_revenue,euc_loss_reduction"
)


def batch(*rows: str) -> tuple[dict[str, dict[str, str]], list[str]]:
    outcome = run_batch("mssp", io.StringIO("\n".join([HEADER, *rows])), BOOK)
    return {row["entity_id"]: row for row in outcome.rows}, [str(e) for e in outcome.errors]


def test_a_basic_row_with_losses_and_no_revenue_is_settled_on_the_benchmark_based_limit() -> None:
    # BASIC C, PY2025: benchmark 240,000,000, expenditures 249,600,000: losses 9,600,000 (4% >=
    # the 2% MLR). Shared losses before the limit: 30% x 9,600,000 = 2,880,000. The
    # benchmark-based limit, 1% x 240,000,000 = 2,400,000, binds: the ACO owes 2,400,000.
    # BASIC E the same: 4% x 240,000,000 = 9,600,000 does not bind: 2,880,000 owed.
    rows, errors = batch(
        "C1,2025,BASIC_C,20000,240000000,249600000,2,80,true,false,true,,",
        "E1,2025,BASIC_E,20000,240000000,249600000,2,80,true,false,true,,",
    )
    assert errors == []
    assert rows["C1"]["earned_savings_losses"] == "-2400000.00"
    assert rows["E1"]["earned_savings_losses"] == "-2880000.00"
    for row in rows.values():
        assert row["warnings"].startswith("revenue-based loss sharing limit not checked")
        assert "give participant_revenue to check" in row["warnings"]
        assert "the revenue-based limit was not checked" in row["explanation"]
    assert "$2,400,000.00" in rows["C1"]["warnings"]


def test_with_the_revenue_given_there_is_no_warning_and_the_lower_limit_applies() -> None:
    # BASIC C with revenue 100,000,000: min(2% x 100,000,000 = 2,000,000, 2,400,000) = 2,000,000.
    rows, errors = batch(
        "C2,2025,BASIC_C,20000,240000000,249600000,2,80,true,false,true,100000000,"
    )
    assert errors == []
    assert rows["C2"]["earned_savings_losses"] == "-2000000.00"
    assert rows["C2"]["warnings"] == ""


def test_an_euc_reduction_above_the_losses_by_less_than_a_dollar_is_limited_to_them() -> None:
    # BASIC E, revenue 40,000,000 (limit min(3,200,000, 9,600,000), not binding). Expenditures
    # 249,600,001.33: losses 9,600,001.33 x 30% = 2,880,000.399 shared. CMS reports the EUC
    # reduction in whole dollars: 2,880,001, 0.601 above: the reduction is the shared losses,
    # nothing is owed. 2,880,002 (1.601 above) is a wrong figure and is refused.
    rows, errors = batch(
        "U1,2025,BASIC_E,20000,240000000,249600001.33,2,80,true,false,true,40000000,2880001",
        "U2,2025,BASIC_E,20000,240000000,249600001.33,2,80,true,false,true,40000000,2880002",
        "U3,2025,BASIC_E,20000,240000000,249600001.33,2,80,true,false,true,40000000,2880000",
    )
    assert rows["U1"]["earned_savings_losses"] == "0.00"
    assert rows["U1"]["warnings"] == (
        "EUC loss reduction $2,880,001.00 exceeds the shared losses $2,880,000.40 by $0.60, less "
        "than a dollar (CMS reports it in whole dollars): limited to the shared losses"
    )
    assert "42 CFR 425.605(f)(1)" in rows["U1"]["explanation"]
    assert "U2" not in rows
    assert errors == [
        "line 3, column euc_loss_reduction: $2,880,002.00 exceeds the shared losses "
        "$2,880,000.40 it reduces by $1.60 (a dollar or more)"
    ]
    # 2,880,000.399 - 2,880,000 = 0.399, rounded once to the cent: 0.40 owed; no warning.
    assert rows["U3"]["earned_savings_losses"] == "-0.40"
    assert rows["U3"]["warnings"] == ""


def test_figures_typed_by_hand_are_still_refused() -> None:
    inputs = MSSPInput(
        performance_year=2025, track=MSSPTrack.BASIC_E, assigned_beneficiaries=20000,
        total_benchmark=Decimal("240000000"), total_expenditure=Decimal("249600001.33"),
        msr_mlr=Decimal("2"), met_qps=True, met_alt_qps=False, met_reporting=True,
        quality_score=Decimal("80"), participant_revenue=Decimal("40000000"),
        euc_loss_reduction=Decimal("2880001"),
    )  # fmt: skip
    params = BOOK.mssp_track(2025, MSSPTrack.BASIC_E)
    with pytest.raises(SettlementInputError) as error:
        settle_mssp(inputs, params, BOOK.msr_table(2025))
    assert error.value.field == "euc_loss_reduction"
    no_revenue = MSSPInput(
        **{**inputs.__dict__, "participant_revenue": None, "euc_loss_reduction": Decimal(0)}
    )
    with pytest.raises(SettlementInputError) as error:
        settle_mssp(no_revenue, params, BOOK.msr_table(2025))
    assert error.value.field == "participant_revenue"
    reported = settle_mssp(no_revenue, params, BOOK.msr_table(2025), as_reported=True)
    assert reported.loss_sharing_limit == Decimal("9600000.00")
    assert len(reported.warnings) == 1
