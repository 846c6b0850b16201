"""benchmark_calculate: from stored claims to a stored, explainable, versioned benchmark."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from benchmarks.engine import columns as c
from benchmarks.engine.rounding import to_money
from benchmarks.models import BenchmarkCalculation
from benchmarks.selectors import benchmark_for
from benchmarks.services.calculations import benchmark_calculate, benchmark_export_csv
from core.api import ApplicationError
from tests.benchmarks.conftest import upload

pytestmark = pytest.mark.django_db
D = Decimal


def _output(
    calculation: BenchmarkCalculation,
    step: str,
    name: str,
    segment: str = "",
    year: int | None = None,
):
    for figure in calculation.steps.get(key=step).outputs:
        if (
            figure["name"] == name
            and figure["segment"] == segment
            and (year is None or figure["year"] == year)
        ):
            return D(figure["value"])
    raise KeyError((step, name, segment, year))


def test_it_computes_the_mssp_benchmark_from_claims_and_stores_every_step(mssp_aco) -> None:
    calculation = benchmark_calculate(entity=mssp_aco, performance_year=2024)
    assert calculation.version == 1
    assert [s.key for s in calculation.steps.all()][:4] == [
        "population",
        "expenditures",
        "truncation",
        "per_capita",
    ]
    an, ad = c.AGED_NONDUAL, c.AGED_DUAL
    # 2021, aged/non-dual: bene 1 (1,200 + 9,000) and bene 2 (800)
    assert _output(calculation, "expenditures", "expenditure", an, 2021) == D("11000.00")
    # 2022: bene 2's 70,000 stay is truncated at the 50,000 threshold
    assert _output(calculation, "truncation", "amount_truncated", an, 2022) == D("20800.00")
    # 2023, aged/dual: IME 1,500 + DSH 700 + UC 300 removed from the 20,600 paid
    assert _output(calculation, "expenditures", "excluded_amount", ad, 2023) == D("2500.00")
    assert _output(calculation, "expenditures", "expenditure", ad, 2023) == D("18100.00")
    # PY person-years: bene 1 twelve months, bene 2 to its death in June (six), bene 3 twelve
    assert calculation.member_months_by_enrollment_type == {an: 18, ad: 12}
    assert calculation.member_months == 30
    segments = {s.segment: s for s in calculation.segments.all()}
    for segment in segments.values():
        assert segment.total == to_money(segment.per_capita * segment.member_months / 12)
    assert calculation.total == sum(s.total for s in segments.values())


def test_the_stored_steps_name_their_reference_sources(mssp_aco) -> None:
    calculation = benchmark_calculate(entity=mssp_aco, performance_year=2024)
    inputs = [f for step in calculation.steps.all() for f in step.inputs]
    regional = [f for f in inputs if f["name"] == "regional_per_capita_by3"]
    assert regional
    assert "Synthetic historical benchmark report" in regional[0]["source"]
    weights = [f for f in inputs if f["name"] == "by1_weight_first_period"]
    assert weights[0]["to_confirm"] is True  # a default from domain.md, flagged
    assert {d.year for d in calculation.reference_datasets.all()} == {2021, 2022, 2023, 2024}


def test_a_recompute_is_a_new_version_and_the_selector_reads_the_latest(mssp_aco) -> None:
    first = benchmark_calculate(entity=mssp_aco, performance_year=2024)
    savings = "name,segment,value\n" + "".join(
        f"prior_savings_per_capita_by{i},,{v}\n" for i, v in ((1, 200), (2, 0), (3, 400))
    )
    upload(
        mssp_aco.program,
        2024,
        mssp_aco,
        savings,
        source="Synthetic prior agreement reconciliations",
    )
    second = benchmark_calculate(
        entity=mssp_aco, performance_year=2024, parameters={"agreement_period": 2}
    )
    average = D(second.steps.get(key="prior_savings_adjustment").outputs[0]["value"])
    assert average == 200  # (200 + 0 + 400) / 3
    assert (first.version, second.version) == (1, 2)
    figures = benchmark_for(entity=mssp_aco, performance_year=2024)
    assert figures is not None
    assert figures.version == 2
    assert figures.total == second.total
    assert figures.person_years_by_enrollment_type == {
        c.AGED_NONDUAL: D("1.5"),
        c.AGED_DUAL: D("1"),
    }
    assert figures.person_years == D("2.5")
    assert to_money(figures.per_capita * figures.person_years) == figures.total
    assert benchmark_for(entity=mssp_aco, performance_year=2024, version=1).total == first.total
    assert benchmark_for(entity=mssp_aco, performance_year=2025) is None


def test_the_csv_export_has_every_input_and_output(mssp_aco) -> None:
    calculation = benchmark_calculate(entity=mssp_aco, performance_year=2024)
    rows = list(csv.DictReader(io.StringIO(benchmark_export_csv(calculation=calculation))))
    expected = sum(len(s.inputs) + len(s.outputs) for s in calculation.steps.all())
    assert len(rows) == expected
    final = [r for r in rows if r["Name"] == "updated_total" and r["Enrollment type"] == "All"]
    assert D(final[0]["Value (exact)"]) == calculation.total
    # Headed in words, each figure with its meaning, and cited as on the page: no reference to
    # our rules digest or its evidence tags in a file people download.
    assert "step_key" not in rows[0]
    assert "to_confirm" not in rows[0]
    assert {r["Meaning"] for r in rows}
    assert all(r["Meaning"] for r in rows)
    assert not [r for r in rows if "domain.md" in r["Rule"] + r["Source"]]
    assert not [r for r in rows if "[R]" in r["Rule"] or "[V]" in r["Rule"]]


def test_a_missing_reference_value_is_named_and_nothing_is_stored(mssp_aco) -> None:
    from benchmarks.models import ReferenceValue

    ReferenceValue.objects.filter(name="acpt_factor").delete()
    with pytest.raises(ApplicationError, match="acpt_factor"):
        benchmark_calculate(entity=mssp_aco, performance_year=2024)
    assert not BenchmarkCalculation.objects.exists()


def test_a_performance_year_outside_the_agreement_period_is_refused(mssp_aco) -> None:
    with pytest.raises(ApplicationError, match="agreement period"):
        benchmark_calculate(entity=mssp_aco, performance_year=2030)


def test_it_computes_the_reach_benchmark_at_pre_reduction_amounts(reach_dce) -> None:
    calculation = benchmark_calculate(entity=reach_dce, performance_year=2024)
    assert calculation.program == "reach"
    assert calculation.parameters["arrangement"] == "global"
    group = c.AGED_DISABLED
    # 2017: bene 1 900 + 100 reduction + 4,000 outpatient; bene 2 400
    assert _output(calculation, "expenditures", "reduction_added", group, 2017) == D("100.00")
    assert _output(calculation, "expenditures", "expenditure", group, 2017) == D("5400.00")
    assert calculation.member_months == 24
    extras = {k: D(v) for k, v in calculation.extras.items()}
    assert extras["discount"] == to_money(calculation.total * D("0.03"))
    assert extras["quality_withhold"] == to_money(calculation.total * D("0.02"))
    heba = _output(calculation, "heba", "heba_pbpm", group)
    assert heba == (D(30) * 12 - D(6) * 6) / 24
