"""The alignment panels of the coordinator pages: the beneficiary's alignment history with its
reasons and attributed provider, and the overview's alignment summary; both scoped to the entity."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from entities.models import ParticipantOrganization, Provider

pytestmark = pytest.mark.django_db

TIN_A, TIN_X = "123456789", "555555555"
NPI_A = "1234567893"


@pytest.fixture
def aligned(
    entity_a,
    entity_b,
    aco_coordinator,
    other_entity_user,
    make_bene,
    make_alignment_run,
    mfa_client,
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
        "a": mfa_client(aco_coordinator),
        "b": mfa_client(other_entity_user),
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
