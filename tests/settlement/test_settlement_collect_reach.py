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
from settlement.collect import settlement_collect_final, settlement_collect_projection
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
    Bene 2 (disabled): inpatient 60,000.00 + Part B 250.25 = 60,250.25, not truncated (REACH's
    total cost of care leaves high costs to the optional stop-loss), although a 50,000.00
    threshold is loaded.
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
    _benchmark(entity_b, per_capita="48000.00", member_months=24)  # 96,000.00
    QualityResult.objects.create(
        entity=entity_b, performance_year=PY, quality_score=Decimal("80.00"), met_standard=True,
        met_reporting=True, source="Synthetic PY2025 REACH quality report",
    )  # fmt: skip
    return entity_b


def test_a_global_dce_settles_to_the_figures_worked_by_hand(dce: Entity) -> None:
    # The benchmark page's own figure after discount and withhold is quoted, not used.
    BenchmarkCalculation.objects.filter(entity=dce).update(
        extras={"benchmark_after_discount_and_withhold": "90000.00"}
    )
    run = settlement_collect_final(entity=dce, performance_year=PY)
    assert run.program == "reach"
    assert run.inputs["arrangement"] == "GLOBAL"  # the DCE's track of the year
    assert run.inputs["total_cost_of_care"] == "66150.25"  # 5,900.00 + 60,250.25
    assert run.inputs["benchmark"] == "96000.00"
    assert run.inputs["aligned_member_months"] == "24"
    assert run.inputs["quality_withhold_earned_pct"] == "80.00"
    # PY2025 Global: discount 3.5%, withhold 2% (reach.csv).
    # Final benchmark = 96,000 x 0.965 - 1,920 + 80% x 1,920 = 92,640 - 1,920 + 1,536 = 92,256.
    assert Decimal(run.figures["final_benchmark"]) == Decimal("92256.00")
    # Gross = 92,256 - 66,150.25 = 26,105.75 (28.30%): 25% x 92,256 = 23,064 kept at 100%, the
    # 3,041.75 above it at 50% = 1,520.875; shared 24,584.875; sequestration 2% = 491.6975;
    # earned 24,093.1775, rounded once to the cent: 24,093.18.
    assert run.gross_savings == Decimal("26105.75")
    assert Decimal(run.figures["shared_savings_losses"]) == Decimal("24584.88")
    assert Decimal(run.figures["sequestration"]) == Decimal("491.70")
    assert run.earned_savings_losses == Decimal("24093.18")
    labels = [step["label"] for step in run.explanation]
    assert labels[:4] == [
        "Aligned population (platform data)",
        "Total cost of care (platform data)",
        "Benchmark (platform data)",
        "Quality result (CMS's reported figure, entered in the admin console)",
    ]
    assert any(label.startswith("Corridor 25") for label in labels), labels
    # A DCE's beneficiaries are aligned (ACO REACH), not assigned (the MSSP's word).
    population = run.explanation[0]["value"]
    assert "2 aligned beneficiaries, 24 aligned member-months" in population, population
    # Said as a reader knows it (the benchmark page), not by the code's "benchmarks app".
    (benchmark_step,) = [s for s in run.explanation if s["label"] == "Benchmark (platform data)"]
    assert (
        "the benchmark page shows $90,000.00 after the discount and withhold"
        in (benchmark_step["value"])
    )
    assert "benchmarks app" not in benchmark_step["value"]
    path = [step["value"] for step in run.explanation if step["label"] == "Quality path"]
    assert "Total Quality Score 80.00 as CMS reported it" in path[0]
    assert "not published in the sources the platform holds" in path[0]
    assert "Quality Measure Percentile Rank" in path[0]
    assert "among REACH ACOs" not in path[0]  # the ranking distribution is not in the sources
    assert path[1] == "Share of the quality withhold earned back = Total Quality Score = 80.00%"
    shares = {s.tin: s for s in run.shares.all()}
    assert set(shares) == {TIN_1, TIN_2}
    assert shares[TIN_1].expenditure == Decimal("5900.00")
    assert shares[TIN_2].expenditure == Decimal("60250.25")
    assert shares[TIN_1].amount == shares[TIN_2].amount == Decimal("12046.59")


def test_professional_with_capitation_cash_flows(dce: Entity) -> None:
    run = settlement_collect_final(
        entity=dce,
        performance_year=PY,
        track="professional",
        report_figures={"pcc_base_paid": "1200.00", "pcc_enhanced_paid": "300.00"},
    )
    # Final benchmark = 96,000 - 1,920 + 1,536 = 95,616; gross 95,616 - 66,150.25 = 29,465.75.
    # Bands of 4,780.80 (5% of 95,616) kept at 50/35/15%: 2,390.40 + 1,673.28 + 717.12; the
    # 15,123.35 above 15% at 5% = 756.1675; shared 5,536.9675; sequestration 110.73935;
    # earned 5,426.22815, rounded once: 5,426.23.
    assert Decimal(run.figures["final_benchmark"]) == Decimal("95616.00")
    assert run.earned_savings_losses == Decimal("5426.23")
    # The enhanced PCC is recouped; the base PCC is a cash flow with no settlement effect.
    assert Decimal(run.figures["net_settlement"]) == Decimal("5126.23")
    assert sum(s.amount for s in run.shares.all()) == run.earned_savings_losses


