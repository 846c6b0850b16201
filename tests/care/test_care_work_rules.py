"""The care work rules through the refresh, the pages and the services, on hand-built claims
dated far from today (2016): who gets no generated work, what a discharge status calls for,
dates counted from the claims, superseded tasks, worklist paging and filters, bulk assignment
and outreach attempts, each as a user of the entity and, for isolation, of another one."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessRecord
from care.models import CareGap, CareProfile, ItemKind, OutreachAttempt, WorklistItem
from care.services import care_refresh, worklist_item_create, worklist_item_update
from jobs.models import Job

pytestmark = pytest.mark.django_db
DATA_DATE = date(2016, 9, 30)  # the latest claim through date below


@pytest.fixture
def people(entity_a, make_bene, add_inpatient, add_visit, make_alignment_run):
    """Six people of entity A with a discharge each in September 2016, an alignment run as of
    the claims that aligns all but `outsider`, and the last claim on 30 September 2016."""
    home = make_bene(entity_a, last_name="Home")
    died = make_bene(entity_a, last_name="Died", death_date=date(2016, 9, 20))
    hospice = make_bene(entity_a, last_name="Hospice", hospice_start=date(2016, 9, 25))
    snf = make_bene(entity_a, last_name="Snf")
    interim = make_bene(entity_a, last_name="Interim")
    outsider = make_bene(entity_a, last_name="Outsider")
    add_inpatient(home, 501, date(2016, 9, 10), date(2016, 9, 14))
    add_inpatient(died, 502, date(2016, 9, 10), date(2016, 9, 20), status="20")
    add_inpatient(hospice, 503, date(2016, 9, 10), date(2016, 9, 14))
    add_inpatient(snf, 504, date(2016, 9, 10), date(2016, 9, 14), status="03")
    add_inpatient(interim, 505, date(2016, 9, 1), date(2016, 9, 28), status="30", frequency="2")
    add_inpatient(outsider, 506, date(2016, 9, 10), date(2016, 9, 14))
    add_visit(home, 507, DATA_DATE, "99284")  # an ED visit on the last day of the claims
    everyone = [home, died, hospice, snf, interim, outsider]
    make_alignment_run(
        entity_a,
        as_of=DATA_DATE,
        results=[
            (
                b,
                b is not outsider,
                "aligned" if b is not outsider else "no_primary_care",
                "",
                "",
                "",
            )
            for b in everyone
        ],
    )
    return {
        "home": home,
        "died": died,
        "hospice": hospice,
        "snf": snf,
        "interim": interim,
        "outsider": outsider,
    }


def _kinds(bene):
    return set(WorklistItem.objects.filter(beneficiary=bene).values_list("kind", flat=True))


def test_no_gap_or_task_for_the_deceased_in_hospice_or_not_aligned(people, entity_a):
    result = care_refresh(entity=entity_a)  # as of the claims' own date
    assert result["as_of"] == "2016-09-30"
    assert result["no_care_work"] == {"deceased": 1, "hospice": 1, "not_in_population": 1}
    for key in ("died", "hospice", "outsider"):
        assert _kinds(people[key]) == set(), key
        assert not CareGap.objects.filter(beneficiary=people[key]).exists(), key
    reasons = dict(
        CareProfile.objects.filter(entity=entity_a).values_list(
            "beneficiary_id", "no_care_work_reason"
        )
    )
    assert reasons[people["died"].pk] == "deceased"
    assert reasons[people["hospice"].pk] == "hospice"
    assert reasons[people["outsider"].pk] == "not_in_population"
    assert reasons[people["home"].pk] == ""
    # Discharged home: the 7-day follow-up, the ED visit and the wellness visit (never had one).
    assert _kinds(people["home"]) == {
        ItemKind.DISCHARGE_FOLLOW_UP,
        ItemKind.ED_VISIT,
        ItemKind.AWV_DUE,
    }
    # To a SNF: its own task, no 7-day follow-up. An interim bill is not a discharge.
    assert _kinds(people["snf"]) == {ItemKind.SNF_ADMISSION, ItemKind.AWV_DUE}
    assert _kinds(people["interim"]) == {ItemKind.AWV_DUE}


def test_counts_and_overdue_come_from_the_claims_date_not_the_clock(
    people, entity_a, login_client, aco_coordinator
):
    care_refresh(entity=entity_a)
    # Discharged 14 September 2016: contact due 16 September, overdue on 30 September 2016
    # (the claims' date) whatever today is; the ED visit of 30 September is due 3 October.
    follow_up = WorklistItem.objects.get(kind=ItemKind.DISCHARGE_FOLLOW_UP)
    assert follow_up.due_date == date(2016, 9, 16)
    client = login_client(aco_coordinator)
    body = client.get(reverse("care:overview", args=[entity_a.pk])).content.decode()
    assert 'data-as-of="2016-09-30"' in body
    assert "the last 90 days count back from it, and overdue means due before it" in body
    today = client.get(reverse("care:today")).content.decode()
    assert "Due by the claims date (2016-09-30) or undated" in today
    # Open: 1 follow-up + 1 SNF + 1 ED + 3 AWV (due on the data date: not overdue) = 6;
    # overdue: the follow-up (16 Sep) and the SNF task (16 Sep).
    figures = client.get(reverse("care:overview", args=[entity_a.pk])).context["figures"]
    assert figures["items"] == {"open": 6, "overdue": 2}
    # The roster's "inpatient stay, last 90 days" counts back from 30 September 2016.
    response = client.post(reverse("care:roster", args=[entity_a.pk]), {"recent_inpatient": "on"})
    assert {b.last_name for b in response.context["rows"]} == {
        "Home", "Died", "Hospice", "Snf", "Interim", "Outsider",
    }  # fmt: skip


def test_a_refresh_past_the_claims_warns_and_the_next_one_closes_what_it_made(
    people, entity_a, aco_coordinator
):
    care_refresh(entity=entity_a)
    later = date(2017, 11, 15)
    result = care_refresh(entity=entity_a, as_of=later)
    assert result["warnings"]
    assert "2016-09-30" in result["warnings"][0]
    stale = WorklistItem.objects.filter(source_key__startswith="awv:", source_key__endswith=":2017")
    assert stale.count() == 3  # home, snf, interim: no AWV on claims
    worked = stale.get(beneficiary=people["home"])
    worklist_item_update(item=worked, acting_user=aco_coordinator, status="in_progress")
    manual = worklist_item_create(
        entity=entity_a,
        beneficiary=people["snf"],
        title="Call the SNF",
        acting_user=aco_coordinator,
    )
    # The late refresh found no recent discharge or ED visit (it looks back from 2017): it
    # closed those tasks and the 2016 AWV tasks as no longer found.
    follow_up = WorklistItem.objects.get(kind=ItemKind.DISCHARGE_FOLLOW_UP)
    assert follow_up.status == "dismissed"
    result = care_refresh(entity=entity_a)  # back to the claims' date
    assert result["warnings"] == []
    # Found again: reopened, with a note; the tasks of the late refresh are closed.
    follow_up.refresh_from_db()
    assert follow_up.status == "open"
    assert follow_up.notes.filter(text="Found again in the claims as of 2016-09-30").exists()
    assert result["items_reopened"] == 6  # follow-up, SNF, ED and three 2016 AWV tasks
    # The 2017 AWV tasks not started are closed with the reason; the one in progress and the
    # one made by hand stay as they were.
    closed = stale.filter(status="dismissed")
    assert closed.count() == 2
    assert {i.dismissed_reason for i in closed} == {
        "No longer found in the claims as of 2016-09-30"
    }
    worked.refresh_from_db()
    manual.refresh_from_db()
    assert (worked.status, manual.status) == ("in_progress", "open")
    before = WorklistItem.objects.count()
    again = care_refresh(entity=entity_a)
    assert again["items_superseded"] == 0
    assert WorklistItem.objects.count() == before


def test_the_refresh_button_uses_the_claims_date_and_refuses_a_later_one(
    people, entity_a, login_client, aco_coordinator
):
    client = login_client(aco_coordinator)
    url = reverse("care:refresh", args=[entity_a.pk])
    response = client.post(url, {"as_of": "2017-01-01"}, follow=True)
    assert not Job.objects.filter(kind="care.refresh").exists()
    assert "The claims reach 2016-09-30" in response.content.decode()
    client.post(url, {"as_of": ""})
    job = Job.objects.get(kind="care.refresh")
    assert job.parameters == {"as_of": "2016-09-30"}


def _items(entity, bene, user, n, status="open"):
    return [
        worklist_item_create(
            entity=entity, beneficiary=bene, title=f"Task {i:03d}", due_date=DATA_DATE + timedelta(days=i),
            acting_user=user,
        )
        for i in range(n)
    ]  # fmt: skip


def test_the_worklist_pages_through_every_item_and_tells_open_from_in_progress(
    entity_a, make_bene, aco_coordinator, login_client
):
    from care.models import CareSummary
    from care.views import WORKLIST_PAGE_SIZE

    bene = make_bene(entity_a)
    total = 2 * WORKLIST_PAGE_SIZE + 5
    items = WorklistItem.objects.bulk_create(
        WorklistItem(entity=entity_a, beneficiary=bene, title=f"Task {i:03d}", kind="manual",
                     due_date=DATA_DATE + timedelta(days=i % 40 - 3))
        for i in range(total)
    )  # fmt: skip
    WorklistItem.objects.create(
        entity=entity_a, beneficiary=bene, title="Wellness visit", kind="awv_due",
        due_date=DATA_DATE, detail="Last IPPE or AWV on claims 2015-06-22; eligible again from "
        "2016-06-01 (42 CFR 410.15: 11 full months after the month of the last visit)",
    )  # fmt: skip
    CareSummary.objects.create(entity=entity_a, as_of=DATA_DATE)
    worklist_item_update(item=items[0], acting_user=aco_coordinator, status="in_progress")
    client = login_client(aco_coordinator)
    url = reverse("care:worklist", args=[entity_a.pk])
    seen = []
    for page in (1, 2, 3):
        response = client.get(url, {"status": "active", "page": page, "kind": "manual"})
        seen += [i.pk for i in response.context["items"]]
    assert len(seen) == total
    assert len(set(seen)) == total
    assert response.context["page"].paginator.num_pages == 3
    body = client.get(url).content.decode()
    assert "page=2" in body  # the pager links on
    open_only = client.get(url, {"status": "open", "page": 1}).context["page"].paginator.count
    in_progress = client.get(url, {"status": "in_progress"}).context["page"].paginator.count
    assert (open_only, in_progress) == (total, 1)
    # The summary first: tasks and overdue ones (due before the claims date) by kind, each
    # kind a link that keeps the other filters; the task's detail whole, not cut mid-word.
    overdue = sum(1 for i in range(total) if i % 40 < 3)
    assert client.get(url).context["by_kind"] == [
        {"kind": "awv_due", "label": "Annual wellness visit due", "n": 1, "overdue": 0},
        {"kind": "manual", "label": "Added by hand", "n": total, "overdue": overdue},
    ]
    assert body.index('id="worklist-summary"') < body.index('id="bulk-assign"')
    assert '<a href="?status=open&amp;kind=awv_due">Annual wellness visit due</a>' in (
        client.get(url, {"status": "open", "kind": "manual"}).content.decode()
    )
    assert "after the month of the last visit)" in body


def test_a_coordinator_bulk_assigns_only_their_entitys_items(
    entity_a, entity_b, make_bene, aco_coordinator, aco_analyst, other_entity_user, login_client
):
    mine = _items(entity_a, make_bene(entity_a), aco_coordinator, 3)
    theirs = _items(entity_b, make_bene(entity_b), other_entity_user, 1)
    client = login_client(aco_coordinator)
    url = reverse("care:worklist_assign", args=[entity_a.pk])
    client.post(
        url,
        {"items": [mine[0].pk, mine[1].pk, theirs[0].pk], "assigned_to": str(aco_analyst.pk)},
    )
    assigned = dict(WorklistItem.objects.values_list("pk", "assigned_to_id"))
    assert assigned == {
        mine[0].pk: aco_analyst.pk,
        mine[1].pk: aco_analyst.pk,
        mine[2].pk: None,
        theirs[0].pk: None,
    }
    assert mine[0].notes.filter(text__startswith="Assigned to").exists()
    # Another entity's user cannot assign entity A's items: 404.
    other = login_client(other_entity_user)
    response = other.post(url, {"items": [mine[2].pk], "assigned_to": ""})
    assert response.status_code == 404


def test_an_outreach_attempt_is_logged_listed_with_the_notes_and_audited(
    entity_a, make_bene, aco_coordinator, other_entity_user, login_client
):
    bene = make_bene(entity_a)
    (item,) = _items(entity_a, bene, aco_coordinator, 1)
    worklist_item_update(item=item, acting_user=aco_coordinator, note="Daughter is the contact")
    client = login_client(aco_coordinator)
    url = reverse("care:outreach_create", args=[item.pk])
    when = "2016-10-03T10:15"
    client.post(
        url,
        {"attempted_at": when, "method": "call", "outcome": "left_message", "note": "Voicemail"},
    )
    attempt = OutreachAttempt.objects.get()
    assert (attempt.method, attempt.outcome, attempt.beneficiary_id, attempt.entity_id) == (
        "call", "left_message", bene.pk, entity_a.pk,
    )  # fmt: skip
    assert f"{timezone.localtime(attempt.attempted_at):%Y-%m-%dT%H:%M}" == when
    item.refresh_from_db()
    assert item.status == "in_progress"  # the first attempt starts the work
    # An attempt in the future is refused, and nothing is stored.
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    client.post(url, {"attempted_at": future, "method": "text", "outcome": "reached"})
    assert OutreachAttempt.objects.count() == 1
    page = client.get(reverse("care:beneficiary", args=[entity_a.pk, bene.pk]))
    body = page.content.decode()
    assert "Daughter is the contact" in body  # the task's notes show on the beneficiary page
    assert "Left a message" in body
    assert "Phone call" in body
    assert "Voicemail" in body
    assert AccessRecord.objects.filter(
        user=aco_coordinator, purpose="beneficiary page", beneficiary_ids__contains=[bene.pk]
    ).exists()
    # Another entity's user can neither log an attempt on the item nor see it.
    other = login_client(other_entity_user)
    response = other.post(url, {"attempted_at": when, "method": "call", "outcome": "reached"})
    assert response.status_code == 404
    assert OutreachAttempt.objects.count() == 1
    assert OutreachAttempt.objects.for_user(other_entity_user).count() == 0


def test_a_load_that_changed_data_queues_the_monthly_cycle_once(
    entity_a, aco_analyst, django_capture_on_commit_callbacks, make_bene, add_inpatient
):
    from care.cycle import cycle_enqueue_after

    # The entity has claims (without any, no cycle: tests/care/test_cycle_after_loads.py).
    add_inpatient(make_bene(entity_a), 601, date(2025, 3, 1), date(2025, 3, 4))

    load = Job.objects.create(
        entity=entity_a, kind="claims.load_delivery", state="succeeded", created_by=aco_analyst
    )
    with django_capture_on_commit_callbacks(execute=False):
        assert (
            cycle_enqueue_after(job=load, result={"status": "loaded", "already_loaded": True})
            is None
        )
        assert cycle_enqueue_after(job=load, result={"status": "rejected"}) is None
        other = Job.objects.create(entity=entity_a, kind="jobs.demo", state="succeeded")
        assert cycle_enqueue_after(job=other, result={}) is None
        assert not Job.objects.filter(kind="care.monthly_cycle").exists()
        cycle = cycle_enqueue_after(job=load, result={"status": "loaded", "already_loaded": False})
        # The same load announced twice (a redelivery) queues one cycle.
        assert cycle_enqueue_after(job=load, result={"status": "loaded"}) == cycle
    assert (cycle.kind, cycle.entity_id, cycle.parameters, cycle.created_by) == (
        "care.monthly_cycle", entity_a.pk, {"after_job": load.pk}, aco_analyst,
    )  # fmt: skip


def test_the_monthly_cycle_says_so_when_no_claims_are_loaded(entity_a):
    job = Job.objects.create(entity=entity_a, kind="care.monthly_cycle", state="running")
    from care.cycle import monthly_cycle_run
    from core.api import ApplicationError

    with pytest.raises(ApplicationError, match="has no claims loaded"):
        monthly_cycle_run(job=job, progress=lambda percent, message: None)


def test_the_daily_work_rolls_due_dates_over_by_each_entitys_data_date_and_expires_exports(
    entity_a, entity_b, make_bene, aco_coordinator, other_entity_user, settings, tmp_path
):
    from django.conf import settings as live

    from care.exports import export_path
    from care.models import CareSummary
    from care.tasks import daily

    settings.MEDIA_ROOT = tmp_path
    # Entity A's claims reach 10 February 2017: its 2016 recapture task can no longer be done;
    # entity B's reach 30 June 2016: its 2016 task stays open.
    CareSummary.objects.create(entity=entity_a, as_of=date(2017, 2, 10))
    CareSummary.objects.create(entity=entity_b, as_of=date(2016, 6, 30))

    def recapture(entity, user, due):
        return worklist_item_create(
            entity=entity, beneficiary=make_bene(entity), title="HCC recapture: V28 38",
            kind=ItemKind.HCC_RECAPTURE, due_date=due, acting_user=user,
        )  # fmt: skip

    ended = recapture(entity_a, aco_coordinator, date(2016, 12, 31))
    current = recapture(entity_a, aco_coordinator, date(2017, 12, 31))
    other = recapture(entity_b, other_entity_user, date(2016, 12, 31))
    # Two roster exports of entity A: one finished 25 hours ago, one an hour ago.
    now = timezone.now()
    files = []
    for hours in (25, 1):
        job = Job.objects.create(
            entity=entity_a, kind="care.roster_export", state="succeeded",
            parameters={"n": hours}, result={"file": f"roster-{hours}h.csv", "rows": 1},
            created_by=aco_coordinator,
        )  # fmt: skip
        Job.objects.filter(pk=job.pk).update(finished_at=now - timedelta(hours=hours))
        path = export_path(job)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("beneficiary_key\n1\n")
        files.append((job, path))

    assert daily() == {"rolled_over": 1, "exports_expired": 1}
    for item, status in ((ended, "dismissed"), (current, "open"), (other, "open")):
        item.refresh_from_db()
        assert item.status == status
    assert "2017-02-10" in ended.dismissed_reason
    (old_job, old_path), (new_job, new_path) = files
    assert not old_path.exists()
    assert new_path.exists()
    old_job.refresh_from_db()
    assert old_job.result["expired"] is True
    # Run again: nothing left to do (idempotent).
    assert daily() == {"rolled_over": 0, "exports_expired": 0}
    # Beat runs it every day.
    assert live.CELERY_BEAT_SCHEDULE["care-daily"] == {
        "task": "care.tasks.daily",
        "schedule": 86400.0,
    }
    assert daily.name == "care.tasks.daily"


def test_the_cycles_progress_page_lists_its_steps(entity_a, aco_analyst, login_client):
    job = Job.objects.create(
        entity=entity_a, kind="care.monthly_cycle", state="failed",
        error="Step 3 of 4 (care refresh) failed: boom. Steps already done and kept: alignment projection, risk scores.",
        result={
            "data_date": "2016-09-30", "done": ["alignment", "risk"], "failed_step": "care",
            "steps": {"alignment": {"aligned": 5, "of": 6, "as_of": "2016-09-30"}, "risk": {}},
        },
    )  # fmt: skip
    body = login_client(aco_analyst).get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Claims date used by every step: 2016-09-30" in body
    assert "5 of 6 aligned as of 2016-09-30" in body
    assert "Failed</span> Care refresh" in body
