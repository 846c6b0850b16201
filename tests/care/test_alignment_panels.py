"""The alignment panels of the coordinator pages: the beneficiary's alignment history with its
reasons and attributed provider, and the overview's alignment summary; both scoped to the entity."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from care.models import WorklistItem
from care.services import care_refresh
from entities.models import ParticipantOrganization, Provider

pytestmark = pytest.mark.django_db

TIN_A, TIN_B, TIN_X = "123456789", "234567891", "555555555"
NPI_A = "1234567893"


@pytest.fixture
def aligned(
    entity_a,
    entity_b,
    aco_coordinator,
    other_entity_user,
    make_bene,
    make_alignment_run,
    login_client,
):
    """Two runs of entity A: Abbott aligned in both, Baker added by the second, Carter dropped by
    it (plurality moved to TIN X). Entity B has a run of its own with its own beneficiary."""
    abbott, baker, carter = (
        make_bene(entity_a, last_name=n) for n in ("Abbott", "Baker", "Carter")
    )
    first = make_alignment_run(
        entity_a,
        as_of=date(2025, 3, 31),
        results=[
            (abbott, True, "aligned_plurality", TIN_A, NPI_A, ""),
            (baker, False, "no_primary_care_service", "", "", ""),
            (carter, True, "aligned_plurality", TIN_A, NPI_A, ""),
        ],
    )
    second = make_alignment_run(
        entity_a,
        as_of=date(2025, 6, 30),
        previous=first,
        results=[
            (abbott, True, "aligned_plurality", TIN_A, NPI_A, ""),
            (baker, True, "aligned_plurality", TIN_A, NPI_A, ""),
            (carter, False, "plurality_lost", "", "", f"TIN {TIN_X}"),
        ],
        changes=[
            (baker, "added", "no_primary_care_service", ""),
            (carter, "dropped", "aligned_plurality", TIN_A),
        ],
    )
    other = make_bene(entity_b, last_name="Other")
    b_run = make_alignment_run(
        entity_b,
        as_of=date(2025, 6, 30),
        results=[(other, True, "aligned_plurality", "999999999", "", "")],
    )
    return {
        "a": login_client(aco_coordinator),
        "b": login_client(other_entity_user),
        "abbott": abbott,
        "baker": baker,
        "carter": carter,
        "other": other,
        "first": first,
        "second": second,
        "b_run": b_run,
    }


def test_the_beneficiary_page_of_someone_in_an_alignment_run_shows_why(aligned, entity_a):
    # Regression: the page included templates that did not exist (TemplateDoesNotExist).
    carter = aligned["carter"]
    response = aligned["a"].get(reverse("care:beneficiary", args=[entity_a.pk, carter.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert f"Plurality of primary care charges went to TIN {TIN_X}" in body
    assert f"dropped: plurality moved to TIN {TIN_X}" in body
    # Newest first: the June run's verdict comes before March's.
    assert body.index("2025-06-30") < body.index("2025-03-31")
    assert reverse("alignment:beneficiary_history", args=[carter.pk]) in body


def test_the_beneficiary_page_names_the_attributed_provider_from_the_registry(aligned, entity_a):
    Provider.objects.create(npi=NPI_A, name="Doe, Jane")
    ParticipantOrganization.objects.create(tin=TIN_A, legal_name="Valley Primary Care")
    abbott = aligned["abbott"]
    body = (
        aligned["a"]
        .get(reverse("care:beneficiary", args=[entity_a.pk, abbott.pk]))
        .content.decode()
    )
    assert "Doe, Jane" in body
    assert NPI_A in body
    assert "Valley Primary Care" in body
    assert "Plurality of primary care charges with the entity" in body
    # The contact card's practice is the roster of record's, the alignment panel the run's:
    # each says where it comes from (they differ where CMS's list attributes another TIN).
    assert "Primary care (roster of record)" in body
    assert "else the platform's alignment run) at the care refresh of" in body


def test_the_overview_summarises_alignment_now_by_month_and_since_the_last_run(aligned, entity_a):
    body = aligned["a"].get(reverse("care:overview", args=[entity_a.pk])).content.decode()
    assert "alignment-chart" in body
    assert "2025-06" in body
    assert "2025-03" in body
    assert 'data-added="1"' in body
    assert 'data-dropped="1"' in body
    assert f"plurality moved to TIN {TIN_X}" in body
    assert reverse("alignment:run_detail", args=[aligned["second"].pk]) in body


def test_entity_b_sees_none_of_entity_as_alignment_data(aligned, entity_b):
    b = aligned["b"]
    overview = b.get(reverse("care:overview", args=[entity_b.pk])).content.decode()
    assert reverse("alignment:run_detail", args=[aligned["second"].pk]) not in overview
    assert TIN_X not in overview
    assert TIN_A not in overview
    # B's panel is built from B's own run only: one aligned, nothing added or dropped.
    assert reverse("alignment:run_detail", args=[aligned["b_run"].pk]) in overview
    assert 'data-added="1"' not in overview
    page = b.get(
        reverse("care:beneficiary", args=[entity_b.pk, aligned["other"].pk])
    ).content.decode()
    assert TIN_A not in page
    assert TIN_X not in page
    for bene in ("abbott", "carter"):
        assert (
            b.get(reverse("care:beneficiary", args=[entity_b.pk, aligned[bene].pk])).status_code
            == 404
        )


@pytest.fixture
def roster_facts(
    entity_a, aco_coordinator, make_bene, make_alignment_run, make_risk_score, login_client
):
    """Entity A's latest run: Abbott aligned safely (TIN A), Baker newly aligned with a thin
    margin (TIN B), Dave aligned but no visit with the entity for 11 months, Carter dropped."""
    today = timezone.localdate()
    recent = {"entity_last_service": today - timedelta(days=40)}
    abbott, baker, carter, dave = (
        make_bene(entity_a, last_name=n) for n in ("Abbott", "Baker", "Carter", "Dave")
    )
    first = make_alignment_run(
        entity_a,
        as_of=today - timedelta(days=120),
        results=[
            (abbott, True, "aligned_plurality", TIN_A, NPI_A, "", recent),
            (baker, False, "no_primary_care_service", "", "", ""),
            (carter, True, "aligned_plurality", TIN_A, NPI_A, "", recent),
            (dave, True, "aligned_plurality", TIN_A, NPI_A, "", recent),
        ],
    )
    make_alignment_run(
        entity_a,
        as_of=today - timedelta(days=30),
        previous=first,
        results=[
            (
                abbott,
                True,
                "aligned_plurality",
                TIN_A,
                NPI_A,
                f"TIN {TIN_X}",
                {**recent, "competitor_allowed": Decimal("100.00")},
            ),
            (
                baker,
                True,
                "aligned_plurality",
                TIN_B,
                "",
                f"TIN {TIN_X}",
                {**recent, "competitor_allowed": Decimal("280.00")},
            ),
            (carter, False, "plurality_lost", "", "", f"TIN {TIN_X}"),
            (
                dave,
                True,
                "aligned_plurality",
                TIN_A,
                NPI_A,
                "",
                {"entity_last_service": today - timedelta(days=335)},
            ),
        ],  # fmt: skip
        changes=[
            (baker, "added", "no_primary_care_service", ""),
            (carter, "dropped", "aligned_plurality", TIN_A),
        ],
    )
    make_risk_score(abbott, today.year, [("226", "Heart Failure")])  # raw 1.234: moderate
    care_refresh(entity=entity_a, as_of=today)
    return {
        "a": login_client(aco_coordinator),
        "abbott": abbott,
        "baker": baker,
        "carter": carter,
        "dave": dave,
    }


def _roster(client, entity, data):
    response = client.post(reverse("care:roster", args=[entity.pk]), data)
    assert response.status_code == 200
    return sorted(b.last_name for b in response.context["rows"])


def test_the_roster_filters_on_alignment_and_risk_tier(roster_facts, entity_a):
    client = roster_facts["a"]
    assert _roster(client, entity_a, {"aligned": "on"}) == ["Abbott", "Baker", "Dave"]
    assert _roster(client, entity_a, {"newly_aligned": "on"}) == ["Baker"]
    assert _roster(client, entity_a, {"alignment_at_risk": "on"}) == ["Baker", "Dave"]
    assert _roster(client, entity_a, {"attributed_tin": TIN_A}) == ["Abbott", "Dave"]
    assert _roster(client, entity_a, {"attributed_npi": NPI_A}) == ["Abbott", "Dave"]
    assert _roster(client, entity_a, {"risk_tier": "moderate"}) == ["Abbott"]
    assert _roster(client, entity_a, {"attributed_tin": TIN_A, "alignment_at_risk": "on"}) == [
        "Dave"
    ]
    # A malformed TIN is an error on the form, not a silent empty list.
    response = client.post(reverse("care:roster", args=[entity_a.pk]), {"attributed_tin": "12ab"})
    assert "A TIN is 9 digits." in response.content.decode()


def test_the_roster_says_its_aligned_filter_is_the_roster_of_record(roster_facts, entity_a):
    """The care profile's 'aligned' is CMS's list where one covers the year (the run's
    projection otherwise): the filter says so rather than 'aligned in the latest run'."""
    page = roster_facts["a"].get(reverse("care:roster", args=[entity_a.pk])).content.decode()
    assert "On the roster of record" in page
    assert "Aligned in the latest run" not in page
    assert "else aligned in the latest alignment run" in page


def test_the_refresh_raises_one_task_per_person_at_risk_of_dropping_out(roster_facts, entity_a):
    items = WorklistItem.objects.filter(entity=entity_a, kind="alignment_risk")
    by_name = {i.beneficiary.last_name: i for i in items.select_related("beneficiary")}
    assert set(by_name) == {"Baker", "Dave"}
    assert f"TIN {TIN_X} has $280.00 of primary care charges" in by_name["Baker"].detail
    assert "no primary care visit with the entity since" in by_name["Dave"].detail
    care_refresh(entity=entity_a, as_of=timezone.localdate())
    assert items.count() == 2


def test_the_filtered_roster_keeps_its_query_budget(
    roster_facts, entity_a, make_bene, django_assert_max_num_queries
):
    for _ in range(30):
        make_bene(entity_a)
    client = roster_facts["a"]
    url = reverse("care:roster", args=[entity_a.pk])
    # 13: the roster's 12 and the one read of the profiles that picks the plan (_selective_ids);
    # + 2: the row-security scope set and reset around the request (core/rls.py); + 2: the
    # refresh's as-of date and the people per risk tier the form states; + 1: the count of all
    # matching (page numbers), + 1 the saved views; a later page + 3: the plan, the anchor and
    # the count from it; + 1: the user's role in the entity (whether the tabs offer the team page);
    # + 1: the quality measures the entity has gaps of (the care gap list offers those).
    with django_assert_max_num_queries(21):
        client.post(url, {"alignment_at_risk": "on", "attributed_tin": TIN_A, "sort": "dob"})
    with django_assert_max_num_queries(24):
        client.post(
            url,
            {"newly_aligned": "on", "risk_tier": "moderate", "after": roster_facts["abbott"].pk},
        )


def test_the_alignment_panels_keep_their_query_budgets(
    aligned, entity_a, make_bene, make_alignment_run, django_assert_max_num_queries
):
    # More runs and more people do not add queries.
    benes = [make_bene(entity_a) for _ in range(20)]
    previous = aligned["second"]
    for month in (9, 12):
        previous = make_alignment_run(
            entity_a,
            as_of=date(2025, month, 28),
            previous=previous,
            results=[(b, True, "aligned_plurality", TIN_A, NPI_A, "") for b in benes],
            changes=[(b, "added", "no_primary_care_service", "") for b in benes],
        )
    client = aligned["a"]
    # Each + 2: the row-security scope set and reset around the request (core/rls.py).
    # Overview + 2: the roster of record panel (the latest CMS list's year, the year's run);
    # + 1: the latest reconciliation's agreement rate; + 1: the entity's role settings (whether
    # the savings panel shows settlement money to this role).
    with django_assert_max_num_queries(23):
        client.get(reverse("care:overview", args=[entity_a.pk]))
    # The beneficiary page + 1 since the contact panel (its other reads fit the earlier slack);
    # + 1: the hospital stays on the timeline; + 1: the user's role (the team tab).
    with django_assert_max_num_queries(27):
        client.get(reverse("care:beneficiary", args=[entity_a.pk, aligned["carter"].pk]))


@pytest.mark.parametrize("sort", ["name", "-name", "dob", "-dob"])
def test_few_matches_sort_and_page_like_many(
    roster_facts, entity_a, aco_coordinator, make_bene, monkeypatch, sort
):
    """The few-matches plan (ids, sorted without the index) pages in the same order as the
    index walk the roster uses when many match."""
    from care import selectors
    from care.models import CareProfile

    extra = [make_bene(entity_a, last_name=f"Young{i:02d}") for i in range(7)]
    for bene in extra:
        CareProfile.objects.create(
            beneficiary=bene, entity=entity_a, as_of=timezone.localdate(),
            alignment_at_risk=True, attributed_tin=TIN_A,
        )  # fmt: skip

    def pages(limit):
        monkeypatch.setattr(selectors, "SELECTIVE_LIMIT", limit)
        names, after = [], None
        while True:
            filters = selectors.RosterFilters(
                alignment_at_risk=True, attributed_tin=TIN_A, sort=sort, after=after
            )
            rows, after = selectors.roster_page(
                user=aco_coordinator, entity=entity_a, filters=filters, page_size=3
            )
            names += [b.last_name for b in rows]
            if after is None:
                return names

    few, many = pages(5000), pages(0)
    assert few == many
    assert len(few) == 8  # Dave and the seven