def test_a_second_run_is_a_new_immutable_version(dce: Entity) -> None:
    first = settlement_collect_final(entity=dce, performance_year=PY)
    QualityResult.objects.filter(entity=dce).update(quality_score=Decimal("50"))
    second = settlement_collect_final(entity=dce, performance_year=PY)
    assert (first.version, second.version) == (1, 2)
    first.refresh_from_db()
    assert first.inputs["quality_withhold_earned_pct"] == "80.00"
    # 50% of the 1,920 withhold: the final benchmark is 576 lower than at 80%.
    assert Decimal(second.figures["final_benchmark"]) == Decimal("91680.00")


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


def test_a_projection_at_completion_1_on_all_year_claims_is_the_final_figure(dce: Entity) -> None:
    final = settlement_collect_final(entity=dce, performance_year=PY)
    projection = settlement_collect_projection(
        entity=dce, performance_year=PY, through_month=12, completion_factor="1", seed=7,
        replicates=50,
    )  # fmt: skip
    assert (projection.kind, projection.program) == ("projection", "reach")
    # Per capita 48,000.00 is 4,000.00 per beneficiary-month, exact in cents: the projected
    # benchmark is 4,000.00 x 24 = 96,000.00 and the total cost of care 66,150.25, as in the final.
    assert projection.band["ytd_benchmark"] == "96000.00"
    assert projection.band["ytd_paid"] == "66150.25"
    assert projection.earned_savings_losses == final.earned_savings_losses == Decimal("24093.18")
    assert projection.figures["final_benchmark"] == final.figures["final_benchmark"]
    assert projection.band["point_rate_pct"] == final.figures["savings_rate_pct"]
    # REACH has no MSR/MLR: the band is read against the first corridor (Global: 25%).
    assert Decimal(projection.band["corridor_pct"]) == 25
    assert "msr_pct" not in projection.band


def test_a_year_to_date_projection_reads_claims_to_date_before_reductions(dce: Entity) -> None:
    # Through May: bene 1's Part B valued 1,000.00 before its 100.00 PBP reduction + inpatient
    # 5,000.00 less 100.00 IME = 5,900.00; bene 2's inpatient 60,000.00 (March); bene 2's
    # November Part B is not in yet.
    run = settlement_collect_projection(
        entity=dce, performance_year=PY, through_month=5, completion_factor="0.9", seed=3,
        replicates=40,
    )  # fmt: skip
    assert run.band["ytd_paid"] == "65900.00"
    assert run.band["months_elapsed"] == "5"
    assert run.inputs["arrangement"] == "GLOBAL"
    labels = [step["label"] for step in run.explanation]
    assert "Year-to-date total cost of care (before PBP/AIPBP reductions)" in labels


def test_a_blank_completion_factor_comes_from_the_benchmarks_reference_values(
    dce: Entity,
) -> None:
    upload(
        dce.program, PY, None,
        "name,segment,value,status,note\n"
        "completion_factor_month_3,,1.2,cms,\ncompletion_factor_month_5,,1.1,cms,\n",
    )  # fmt: skip
    run = settlement_collect_projection(
        entity=dce, performance_year=PY, through_month=5, seed=3, replicates=40
    )
    # Paid to date by incurred month: February 1,000.00, March 60,000.00 (x 1.2), May 4,900.00
    # (x 1.1): completed 1,000 + 72,000 + 5,390 = 78,390.00, so the share paid is 65,900/78,390
    # and the projected total cost of care 78,390.00 x 12 / 5 = 188,136.00.
    assert Decimal(run.band["completion_factor"]) == Decimal(65900) / Decimal(78390)
    steps = {step["label"]: step for step in run.explanation}
    assert "Completion factor (benchmarks reference values)" in steps
    projected = next(s for s in run.explanation if s["label"].startswith("Projected expenditure"))
    assert "expenditure $188,136.00" in projected["value"], projected


