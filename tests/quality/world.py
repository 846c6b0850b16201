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


def ecqm_open_patient(entity: Any, beneficiary: Any, quality_id: str = "134") -> str:
    """A partner's patient-level result of PY2026 leaving `beneficiary` open on an eCQM: the
    quality ID the eCQM page takes."""
    from quality.models import PatientResult, ReportedFile

    file = ReportedFile.objects.create(
        entity=entity, performance_year=2026, kind=ReportedFile.Kind.MEASURE_REPORT,
        source="EHR", submitted_on=date(2026, 11, 2), period_start=date(2026, 1, 1),
        period_end=date(2026, 12, 31), file_name="submission.json", sha256="0" * 64,
    )  # fmt: skip
    PatientResult.objects.create(
        file=file, beneficiary=beneficiary, quality_id=quality_id, measure_ref="CMS2v15",
        entry="entry 0", initial_population=True, denominator=True,
    )  # fmt: skip
    return quality_id
