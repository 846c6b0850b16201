"""Builders shared by the settlement engine tests (no database)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from settlement.engine.mssp import MSSPInput, MSSPResult, settle_mssp
from settlement.engine.parameters import MSSPTrack, ParameterBook
from settlement.parameters import load_parameter_book

BOOK: ParameterBook = load_parameter_book()


def mssp_input(**overrides: Any) -> MSSPInput:
    """domain.md 3.5's ACO: 20,000 person-years, $240M benchmark, fixed 2% MSR/MLR, $30M revenue."""
    base = MSSPInput(
        performance_year=2025,
        track=MSSPTrack.BASIC_E,
        assigned_beneficiaries=20_000,
        total_benchmark=Decimal("240000000"),
        total_expenditure=Decimal("230400000"),
        msr_mlr=Decimal("2.0"),
        met_qps=True,
        met_alt_qps=False,
        met_reporting=True,
        quality_score=Decimal("80"),
        participant_revenue=Decimal("30000000"),
    )
    return replace(base, **overrides)


def settle(inputs: MSSPInput, book: ParameterBook = BOOK) -> MSSPResult:
    return settle_mssp(
        inputs,
        book.mssp_track(inputs.performance_year, inputs.track),
        book.msr_table(inputs.performance_year),
    )


def settle_with(**overrides: Any) -> MSSPResult:
    return settle(mssp_input(**overrides))
