"""Coordinator pages: scoping (404 for another entity), MFA, access records, query budgets,
no PHI in URLs or logs, and the CSV export job."""

from __future__ import annotations

import csv
import logging
from datetime import date, timedelta

import pytest
from django.urls import reverse

from audit.models import AccessRecord
from care.exports import export_path
from care.services import care_refresh, worklist_item_create
from jobs.models import Job
from tests.care.conftest import SYNTHETIC_MBIS

pytestmark = pytest.mark.django_db
DATA_DATE = date(2019, 8, 14)


@pytest.fixture
def setup(
    entity_a,
    entity_b,
    aco_coordinator,
    other_entity_user,
    make_bene,
    add_inpatient,
    add_visit,
    login_client,
):
    # The claims' own date, far from the wall clock: every page counts from it, not from today.
    today = DATA_DATE
    benes = [make_bene(entity_a, last_name=name) for name in ("Abbott", "Baker", "Carter", "Diaz")]
    add_inpatient(benes[0], 9001, today - timedelta(days=6), today - timedelta(days=3))
    add_visit(benes[1], 9002, today - timedelta(days=20), "99284", dx="E119")
    other = make_bene(entity_b, last_name="Other")
    care_refresh(entity=entity_a, as_of=today)
    care_refresh(entity=entity_b, as_of=today)
    item = worklist_item_create(
        entity=entity_a,
        beneficiary=benes[0],
        title="Call Abbott",
        due_date=today,
        assigned_to=aco_coordinator,
        acting_user=aco_coordinator,
    )
    return {
        "a": login_client(aco_coordinator),
        "b": login_client(other_entity_user),
        "benes": benes,
        "other": other,
        "item": item,
    }


def test_a_coordinator_without_a_second_factor_is_sent_to_enrol(entity_a, aco_coordinator):
    from tests.login import password_only_client

    client = password_only_client(aco_coordinator)
    response = client.get(reverse("care:roster", args=[entity_a.pk]))
    assert response.status_code == 302
    assert "totp" in response["Location"]


