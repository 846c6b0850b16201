"""The roster: sorts by what matters (risk score, open gaps, cost, last discharge, days since a
primary care visit, alignment risk) from the column headers, keyset pages with a total and page
numbers, and a CSV export with the screen's columns."""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from care.exports import export_path
from care.models import CareProfile
from care.roster_columns import HEADERS
from care.selectors import RosterFilters, roster_page
from care.services import care_refresh
from jobs.models import Job

pytestmark = pytest.mark.django_db
AS_OF = date(2025, 6, 30)


@pytest.fixture
def roster(entity_a, make_bene, add_visit, make_risk_score, aco_coordinator, login_client):
    benes = [make_bene(entity_a, last_name=name) for name in ("Abbott", "Baker", "Carter")]
    add_visit(benes[0], 8101, AS_OF - timedelta(days=40), "99213")  # a primary care visit
    add_visit(benes[1], 8102, AS_OF - timedelta(days=10), "99284")  # ED: not primary care
    make_risk_score(benes[2], 2025, [])
    care_refresh(entity=entity_a, as_of=AS_OF)
    return {"benes": benes, "client": login_client(aco_coordinator)}


def test_the_refresh_keeps_the_risk_score_and_the_last_primary_care_visit(roster):
    abbott, baker, carter = (CareProfile.objects.get(beneficiary=b) for b in roster["benes"])
    assert abbott.last_primary_care_visit == AS_OF - timedelta(days=40)
    assert baker.last_primary_care_visit is None
    assert carter.risk_score == Decimal("1.234")
    assert abbott.risk_score is None


def _names(response):
    return [b.last_name for b in response.context["rows"]]


def test_each_sort_orders_the_page_and_pages_by_keyset(roster, entity_a, aco_coordinator):
    abbott, baker, carter = roster["benes"]
    CareProfile.objects.filter(beneficiary=abbott).update(
        open_gap_count=1, spend_this_year=Decimal("900.00"), alignment_at_risk=True
    )
    CareProfile.objects.filter(beneficiary=baker).update(
        open_gap_count=3, spend_this_year=Decimal("12000.00"), last_inpatient_discharge=AS_OF
    )
    CareProfile.objects.filter(beneficiary=carter).update(open_gap_count=0)
    client, url = roster["client"], reverse("care:roster", args=[entity_a.pk])
    expected = {
        "-risk": ["Carter", "Abbott", "Baker"],  # no score sorts last; ties by id
        "risk": ["Carter", "Abbott", "Baker"],  # lowest first: still no score last
        "discharge": ["Baker", "Abbott", "Carter"],  # earliest first: no stay last
        "-gaps": ["Baker", "Abbott", "Carter"],
        "-cost": ["Baker", "Abbott", "Carter"],
        "-discharge": ["Baker", "Abbott", "Carter"],
        "pc_visit": ["Baker", "Carter", "Abbott"],  # never seen in primary care first
        "-alignment_risk": ["Abbott", "Baker", "Carter"],
    }
    for sort, names in expected.items():
        assert _names(client.post(url, {"sort": sort})) == names, sort
        # Page by page (one person a page), the keyset gives the same order.
        filters, seen, after = RosterFilters(sort=sort), [], None
        while True:
            rows, after = roster_page(
                user=aco_coordinator,
                entity=entity_a,
                filters=RosterFilters(sort=sort, after=after),
                page_size=1,
            )
            seen += [b.last_name for b in rows]
            if after is None:
                break
        assert seen == names, (sort, filters)


def test_headers_sort_and_the_page_says_the_total_and_its_number(roster, entity_a, make_bene):
    for i in range(100):
        make_bene(entity_a, last_name=f"Zed{i:03d}")
    client, url = roster["client"], reverse("care:roster", args=[entity_a.pk])
    first = client.post(url, {"sort": "name"})
    body = first.content.decode()
    assert "103</strong> people · page 1 of 3" in body
    # The header of the current sort asks for the other direction; the others for theirs.
    assert 'name="sort" value="-name"' in body
    assert 'name="sort" value="-risk"' in body
    second = client.post(url, {"sort": "name", "after": first.context["next_after"]})
    assert "page 2 of 3" in second.content.decode()
    third = client.post(url, {"sort": "name", "goto": "3", "go": "1"})
    assert _names(third)[0] == "Zed097"
    assert "page 3 of 3" in third.content.decode()
    back = client.post(url, {"sort": "name", "page": "2", "goto": "3"})
    assert _names(back)[0] == "Zed047"


def test_the_export_has_the_screens_columns_and_values(
    roster, entity_a, django_capture_on_commit_callbacks
):
    client = roster["client"]
    screen = client.post(reverse("care:roster", args=[entity_a.pk]), {"sort": "-risk"})
    body = screen.content.decode()
    headers = re.findall(
        r'<th scope="col"[^>]*>(?:<button[^>]*>)?([^<↑↓]+?)\s*[↑↓]?(?:</button>)?</th>', body
    )
    assert headers == HEADERS
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("care:roster_export", args=[entity_a.pk]), {"sort": "-risk"})
    job = Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    with export_path(job).open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == HEADERS
    screen_rows = [values for _, values in screen.context["table"]]
    assert [r[:3] for r in rows[1:]] == [v[:3] for v in screen_rows]
    carter = rows[1]
    assert carter[HEADERS.index("Risk score")] == "1.234"
    assert rows[2][HEADERS.index("Days since primary care visit")] == "40"
