"""ACO REACH High Needs eligibility end to end: the criteria read from stored claims and risk
scores for the roster of record, evaluated at every check date of the year by the
`benchmarks.high_needs` job (run the way a page starts it: enqueued, delivered on commit, under
the job's row-security scope) and stored; the entity-type page shows the stored result (its
reasons, minimums and sources, when and from which data it was computed) within a query budget
and records its access; another entity's user gets a 404; an analyst computes it again.

The world is built once for the module (tests/module_data.py): entity B, a High Needs Population
ACO in PY2026, with five beneficiaries on CMS's list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.test import TestCase
from django.urls import reverse

from accounts.models import Role
from audit.models import AccessRecord
from benchmarks.entity_types import high_needs_report
from benchmarks.jobs import high_needs
from benchmarks.models import HighNeedsResult, HighNeedsRun, RiskScore, RiskScoreComponent
from claims.models import PartAClaimHeader
from cmslists.services import cms_list_load
from core import rls
from jobs.models import Job, JobState
from jobs.services import job_enqueue
from tests.benchmarks.builders import ClaimsBuilder
from tests.benchmarks.test_reach_entity_types import set_type
from tests.factories import MembershipFactory, UserFactory
from tests.login import totp_authenticator
from tests.module_data import module_db  # noqa: F401 - the module's transaction

pytestmark = pytest.mark.django_db

BAR_HEADER = "BENE_MBI_ID,ALGN_STATUS,EXCLUSION_REASON,VA_FLAG,VA_NPI"
# The page's queries, 19 measured on 2026-12-05 (52 when it computed the criteria on each
# request): session, user, row-security scope, second factor, entity, entity type, registry
# years and minimums (3), the stored run, a page of its rows with their beneficiaries (count,
# rows), the access record, the active job, the role, and the session's save (4).
QUERY_BUDGET = 19


@dataclass
class World:
    entity: Any
    high: int
    moderate: int
    neither: int
    palsy: int
    fibrosis: int
    coordinator: Any  # entity B's care coordinator
    analyst: Any  # entity B's analyst, who started the job
    outsider: Any  # entity A's administrator
    job: Job


def _risk(entity: Any, bene: Any, year: int, **scores: str) -> None:
    score = RiskScore.objects.create(
        entity=entity, beneficiary=bene, payment_year=year, model_family="cms_hcc",
        segment="CNA", raw_score=Decimal(max(scores.values())), demographic_score=Decimal("0.4"),
        diagnosis_year=year - 1, diagnoses_through=dt.date(year - 1, 12, 31),
    )  # fmt: skip
    names = {"v24": "CMS-HCC Model V24", "v28": "CMS-HCC Model V28"}
    for key, value in scores.items():
        RiskScoreComponent.objects.create(
            risk_score=score, model=names[key], weight=Decimal("0.5"), segment="CNA",
            raw_score=Decimal(value), demographic_score=Decimal("0.4"),
        )  # fmt: skip


def _member(entity: Any, role: str, email: str) -> Any:
    user = UserFactory(email=email)
    MembershipFactory(user=user, entity=entity, role=role)
    totp_authenticator(user)  # a second factor: the session is verified at login
    return user


@pytest.fixture(scope="module")
def world(module_db: None, django_db_blocker: Any) -> World:  # noqa: F811
    """Entity B with five beneficiaries on CMS's PY2026 list: a high risk score (b); a moderate
    score and two unplanned admissions, Feb 5 and Jul 9, 2025 (c); neither (an elective
    admission, one physician claim with a listed code); a cerebral palsy diagnosis on an
    inpatient claim of Apr 2, 2025 (a); cystic fibrosis on physician claims of May 1 and Aug 1,
    2025 (a). Then the analyst's job for PY2026."""
    from tests.conftest import make_entity_a, make_entity_b

    with django_db_blocker.unblock():
        rls.scope_reset()
        entity_a, entity = make_entity_a(), make_entity_b()
        set_type(entity, 2026, "high_needs")
        build = ClaimsBuilder(entity)
        high, moderate, neither = (build.beneficiary(years=[2025]) for _ in range(3))
        _risk(entity, high, 2026, v24="2.900", v28="3.214")
        _risk(entity, moderate, 2026, v28="2.400")
        _risk(entity, neither, 2026, v28="1.100")
        for day, admit in ((dt.date(2025, 2, 5), "1"), (dt.date(2025, 7, 9), "2")):
            cid = build.part_a(moderate, thru=day, paid="9000", dx=("I5021",))
            PartAClaimHeader.objects.filter(cur_clm_uniq_id=cid).update(clm_admsn_type_cd=admit)
        elective = build.part_a(neither, thru=dt.date(2025, 3, 3), paid="9000", dx=("M1711",))
        PartAClaimHeader.objects.filter(cur_clm_uniq_id=elective).update(clm_admsn_type_cd="3")
        palsy, fibrosis = build.beneficiary(years=[2025]), build.beneficiary(years=[2025])
        build.part_a(palsy, thru=dt.date(2025, 4, 2), paid="7000", dx=("I10", "G800"))
        for day in (dt.date(2025, 5, 1), dt.date(2025, 8, 1)):
            build.part_b(fibrosis, thru=day, paid="120", dx=("E849",))
        build.part_b(neither, thru=dt.date(2025, 5, 1), paid="120", dx=("E849",))
        rows = [f"{b.current_mbi},A,,0," for b in (high, moderate, neither, palsy, fibrosis)]
        cms_list_load(
            entity=entity,
            kind="reach_prospective",
            performance_year=2026,
            list_date=dt.date(2026, 1, 10),
            files=[
                (
                    "P.D9002.BAR.2026.PROSPECTIVE.D269999.csv",
                    ("\n".join([BAR_HEADER, *rows]) + "\n").encode(),
                )
            ],
        )
        analyst = _member(entity, Role.ANALYST, "analyst@b.example.test")
        with TestCase.captureOnCommitCallbacks(execute=True):
            job = job_enqueue(
                kind="benchmarks.high_needs",
                entity=entity,
                parameters={"performance_year": 2026},
                user=analyst,
            )
        rls.scope_reset()
        return World(
            entity=entity, high=high.pk, moderate=moderate.pk, neither=neither.pk,
            palsy=palsy.pk, fibrosis=fibrosis.pk,
            coordinator=_member(entity, Role.CARE_COORDINATOR, "coordinator@b.example.test"),
            analyst=analyst,
            outsider=_member(entity_a, Role.ENTITY_ADMIN, "admin@a.example.test"),
            job=Job.objects.get(pk=job.pk),
        )  # fmt: skip


