"""A stored quality result of an entity, for the PHI matrix and the page tests."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from quality.models import MeasureCase, MeasureResult, MeasureRun


def quality_result(entity: Any, beneficiary: Any = None, code: str = "ACR") -> MeasureResult:
    run = MeasureRun.objects.create(
        entity=entity,
        performance_year=2024,
        as_of=date(2024, 12, 31),
        population_source="aligned in the alignment run as of 2024-12-31",
        population=1,
        value_set_version="2025.1",
    )
    result = MeasureResult.objects.create(
        run=run,
        code=code,
        title="All-Condition Readmission",
        basis="observed",
        unit="percent",
        lower_is_better=True,
        numerator=Decimal(1),
        denominator=Decimal(1),
        rate=Decimal(100),
        specification="ACO REACH Model PY2023 Quality Measurement Methodology",
        quarters=[{"quarter": "Q1", "numerator": 1, "denominator": 1, "rate": 100.0}],
    )
    if beneficiary is not None:
        MeasureCase.objects.create(
            result=result,
            beneficiary=beneficiary,
            unit="stay",
            event_claim_id="1001",
            event_start=date(2024, 3, 1),
            event_end=date(2024, 3, 5),
            event_dx="J189",
            outcome=Decimal(1),
            exposure=Decimal(1),
            outcome_claim_id="1002",
            outcome_date=date(2024, 3, 20),
            window_end=date(2024, 4, 4),
            tin="123456789",
            npi="1234567893",
        )
    return result
