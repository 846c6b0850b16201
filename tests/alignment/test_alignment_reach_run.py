"""A REACH run on the platform's data: only participant providers align, never preferred ones."""

from __future__ import annotations

import pytest

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
