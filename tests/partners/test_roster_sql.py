"""The roster's hand-written SQL (partners.roster.roster_rows, roster_extras) against the ORM
querysets it stands for, and the number of queries a beneficiary detail and a roster page take
(issue 9, speed)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alignment.models import AlignmentChange, AlignmentResult, ChangeKind
from benchmarks.models import RiskHcc, RiskScore, RiskScoreComponent
from care.models import CareGap
from partners.authentication import ClientPrincipal
from partners.roster import (
    ALIGNED,
    NOT_ALIGNED,
    extras_of,
    roster_extras,
    roster_extras_orm,
    roster_rows,
    roster_rows_orm,
)

pytestmark = pytest.mark.django_db

V24, V28 = "CMS-HCC Model V24", "CMS-HCC Model V28"


def score(entity: Any, beneficiary_id: int, year: int, hccs: dict[str, list[str]]) -> None:
    """A risk score of payment year `year` with a component and HCCs per model."""
    risk = RiskScore.objects.create(
        entity=entity,
        beneficiary_id=beneficiary_id,
        payment_year=year,
        model_family="cms_hcc",
        segment="CNA",
        raw_score=Decimal("1.234567") + year - 2025,
        demographic_score=Decimal("0.400000"),
        blend=dict.fromkeys(hccs, 1),
        diagnosis_year=year - 1,
        diagnoses_through=dt.date(year - 1, 12, 31),
    )
    for model, codes in hccs.items():
        RiskScoreComponent.objects.create(
            risk_score=risk,
            model=model,
            weight=Decimal(1),
            segment="CNA",
            raw_score=Decimal("1.000"),
            demographic_score=Decimal("0.400"),
        )
        for code in codes:
            RiskHcc.objects.create(risk_score=risk, model=model, hcc=code, label=f"HCC {code}")


@pytest.fixture
def roster_data(aligned_a: Any, entity_a: Any) -> Any:
    """Risk scores with recapture gaps (an HCC coded in 2025 and not yet in 2026, one coded in
    both, one of a model 2026 no longer uses), care gaps, and changes since a previous list:
    an aligned beneficiary who changed TIN, a not-aligned one the first TIN lost."""
    run = aligned_a.run
    aligned = list(AlignmentResult.objects.filter(run=run, aligned=True).order_by("beneficiary_id"))
    not_aligned = list(
        AlignmentResult.objects.filter(run=run, aligned=False).order_by("beneficiary_id")
    )
    first, second, third = aligned[0], aligned[1], aligned[2]
    score(entity_a, first.beneficiary_id, 2025, {V28: ["37", "38"], V24: ["18"]})
    score(entity_a, first.beneficiary_id, 2026, {V28: ["38"]})
    score(entity_a, second.beneficiary_id, 2025, {V28: ["85"]})
    score(entity_a, third.beneficiary_id, 2024, {V28: []})
    for beneficiary_id, gap in [
        (first.beneficiary_id, "awv"),
        (first.beneficiary_id, "colorectal_cancer_screening"),
        (third.beneficiary_id, "awv"),
    ]:
        CareGap.objects.create(
            entity=entity_a,
            beneficiary_id=beneficiary_id,
            gap=gap,
            label=gap.replace("_", " "),
            last_done=dt.date(2024, 5, 1) if gap == "awv" else None,
            detail="No qualifying code on claims",
            as_of=dt.date(2026, 3, 31),
        )
    moved = aligned[3]
    AlignmentChange.objects.create(
        run=run,
        beneficiary_id=moved.beneficiary_id,
        kind=ChangeKind.CHANGED,
        previous_tin=aligned_a.tins[0],
        attributed_tin=moved.attributed_tin,
        attributed_npi=moved.attributed_npi,
    )
    AlignmentChange.objects.create(
        run=run,
        beneficiary_id=not_aligned[0].beneficiary_id,
        kind=ChangeKind.DROPPED,
        previous_tin=aligned_a.tins[0],
    )
    return aligned_a


def shape(rows: list[Any]) -> list[tuple[Any, ...]]:
    return [
        (
            r.beneficiary_id,
            r.run_id,
            r.aligned,
            r.step,
            r.attributed_tin,
            r.attributed_npi,
            r.change_kind,
            r.provider_name,
            r.period,
            r.beneficiary.current_mbi,
            r.beneficiary.updated_at,
            r.run.entity_id,
            r.run.performance_year,
            r.run.previous_run_id,
        )
        for r in rows
    ]


def test_the_sql_roster_selects_what_the_orm_roster_selects(
    roster_data, register, entity_a, rsa_signer, partner_a
) -> None:
    limited = register(
        entity_a, rsa_signer.public_pem(), name="One practice", tins=[roster_data.tins[0]]
    )
    result = AlignmentResult.objects.filter(run=roster_data.run, aligned=True)
    middle = result.order_by("beneficiary_id")[10].beneficiary_id
    some = result.exclude(attributed_npi="").first()
    mbis = list(
        AlignmentResult.objects.filter(run=roster_data.run)
        .order_by("-beneficiary_id")
        .values_list("beneficiary__current_mbi", flat=True)[:5]
    )
    cases: list[dict[str, Any]] = [
        {"status": ALIGNED},
        {"status": NOT_ALIGNED},
        {"status": ALIGNED, "tin": roster_data.tins[1]},
        {"status": ALIGNED, "npi": some.attributed_npi},
        {"status": ALIGNED, "changed_since": dt.datetime(2000, 1, 1, tzinfo=dt.UTC)},
        {"status": ALIGNED, "changed_since": dt.datetime(2100, 1, 1, tzinfo=dt.UTC)},
        {"status": ALIGNED, "after": middle, "limit": 7},
        {"status": ALIGNED, "before": middle, "limit": 7},
        {"status": ALIGNED, "after": middle, "offset": 2, "limit": 3},
        {"status": NOT_ALIGNED, "limit": 2},
        {"status": None, "mbis": mbis},
    ]
    cases += [
        {"status": None, "beneficiary_id": r.beneficiary_id, "limit": 1}
        for r in AlignmentResult.objects.filter(run=roster_data.run).order_by("id")[::12]
    ]
    checked = 0
    for principal in (ClientPrincipal(partner_a), ClientPrincipal(limited)):
        for case in cases:
            expected = shape(roster_rows_orm(principal=principal, **case))
            assert shape(roster_rows(principal=principal, **case)) == expected, case
            checked += bool(expected)
    assert checked > 30
    # The TIN-limited client sees the beneficiary its TIN lost, and no other not-aligned one.
    lost = roster_rows(principal=ClientPrincipal(limited), status=NOT_ALIGNED)
    assert [r.change_kind for r in lost] == [ChangeKind.DROPPED]


def test_the_sql_extras_are_the_orm_selectors_extras(roster_data, partner_a) -> None:
    principal = ClientPrincipal(partner_a)
    rows = roster_rows(principal=principal, status=None, limit=60)
    assert len(rows) == 60
    extras, expected = (
        extras(principal=principal, results=rows) for extras in (roster_extras, roster_extras_orm)
    )
    assert extras.risk == expected.risk
    assert dict(extras.gaps) == dict(expected.gaps)
    first = rows[0].beneficiary_id
    assert extras.risk[first].payment_year == 2026
    assert [(g["type"], g.get("gap") or g["hcc"]) for g in extras.gaps[first]] == [
        ("care_gap", "awv"),
        ("care_gap", "colorectal_cancer_screening"),
        ("hcc_recapture", "37"),  # 38 is coded again in 2026; V24 is not scored in 2026
    ]
    assert extras.gaps[rows[1].beneficiary_id] == []  # no 2026 score: nothing to recapture yet


def test_extras_read_with_the_rows_are_the_page_querys(roster_data, partner_a) -> None:
    """`roster_rows(with_extras=True)` (a detail's one query) reads what `roster_extras`
    reads for the same rows, in the same order, Decimals and dates included."""
    principal = ClientPrincipal(partner_a)
    rows = roster_rows(principal=principal, status=None, limit=60)
    expected = roster_extras(principal=principal, results=rows)
    assert any(expected.gaps.values())
    assert expected.risk
    compared = 0
    for row in rows:
        (one,) = roster_rows(
            principal=principal, status=None, beneficiary_id=row.beneficiary_id, limit=1,
            with_extras=True,
        )  # fmt: skip
        extras = extras_of([one])
        assert extras.risk.get(row.beneficiary_id) == expected.risk.get(row.beneficiary_id)
        assert extras.gaps.get(row.beneficiary_id, []) == expected.gaps.get(row.beneficiary_id, [])
        compared += bool(expected.gaps.get(row.beneficiary_id))
    assert compared >= 2
    kinds = {g["type"] for gaps in expected.gaps.values() for g in gaps}
    assert kinds == {"care_gap", "hcc_recapture"}


def test_a_beneficiary_detail_takes_three_queries(
    roster_data, partner_a, api_for, django_assert_max_num_queries
) -> None:
    """The token with its client (1), the roster row with its risk and gaps (1), the entity's
    data-sharing rows (1: who declined, claims.selectors.withheld_beneficiaries), the access
    record (1); the roster of record's CMS list, if any, for the row's label (1); and the
    row-security scope (core/rls.py): of the client's entity once its token is read (1; none
    when the connection holds it already, outside a test's transaction); the anonymous scope
    before the token and the reset at the end wait for a statement that needs them (0); the
    entities' CMS lists, for the beneficiaries only on CMS's list (partners.roster.list_only_rows;
    none here) (1)."""
    api = api_for(partner_a, scope="beneficiaries:read")
    beneficiary_id = (
        AlignmentResult.objects.filter(run=roster_data.run, aligned=True)
        .order_by("beneficiary_id")
        .first()
        .beneficiary_id
    )
    with django_assert_max_num_queries(7):
        response = api.get(f"/api/v1/beneficiaries/{beneficiary_id}/")
    assert response.status_code == 200
    body = response.json()
    assert body["risk_score"] == {"payment_year": 2026, "raw_score": "2.234567"}
    assert [g["type"] for g in body["open_gaps"]] == ["care_gap", "care_gap", "hcc_recapture"]
    assert response["ETag"]


def test_a_roster_page_takes_four_queries_whatever_its_size(
    roster_data, partner_a, api_for
) -> None:
    api = api_for(partner_a, scope="beneficiaries:read")
    aligned = AlignmentResult.objects.filter(run=roster_data.run, aligned=True).count()
    assert aligned > 50
    counts = []
    for size in (1, 50, 200):
        with CaptureQueriesContext(connection) as queries:
            page = api.get(f"/api/v1/beneficiaries/?page_size={size}")
        assert page.status_code == 200
        assert len(page.json()["results"]) == min(size, aligned)
        counts.append(len(queries))
    # 4, 1 for the roster of record's CMS list (none here), 1 for the list-only rows' CMS lists
    # (none here), 1 for the data-sharing rows, and 1 for the row-security scope (see the
    # detail's test above).
    assert counts == [8, 8, 8]
    # Following the cursors back and forth costs the same.
    body = api.get("/api/v1/beneficiaries/?page_size=20").json()
    forward = api.get(body["next"]).json()
    with CaptureQueriesContext(connection) as queries:
        back = api.get(forward["previous"]).json()
    assert len(queries) == 8
    assert [r["id"] for r in back["results"]] == [r["id"] for r in body["results"]]


def test_an_unknown_or_out_of_range_id_is_a_404(roster_data, partner_a, api_for) -> None:
    api = api_for(partner_a, scope="beneficiaries:read")
    for key in ("999999999", str(2**63), "9" * 30):
        response = api.get(f"/api/v1/beneficiaries/{key}/")
        assert response.status_code == 404
        assert response["Content-Type"] == "application/problem+json"
