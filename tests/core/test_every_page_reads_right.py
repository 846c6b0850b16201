"""Every page of a small, demo-like entity, opened by each role (care coordinator, analyst,
entity admin), reads as a person expects: no unformatted money or raw decimals, no True/False,
no snake_case column headers, no job titles made of code names and no reference to our own files
or issues (tests/page_scan.py holds the checks). And every "as of" date a page states is the date
of the data its figures were computed from.

The entity is built once for the module (tests/module_data.py): three beneficiaries with claims
for 2021-2024, CMS reference values, a benchmark calculation, a care refresh, an alignment run,
risk scores of two payment years, two settlement versions and a projection, and finished jobs.
An ACO REACH entity beside it (a REACH benchmark, alignment run and Global settlement) is scanned
the same way.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.test import TestCase

from accounts.models import Role
from core import rls
from tests.page_scan import page_urls, problems

pytestmark = pytest.mark.django_db

AS_OF = date(2024, 12, 31)  # the claims refresh: the data's date, a year before the wall clock
ROLES = (Role.CARE_COORDINATOR, Role.ANALYST, Role.ENTITY_ADMIN)


def _build() -> dict[str, Any]:
    from alignment.models import AlignmentChange, AlignmentResult, AlignmentRun
    from benchmarks.models import RiskDiagnosis, RiskHcc, RiskScore, RiskScoreComponent
    from benchmarks.services.calculations import benchmark_calculate
    from care.services import care_refresh
    from jobs.models import Job
    from settlement.demo import _ytd_frame
    from settlement.services import settlement_projection_create, settlement_run_create
    from tests.benchmarks.builders import ClaimsBuilder
    from tests.benchmarks.conftest import (
        MSSP_ENTITY_2024,
        MSSP_NATIONAL_2024,
        THRESHOLDS,
        upload,
    )
    from tests.conftest import make_entity_a
    from tests.factories import MembershipFactory, UserFactory
    from tests.settlement.support import MSSP_FIGURES, TINS
    from tests.settlement.test_settlement_projection_create import ASSUMPTIONS

    entity = make_entity_a()
    entity.agreement_start = date(2024, 1, 1)
    entity.assignment_method = "preliminary_prospective"
    entity.save()
    build = ClaimsBuilder(entity)
    build.participant(tin="330000001", serial=82_001, start=date(2024, 1, 1))
    years = [2021, 2022, 2023, 2024]
    b1 = build.beneficiary(years=years, birth=date(1948, 3, 10), sex="2")
    b2 = build.beneficiary(years=years, birth=date(1940, 7, 1), sex="1", dual="02")
    b3 = build.beneficiary(years=years, birth=date(1952, 1, 20), sex="2", status="20")
    for year in years:
        build.part_b(b1, thru=date(year, 3, 1), paid="1200.00", dx=("E1122", "I5022"))
        build.part_b(b2, thru=date(year, 2, 1), paid="800.00", dx=("J449",))
        build.part_b(b3, thru=date(year, 4, 1), paid="600.00", dx=("N184",))
    build.part_a(b1, thru=date(2024, 11, 20), paid="15230.55", dx=("I5022",))
    build.part_a(b2, thru=date(2022, 8, 1), paid="70000.00", dx=("J449",))
    program = entity.program
    for year in years:
        upload(program, year, None, THRESHOLDS, source=f"Synthetic MSSP {year} thresholds")
    upload(program, 2024, None, MSSP_NATIONAL_2024)
    upload(program, 2024, entity, MSSP_ENTITY_2024, source="Synthetic benchmark report")
    calculation = benchmark_calculate(entity=entity, performance_year=2024)

    run = AlignmentRun.objects.create(
        entity=entity, program="mssp", performance_year=2024, list_kind="final",
        as_of=date(2025, 3, 31), version=1, status="succeeded", parameters_version="test",
        participants_as_of=date(2024, 12, 31), participants_digest="0" * 64, bucket_count=1,
        buckets_done=1, beneficiary_count=3, aligned_count=2,
    )  # fmt: skip
    for bene, aligned in ((b1, True), (b2, True), (b3, False)):
        AlignmentResult.objects.create(
            run=run, beneficiary=bene, bucket=0, aligned=aligned,
            step="step_1" if aligned else "eligibility",
            reason="aligned_plurality" if aligned else "no_primary_care_service",
            attributed_tin="330000001" if aligned else "", entity_allowed=Decimal("12345.67"),
            competitor_allowed=Decimal("1234.50"),
        )  # fmt: skip
    AlignmentChange.objects.create(
        run=run, beneficiary=b2, kind="added", previous_reason="no_primary_care_service",
        reason="aligned_plurality", step="step_1", attributed_tin="330000001",
    )  # fmt: skip
    # A person whose attributed practice changed: the history says from which to which in words.
    AlignmentChange.objects.create(
        run=run, beneficiary=b1, kind="changed", previous_step="step_1", step="step_1",
        previous_reason="aligned_plurality", reason="aligned_plurality",
        previous_tin="330000009", attributed_tin="330000001",
    )  # fmt: skip
    for bene in (b1, b2):
        for payment_year, hccs in ((2024, [("226", "Heart failure")]), (2025, [])):
            score = RiskScore.objects.create(
                entity=entity, beneficiary=bene, payment_year=payment_year,
                model_family="cms_hcc", segment="CNA", raw_score=Decimal("1.2345"),
                demographic_score=Decimal("0.4"), blend={"V28": "1"},
                diagnosis_year=payment_year - 1, diagnoses_through=date(payment_year - 1, 12, 31),
            )  # fmt: skip
            RiskScoreComponent.objects.create(
                risk_score=score, model="V28", weight=Decimal("1"), segment="CNA",
                raw_score=Decimal("1.2345"), demographic_score=Decimal("0.4"),
            )  # fmt: skip
            for code, label in hccs:
                hcc = RiskHcc.objects.create(risk_score=score, model="V28", hcc=code, label=label)
                RiskDiagnosis.objects.create(
                    hcc=hcc, dx_code="I5022", claim_count=2,
                    last_date=date(payment_year - 1, 3, 1), last_claim_id="7001",
                )  # fmt: skip
    care_refresh(entity=entity, as_of=AS_OF)

    settlement_run_create(
        entity=entity, performance_year=2024, figures=MSSP_FIGURES, participants=TINS, note="v1"
    )
    settled = settlement_run_create(
        entity=entity, performance_year=2024, participants=TINS, note="v2",
        figures={**MSSP_FIGURES, "total_expenditure": MSSP_FIGURES["total_expenditure"] + ".00",
                 "quality_score": "75.5"},
    )  # fmt: skip
    settlement_projection_create(
        entity=entity, performance_year=2024, frame=_ytd_frame(beneficiaries=60, months=6, seed=3),
        assumptions=ASSUMPTIONS,
    )  # fmt: skip
    Job.objects.create(
        entity=entity, kind="alignment.run", state="succeeded", progress=100,
        parameters={"run_id": run.pk}, result={"run_id": run.pk},
    )  # fmt: skip
    Job.objects.create(
        entity=entity, kind="benchmarks.calculate", state="succeeded", progress=100,
        parameters={"performance_year": 2024},
        result={"calculation_id": calculation.pk, "version": calculation.version},
    )  # fmt: skip
    Job.objects.create(
        entity=entity, kind="settlement.collect", state="failed", progress=30,
        parameters={"performance_year": 2024, "kind": "final"},
        error="No quality result for A9001 PY2024: enter it in the admin console.",
    )  # fmt: skip
    Job.objects.create(
        entity=entity, kind="settlement.run", state="succeeded", progress=100,
        parameters={"performance_year": 2024}, result={"run_id": settled.pk, "version": 2},
    )  # fmt: skip
    users = {}
    for role in ROLES:
        user = UserFactory(email=f"{role}@pages.example.test")
        MembershipFactory(user=user, entity=entity, role=role)
        users[role] = user.pk
    return {"entity": entity.pk, "users": users, "reach": _build_reach()}


def _build_reach() -> dict[str, Any]:
    """An ACO REACH DCE beside the ACO: benchmark years 2017-2019 and PY2024, a final alignment
    run, risk scores, a care refresh and a Global settlement with its participant TINs."""
    from alignment.models import AlignmentResult, AlignmentRun
    from benchmarks.models import RiskScore
    from benchmarks.services.calculations import benchmark_calculate
    from care.services import care_refresh
    from entities.models import EntityYear, Track
    from settlement.services import settlement_run_create
    from tests.benchmarks.builders import ClaimsBuilder
    from tests.benchmarks.conftest import (
        REACH_ENTITY_2024,
        REACH_NATIONAL_2024,
        THRESHOLDS,
        upload,
    )
    from tests.conftest import make_entity_b
    from tests.factories import MembershipFactory, UserFactory
    from tests.settlement.support import REACH_FIGURES, TINS

    entity = make_entity_b()
    EntityYear.objects.create(
        entity=entity, performance_year=2024,
        track=Track.objects.get(program__code="reach", code="global"),
    )  # fmt: skip
    build = ClaimsBuilder(entity)
    build.participant(tin="440000001", serial=83_001, start=date(2024, 1, 1))
    years = [2017, 2018, 2019, 2024]
    b1 = build.beneficiary(years=years, birth=date(1945, 5, 5), sex="2")
    b2 = build.beneficiary(years=years, birth=date(1958, 9, 9), sex="1", status="20", orec="1")
    for year in (2015, 2016):
        build.part_b(b1, thru=date(year, 3, 1), paid="90.00")
        build.part_b(b2, thru=date(year, 9, 1), paid="90.00")
    for year in years:
        build.part_b(b1, thru=date(year, 3, 1), paid="900.00", dx=("E1122",), reduction="100.00")
        build.part_b(b2, thru=date(year, 6, 1), paid="400.00", dx=("F200",))
    build.part_a(b1, thru=date(2024, 11, 20), paid="14100.25", dx=("I5022",))
    program = entity.program
    for year in (2017, 2018, 2019):
        upload(program, year, None, THRESHOLDS)
    upload(program, 2024, None, REACH_NATIONAL_2024)
    upload(program, 2024, entity, REACH_ENTITY_2024)
    benchmark_calculate(entity=entity, performance_year=2024)
    run = AlignmentRun.objects.create(
        entity=entity, program="reach", performance_year=2024, list_kind="final",
        as_of=date(2025, 3, 31), version=1, status="succeeded", parameters_version="test",
        participants_as_of=date(2024, 1, 1), participants_digest="1" * 64, bucket_count=1,
        buckets_done=1, beneficiary_count=2, aligned_count=2,
    )  # fmt: skip
    for bene in (b1, b2):
        AlignmentResult.objects.create(
            run=run, beneficiary=bene, bucket=0, aligned=True, step="primary_care",
            reason="aligned_plurality", attributed_tin="440000001",
            entity_allowed=Decimal("1300.00"), competitor_allowed=Decimal("0"),
        )  # fmt: skip
        RiskScore.objects.create(
            entity=entity, beneficiary=bene, payment_year=2025, model_family="cms_hcc",
            segment="CNA", raw_score=Decimal("2.1345"), demographic_score=Decimal("0.4"),
            blend={"V28": "1"}, diagnosis_year=2024, diagnoses_through=date(2024, 12, 31),
        )  # fmt: skip
    care_refresh(entity=entity, as_of=AS_OF)
    settlement_run_create(
        entity=entity, performance_year=2024, figures=REACH_FIGURES, participants=TINS,
        note="Final settlement report",
    )  # fmt: skip
    users = {}
    for role in ROLES:
        user = UserFactory(email=f"{role}@reach-pages.example.test")
        MembershipFactory(user=user, entity=entity, role=role)
        users[role] = user.pk
    return {"entity": entity.pk, "users": users}


@pytest.fixture(scope="module")
def world(module_db: None, django_db_blocker: Any) -> dict[str, Any]:
    with django_db_blocker.unblock():
        rls.scope_reset()
        with TestCase.captureOnCommitCallbacks(execute=False):
            return _build()


_SEEN: dict[str, dict[str, str]] = {}


def _pages(world: dict[str, Any], role: str) -> dict[str, str]:
    """Each page of the entity as `role` sees it (fetched once per module and role)."""
    key = f"{world['entity']}:{role}"
    if key not in _SEEN:
        _SEEN[key] = _fetch(world, role)
    return _SEEN[key]


def _fetch(world: dict[str, Any], role: str) -> dict[str, str]:
    from accounts.models import User
    from entities.models import Entity
    from tests.login import verified_client

    entity = Entity.objects.get(pk=world["entity"])
    user = User.objects.get(pk=world["users"][role])
    client = verified_client(user)
    pages = {}
    for url in page_urls(entity, user=user):
        response = client.get(url)
        # Coordinators see no settlement money unless their entity allows it (off by default):
        # they read the page that says so instead, which is scanned like the others.
        refused = role == Role.CARE_COORDINATOR and url.startswith("/settlement/entities/")
        assert response.status_code == (403 if refused else 200), (role, url, response.status_code)
        pages[url] = response.content.decode()
    return pages


@pytest.mark.parametrize("role", ROLES)
def test_every_page_reads_as_a_person_expects(world: dict[str, Any], role: str) -> None:
    pages = _pages(world, role)
    assert len(pages) >= 25
    found = {url: problems(html) for url, html in pages.items()}
    assert {url: p for url, p in found.items() if p} == {}


def test_every_reach_page_reads_as_a_person_expects(world: dict[str, Any]) -> None:
    """The same scan on an ACO REACH entity's pages (Global settlement, REACH benchmark), as its
    analyst, who opens all of them (the roles' differences are the ACO's scan's to check)."""
    pages = _pages(world["reach"], Role.ANALYST)
    assert len(pages) >= 20
    assert any("ACO REACH" in html for html in pages.values())
    found = {url: problems(html) for url, html in pages.items()}
    assert {url: p for url, p in found.items() if p} == {}


def test_every_as_of_a_page_states_is_its_datas_date(world: dict[str, Any]) -> None:
    from care.models import CareSummary

    summary = CareSummary.objects.get(entity_id=world["entity"])
    assert summary.as_of == AS_OF
    pages = _pages(world, Role.CARE_COORDINATOR)
    stated = {url: set(re.findall(r'data-as-of="([^"]*)"', html)) for url, html in pages.items()}
    entity = world["entity"]
    # The overview, the roster and a beneficiary's page show the care refresh's figures: each
    # states that date, and no other.
    dated = [
        url
        for url in pages
        if url in (f"/care/{entity}/", f"/care/{entity}/roster/")
        or url.startswith(f"/care/{entity}/beneficiaries/")
    ]
    assert len(dated) == 3, dated
    for url in dated:
        assert stated[url] == {AS_OF.isoformat()}, url
    # Whatever other page states an as-of date states the same one.
    for url, dates in stated.items():
        assert dates <= {AS_OF.isoformat()}, (url, dates)


def test_the_overview_says_which_months_the_projection_read(world: dict[str, Any]) -> None:
    """The savings panel names the claims months its projection was made from, not only the day
    it was made (the wall clock)."""
    overview = _pages(world, Role.ANALYST)[f"/care/{world['entity']}/"]
    assert "projection version 1, from claims of January to June 2024 (made " in overview


def test_the_scanner_catches_what_it_looks_for() -> None:
    """The checks themselves, on the slips the pages used to make."""
    bad = [
        "<p>$3156.99</p>", "<p>13372 member-months</p>", "<td>4000000.00</td>",
        "<p>55.8909%</p>", "<p>Renewing False</p>", "<p>QPS met True</p>",
        "<th>participant_revenue</th>", "<h1>alignment.run #2</h1>", "<p>see domain.md 3.1</p>",
        "<p>issue 7: entity-specific MSR</p>", '<input name="x" value="11331818.89000000000">',
        "<p>Parameter table mssp_tracks 2026.1: PY2025 BASIC_D</p>", "<p>1231 assigned</p>",
        "<dd>2.040 raw (cms_hcc, segment CNA)</dd>", "<dd>Population alignment_engine</dd>",
        "<td>3 Part B claim line(s) billed</td>", "<dd>1 episode(s) (12.5%)</dd>",
        "<td>changed: attributed TIN 991000925 -&gt; 991000148</td>",
    ]  # fmt: skip
    for html in bad:
        assert problems(html), html
    good = (
        "<p>$3,156.99 · 13,372 member-months · 55.89% · QPS met: yes · 42 CFR 425.605 · A9901 "
        "claims through 2025-12-16 · MSSP track parameters 2026.1: PY2025 BASIC track, level D · "
        "CMS-HCC model, segment community, non-dual, aged (CNA) · 1 care episode managed · "
        "3 Part B claim lines billed</p>"
    )
    assert problems(good) == []