def _url(world: World, year: int = 2026) -> str:
    return reverse("benchmarks:entity_type", args=[world.entity.pk, year])


def test_report_reads_claims_and_risk_scores_of_the_roster(world: World) -> None:
    report = high_needs_report(entity=world.entity, performance_year=2026)
    met = {r.bene_id: r.met for r in report.results}
    assert met == {
        world.high: ["b"],
        world.moderate: ["c"],
        world.neither: [],
        world.palsy: ["a"],
        world.fibrosis: ["a"],
    }
    assert report.claims_through == dt.date(2025, 8, 1)
    assert report.count_by_criterion() == {"a": 2, "b": 1, "c": 1, "d": 0, "e": 0}


def test_the_job_stores_every_check_date_with_the_data_it_read(world: World) -> None:
    assert world.job.state == JobState.SUCCEEDED, world.job.error
    runs = list(HighNeedsRun.objects.filter(entity=world.entity).order_by("check_date"))
    # The 12-month lookbacks: Jan 1 reads Nov 1, 2024-Oct 31, 2025; Apr 1 Feb 1, 2025-Jan 31,
    # 2026; Jul 1 May 1, 2025-Apr 30, 2026 (the Feb 5 admission and the Apr 2 palsy claim drop
    # out); Oct 1 Aug 1, 2025-Jul 31, 2026 (the May 1 fibrosis claim drops out: one date left).
    assert [(r.check_date, r.eligible, r.population) for r in runs] == [
        (dt.date(2026, 1, 1), 4, 5),
        (dt.date(2026, 4, 1), 4, 5),
        (dt.date(2026, 7, 1), 2, 5),
        (dt.date(2026, 10, 1), 1, 5),
    ]
    assert runs[0].counts == {"a": 2, "b": 1, "c": 1, "d": 0, "e": 0}
    assert runs[3].counts == {"a": 0, "b": 1, "c": 0, "d": 0, "e": 0}
    july = {
        r.beneficiary_id: r.met for r in HighNeedsResult.objects.filter(run=runs[2]) if r.eligible
    }
    assert july == {world.high: ["b"], world.fibrosis: ["a"]}
    first = runs[0]
    assert (first.roster_as_of, first.claims_through, first.risk_through) == (
        dt.date(2026, 1, 10), dt.date(2025, 8, 1), dt.date(2025, 12, 31),
    )  # fmt: skip
    assert {r.job_id for r in runs} == {world.job.pk}
    assert {r.created_by_id for r in runs} == {world.analyst.pk}
    assert [r["eligible"] for r in world.job.result["runs"]] == [4, 4, 2, 1]


def test_a_redelivered_job_finds_its_runs_instead_of_computing_again(world: World) -> None:
    before = set(HighNeedsRun.objects.values_list("pk", flat=True))
    again = high_needs(Job.objects.get(pk=world.job.pk), lambda *_: None)
    assert again == world.job.result
    assert set(HighNeedsRun.objects.values_list("pk", flat=True)) == before
    assert HighNeedsResult.objects.filter(run__entity=world.entity).count() == 4 * 5


