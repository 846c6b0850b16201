"""Saved roster views: named filters kept server-side, private or shared with the entity's team,
never carrying a search term or an MBI."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from care.models import RosterView

pytestmark = pytest.mark.django_db


@pytest.fixture
def team(entity_a, entity_b, make_bene, make_member, aco_coordinator, login_client):
    make_bene(entity_a, last_name="Abbott")
    teammate = make_member(entity_a, Role.CARE_COORDINATOR, "teammate@a.example.test")
    outsider = make_member(entity_b, Role.CARE_COORDINATOR, "coordinator@b.example.test")
    return {
        "me": login_client(aco_coordinator),
        "mate": login_client(teammate),
        "outsider": login_client(outsider),
        "url": reverse("care:roster_views", args=[entity_a.pk]),
        "roster": reverse("care:roster", args=[entity_a.pk]),
    }


def test_a_view_keeps_filters_and_sort_but_no_search_term(team, aco_coordinator):
    response = team["me"].post(
        team["url"],
        {"action": "save", "view_name": "High risk with gaps", "view_shared": "on",
         "open_gaps": "on", "sort": "-risk", "last_name": "Abb", "birth_date": "1950-01-02"},
    )  # fmt: skip
    view = RosterView.objects.get()
    assert view.filters == {"open_gaps": True, "sort": "-risk"}
    assert (view.shared, view.created_by) == (True, aco_coordinator)
    assert response["Location"].endswith(f"?view={view.pk}")
    # Opening it fills the form with its filters and lists in its order.
    page = team["me"].get(response["Location"])
    assert page.context["form"].cleaned_data["sort"] == "-risk"
    assert page.context["form"].cleaned_data["open_gaps"] is True
    assert page.context["current_view"] == view


def test_a_shared_view_reaches_the_team_only_and_only_its_author_deletes_it(team, entity_a):
    team["me"].post(team["url"], {"action": "save", "view_name": "Mine", "recent_ed": "on"})
    team["me"].post(
        team["url"], {"action": "save", "view_name": "Ours", "view_shared": "on", "gap": "awv"}
    )
    mine, ours = RosterView.objects.get(name="Mine"), RosterView.objects.get(name="Ours")
    listed = [v.name for v in team["mate"].get(team["roster"]).context["saved_views"]]
    assert listed == ["Ours"]
    assert team["mate"].get(team["roster"], {"view": mine.pk}).status_code == 404
    team["mate"].post(team["url"], {"action": "delete", "view": ours.pk})
    assert RosterView.objects.filter(pk=ours.pk).exists()
    assert team["outsider"].get(team["roster"], {"view": ours.pk}).status_code == 404
    assert (
        team["outsider"].post(team["url"], {"action": "delete", "view": ours.pk}).status_code == 404
    )
    team["me"].post(team["url"], {"action": "delete", "view": ours.pk})
    assert not RosterView.objects.filter(pk=ours.pk).exists()


def test_a_name_shaped_like_an_mbi_or_a_view_without_filters_is_refused(team):
    team["me"].post(
        team["url"], {"action": "save", "view_name": "1EG4-TE5-MK73", "open_gaps": "on"}
    )
    team["me"].post(team["url"], {"action": "save", "view_name": "Everyone"})
    assert not RosterView.objects.exists()
    page = team["me"].get(team["roster"]).content.decode()
    assert "may not carry an MBI" in page
    assert "Choose a filter or a sort" in page
