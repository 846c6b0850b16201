"""A REACH run on the platform's data: only participant providers align, never preferred ones."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from alignment.models import AlignmentResult, RunStatus
from entities.choices import ParticipationRole
from entities.models import Participation

pytestmark = pytest.mark.django_db


def test_a_reach_run_attributes_only_participant_providers(
    entity_b, population_b, run_alignment
) -> None:
    run = run_alignment(entity_b)
    assert run.status == RunStatus.SUCCEEDED
    assert run.method == ""
    assert run.windows["alignment_year_1"] == {"start": "2022-07-01", "end": "2023-06-30"}
    assert run.parameters_version.startswith("reach-2025-")
    aligned = AlignmentResult.objects.filter(run=run, aligned=True)
    assert aligned.exists()
    roles = dict(Participation.objects.filter(entity=entity_b).values_list("provider__npi", "role"))
    assert {roles[npi] for npi in aligned.values_list("attributed_npi", flat=True)} == {
        ParticipationRole.PARTICIPANT
    }
    assert set(aligned.values_list("step", flat=True)) <= {
        "voluntary",
        "primary_care",
        "specialist",
    }


def test_a_reach_run_uses_the_january_participant_list_and_says_so(
    entity_b, population_b, run_alignment, other_entity_user, login_client
) -> None:
    # A participant provider who joins on July 1 of the year aligns no one by claims that year:
    # the Participant Provider List in force on January 1 is the one used, even for a list run
    # in October.
    joiner = (
        Participation.objects.filter(entity=entity_b, role=ParticipationRole.PARTICIPANT)
        .exclude(provider=None)
        .order_by("pk")
        .first()
    )
    joiner.start_date = date(2025, 7, 1)
    joiner.save(update_fields=["start_date"])
    on_january_1 = (
        Participation.objects.filter(
            entity=entity_b,
            role__in=[ParticipationRole.PARTICIPANT, ParticipationRole.PREFERRED],
            start_date__lte=date(2025, 1, 1),
        )
        .exclude(end_date__lt=date(2025, 1, 1))
        .count()
    )
    run = run_alignment(entity_b, list_kind="quarterly", as_of=date(2025, 10, 15))
    assert run.status == RunStatus.SUCCEEDED
    assert run.participants_as_of == date(2025, 1, 1)
    assert run.participant_count == on_january_1
    assert run.parameters["competitor_unit"] == "tin_npi"
    claims_aligned = AlignmentResult.objects.filter(run=run, aligned=True).exclude(step="voluntary")
    assert joiner.provider.npi not in set(claims_aligned.values_list("attributed_npi", flat=True))

    page = login_client(other_entity_user).get(reverse("alignment:run_detail", args=[run.pk]))
    text = page.content.decode()
    assert "as of 2025-01-01" in text
    assert "Participant Provider List in force on January 1 of the performance year" in text
    assert "Each TIN/NPI not on the Participant Provider List" in text