def test_the_page_shows_the_stored_result_within_a_query_budget(
    world: World, login_client: Any, django_assert_max_num_queries: Any
) -> None:
    # The stored result is what the page shows: a score deleted since is still read as stored.
    RiskScore.objects.filter(beneficiary_id=world.high).delete()
    client = login_client(world.coordinator)
    before = AccessRecord.objects.count()
    with django_assert_max_num_queries(QUERY_BUDGET):
        response = client.get(_url(world))
    assert response.status_code == 200
    page = response.content.decode()
    assert "<strong>High Needs Population</strong> ACO in PY2026" in page
    # The PY2026 minimum (cut from 1,400 to 1,250) with the Participation Agreement's section.
    assert "1,250" in page
    assert "section 5.03" in page
    assert "Participation Agreement Appendix A Section IV.B.1(b)" in page
    assert "risk score 3.214 (CMS-HCC Model V28, payment year 2026) is at least 3.0" in page
    assert "2 unplanned admissions, Nov 1, 2024 to Oct 31, 2025" in page
    assert "Not computed here" in page  # the High Needs benchmark method
    assert f'data-beneficiary="{world.neither}"' not in page
    # When and from which data.
    assert f'href="{reverse("jobs:detail", args=[world.job.pk])}"' in page
    assert "dated Jan 10, 2026 (5 beneficiaries)" in page
    assert "the latest read is of Aug 1, 2025" in page
    assert "diagnoses through Dec 31, 2025" in page
    assert "<strong>4</strong> of 5 beneficiaries meet at least one criterion" in page
    # A coordinator does not start computations.
    assert reverse("benchmarks:high_needs_recompute", args=[world.entity.pk, 2026]) not in page
    records = list(AccessRecord.objects.order_by("id")[before:])
    assert [(r.beneficiary_count, r.entity_id) for r in records] == [(4, world.entity.pk)]
    assert sorted(records[0].beneficiary_ids) == sorted(
        [world.high, world.moderate, world.palsy, world.fibrosis]
    )
    # Everyone at July 1: the July figures, as stored.
    page = client.get(_url(world) + "?show=all&check=2026-07-01").content.decode()
    assert f'data-beneficiary="{world.neither}"' in page
    assert (
        "<strong>2</strong> of 5 beneficiaries meet at least one criterion on Jul 1, 2026" in page
    )
    # A check date that is not one of the year's.
    page = client.get(_url(world) + "?check=2026-02-01").content.decode()
    assert "is not one of PY2026&#x27;s check dates" in page


def test_another_entitys_user_gets_404(world: World, login_client: Any) -> None:
    client = login_client(world.outsider)
    before = AccessRecord.objects.count()
    assert client.get(_url(world)).status_code == 404
    recompute = reverse("benchmarks:high_needs_recompute", args=[world.entity.pk, 2026])
    assert client.post(recompute).status_code == 404
    assert AccessRecord.objects.count() == before
    assert not Job.objects.exclude(pk=world.job.pk).exists()


def test_before_a_computation_the_page_says_so_and_an_analyst_starts_one(
    world: World, login_client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    before = AccessRecord.objects.count()
    url = _url(world, 2025)
    recompute = reverse("benchmarks:high_needs_recompute", args=[world.entity.pk, 2025])
    page = login_client(world.coordinator).get(url).content.decode()
    assert "has not been computed yet for Jan 1, 2025" in page
    assert recompute not in page
    assert login_client(world.coordinator).post(recompute).status_code == 403
    analyst = login_client(world.analyst)
    assert recompute in analyst.get(url).content.decode()
    assert AccessRecord.objects.count() == before  # no one shown, no one recorded
    with django_capture_on_commit_callbacks(execute=True):
        response = analyst.post(recompute)
    job = Job.objects.get(kind="benchmarks.high_needs", parameters={"performance_year": 2025})
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED, job.error
    # PY2025 has no CMS list and no alignment run: four check dates with no one on them.
    runs = HighNeedsRun.objects.filter(entity=world.entity, performance_year=2025)
    assert sorted((r.check_date.month, r.population) for r in runs) == [
        (1, 0), (4, 0), (7, 0), (10, 0),
    ]  # fmt: skip
    # Computing PY2026 again replaces its runs, in one transaction.
    old = set(HighNeedsRun.objects.filter(performance_year=2026).values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        analyst.post(reverse("benchmarks:high_needs_recompute", args=[world.entity.pk, 2026]))
    new = HighNeedsRun.objects.filter(performance_year=2026)
    assert len(new) == 4
    assert not old & {r.pk for r in new}
    assert [r.eligible for r in new.order_by("check_date")] == [4, 4, 2, 1]