def test_the_bootstrap_is_reproducible_and_its_band_contains_the_point(dce: Entity) -> None:
    runs = [
        settlement_collect_projection(
            entity=dce,
            performance_year=PY,
            through_month=8,
            completion_factor="0.93",
            seed=seed,
            replicates=60,
        )  # fmt: skip
        for seed in (11, 11, 12)
    ]
    first, again, other = runs
    keys = ("savings_rate_low_pct", "savings_rate_high_pct", "earned_low", "earned_high")
    assert [first.band[k] for k in keys] == [again.band[k] for k in keys]
    assert first.earned_savings_losses == other.earned_savings_losses  # the point has no draw
    for run in runs:
        low, high = Decimal(run.band["earned_low"]), Decimal(run.band["earned_high"])
        assert low <= run.earned_savings_losses <= high, run.band
        rate = Decimal(run.band["point_rate_pct"])
        assert Decimal(run.band["savings_rate_low_pct"]) <= rate
        assert rate <= Decimal(run.band["savings_rate_high_pct"])
    assert [r.version for r in runs] == [1, 2, 3]


def test_the_job_and_the_page_project_a_reach_dce(
    dce: Entity,
    make_member: Any,
    login_client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from accounts.models import Role

    client = login_client(make_member(dce, role=Role.ANALYST))
    page = client.get(f"/settlement/entities/{dce.pk}/{PY}/")
    assert b'name="platform-through_month"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/settlement/entities/{dce.pk}/{PY}/collect/",
            {"platform-kind": "projection", "platform-arrangement": "PROFESSIONAL",
             "platform-through_month": "8", "platform-completion_factor": "0.93",
             "platform-seed": "5"},
        )  # fmt: skip
    assert response.status_code == 302
    job = Job.objects.get(kind="settlement.collect")
    assert job.state == "succeeded", job.error
    run = SettlementRun.objects.get(job=job)
    assert (run.kind, run.band["seed"], run.inputs["arrangement"]) == (
        "projection", "5", "PROFESSIONAL",
    )  # fmt: skip
    assert Decimal(run.band["corridor_pct"]) == 5  # Professional's first corridor
    page = client.get(f"/settlement/entities/{dce.pk}/{PY}/").content.decode()
    assert 'class="band-chart"' in page
    assert "First risk corridor ±5%" in page
    svg = page.split('class="band-chart"')[1].split("</svg>")[0]
    assert "+5% corridor 1" in svg
    assert "−5% corridor 1" in svg
    assert "MSR" not in svg  # REACH has no MSR/MLR (domain.md 4.2)


def test_a_projection_needs_its_month(dce: Entity, make_member: Any, login_client: Any) -> None:
    from accounts.models import Role

    client = login_client(make_member(dce, role=Role.ENTITY_ADMIN))
    response = client.post(
        f"/settlement/entities/{dce.pk}/{PY}/collect/", {"platform-kind": "projection"}
    )
    assert response.status_code == 200
    assert "Needed for a projection." in response.content.decode()
    assert not Job.objects.filter(kind="settlement.collect").exists()


def test_another_entitys_user_gets_a_404_for_the_projection(dce: Entity, client_a: Any) -> None:
    settlement_collect_projection(
        entity=dce, performance_year=PY, through_month=8, completion_factor="0.93", replicates=30
    )
    response = client_a.post(
        f"/settlement/entities/{dce.pk}/{PY}/collect/",
        {"platform-kind": "projection", "platform-through_month": "8",
         "platform-completion_factor": "0.93"},
    )  # fmt: skip
    assert response.status_code == 404
    assert client_a.get(f"/settlement/entities/{dce.pk}/{PY}/").status_code == 404
    assert not Job.objects.filter(kind="settlement.collect").exists()


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
    assert run.earned_savings_losses == Decimal("24093.18")


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
    assert Decimal(run.figures["net_settlement"]) == Decimal("23793.18")  # 300.00 recouped
    page = client.get(f"/settlement/entities/{dce.pk}/{PY}/")
    assert b"24,093.18" in page.content
    # The quality panel, as that version computed it: PY2025's 2% withhold on 96,000.00 with
    # the rate's source, the Total Quality Score entered (80) and 80% of 1,920.00 earned back.
    panel = page.content.decode().split('id="reach-quality"')[1].split("</section>")[0]
    text = " ".join(panel.split())
    assert f"As settlement statement v{run.version} computed them" in text
    assert "Quality withhold rate</dt><dd>2% of the benchmark" in text
    assert "ACO REACH Model Request for Applications (CMS, 2022), Table 6.16" in text
    assert "2% × $96,000.00 = $1,920.00" in text
    assert "Total Quality Score entered</dt><dd>80.00" in text
    assert "Withhold earned back</dt><dd>$1,536.00" in text
    assert "CMS's reported figure, entered in the admin console" in text
    assert "the platform computes the quality measures from the claims but not the score" in text


def test_another_entitys_user_cannot_start_or_see_it(dce: Entity, client_a: Any) -> None:
    assert client_a.post(f"/settlement/entities/{dce.pk}/{PY}/collect/", {}).status_code == 404
    assert client_a.get(f"/settlement/entities/{dce.pk}/{PY}/").status_code == 404
    assert not Job.objects.filter(kind="settlement.collect").exists()
