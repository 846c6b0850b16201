"""Reconciliation of a run with CMS's list: the service on a small synthetic population and a
hand-written CMS list, the page (PHI policy, access record, masked MBIs, the dates, another
entity's user gets a 404), the CSV export and the agreement rate on the entity overview."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse

from alignment.engine.reconcile import CAUSE_LABELS, GROUP_LABELS, Cause, Group
from alignment.models import AlignmentResult, AlignmentRun, Reconciliation
from alignment.services.reconciliation import parse_margin, reconciliation_build
from audit.models import AccessRecord
from beneficiaries.models import Beneficiary
from cmslists.models import CmsList
from cmslists.services import cms_list_load
from core import rls
from core.api import ApplicationError
from entities.models import Entity

pytestmark = pytest.mark.django_db
STEM = "P.A9001.ACO.QALR.2025Q4.D259999.T0200000"
H11 = "BENE_MBI_ID,BENE_LAST_NAME,EXCLUDED,GHP_EXCLUDED"
QUERY_BUDGET = 34  # 30 measured on 2026-12-05
NEW_MBI = "1AC0AC0AA99"  # on CMS's list, in no delivery


@dataclass
class _World:
    entity_a: int
    entity_b: int
    compared: dict[str, Any]


@pytest.fixture(scope="module")
def _world(module_db: None, django_db_blocker: Any) -> _World:
    """Built once for the module (tests/module_data.py): entity A with a small synthetic
    population and its run, then CMS's quarterly list: it assigns two people the run aligns, one
    the run does not align, and one no delivery carried; it excludes a third aligned person for
    a Medicare health plan month."""
    from django.test import TestCase

    from alignment.services.runs import alignment_run_create
    from synthetic.population import generate, write
    from tests.alignment.conftest import SMALL
    from tests.conftest import make_entity_a, make_entity_b

    with django_db_blocker.unblock():
        rls.scope_reset()
        a, b = make_entity_a(), make_entity_b()
        write(generate(SMALL), entity=a)
        with TestCase.captureOnCommitCallbacks(execute=True):
            run = alignment_run_create(
                entity=a, performance_year=2025, list_kind="final", as_of=dt.date(2026, 3, 31)
            )
        results = AlignmentResult.objects.filter(run=run).order_by("beneficiary_id")
        aligned = list(
            results.filter(aligned=True).values_list("beneficiary__current_mbi", flat=True)
        )
        lost = results.filter(aligned=False, step="step_1").values_list(
            "beneficiary__current_mbi", flat=True
        )[0]
        rows = [f"{m},X,0,0" for m in (aligned[0], aligned[1], lost, NEW_MBI)]
        rows.append(f"{aligned[2]},X,1,1")
        body = ("\n".join([H11, *rows]) + "\n").encode()
        cms_list = cms_list_load(
            entity=a,
            kind="mssp_quarterly",
            performance_year=2025,
            period=4,
            list_date=dt.date(2025, 11, 14),
            files=[(f"{STEM}_1-1.csv", body)],
        ).cms_list
        person = dict(Beneficiary.objects.filter(entity=a).values_list("current_mbi", "pk"))
        compared = {
            "run": run.pk,
            "list": cms_list.pk,
            "aligned": [person[m] for m in aligned],
            "lost": person[lost],
            "new": person[NEW_MBI],
            "population": results.count(),
        }
    return _World(a.pk, b.pk, compared)


@pytest.fixture
def entity_a(_world: _World, db: None) -> Entity:
    return Entity.objects.get(pk=_world.entity_a)


@pytest.fixture
def entity_b(_world: _World, db: None) -> Entity:
    return Entity.objects.get(pk=_world.entity_b)


@pytest.fixture
def compared(_world: _World, db: None) -> dict[str, Any]:
    return {
        **_world.compared,
        "run": AlignmentRun.objects.get(pk=_world.compared["run"]),
        "list": CmsList.objects.get(pk=_world.compared["list"]),
    }


def test_the_groups_and_causes_of_a_comparison(entity_a: Any, compared: dict[str, Any]) -> None:
    result = reconciliation_build(entity=entity_a, performance_year=2025, period=4)
    assert (result.run, result.cms_list) == (compared["run"], compared["list"])
    frame = result.frame.set_index("person")
    aligned = compared["aligned"]
    n_aligned = len(aligned)
    # Both: the first two. CMS only: the one the run did not align and the one never delivered.
    # Ours only: every other aligned person. Neither: the rest of the run's population.
    assert result.summary.groups == {
        "both": 2,
        "cms_only": 2,
        "ours_only": n_aligned - 2,
        "neither": compared["population"] - n_aligned - 1,
    }
    assert frame.loc[aligned[0], "group"] == "both"
    assert frame.loc[compared["new"], "group"] == "cms_only"
    assert frame.loc[compared["new"], "cause"] == "data_sharing"
    assert frame.loc[aligned[2], "cause"] == "ma_or_other_initiative"
    assert "Medicare health plan" in frame.loc[aligned[2], "detail"]
    assert frame.loc[compared["lost"], "group"] == "cms_only"
    assert frame.loc[compared["lost"], "cause"] != ""
    # 2 on both of 2 + 2 + (n - 2) aligned by either side.
    expected = (Decimal(200) / Decimal(n_aligned + 2)).quantize(Decimal("0.1"))
    assert result.summary.agreement_percent == expected
    stored = Reconciliation.objects.get(run=compared["run"], cms_list=compared["list"])
    assert stored.agreement_percent == expected
    assert stored.groups["cms_only"] == 2
    assert stored.margin == Decimal("50.00")


def test_without_a_list_the_service_says_what_is_missing(entity_a: Any) -> None:
    with pytest.raises(ApplicationError, match="No CMS list covers PY2025 quarter 2"):
        reconciliation_build(entity=entity_a, performance_year=2025, period=2)


@pytest.mark.parametrize(
    ("value", "expected"), [(None, Decimal("50.00")), ("$1,250", Decimal("1250.00"))]
)
def test_the_margin_a_user_states(value: str | None, expected: Decimal) -> None:
    assert parse_margin(value) == expected


@pytest.mark.parametrize("value", ["ten", "-5", "NaN", "1e9"])
def test_a_bad_margin_is_refused_naming_the_field(value: str) -> None:
    with pytest.raises(ApplicationError) as caught:
        parse_margin(value)
    assert caught.value.extra["field"] == "margin"


def test_the_page_shows_dates_counts_and_masked_differences(
    entity_a: Any,
    compared: dict[str, Any],
    aco_analyst: Any,
    login_client: Any,
    django_assert_max_num_queries: Any,
) -> None:
    client = login_client(aco_analyst)
    url = reverse("alignment:reconciliation", args=[entity_a.pk, 2025, 4])
    client.get(url)  # the session's first request sets up its row-security scope
    # A fixed number of queries whatever the population: the people are read in bulk.
    with django_assert_max_num_queries(QUERY_BUDGET):
        response = client.get(url, {"margin": "75"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "dated <strong>2025-11-14</strong>" in html
    assert "as of <strong>2026-03-31</strong>" in html
    assert "$75.00" in html
    assert 'data-group="cms_only">2<' in html
    assert 'data-cause="cms_only:data_sharing">1<' in html
    assert 'data-cause="ours_only:ma_or_other_initiative">1<' in html
    # CMS's exclusion reason once, in the evidence.
    [row] = [r for r in response.context["rows"] if r["cause"].startswith("Medicare Advantage")]
    assert row["cms_reason"]
    assert row["cms_reason"] in html
    assert html.count(row["cms_reason"]) == 1
    assert row["detail"] == f"Excluded by CMS: {row['cms_reason']}."
    # Summary first (differences by kind, each a link that filters the table), then the
    # beneficiaries, one short line each; what was compared last.
    assert (
        html.index('id="cause-counts"') < html.index('id="people"') < html.index("What is compared")
    )
    assert "?margin=75.00&amp;group=cms_only&amp;cause=data_sharing" in html
    assert '<td class="nowrap" title="Data withheld by CMS (data-sharing preference or ' in html
    assert ">Data withheld by CMS</td>" in html
    assert '<td class="nowrap" title="Aligned by the platform only">Platform only</td>' in html
    assert NEW_MBI not in html
    assert f"*******{NEW_MBI[-4:]}" in html
    record = AccessRecord.objects.filter(purpose="alignment_reconciliation").latest("id")
    assert compared["new"] in record.beneficiary_ids
    assert record.user == aco_analyst


def test_a_group_filter_lists_that_group(
    entity_a: Any, compared: dict[str, Any], aco_analyst: Any, login_client: Any
) -> None:
    client = login_client(aco_analyst)
    url = reverse("alignment:reconciliation", args=[entity_a.pk, 2025, 4])
    response = client.get(url, {"group": "both"})
    assert response.status_code == 200
    shown = {r["beneficiary_id"] for r in response.context["rows"]}
    assert shown == set(compared["aligned"][:2])
    # A column the filter already answers is not repeated on every row.
    table = response.content.decode().split('id="people"')[1]
    assert '<th scope="col">Group</th>' not in table
    filtered = client.get(url, {"group": "cms_only", "cause": "data_sharing"}).content.decode()
    assert "Most likely cause</th>" not in filtered.split('id="people"')[1]


def test_another_entity_user_gets_404(
    entity_a: Any, compared: dict[str, Any], client_b: Any
) -> None:
    for name in ("alignment:reconciliation", "alignment:reconciliation_export"):
        assert client_b.get(reverse(name, args=[entity_a.pk, 2025, 4])).status_code == 404
    assert not AccessRecord.objects.filter(purpose__startswith="alignment_reconciliation").exists()


def test_the_export_has_every_beneficiary_with_the_list_and_run_dates(
    entity_a: Any, compared: dict[str, Any], aco_analyst: Any, login_client: Any
) -> None:
    client = login_client(aco_analyst)
    url = reverse("alignment:reconciliation_export", args=[entity_a.pk, 2025, 4])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "reconciliation_A9001_PY2025_Q4_20251114.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == compared["population"] + 1  # the run's people and the one never delivered
    # The page's words for headers and values, not code names ("cms_exclusion_reason",
    # "cms_only", "data_sharing").
    assert not [h for h in rows[0] if re.fullmatch(r"[a-z0-9]+(?:_[a-z0-9]+)+", h)]
    new = next(r for r in rows if r["MBI"] == NEW_MBI)
    assert (new["Group"], new["Most likely cause"]) == (
        GROUP_LABELS[Group.CMS_ONLY],
        CAUSE_LABELS[Cause.DATA_SHARING],
    )
    assert {r["CMS list date"] for r in rows} == {"2025-11-14"}
    assert {r["Run as of"] for r in rows} == {"2026-03-31"}
    assert {r["Plurality margin"] for r in rows} == {"$50.00"}
    record = AccessRecord.objects.get(purpose="alignment_reconciliation_export")
    assert record.beneficiary_count == len(rows)


def test_the_overview_shows_the_agreement_rate(
    entity_a: Any, compared: dict[str, Any], aco_coordinator: Any, login_client: Any
) -> None:
    reconciliation_build(entity=entity_a, performance_year=2025, period=4)
    client = login_client(aco_coordinator)
    # Through the one formatting layer: a stored 73.0 reads 73%, never 73.0%.
    Reconciliation.objects.filter(entity=entity_a).update(agreement_percent=Decimal("73.0"))
    html = client.get(reverse("care:overview", args=[entity_a.pk])).content.decode()
    assert "Agreement with CMS's list: <strong>73%</strong>" in html
    assert "dated 2025-11-14" in html
