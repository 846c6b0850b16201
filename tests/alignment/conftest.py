"""A small synthetic population (participants, beneficiaries, final-action claims) for the
alignment app's database tests, written through synthetic.population like the benchmark's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from alignment.models import AlignmentRun
from alignment.services.runs import alignment_run_create
from entities.models import Entity
from synthetic.population import Synth, SynthConfig, generate, write

SMALL = SynthConfig(
    beneficiaries=240,
    claim_lines=12_000,
    seed=11,
    aco_tins=4,
    aco_npis=40,
    external_tins=30,
    external_npis=120,
)
SMALL_REACH = SynthConfig(
    beneficiaries=200,
    claim_lines=10_000,
    seed=12,
    aco_tins=4,
    aco_npis=40,
    external_tins=30,
    external_npis=120,
    program="reach",
)


@pytest.fixture
def population_a(entity_a: Entity) -> Synth:
    # Entity A chose preliminary prospective assignment with retrospective reconciliation.
    entity_a.assignment_method = "preliminary_prospective"
    entity_a.save(update_fields=["assignment_method"])
    synth = generate(SMALL)
    write(synth, entity=entity_a)
    return synth


@pytest.fixture
def population_b(entity_b: Entity) -> Synth:
    synth = generate(SMALL_REACH)
    write(synth, entity=entity_b)
    return synth


@pytest.fixture
def run_alignment(django_capture_on_commit_callbacks: Any) -> Callable[..., AlignmentRun]:
    """Create a run and let its job run to the end (jobs run synchronously in tests)."""

    def run(entity: Entity, **kwargs: Any) -> AlignmentRun:
        options = {
            "performance_year": 2025,
            "list_kind": "final",
            "as_of": date(2026, 3, 31),
            **kwargs,
        }
        with django_capture_on_commit_callbacks(execute=True):
            created = alignment_run_create(entity=entity, **options)
        created.refresh_from_db()
        return created

    return run
