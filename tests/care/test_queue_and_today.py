"""Who to contact today (one ranked list with the reason for each rank), "my work today" by
overdue, today, this week and created today, and outreach logged in two clicks from a list."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from care.models import CareProfile, ItemKind, ItemStatus, OutreachAttempt, WorklistItem
from care.services import care_refresh, worklist_item_create

pytestmark = pytest.mark.django_db
AS_OF = date(2025, 6, 30)


@pytest.fixture
def day(entity_a, make_bene, add_visit, aco_coordinator, aco_analyst, login_client):
    names = ("Ames", "Bell", "Cole", "Dunn", "Eads", "Ford")
    benes = {n: make_bene(entity_a, last_name=n, first_name="Pat") for n in names}
    add_visit(benes["Ford"], 7001, AS_OF - timedelta(days=3), "99213")
    care_refresh(entity=entity_a, as_of=AS_OF)
    WorklistItem.objects.filter(entity=entity_a).delete()  # only the tasks made below
    CareProfile.objects.filter(beneficiary=benes["Cole"]).update(
        risk_tier="high", risk_score=Decimal("2.5"), open_gap_count=2
    )
    CareProfile.objects.filter(beneficiary=benes["Dunn"]).update(
        risk_tier="high", risk_score=Decimal("3.1"), open_gap_count=1
    )

    def task(name, kind, due, who=aco_coordinator, title=""):
        return worklist_item_create(
            entity=entity_a, beneficiary=benes[name], kind=kind, due_date=due,
            title=title or f"{name} {kind}", assigned_to=who, acting_user=aco_coordinator,
        )  # fmt: skip

    items = {
        "bell_tcm": task("Bell", ItemKind.TCM_CONTACT, AS_OF + timedelta(days=1)),
        "ames_discharge": task("Ames", ItemKind.DISCHARGE_FOLLOW_UP, AS_OF - timedelta(days=2)),
        "eads_ed": task("Eads", ItemKind.ED_FOLLOW_UP, AS_OF),
        "cole_awv": task("Cole", ItemKind.MANUAL, AS_OF + timedelta(days=30)),
        "dunn_awv": task("Dunn", ItemKind.MANUAL, AS_OF + timedelta(days=5), who=None),
        "ford_manual": task("Ford", ItemKind.MANUAL, AS_OF - timedelta(days=9)),
        "ford_later": task("Ford", ItemKind.MANUAL, AS_OF + timedelta(days=40)),
        "not_mine": task("Ames", ItemKind.MANUAL, AS_OF, who=aco_analyst),
    }
    return {"benes": benes, "items": items, "client": login_client(aco_coordinator)}


def test_the_queue_ranks_discharges_then_ed_then_high_risk_with_gaps_with_reasons(day, entity_a):
    page = day["client"].get(reverse("care:queue", args=[entity_a.pk]))
    entries = page.context["entries"]
    assert [e.item.beneficiary.last_name for e in entries] == [
        "Ames", "Bell", "Eads", "Dunn", "Cole", "Ford",
    ]  # fmt: skip
    assert [e.rank for e in entries] == [1, 2, 3, 4, 5, 6]
    assert entries[0].reason.endswith("due 2025-06-28, 2 days overdue")
    assert entries[3].reason.startswith(
        "CMS-HCC risk score 3.100 (high tier) with 1 open care gap;"
    )
    assert entries[5].group == "Due by the claims date"
    # The reason says when, beside the task's own title (not the task's kind again).
    assert entries[0].reason == "due 2025-06-28, 2 days overdue"
    body = page.content.decode()
    assert body.count('class="quick-outreach"') == 6
    # The summary first (people and overdue per reason), then one collapsible section per
    # reason, only the first open: the page starts short however long the list is.
    groups = page.context["groups"]
    assert [(g.name, len(g.entries), g.overdue) for g in groups] == [
        ("Leaving a hospital or facility", 2, 1),
        ("Emergency department visit", 1, 0),
        ("High risk with open care gaps", 2, 0),
        ("Due by the claims date", 1, 1),
    ]
    assert body.index('id="queue-summary"') < body.index('class="queue-group"')
    assert body.count('<details class="queue-group"') == 4
    assert body.count('<details class="queue-group" id="queue-1" open>') == 1
    assert "6 people to contact" in body
    assert "ranks 4 to 5" in body


def test_two_clicks_log_a_call_from_the_queue_and_the_person_leaves_todays_list(
    day, entity_a, aco_coordinator
):
    client, url = day["client"], reverse("care:queue", args=[entity_a.pk])
    item = day["items"]["ames_discharge"]
    next_call = timezone.localdate() + timedelta(days=2)
    # The quick form: the method starts at a call; the outcome button sends it.
    response = client.post(
        reverse("care:outreach_create", args=[item.pk]),
        {"method": "call", "outcome": "left_message", "note": "Voicemail",
         "next_action_on": next_call.isoformat(), "next": url},
    )  # fmt: skip
    assert response.status_code == 302
    assert response["Location"] == url
    attempt = OutreachAttempt.objects.get()
    assert (attempt.method, attempt.outcome, attempt.recorded_by) == (
        "call", "left_message", aco_coordinator,
    )  # fmt: skip
    assert abs(attempt.attempted_at - timezone.now()) < timedelta(minutes=1)
    item.refresh_from_db()
    assert (item.due_date, item.status) == (next_call, ItemStatus.IN_PROGRESS)
    names = [e.item.beneficiary.last_name for e in client.get(url).context["entries"]]
    assert "Ames" not in names
    # The attempt shows on the person's timeline.
    page = client.get(reverse("care:beneficiary", args=[entity_a.pk, item.beneficiary_id]))
    assert "Phone call: Left a message" in page.content.decode()
    # A next action before the attempt is refused, and nothing is stored.
    client.post(
        reverse("care:outreach_create", args=[item.pk]),
        {"method": "call", "outcome": "reached", "next_action_on": "2020-01-01"},
    )
    assert OutreachAttempt.objects.count() == 1
    # An offsite "next" is not followed.
    other = client.post(
        reverse("care:outreach_create", args=[item.pk]),
        {"method": "text", "outcome": "reached", "next": "https://example.com/"},
    )
    assert other["Location"].startswith(f"/care/{entity_a.pk}/beneficiaries/")


def test_my_work_today_shows_overdue_first_then_today_this_week_and_created_today(day):
    page = day["client"].get(reverse("care:today"))
    sections = page.context["sections"]
    titles = {k: [i.title for i in sections[k]] for k in ("overdue", "today", "week")}
    assert titles == {
        "overdue": ["Ford manual", "Ames discharge_follow_up"],
        "today": ["Eads ed_follow_up"],
        "week": ["Bell tcm_contact"],
    }
    # Due later is counted, not dropped. All six were created today: the four listed above are
    # tagged so, and "Created today, due later" holds only the other two (no task twice).
    assert sections["later"] == 2
    assert len(sections["created_today"]) == 2
    shown = [i.pk for k in ("overdue", "today", "week", "created_today") for i in sections[k]]
    assert len(shown) == len(set(shown)) == 6
    body = page.content.decode()
    assert body.count('<span class="tag">new today</span>') == 4
    assert "Created today, due later <" in body
    assert (
        body.index("Overdue <") < body.index("Due by the claims date") < body.index("Due this week")
    )
    assert "2 more tasks due later" in body
    # The counts first; with tasks overdue or due on the claims date, the week ahead and the
    # tasks created today fold under their headings.
    assert body.index('id="work-summary"') < body.index('id="work-overdue"')
    assert "2 overdue</a> · <a" in body
    assert '<details class="work-section" id="work-week">' in body
    assert '<details class="work-section" id="work-created">' in body


def test_the_person_page_lists_conditions_from_claims_with_descriptions(
    entity_a, make_bene, add_visit, aco_coordinator, login_client
):
    bene = make_bene(entity_a)
    add_visit(bene, 9101, AS_OF - timedelta(days=20), "99213", dx="E119")
    add_visit(bene, 9102, AS_OF - timedelta(days=10), "99214", dx="E119")
    add_visit(bene, 9103, AS_OF - timedelta(days=5), "99214", dx="I10")
    care_refresh(entity=entity_a, as_of=AS_OF)
    page = login_client(aco_coordinator).get(
        reverse("care:beneficiary", args=[entity_a.pk, bene.pk])
    )
    groups = page.context["conditions"]
    # CMS-HCC V28 payment categories first (diabetes: HCC 38); codes in none by ICD-10-CM block.
    assert [g["label"] for g in groups] == [
        "HCC38 Diabetes with Glycemic, Unspecified, or No Complications",
        "Hypertensive diseases (I10-I1A)",
    ]
    assert groups[0]["codes"][0]["claims"] == 2
    body = page.content.decode()
    assert "E11.9 Type 2 diabetes mellitus without complications" in body
    assert "I10 Essential (primary) hypertension" in body


def test_contact_details_are_recorded_with_their_source_beside_the_cclf8_address(
    entity_a, make_bene, aco_coordinator, login_client
):
    from beneficiaries.models import BeneficiaryDemographics
    from care.models import ContactDetails

    bene = make_bene(entity_a)
    BeneficiaryDemographics.objects.create(
        entity=entity_a, delivery_id=1, source_file_id=1, source_line=1,
        delivered_on=date(2025, 7, 1), mbi=bene.mbi_row, beneficiary=bene,
        bene_line_1_adr="100 SYNTHETIC WAY", geo_zip_plc_name="SPRINGFIELD",
        geo_usps_state_cd="IL", geo_zip5_cd="62701",
    )  # fmt: skip
    client = login_client(aco_coordinator)
    page_url = reverse("care:beneficiary", args=[entity_a.pk, bene.pk])
    body = client.get(page_url).content.decode()
    assert "100 SYNTHETIC WAY<br>SPRINGFIELD IL 62701" in body
    assert "delivered 2025-07-01, as delivered" in body
    url = reverse("care:contact_update", args=[entity_a.pk, bene.pk])
    client.post(url, {"phone": "555-0100", "preferred_language": "Spanish", "source": "caregiver"})
    client.post(url, {"phone": "555-0199", "caregiver_name": "Ana", "source": "beneficiary"})
    assert client.post(url, {"source": "beneficiary"}).status_code == 302  # nothing: refused
    assert ContactDetails.objects.count() == 2
    body = client.get(page_url).content.decode()
    assert "555-0199" in body
    assert "source: the beneficiary; 1 earlier version kept" in body


def test_the_person_page_groups_diagnoses_by_ccw_chronic_condition(
    entity_a, make_bene, add_visit, aco_coordinator, login_client
):
    bene = make_bene(entity_a)
    add_visit(bene, 9201, AS_OF - timedelta(days=40), "99213", dx="E1122")
    add_visit(bene, 9202, AS_OF - timedelta(days=30), "99214", dx="E119")
    add_visit(bene, 9203, AS_OF - timedelta(days=8), "99214", dx="F1020")
    add_visit(bene, 9204, AS_OF - timedelta(days=3), "99213", dx="R0789")
    care_refresh(entity=entity_a, as_of=AS_OF)
    page = login_client(aco_coordinator).get(
        reverse("care:beneficiary", args=[entity_a.pk, bene.pk])
    )
    ccw = page.context["ccw"]
    assert [g["label"] for g in ccw["groups"]] == [
        "30 CCW Chronic Conditions",
        "Other Chronic or Potentially Disabling Conditions",
    ]
    common = {c["name"]: c for c in ccw["groups"][0]["conditions"]}
    # E11.22 counts toward both diabetes and chronic kidney disease, as CCW's lists say.
    assert set(common) == {"Diabetes", "Chronic Kidney Disease"}
    assert common["Diabetes"]["claims"] == 2
    assert [d["code"] for d in common["Diabetes"]["codes"]] == ["E119", "E1122"]
    assert [c["name"] for c in ccw["groups"][1]["conditions"]] == ["Alcohol Use Disorders"]
    assert [d["code"] for d in ccw["other_codes"]] == ["R0789"]
    body = page.content.decode()
    assert "E11.22 Type 2 diabetes mellitus with diabetic chronic kidney disease" in body
    assert "Chronic Conditions Data Warehouse" in body
    assert "one to three years of claims" in body
