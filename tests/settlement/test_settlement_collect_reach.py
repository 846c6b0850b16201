"""ACO REACH settlement on the platform's own data: a small hand-built Global DCE with an
alignment run, claims (one with a PBP reduction), a benchmark and a quality result settles to
figures worked by hand (domain.md 4.1-4.4)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from alignment.models import AlignmentResult, AlignmentRun
from benchmarks.models import BenchmarkCalculation, BenchmarkSegment
from core.api import ApplicationError
from entities.models import Entity, EntityYear, Track
from jobs.models import Job
from jobs.services import job_enqueue
from settlement.collect import settlement_collect_final, settlement_inputs_collect
from settlement.models import QualityResult, SettlementRun
from tests.benchmarks.builders import ClaimsBuilder
from tests.benchmarks.conftest import THRESHOLDS, upload

pytestmark = pytest.mark.django_db

PY = 2025
TIN_1, TIN_2 = "223456789", "887654321"


def _alignment_run(entity: Entity, aligned: list[tuple[Any, str]], not_aligned: list[Any]) -> None:
    run = AlignmentRun.objects.create(
        entity=entity, program="reach", performance_year=PY, list_kind="final",
        as_of=date(PY, 12, 31), version=1, status="succeeded", parameters_version="test",
        participants_as_of=date(PY, 12, 31), participants_digest="0" * 64, bucket_count=1,
    )  # fmt: skip
    for bene, tin in aligned:
        AlignmentResult.objects.create(
            run=run, beneficiary=bene, bucket=0, aligned=True, step="claims",
            reason="aligned_plurality", attributed_tin=tin,
        )  # fmt: skip
    for bene in not_aligned:
        AlignmentResult.objects.create(
            run=run, beneficiary=bene, bucket=0, aligned=False, step="eligibility",
            reason="no_primary_care",
        )  # fmt: skip


def _benchmark(entity: Entity, *, per_capita: str, member_months: int) -> None:
    total = Decimal(per_capita) * member_months / 12
    calculation = BenchmarkCalculation.objects.create(
        entity=entity, performance_year=PY, version=1, program="reach", method="test",
        total=total, member_months=member_months,
        member_months_by_enrollment_type={"aged_nondual": member_months // 2, "disabled": member_months // 2},
    )  # fmt: skip
    BenchmarkSegment.objects.create(
        calculation=calculation, segment="aged_disabled", member_months=member_months,
        per_capita=Decimal(per_capita), total=total,
    )  # fmt: skip


@pytest.fixture
def dce(entity_b: Entity) -> Entity:
    """Three beneficiaries with 2025 claims; two aligned (one per TIN), one not.

    Bene 1 (aged): Part B 900.00 paid after a 100.00 PBP reduction (valued at 1,000.00 before
    the reduction) + inpatient 5,000.00 with 100.00 IME (excluded) = 5,900.00.
    Bene 2 (disabled): inpatient 60,000.00 + Part B 250.25 = 60,250.25, truncated at the
    50,000.00 threshold (the shipped PY2025 REACH reference data truncate).
    Bene 3: not aligned; its 7,777.77 must not count.
    """
    EntityYear.objects.create(
        entity=entity_b,
        performance_year=PY,
        track=Track.objects.get(program__code="reach", code="global"),
    )
    build = ClaimsBuilder(entity_b)
    b1 = build.beneficiary(years=[PY])
    b2 = build.beneficiary(years=[PY], birth=date(1960, 2, 2), status="20", orec="1")
    b3 = build.beneficiary(years=[PY])
    build.part_b(b1, thru=date(PY, 2, 10), paid="900.00", reduction="100.00")
    build.part_a(b1, thru=date(PY, 5, 20), paid="5000.00", ime="100.00")
    build.part_a(b2, thru=date(PY, 3, 5), paid="60000.00")
    build.part_b(b2, thru=date(PY, 11, 3), paid="250.25")
    build.part_b(b3, thru=date(PY, 4, 1), paid="7777.77")
    _alignment_run(entity_b, aligned=[(b1, TIN_1), (b2, TIN_2)], not_aligned=[b3])
    upload(entity_b.program, PY, None, THRESHOLDS)  # truncation_threshold 50,000 for every type
    _benchmark(entity_b, per_capita="40000.00", member_months=24)  # 80,000.00
    QualityResult.objects.create(
        entity=entity_b, performance_year=PY, quality_score=Decimal("80.00"), met_standard=True,
        met_reporting=True, source="Synthetic PY2025 REACH quality report",
    )  # fmt: skip
    return entity_b


def test_a_global_dce_settles_to_the_figures_worked_by_hand(dce: Entity) -> None:
    run = settlement_collect_final(entity=dce, performance_year=PY)
    assert run.program == "reach"
    assert run.inputs["arrangement"] == "GLOBAL"  # the DCE's track of the year
    assert run.inputs["total_cost_of_care"] == "55900.00"  # 5,900.00 + 50,000.00 (truncated)
    assert run.inputs["benchmark"] == "80000.00"
    assert run.inputs["aligned_member_months"] == "24"
    assert run.inputs["quality_withhold_earned_pct"] == "80.00"
    # PY2025 Global: discount 3.5%, withhold 2% (reach.csv).
    # Final benchmark = 80,000 x 0.965 - 1,600 + 80% x 1,600 = 77,200 - 1,600 + 1,280 = 76,880.
    assert Decimal(run.figures["final_benchmark"]) == Decimal("76880.00")
    # Gross = 76,880 - 55,900 = 20,980 (27.29%): 25% x 76,880 = 19,220 kept at 100%, the
    # 1,760 above it at 50% = 880; shared 20,100; sequestration 2% = 402; earned 19,698.
    assert run.gross_savings == Decimal("20980.00")
    assert Decimal(run.figures["shared_savings_losses"]) == Decimal("20100.00")
    assert Decimal(run.figures["sequestration"]) == Decimal("402.00")
    assert run.earned_savings_losses == Decimal("19698.00")
    labels = [step["label"] for step in run.explanation]
    assert labels[:4] == [
        "Aligned population (platform data)",
        "Total cost of care (platform data)",
        "Benchmark (platform data)",
        "Quality result (admin console)",
    ]
    assert any(label.startswith("Corridor 25") for label in labels), labels
    shares = {s.tin: s for s in run.shares.all()}
    assert set(shares) == {TIN_1, TIN_2}
    assert shares[TIN_1].expenditure == Decimal("5900.00")
    assert shares[TIN_2].expenditure == Decimal("50000.00")
    assert shares[TIN_1].amount == shares[TIN_2].amount == Decimal("9849.00")


def test_professional_with_capitation_cash_flows(dce: Entity) -> None:
    run = settlement_collect_final(
        entity=dce,
        performance_year=PY,
        track="professional",
        report_figures={"pcc_base_paid": "1200.00", "pcc_enhanced_paid": "300.00"},
    )
    # Final benchmark = 80,000 - 1,600 + 1,280 = 79,680; gross 79,680 - 55,900 = 23,780.
    # Bands of 3,984 (5% of 79,680): 1,992 + 1,394.40 + 597.60, then 11,828 x 5% = 591.40;
    # shared 4,575.40; sequestration 91.508; earned 4,483.892, rounded once: 4,483.89.
    assert Decimal(run.figures["final_benchmark"]) == Decimal("79680.00")
    assert Decimal(run.figures["shared_savings_losses"]) == Decimal("4575.40")
    assert run.earned_savings_losses == Decimal("4483.89")
    # The enhanced PCC is recouped; the base PCC is a cash flow with no settlement effect.
    assert Decimal(run.figures["net_settlement"]) == Decimal("4183.89")
    assert sum(s.amount for s in run.shares.all()) == run.earned_savings_losses


def test_a_second_run_is_a_new_immutable_version(dce: Entity) -> None:
    first = settlement_collect_final(entity=dce, performance_year=PY)
    QualityResult.objects.filter(entity=dce).update(quality_score=Decimal("50"))
    second = settlement_collect_final(entity=dce, performance_year=PY)
    assert (first.version, second.version) == (1, 2)
    first.refresh_from_db()
    assert first.inputs["quality_withhold_earned_pct"] == "80.00"
    # 50% of the 1,600 withhold: the final benchmark is 480 lower than at 80%.
    assert Decimal(second.figures["final_benchmark"]) == Decimal("76400.00")


@pytest.mark.parametrize(
    ("leave_out", "message"),
    [
        ("quality", "No quality result for D9002 PY2025"),
        ("benchmark", "No benchmark for D9002 PY2025"),
        ("alignment", "No alignment run with aligned beneficiaries for D9002 PY2025"),
        ("track", "No track (Global or Professional) for D9002 PY2025"),
    ],
)
def test_a_missing_input_fails_naming_it(dce: Entity, leave_out: str, message: str) -> None:
    if leave_out == "quality":
        QualityResult.objects.filter(entity=dce).delete()
    elif leave_out == "benchmark":
        BenchmarkSegment.objects.filter(calculation__entity=dce).delete()
        BenchmarkCalculation.objects.filter(entity=dce).delete()
    elif leave_out == "alignment":
        AlignmentResult.objects.filter(run__entity=dce).delete()
    else:
        EntityYear.objects.filter(entity=dce).delete()
    with pytest.raises(ApplicationError) as failure:
        settlement_collect_final(entity=dce, performance_year=PY)
    assert message in failure.value.message
    assert not SettlementRun.objects.filter(entity=dce).exists()


def test_a_reach_projection_is_refused(dce: Entity) -> None:
    with pytest.raises(ApplicationError, match="built for MSSP"):
        settlement_inputs_collect(entity=dce, performance_year=PY, through_month=6)


def test_a_figure_not_from_cms_report_is_refused(dce: Entity) -> None:
    with pytest.raises(ApplicationError, match="not a figure taken from CMS's REACH report"):
        settlement_collect_final(entity=dce, performance_year=PY, report_figures={"benchmark": "1"})


def test_the_job_settles_a_reach_dce(
    dce: Entity, make_member: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from accounts.models import Role

    admin = make_member(dce, role=Role.ENTITY_ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(
            kind="settlement.collect", entity=dce, user=admin,
            parameters={"performance_year": PY, "kind": "final"},
        )  # fmt: skip
    job = Job.objects.get(pk=job.pk)
    assert job.state == "succeeded", job.error
    run = SettlementRun.objects.get(job=job)
    assert run.earned_savings_losses == Decimal("19698.00")


def test_an_entity_admin_starts_it_from_the_entity_year_page(
    dce: Entity,
    make_member: Any,
    login_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from accounts.models import Role

    client = login_client(make_member(dce, role=Role.ENTITY_ADMIN))
    page = client.get(f"/settlement/entities/{dce.pk}/{PY}/")
    assert b'name="platform-arrangement"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/settlement/entities/{dce.pk}/{PY}/collect/",
            {"platform-arrangement": "", "platform-pcc_enhanced_paid": "300.00"},
        )
    assert response.status_code == 302
    job = Job.objects.get(kind="settlement.collect")
    assert job.state == "succeeded", job.error
    run = SettlementRun.objects.get(job=job)
    assert Decimal(run.figures["net_settlement"]) == Decimal("19398.00")  # 19,698 - 300 recouped
    page = client.get(f"/settlement/entities/{dce.pk}/{PY}/")
    assert b"19,698.00" in page.content


def test_another_entitys_user_cannot_start_or_see_it(dce: Entity, client_a: Any) -> None:
    assert client_a.post(f"/settlement/entities/{dce.pk}/{PY}/collect/", {}).status_code == 404
    assert client_a.get(f"/settlement/entities/{dce.pk}/{PY}/").status_code == 404
    assert not Job.objects.filter(kind="settlement.collect").exists()
