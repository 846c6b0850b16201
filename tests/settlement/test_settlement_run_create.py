"""settlement_run_create: immutable versions with their explanation and participant shares."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from core.api import ApplicationError
from settlement.engine.distribution import AllocationBasis, AllocationMethod
from settlement.models import ImmutableRecordError, ParticipantShare, SettlementRun
from settlement.selectors import settlement_run_changes
from settlement.services import settlement_figures_parse, settlement_run_create
from tests.factories import EntityFactory, ProgramFactory
from tests.settlement.support import MSSP_FIGURES, REACH_FIGURES, TINS

pytestmark = pytest.mark.django_db


def test_it_stores_the_worked_example_as_version_1_with_its_explanation(
    entity_a, aco_analyst
) -> None:
    run = settlement_run_create(
        entity=entity_a,
        performance_year=2025,
        figures=MSSP_FIGURES,
        acting_user=aco_analyst,
        note="first",
    )
    run.refresh_from_db()
    assert (run.version, run.kind, run.program) == (1, "final", "mssp")
    assert run.earned_savings_losses == Decimal("4704000.00")
    assert run.gross_savings == Decimal("9600000.00")
    assert run.figures["final_sharing_rate_pct"] == "50.0000"
    assert run.parameter_version == "mssp_tracks 2026.1: PY2025 BASIC_E"
    assert run.explanation[0]["kind"] == "input"
    assert run.explanation[-1]["value"] == "$4,704,000.00"
    assert run.inputs["entity_id"] == "A9001"
    assert run.created_by == aco_analyst


def test_a_new_run_is_a_new_version_and_the_changes_are_listed(entity_a) -> None:
    first = settlement_run_create(
        entity=entity_a, performance_year=2025, figures=MSSP_FIGURES, participants=TINS
    )
    second = settlement_run_create(
        entity=entity_a,
        performance_year=2025,
        figures={**MSSP_FIGURES, "quality_score": "60", "met_qps": "false", "met_alt_qps": "true"},
        participants=TINS,
        method=AllocationMethod.single(AllocationBasis.QUALITY),
    )
    assert (first.version, second.version) == (1, 2)
    assert SettlementRun.objects.get(pk=first.pk).earned_savings_losses == Decimal("4704000.00")
    previous, changes = settlement_run_changes(run=second)
    assert previous == first
    what = {c.what: (c.before, c.after) for c in changes}
    assert what["Input: Quality score"] == ("80", "60")
    assert what["Figure: Earned savings (losses), after sequestration"] == (
        "$4,704,000.00",
        "$2,822,400.00",
    )
    assert what["Distribution method"] == ("100% beneficiaries", "100% quality")
    # An input is labelled as its form field is, not by its code name ("Met alt QPS").
    assert what["Input: Alternative quality standard met"] == ("No", "Yes")
    assert "TIN 900000001 share" in what
    # Only real changes: the same amount written another way is not one.
    assert not any(c.before == c.after for c in changes)


def test_the_same_amount_written_another_way_is_not_a_change(entity_a) -> None:
    from settlement.selectors import settlement_run_changes

    first = settlement_run_create(
        entity=entity_a, performance_year=2025, figures={**MSSP_FIGURES}, participants=TINS
    )
    second = settlement_run_create(
        entity=entity_a,
        performance_year=2025,
        # 230400000 and 230400000.00 are one amount: a re-run that writes it with cents changes
        # nothing.
        figures={**MSSP_FIGURES, "total_expenditure": MSSP_FIGURES["total_expenditure"] + ".00"},
        participants=TINS,
    )
    _, changes = settlement_run_changes(run=second)
    assert changes == []
    assert first.version == 1


def test_participant_shares_sum_exactly_to_the_earned_amount(entity_a) -> None:
    run = settlement_run_create(
        entity=entity_a, performance_year=2025, figures=MSSP_FIGURES, participants=TINS
    )
    amounts = [s.amount for s in run.shares.order_by("tin")]
    assert amounts == [Decimal("1568000.00")] * 3
    assert sum(amounts) == run.earned_savings_losses
    assert run.explanation[-1]["label"].startswith("TIN 900000003")


def test_a_version_cannot_be_changed_or_deleted_through_the_orm(entity_a) -> None:
    run = settlement_run_create(
        entity=entity_a, performance_year=2025, figures=MSSP_FIGURES, participants=TINS
    )
    run.note = "rewritten"
    with pytest.raises(ImmutableRecordError):
        run.save()
    with pytest.raises(ImmutableRecordError):
        run.delete()
    share = run.shares.first()
    share.amount = Decimal("1")
    with pytest.raises(ImmutableRecordError):
        share.save()


def test_postgresql_refuses_an_update_that_bypasses_the_model(entity_a) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the trigger exists on PostgreSQL only")
    run = settlement_run_create(
        entity=entity_a, performance_year=2025, figures=MSSP_FIGURES, participants=TINS
    )
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        SettlementRun.objects.filter(pk=run.pk).update(earned_savings_losses=Decimal("1"))
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic():
        ParticipantShare.objects.filter(run=run).update(amount=Decimal("0"))
    assert SettlementRun.objects.get(pk=run.pk).earned_savings_losses == Decimal("4704000.00")


def test_a_bad_figure_is_refused_with_its_field_and_nothing_is_stored(entity_a) -> None:
    with pytest.raises(ApplicationError) as error:
        settlement_run_create(
            entity=entity_a,
            performance_year=2025,
            figures={**MSSP_FIGURES, "total_benchmark": "lots"},
        )
    assert error.value.extra["field"] == "total_benchmark"
    with pytest.raises(ApplicationError) as error:
        settlement_run_create(
            entity=entity_a,
            performance_year=2025,
            figures={**MSSP_FIGURES, "total_expenditure": "250000000", "participant_revenue": ""},
        )
    assert error.value.extra["field"] == "participant_revenue"
    assert not SettlementRun.objects.exists()


def test_a_distribution_nobody_can_take_part_in_is_refused(entity_a) -> None:
    losing = [
        p.__class__(
            p.tin, p.name, p.attributed_beneficiaries, Decimal("1"), Decimal("2"), p.quality_score
        )
        for p in TINS
    ]
    with pytest.raises(ApplicationError, match="no participant has any weight"):
        settlement_run_create(
            entity=entity_a,
            performance_year=2025,
            figures=MSSP_FIGURES,
            participants=losing,
            method=AllocationMethod.single(AllocationBasis.SAVINGS_CONTRIBUTION),
        )
    assert not SettlementRun.objects.exists()


def test_a_reach_entity_settles_with_the_reach_rules(entity_b) -> None:
    run = settlement_run_create(entity=entity_b, performance_year=2023, figures=REACH_FIGURES)
    assert run.figures["final_benchmark"] == "57960000.00"
    assert run.earned_savings_losses == Decimal("3880800.00")


def test_an_mcp_practice_has_no_batch_settlement(db) -> None:
    practice = EntityFactory(program=ProgramFactory(code="mcp", name="Making Care Primary"))
    with pytest.raises(ApplicationError, match="not available for the 'mcp' program"):
        settlement_run_create(entity=practice, performance_year=2025, figures=MSSP_FIGURES)


def test_the_engines_input_settles_and_is_stored_as_its_figures_are(entity_a, entity_b) -> None:
    inputs = settlement_figures_parse(
        program="mssp", figures={**MSSP_FIGURES, "entity_id": "A0000", "performance_year": "2024"}
    )
    typed = settlement_run_create(entity=entity_a, performance_year=2025, inputs=inputs)
    given = settlement_run_create(entity=entity_a, performance_year=2025, figures=MSSP_FIGURES)
    assert (typed.version, given.version) == (1, 2)
    assert typed.figures == given.figures
    assert typed.earned_savings_losses == given.earned_savings_losses == Decimal("4704000.00")
    # The entity and the year are the run's, whatever the input said.
    assert (typed.inputs["entity_id"], typed.inputs["performance_year"]) == ("A9001", "2025")
    assert typed.inputs["total_benchmark"] == "240000000"
    with pytest.raises(ApplicationError, match="not settled on mssp figures"):
        settlement_run_create(entity=entity_b, performance_year=2025, inputs=inputs)
