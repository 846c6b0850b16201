"""Runs end to end on PostgreSQL: lineage, buckets, results, versions, changes, refusals."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from django.urls import reverse

from alignment.engine import Reason, Step
from alignment.engine.vocabulary import change_text
from alignment.models import (
    AlignmentBucket,
    AlignmentChange,
    AlignmentResult,
    AlignmentRun,
    RunStatus,
)
from alignment.services.runs import alignment_run_create
from core.api import ApplicationError
from entities.models import Participation
from tests.login import verified_client

pytestmark = pytest.mark.django_db

FIELDS = [
    "beneficiary_id", "aligned", "step", "reason", "attributed_tin", "attributed_npi", "attributed_ccn",
    "entity_allowed", "top_competitor", "competitor_allowed", "entity_last_service", "competitor_last_service",
]  # fmt: skip


def _results(run: AlignmentRun) -> pd.DataFrame:
    return pd.DataFrame(
        list(AlignmentResult.objects.filter(run=run).order_by("beneficiary_id").values(*FIELDS))
    )


def test_a_run_aligns_every_beneficiary_once_and_records_its_lineage(
    entity_a, population_a, run_alignment
) -> None:
    run = run_alignment(entity_a)
    assert run.status == RunStatus.SUCCEEDED
    assert run.version == 1
    assert run.buckets_done == run.bucket_count == 8
    assert (
        AlignmentResult.objects.filter(run=run).count()
        == len(population_a.benes)
        == run.beneficiary_count
    )
    assert set(AlignmentBucket.objects.filter(run=run).values_list("status", flat=True)) == {"done"}
    assert run.parameters_version.startswith("mssp-2025-")
    assert run.deliveries
    assert run.deliveries[0]["name"].startswith("P.A9001")
    assert run.participant_count > 0
    assert len(run.participants_digest) == 64
    assert run.windows["assignment"] == {"start": "2025-01-01", "end": "2025-12-31"}
    assert run.snapshot is not None
    assert run.snapshot.line_count > 0
    assert [e.to_status for e in run.events.all()] == ["queued", "running", "succeeded"]
    counts = run.summary["by_step_reason"]
    assert sum(row["count"] for row in counts) == run.beneficiary_count
    assert 0 < run.aligned_count < run.beneficiary_count
    reasons = {row["reason"] for row in counts}
    assert {Reason.ALIGNED_PLURALITY, Reason.PLURALITY_LOST, Reason.ALIGNED_VOLUNTARY} <= reasons


def test_the_number_of_buckets_does_not_change_any_result(
    entity_a, population_a, run_alignment
) -> None:
    eight = run_alignment(entity_a, bucket_count=8)
    one = run_alignment(entity_a, bucket_count=1)
    three = run_alignment(entity_a, bucket_count=3, list_kind="final")
    pd.testing.assert_frame_equal(_results(eight), _results(one))
    pd.testing.assert_frame_equal(_results(eight), _results(three))
    assert [one.version, three.version] == [2, 3]


def test_a_new_run_is_a_new_version_and_leaves_the_old_one_untouched(
    entity_a, population_a, run_alignment
) -> None:
    first = run_alignment(entity_a, list_kind="quarterly", as_of=date(2025, 10, 15))
    before = _results(first)
    second = run_alignment(entity_a, list_kind="quarterly", as_of=date(2025, 10, 20))
    assert (first.version, second.version) == (1, 2)
    assert second.previous_run_id == first.pk
    pd.testing.assert_frame_equal(_results(first), before)
    # Same inputs, same results: nothing changed between the two.
    assert not AlignmentChange.objects.filter(run=second).exists()


def test_the_current_run_is_the_latest_as_of_date_and_a_run_compares_to_the_list_before_it(
    entity_a, population_a, run_alignment
) -> None:
    from alignment.selectors import alignment_current_run, alignment_summary

    final = run_alignment(entity_a, list_kind="final", as_of=date(2026, 3, 31))
    # A quarterly list as of 2025-12-31, run after the final list: it is earlier data, so the
    # final list stays "aligned now", and the quarterly one is not compared with the later list.
    quarterly = run_alignment(entity_a, list_kind="quarterly", as_of=date(2025, 12, 31))
    assert quarterly.previous_run_id is None
    assert alignment_current_run(entity=entity_a).pk == final.pk
    summary = alignment_summary(entity=entity_a)
    assert summary is not None
    assert summary["latest"].pk == final.pk
    assert summary["aligned_now"] == final.aligned_count
    # A rerun of the final list compares with the final list, not with the quarterly list
    # created after it.
    rerun = run_alignment(entity_a, list_kind="final", as_of=date(2026, 3, 31))
    assert rerun.previous_run_id == final.pk
    assert alignment_current_run(entity=entity_a).pk == rerun.pk


def test_changes_between_runs_say_why(entity_a, population_a, run_alignment, aco_admin) -> None:
    first = run_alignment(entity_a)
    aligned_by_tin = AlignmentResult.objects.filter(
        run=first, aligned=True, step="step_1"
    ).values_list("attributed_tin", flat=True)
    tin = pd.Series(list(aligned_by_tin)).value_counts().index[0]
    # The TIN left the participant list mid-year: the final list is drawn as of Dec 31.
    Participation.objects.filter(entity=entity_a, organization__tin=tin).update(
        end_date=date(2025, 6, 30)
    )
    second = run_alignment(entity_a, as_of=date(2026, 4, 30))
    dropped = AlignmentChange.objects.filter(run=second, kind="dropped")
    moved = dropped.filter(reason=Reason.PLURALITY_LOST, top_competitor=f"TIN {tin}")
    assert moved.exists()
    assert moved.first().explanation == f"dropped: plurality moved to TIN {tin}"
    assert all(change.explanation.startswith("dropped: ") for change in dropped)
    assert second.summary["changes"]["dropped"] == dropped.count()
    # The run's page says the kind in its own column and why beside it, once ("Dropped |
    # dropped: plurality moved ..." read twice).
    page = verified_client(aco_admin).get(
        reverse("alignment:run_detail", args=[second.pk]), {"change": "dropped"}
    )
    text = page.content.decode()
    assert f"<td>plurality moved to TIN {tin}</td>" in text
    assert "dropped: " not in text
    # A change of step or clinician is said in words, from one to the other.
    assert change_text(
        kind="changed", reason="", previous_step="step_1", step="step_3", previous_tin="",
        tin="330000001",
    ) == (
        f"changed: step from {Step('step_1').label} to {Step('step_3').label}; "
        "attributed TIN from none to 330000001"
    )  # fmt: skip


def test_only_one_run_per_entity_and_year_may_be_open(entity_a, population_a) -> None:
    alignment_run_create(
        entity=entity_a, performance_year=2025, list_kind="final", as_of=date(2026, 3, 31)
    )
    with pytest.raises(ApplicationError, match="still queued"):
        alignment_run_create(
            entity=entity_a, performance_year=2025, list_kind="quarterly", as_of=date(2025, 10, 1)
        )


def test_it_refuses_years_it_has_no_rules_for(entity_a) -> None:
    with pytest.raises(ApplicationError, match="outside"):
        alignment_run_create(
            entity=entity_a, performance_year=2019, list_kind="final", as_of=date(2020, 3, 1)
        )


def test_a_participant_list_edited_mid_run_fails_the_run(
    entity_a, population_a, django_capture_on_commit_callbacks
) -> None:
    run = alignment_run_create(
        entity=entity_a, performance_year=2025, list_kind="final", as_of=date(2026, 3, 31)
    )
    Participation.objects.filter(entity=entity_a).update(start_date=date(2026, 2, 1))
    from jobs.services import job_execute

    job_execute(job_id=run.job_id)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED
    assert "participant list" in run.error
    assert run.events.last().to_status == "failed"


def test_an_mssp_run_follows_the_entitys_assignment_method(
    entity_a, population_a, run_alignment
) -> None:
    entity_a.assignment_method = "prospective"
    entity_a.save(update_fields=["assignment_method"])
    run = run_alignment(entity_a)
    assert run.method == "prospective"
    assert run.windows["assignment"] == {"start": "2023-10-01", "end": "2024-09-30"}
    assert [w["start"] for w in run.windows["eligibility"]] == ["2023-10-01", "2025-01-01"]


def test_the_engines_specialty_lists_match_the_entities_registry(db) -> None:
    """Runs read PCP/NPP/specialist classes from the registry (SpecialtyCode); the engine's own
    value sets (its tests and defaults) must say the same, or one of them is out of date."""
    from alignment.engine.valuesets import load_specialties
    from entities.models import SpecialtyCode

    registry = {
        cls: set(SpecialtyCode.objects.filter(provider_class=cls).values_list("code", flat=True))
        for cls in ("pcp", "npp", "specialist")
    }
    assert registry["pcp"] == set(load_specialties("pcp").all_codes())
    assert registry["npp"] == set(load_specialties("npp").all_codes())
    assert registry["specialist"] == set(load_specialties("mssp_specialist").all_codes())