def test_the_roster_lists_the_entitys_people_and_records_the_view(setup, entity_a, aco_coordinator):
    response = setup["a"].get(reverse("care:roster", args=[entity_a.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Abbott" in body
    assert "Other" not in body
    record = AccessRecord.objects.filter(user=aco_coordinator, purpose="roster").latest("pk")
    assert set(record.beneficiary_ids) == {b.pk for b in setup["benes"]}


def test_search_by_name_is_a_post_and_filters_find_recent_inpatients(setup, entity_a):
    url = reverse("care:roster", args=[entity_a.pk])
    response = setup["a"].post(url, {"last_name": "bak"})
    body = response.content.decode()
    assert "Baker" in body
    assert "Abbott" not in body
    response = setup["a"].post(url, {"recent_inpatient": "on"})
    body = response.content.decode()
    assert "Abbott" in body
    assert "Baker" not in body
    response = setup["a"].post(url, {"recent_ed": "on"})
    assert "Baker" in response.content.decode()


def test_the_roster_pages_by_keyset_in_the_chosen_order(setup, entity_a, make_bene):
    for i in range(60):
        make_bene(entity_a, last_name=f"Zed{i:02d}")
    url = reverse("care:roster", args=[entity_a.pk])
    first = setup["a"].post(url, {"sort": "name"})
    rows = first.context["rows"]
    assert len(rows) == 50
    second = setup["a"].post(url, {"sort": "name", "after": first.context["next_after"]})
    names = [b.last_name for b in rows] + [b.last_name for b in second.context["rows"]]
    assert names == sorted(names)
    assert len(names) == 64
    assert second.context["next_after"] is None
    backwards = setup["a"].post(url, {"sort": "-name"}).context["rows"]
    assert backwards[0].last_name == "Zed59"


def test_another_entitys_coordinator_gets_404_everywhere(setup, entity_a):
    b = setup["b"]
    bene = setup["benes"][0]
    for url in (
        reverse("care:overview", args=[entity_a.pk]),
        reverse("care:roster", args=[entity_a.pk]),
        reverse("care:worklist", args=[entity_a.pk]),
        reverse("care:beneficiary", args=[entity_a.pk, bene.pk]),
    ):
        assert b.get(url).status_code == 404, url
    assert (
        b.post(reverse("care:roster", args=[entity_a.pk]), {"last_name": "Ab"}).status_code == 404
    )
    assert b.post(reverse("care:roster_export", args=[entity_a.pk]), {}).status_code == 404
    assert (
        b.post(reverse("care:item_update", args=[setup["item"].pk]), {"status": "done"}).status_code
        == 404
    )
    assert (
        b.post(reverse("care:item_create", args=[entity_a.pk, bene.pk]), {"title": "x"}).status_code
        == 404
    )
    # Their own entity's page with A's beneficiary id is also a 404.
    other_entity = setup["other"].entity_id
    assert b.get(reverse("care:beneficiary", args=[other_entity, bene.pk])).status_code == 404
    today = b.get(reverse("care:today")).content.decode()
    assert "Abbott" not in today


def test_the_beneficiary_page_shows_claims_gaps_and_items_and_records_the_view(
    setup, entity_a, aco_coordinator
):
    bene = setup["benes"][0]
    response = setup["a"].get(reverse("care:beneficiary", args=[entity_a.pk, bene.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Inpatient" in body
    # The claims one by one fold under the totals, the summary saying how many.
    assert '<details class="claims-list" id="claims-list">' in body
    assert "Claims since 1 January 2018: 1 claim, one by one</summary>" in body
    assert "Call Abbott" in body
    assert "Annual wellness visit" in body
    # A task due before the claims date says it is overdue, as the lists do; a task's kind is
    # not repeated beside a title that already says it.
    head = body.split('class="item-head"')[1:]
    overdue = [h for h in head if "Discharge without 7-day follow-up" in h.split("</div>")[0]]
    assert overdue, head
    assert "overdue" in overdue[0].split("</div>")[0]
    assert overdue[0].split("</div>")[0].count("Discharge without 7-day follow-up") == 1
    assert "No alignment run has included this person yet" in body
    assert bene.current_mbi not in body
    record = AccessRecord.objects.filter(purpose="beneficiary page").latest("pk")
    assert record.beneficiary_ids == [bene.pk]
    assert record.user == aco_coordinator


def test_a_coordinator_closes_an_item_from_the_page(setup, entity_a):
    item = setup["item"]
    response = setup["a"].post(
        reverse("care:item_update", args=[item.pk]), {"status": "done", "note": "Spoke to him"}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "done"


def test_pages_keep_a_fixed_query_budget(setup, entity_a, make_bene, django_assert_max_num_queries):
    # The budgets hold whatever the data size: more people and more items on the page.
    bene = setup["benes"][0]
    for i in range(30):
        make_bene(entity_a)
        worklist_item_create(
            entity=entity_a,
            beneficiary=bene,
            title=f"Task {i}",
            acting_user=setup["item"].created_by,
        )
    client = setup["a"]
    # 15: the alignment summary's current run and the year's benchmark for the PMPM panel.
    # Each + 2: the row-security scope set and reset around the request (core/rls.py).
    # Overview + 1: the roster of record panel (the latest CMS list's year); + 1: the entity's
    # role settings (whether the savings panel shows settlement money to this role).
    with django_assert_max_num_queries(19):
        client.get(reverse("care:overview", args=[entity_a.pk]))
    # Roster + 1: the entity's data-sharing rows (whose claim figures are not shown); + 1: the
    # count of everyone matching (the page numbers); + 1: the saved views it lists; + 1: the
    # user's role in the entity (whether the tabs offer the team page); + 1: the quality
    # measures the entity has gaps of (the care gap list offers those).
    with django_assert_max_num_queries(19):
        client.post(reverse("care:roster", args=[entity_a.pk]), {"open_gaps": "on", "sort": "dob"})
    # 23: + the items' notes and outreach attempts (one prefetch each, whatever their number),
    # + the entity's data-sharing rows (whether CMS withholds this person's claims); + 3: the
    # contact panel (the latest recorded details, the CCLF8 address, the open tasks' holders);
    # + 3: the shown claims' providers (Part A, B and DME rows by claim id); + up to 4: their
    # names in the registry (providers, specialties, CCNs, TINs). Part D comes with the profile.
    # + 1: the hospital stays on the timeline; + 1: the user's role (the team tab).
    with django_assert_max_num_queries(35):
        client.get(reverse("care:beneficiary", args=[entity_a.pk, bene.pk]))
    # 15: the worklist pages (a count of the matching items) and offers its members to assign to;
    # + 1: the user's role (the team tab); + 1: the summary's tasks by kind.
    with django_assert_max_num_queries(17):
        client.get(reverse("care:worklist", args=[entity_a.pk]))


def test_the_csv_export_is_a_job_scoped_to_the_entity_and_audited(
    setup, entity_a, aco_coordinator, django_capture_on_commit_callbacks
):
    client = setup["a"]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("care:roster_export", args=[entity_a.pk]), {"sort": "name"})
    assert response.status_code == 302
    job_url = response["Location"]
    job_id = int(job_url.rstrip("/").split("/")[-1])
    path = export_path(Job.objects.get(pk=job_id))
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # Only the app's user reads the file, and its name says nothing guessable.
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700
    assert path.name != f"roster-{job_id}.csv"
    assert len(path.stem) > 30
    assert [r["Name"].split(",")[0] for r in rows] == ["Abbott", "Baker", "Carter", "Diaz"]
    export_record = AccessRecord.objects.get(purpose="roster CSV export")
    assert export_record.beneficiary_count == 4
    assert export_record.user == aco_coordinator
    # The export's page says who is in it, how they were chosen and the figures' date.
    page = client.get(job_url).content.decode()
    assert "4 people." in page
    assert "Filters and sort: Sort by: Name (A-Z)." in page
    assert f'data-as-of="{DATA_DATE.isoformat()}"' in page
    from care.forms import RosterForm

    assert RosterForm().described(
        {"recent_ed": True, "gap": "awv", "sort": "-risk", "requested_by": 3}
    ) == ["ED visit, last 90 days", "Care gap: Annual wellness visit",
          "Sort by: Risk score (highest first)"]  # fmt: skip
    download = client.get(job_url + "?download=1")
    assert download.status_code == 200
    assert b"Abbott" in b"".join(download.streaming_content)
    assert AccessRecord.objects.filter(purpose="roster CSV download").count() == 1
    # Nobody else can fetch it, not even the other entity's coordinator.
    assert setup["b"].get(job_url + "?download=1").status_code == 404


def test_no_synthetic_mbi_reaches_the_logs_or_a_url(setup, entity_a, caplog):
    caplog.set_level(logging.DEBUG)
    client = setup["a"]
    urls = [
        reverse("care:overview", args=[entity_a.pk]),
        reverse("care:roster", args=[entity_a.pk]),
        reverse("care:today"),
        reverse("care:worklist", args=[entity_a.pk]),
    ] + [reverse("care:beneficiary", args=[entity_a.pk, b.pk]) for b in setup["benes"]]
    bodies = [client.get(u).content.decode() for u in urls]
    bodies.append(
        client.post(urls[1], {"last_name": "Ab", "birth_date": date(1950, 1, 2)}).content.decode()
    )
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for mbi in SYNTHETIC_MBIS:
        assert mbi not in logged
        assert all(mbi not in u for u in urls)
        assert all(mbi not in body for body in bodies)


def test_the_refresh_runs_as_a_job_for_members_only(
    setup, entity_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = setup["a"].post(reverse("care:refresh", args=[entity_a.pk]))
    assert response.status_code == 302
    from jobs.models import Job

    job = Job.objects.get(kind="care.refresh")
    assert job.state == "succeeded"
    assert job.result["beneficiaries"] == 4
    assert setup["b"].post(reverse("care:refresh", args=[entity_a.pk])).status_code == 404


def test_the_overview_shows_the_latest_projection_band_against_the_msr(setup, entity_a):
    from accounts.models import EntityRoleSettings
    from settlement.demo import _ytd_frame
    from settlement.services import settlement_projection_create
    from tests.settlement.test_settlement_projection_create import ASSUMPTIONS

    # The coordinator's entity lets coordinators see settlement money (off by default).
    EntityRoleSettings.objects.create(entity=entity_a, coordinators_see_settlement_money=True)
    url = reverse("care:overview", args=[entity_a.pk])
    assert "No settlement projection yet" in setup["a"].get(url).content.decode()
    settlement_projection_create(
        entity=entity_a,
        performance_year=2025,
        frame=_ytd_frame(beneficiaries=200, months=6, seed=5),
        assumptions=ASSUMPTIONS,
    )
    body = setup["a"].get(url).content.decode()
    assert "No settlement projection yet" not in body
    assert "MSR" in body
    assert "band-chart" in body
    # Entity B's coordinator still gets a 404 for A's overview, projection or not.
    assert setup["b"].get(url).status_code == 404


def test_the_beneficiary_page_shows_the_risk_score_hccs_their_claims_and_recapture(
    setup, entity_a, make_risk_score, django_assert_max_num_queries
):
    bene = setup["benes"][0]
    year = DATA_DATE.year  # the risk panel's year is the claims' year, not today's

    make_risk_score(bene, year, [("226", "Heart Failure"), ("38", "Diabetes")])
    make_risk_score(bene, year + 1, [("226", "Heart Failure")])
    url = reverse("care:beneficiary", args=[entity_a.pk, bene.pk])
    # + 2: the row-security scope set and reset around the request (core/rls.py); + 2: the
    # items' notes and outreach attempts; + 3: the contact panel (recorded details, the CCLF8
    # address, the open tasks' holders); + 3: the shown claims' providers (Part A, B and DME
    # rows by claim id); + up to 4: their names in the registry; + 1: the hospital stays on
    # the timeline; + 1: the user's role (the team tab).
    with django_assert_max_num_queries(40):
        body = setup["a"].get(url).content.decode()
    assert "1.234" in body
    # The diagnosis with its ICD-10-CM description, its claims counted with their noun.
    assert "I50.20 Unspecified systolic (congestive) heart failure" in body
    assert "2 claims, last " in body
    assert "claim 7001" in body
    assert "HCC recapture" in body
    assert "V28 38" in body
    assert "No risk score computed yet" not in body


def test_the_roster_filters_on_open_hcc_recapture_tasks(setup, entity_a, aco_coordinator):
    carter = setup["benes"][2]
    worklist_item_create(
        entity=entity_a,
        beneficiary=carter,
        title="HCC recapture: V28 38",
        kind="hcc_recapture",
        acting_user=aco_coordinator,
    )
    response = setup["a"].post(reverse("care:roster", args=[entity_a.pk]), {"hcc_recapture": "on"})
    assert [b.pk for b in response.context["rows"]] == [carter.pk]


def test_the_overview_jobs_panel_polls_while_a_job_runs_and_stops_after(setup, entity_a):
    from jobs.models import Job

    url = reverse("care:overview_jobs", args=[entity_a.pk])
    assert "hx-trigger" not in setup["a"].get(url).content.decode()
    job = Job.objects.create(entity=entity_a, kind="care.refresh", state="running", progress=40)
    body = setup["a"].get(url).content.decode()
    assert "hx-trigger" in body
    assert 'value="40"' in body
    assert f"Care refresh (job {job.pk})" in body
    assert setup["b"].get(url).status_code == 404


def test_the_care_gap_list_offers_the_measures_the_entity_has_gaps_of(setup, entity_a):
    """Another program's measures (TFU and ACR are ACO REACH's) would find nobody: the list
    offers the claims gaps and the measures with gaps in this entity; a measure asked for (a
    saved view's) stays valid."""
    from care.models import CareGap

    bene = setup["benes"][1]
    CareGap.objects.create(
        entity=entity_a, beneficiary=bene, gap="measure_134", as_of=DATA_DATE,
        label="Quality ID 134: depression screening due",
    )  # fmt: skip
    url = reverse("care:roster", args=[entity_a.pk])
    body = setup["a"].get(url).content.decode()
    assert 'value="measure_134"' in body
    assert 'value="measure_tfu"' not in body
    assert 'value="awv"' in body
    found = setup["a"].post(url, {"gap": "measure_134"})
    assert [b.pk for b in found.context["rows"]] == [bene.pk]
    asked = setup["a"].post(url, {"gap": "measure_tfu"})
    assert not asked.context["invalid"]
    assert asked.context["rows"] == []
