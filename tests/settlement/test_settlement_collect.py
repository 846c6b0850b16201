"""Settlement on the platform's own data: a small hand-built MSSP ACO with an alignment run,
claims, a benchmark and a quality result settles to what the engine gives for the same totals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from alignment.models import AlignmentResult, AlignmentRun
from benchmarks.models import BenchmarkCalculation, BenchmarkSegment
from core.api import ApplicationError
from entities.models import Entity
from jobs.models import Job
from jobs.services import job_enqueue
from settlement.collect import (
    settlement_collect_final,
    settlement_collect_projection,
    settlement_inputs_collect,
)
from settlement.models import QualityResult, SettlementKind, SettlementRun
from settlement.services import settle_figures
from tests.benchmarks.builders import ClaimsBuilder
from tests.benchmarks.conftest import THRESHOLDS, upload

pytestmark = pytest.mark.django_db

PY = 2025
TIN_1, TIN_2 = "123456789", "987654321"
# Figures from CMS's report the platform does not hold.
REPORT = {"msr_pct": "3.9", "participant_revenue": "20000.00"}


def _alignment_run(
    entity: Entity, aligned: list[tuple[Any, str]], not_aligned: list[Any]
) -> AlignmentRun:
    run = AlignmentRun.objects.create(
        entity=entity,
        program="mssp",
        performance_year=PY,
        list_kind="final",
        as_of=date(PY, 12, 31),
        version=1,
        status="succeeded",
        parameters_version="test",
        participants_as_of=date(PY, 12, 31),
        participants_digest="0" * 64,
        bucket_count=1,
    )
    for bene, tin in aligned:
        AlignmentResult.objects.create(
            run=run, beneficiary=bene, bucket=0, aligned=True, step="step_1",
            reason="aligned_plurality", attributed_tin=tin,
        )  # fmt: skip
    for bene in not_aligned:
        AlignmentResult.objects.create(
            run=run, beneficiary=bene, bucket=0, aligned=False, step="eligibility",
            reason="no_primary_care",
        )  # fmt: skip
    return run


def _benchmark(entity: Entity, *, per_capita: str, member_months: int, version: int = 1) -> None:
    total = Decimal(per_capita) * member_months / 12
    calculation = BenchmarkCalculation.objects.create(
        entity=entity, performance_year=PY, version=version, program="mssp", method="test",
        total=total, member_months=member_months,
        member_months_by_enrollment_type={"aged_nondual": member_months},
    )  # fmt: skip
    BenchmarkSegment.objects.create(
        calculation=calculation, segment="aged_nondual", member_months=member_months,
        per_capita=Decimal(per_capita), total=total,
    )  # fmt: skip


@pytest.fixture
def aco(entity_a: Entity) -> Entity:
    """Three beneficiaries with 2025 claims; two aligned (one per TIN), one not.

    Bene 1: Part B 1,000.00 + inpatient 5,000.00 with 100.00 IME (excluded) = 5,900.00.
    Bene 2: inpatient 60,000.00 in March + Part B 250.25 in November = 60,250.25 for the year,
    truncated at the 50,000.00 threshold.
    Bene 3: not aligned; its 7,777.77 must not count.
    """
    build = ClaimsBuilder(entity_a)
    b1 = build.beneficiary(years=[PY])
    b2 = build.beneficiary(years=[PY])
    b3 = build.beneficiary(years=[PY])
    build.part_b(b1, thru=date(PY, 2, 10), paid="1000.00")
    build.part_a(b1, thru=date(PY, 5, 20), paid="5000.00", ime="100.00")
    build.part_a(b2, thru=date(PY, 3, 5), paid="60000.00")
    build.part_b(b2, thru=date(PY, 11, 3), paid="250.25")
    build.part_b(b3, thru=date(PY, 4, 1), paid="7777.77")
    entity_a.built = (b1, b2, b3)
    return entity_a


@pytest.fixture
def complete_inputs(aco: Entity) -> Entity:
    b1, b2, b3 = aco.built
    _alignment_run(aco, aligned=[(b1, TIN_1), (b2, TIN_2)], not_aligned=[b3])
    upload(aco.program, PY, None, THRESHOLDS)  # truncation_threshold 50,000 for every type
    _benchmark(aco, per_capita="40000.00", member_months=24)
    QualityResult.objects.create(
        entity=aco, performance_year=PY, quality_score=Decimal("85.50"), met_standard=True,
        met_alternative=False, met_reporting=True, source="Synthetic PY2025 quality report",
    )  # fmt: skip
    return aco


def test_it_settles_to_the_engines_figure_for_the_same_totals(complete_inputs: Entity) -> None:
    run = settlement_collect_final(
        entity=complete_inputs,
        performance_year=PY,
        track="BASIC_E",
        msr_mlr="2.0",
        report_figures=REPORT,
    )
    assert run.inputs["total_expenditure"] == "55900.00"  # 5,900.00 + 50,000.00 (truncated)
    assert run.inputs["total_benchmark"] == "80000.00"
    assert run.inputs["assigned_beneficiaries"] == "2"
    assert run.inputs["quality_score"] == "85.50"
    expected = settle_figures(
        program="mssp",
        figures={
            "entity_id": complete_inputs.cms_id, "performance_year": str(PY), "track": "BASIC_E",
            "assigned_beneficiaries": "2", "total_benchmark": "80000", "total_expenditure": "55900",
            "msr_mlr": "2.0", **REPORT, "quality_score": "85.5", "met_qps": "true", "met_alt_qps": "false",
            "met_reporting": "true",
        },
    )  # fmt: skip
    assert expected.earned > 0
    assert run.earned_savings_losses == expected.earned
    assert run.gross_savings == Decimal("24100.00")
    assert run.figures == expected.figures
    labels = [step["label"] for step in run.explanation]
    assert labels[:4] == [
        "Aligned population (platform data)",
        "Expenditures (platform data)",
        "Benchmark (platform data)",
        "Quality result (CMS's reported figure, entered in the admin console)",
    ]
    assert "55,900.00" in run.explanation[1]["value"]
    assert len(run.explanation) > 4
    shares = {s.tin: s for s in run.shares.all()}
    assert set(shares) == {TIN_1, TIN_2}
    assert shares[TIN_1].expenditure == Decimal("5900.00")
    assert sum(s.amount for s in shares.values()) == run.earned_savings_losses


def test_a_second_run_is_a_new_version_with_what_changed(complete_inputs: Entity) -> None:
    first = settlement_collect_final(
        entity=complete_inputs,
        performance_year=PY,
        track="BASIC_E",
        msr_mlr="2.0",
        report_figures=REPORT,
    )
    # The platform's computed score replaces the typed one, and its path explains the version.
    QualityResult.objects.filter(entity=complete_inputs).update(
        quality_score=Decimal("40"),
        origin="computed",
        path=[
            "001 Diabetes: rate 20 (reported), decile 8, 8.67 of 10 points",
            "Quality score = 40",
        ],
    )
    second = settlement_collect_final(
        entity=complete_inputs,
        performance_year=PY,
        track="BASIC_E",
        msr_mlr="2.0",
        report_figures=REPORT,
    )
    assert (first.version, second.version) == (1, 2)
    assert second.inputs["quality_score"] == "40.00"
    steps = [(step["label"], step["value"]) for step in second.explanation]
    assert ("Quality result (computed from the measure results)", steps[3][1]) == steps[3]
    assert steps[4] == (
        "Quality path",
        "001 Diabetes: rate 20 (reported), decile 8, 8.67 of 10 points",
    )
    first.refresh_from_db()
    assert first.inputs["quality_score"] == "85.50"


@pytest.mark.parametrize(
    ("leave_out", "message"),
    [
        ("alignment", "No alignment run for A9001 PY2025"),
        ("benchmark", "No benchmark for A9001 PY2025"),
        ("quality", "No quality result for A9001 PY2025"),
        ("thresholds", "No truncation threshold (aged_nondual) for A9001 PY2025"),
    ],
)
def test_a_missing_input_fails_naming_it_and_writes_nothing(
    aco: Entity, leave_out: str, message: str
) -> None:
    b1, b2, _ = aco.built
    if leave_out != "alignment":
        _alignment_run(aco, aligned=[(b1, TIN_1), (b2, TIN_2)], not_aligned=[])
    if leave_out != "thresholds":
        upload(aco.program, PY, None, THRESHOLDS)
    if leave_out != "benchmark":
        _benchmark(aco, per_capita="40000.00", member_months=24)
    if leave_out != "quality":
        QualityResult.objects.create(
            entity=aco, performance_year=PY, quality_score=Decimal("85"), met_standard=True,
            met_reporting=True, source="test",
        )  # fmt: skip
    with pytest.raises(ApplicationError) as failure:
        settlement_collect_final(
            entity=aco, performance_year=PY, track="BASIC_E", msr_mlr="2.0", report_figures=REPORT
        )
    assert message in failure.value.message
    assert not SettlementRun.objects.filter(entity=aco).exists()


def test_a_benchmark_on_another_population_is_refused(complete_inputs: Entity) -> None:
    _benchmark(complete_inputs, per_capita="40000.00", member_months=36, version=2)
    with pytest.raises(ApplicationError, match="counts 36 member-months"):
        settlement_inputs_collect(
            entity=complete_inputs,
            performance_year=PY,
            track="BASIC_E",
            msr_mlr="2.0",
            report_figures=REPORT,
        )


def test_the_projection_reads_claims_to_date_only(complete_inputs: Entity) -> None:
    collected = settlement_inputs_collect(
        entity=complete_inputs, performance_year=PY, track="BASIC_E", msr_mlr="2.0", report_figures=REPORT,
        through_month=6,
    )  # fmt: skip
    frame = collected.beneficiaries
    assert list(frame["eligible_months"]) == [6, 6]
    # Through June: bene 2's November claim is left out, and nothing is truncated yet.
    assert sorted(frame["paid_amount"]) == [Decimal("5900.00"), Decimal("60000.00")]
    assert all(len(key) == 16 for key in frame["beneficiary_key"])
    run = settlement_collect_projection(
        entity=complete_inputs, performance_year=PY, track="BASIC_E", msr_mlr="2.0", report_figures=REPORT,
        through_month=6, completion_factor="0.9", seed=7, replicates=50,
    )  # fmt: skip
    assert run.kind == SettlementKind.PROJECTION
    assert run.band["months_elapsed"] == "6"
    assert run.band["completion_factor"] == "0.9"


def test_the_job_settles_with_progress_and_is_idempotent(
    complete_inputs: Entity, aco_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(
            kind="settlement.collect", entity=complete_inputs, user=aco_admin,
            parameters={"performance_year": PY, "kind": "final", "track": "BASIC_E", "msr_mlr": "2.0", "report_figures": REPORT},
        )  # fmt: skip
    job = Job.objects.get(pk=job.pk)
    assert job.state == "succeeded", job.error
    run = SettlementRun.objects.get(job=job)
    assert job.result["run_id"] == run.pk
    assert run.created_by == aco_admin


def test_a_job_with_a_missing_input_fails_with_the_reason(
    aco: Entity, aco_admin: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(
            kind="settlement.collect", entity=aco, user=aco_admin,
            parameters={"performance_year": PY, "kind": "final", "track": "BASIC_E", "msr_mlr": "2.0", "report_figures": REPORT},
        )  # fmt: skip
    job = Job.objects.get(pk=job.pk)
    assert job.state == "failed"
    assert "No alignment run for A9001 PY2025" in (job.error + job.message)


def _post(client: Any, entity: Entity, **fields: str) -> Any:
    data = {
        "platform-kind": "final", "platform-track": "BASIC_E", "platform-msr_mlr": "2.0",
        "platform-msr_pct": "3.9", "platform-participant_revenue": "20000.00",
    }  # fmt: skip
    data.update({f"platform-{k}": v for k, v in fields.items()})
    return client.post(f"/settlement/entities/{entity.pk}/{PY}/collect/", data)


def test_an_entity_admin_starts_the_job_from_the_entity_year_page(
    complete_inputs: Entity,
    aco_admin: Any,
    login_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = login_client(aco_admin)
    page = client.get(f"/settlement/entities/{complete_inputs.pk}/{PY}/")
    assert b'name="platform-kind"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, complete_inputs)
    job = Job.objects.get(kind="settlement.collect")
    assert response.status_code == 302
    assert response["Location"] == f"/jobs/{job.pk}/"
    job.refresh_from_db()
    assert job.state == "succeeded", job.error
    assert job.result["version"] == 1
    page = client.get(f"/settlement/entities/{complete_inputs.pk}/{PY}/")
    assert b"55,900.00" in page.content


def test_a_projection_needs_its_month(
    complete_inputs: Entity, aco_admin: Any, login_client: Any
) -> None:
    response = _post(login_client(aco_admin), complete_inputs, kind="projection")
    # The page comes back with the error at its top, linked to the form; no job starts.
    assert response.status_code == 200
    body = response.content.decode()
    assert "The settlement was not started." in body
    assert "Needed for a projection." in body
    assert not Job.objects.filter(kind="settlement.collect").exists()


def test_another_entitys_user_gets_a_404_and_starts_nothing(
    complete_inputs: Entity, client_b: Any
) -> None:
    assert _post(client_b, complete_inputs).status_code == 404
    assert client_b.get(f"/settlement/entities/{complete_inputs.pk}/{PY}/").status_code == 404
    assert not Job.objects.filter(kind="settlement.collect").exists()


def test_a_care_coordinator_of_the_entity_may_not_run_it(
    complete_inputs: Entity, client_a: Any
) -> None:
    assert _post(client_a, complete_inputs).status_code == 403
    assert not Job.objects.filter(kind="settlement.collect").exists()


def test_the_platform_form_checks_the_msr_before_starting_a_job(
    complete_inputs: Entity, aco_admin: Any, login_client: Any
) -> None:
    # Two assigned beneficiaries, the variable MSR and no MSR from CMS's report: the table
    # starts at 5,000, so the job would fail at its end. The form says so, and starts nothing.
    response = _post(login_client(aco_admin), complete_inputs, msr_mlr="variable", msr_pct="")
    assert response.status_code == 200
    body = response.content.decode()
    assert "The settlement was not started." in body
    assert "Entity-specific MSR (%)" in body
    assert "2 assigned beneficiaries is below the 5,000" in body
    assert "msr_pct" not in body.split("<form")[0]  # the summary names the field, not its code
    assert not Job.objects.filter(kind="settlement.collect").exists()


def test_the_forms_start_from_the_years_track_and_the_latest_version(
    complete_inputs: Entity, aco_admin: Any, login_client: Any
) -> None:
    import re

    from entities.models import Track
    from entities.services.entities import entity_year_set
    from settlement.engine.distribution import AllocationBasis, AllocationMethod

    # The registry holds BASIC D for the year; the latest version split 50/50 between
    # beneficiaries and savings contribution with a fixed 2.0% MSR/MLR.
    entity_year_set(
        entity=complete_inputs,
        performance_year=PY,
        track=Track.objects.get(program__code="mssp", code="basic_d"),
        agreement_start=date(2024, 1, 1),
        agreement_period=1,
    )
    settlement_collect_final(
        entity=complete_inputs,
        performance_year=PY,
        track="BASIC_D",
        msr_mlr="2.0",
        report_figures=REPORT,
        method=AllocationMethod(
            (
                (AllocationBasis.BENEFICIARIES, Decimal("0.5")),
                (AllocationBasis.SAVINGS_CONTRIBUTION, Decimal("0.5")),
            )
        ),
    )
    body = login_client(aco_admin).get(f"/settlement/entities/{complete_inputs.pk}/{PY}/")
    html = body.content.decode()

    def selected(name: str) -> str:
        select = html.split(f'name="{name}"')[1].split("</select>")[0]
        return re.search(r'<option value="([^"]*)" selected>', select).group(1)

    def value(name: str) -> str:
        return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)

    assert selected("platform-track") == "BASIC_D"
    assert selected("platform-msr_mlr") == "2.0"
    assert value("platform-weight_beneficiaries") == "50"
    assert value("platform-weight_savings_contribution") == "50"
    assert value("distribution-weight_beneficiaries") == "50"
    # The report-figures form shows amounts as typed, never with the database's trailing zeros.
    assert value("figures-total_expenditure") == "55900.00"
    assert not re.search(r'value="-?\d+\.\d{5,}"', html)


def test_the_job_page_leads_to_the_new_version_without_a_stale_queued_banner(
    complete_inputs: Entity,
    aco_admin: Any,
    login_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = login_client(aco_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, complete_inputs)
    job = Job.objects.get(kind="settlement.collect")
    job.refresh_from_db()
    assert job.state == "succeeded", job.error
    page = client.get(response["Location"]).content.decode()
    # The job finished before the page was read: its "queued" message no longer holds.
    assert f"job #{job.pk} queued" not in page
    assert (
        "Settlement on the platform&#x27;s data" in page
        or "Settlement on the platform's data" in page
    )
    assert "settlement.collect" not in page
    entity_year = f"/settlement/entities/{complete_inputs.pk}/{PY}/"
    assert f'href="{entity_year}?version=1"' in page  # the result
    assert f'href="{entity_year}"' in page  # and back
