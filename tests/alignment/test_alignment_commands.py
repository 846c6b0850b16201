"""run_alignment and export_alignment."""

from __future__ import annotations

import csv
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from alignment.models import AlignmentResult, AlignmentRun, RunStatus
from alignment.selectors import EXPORT_COLUMNS
from audit.models import AccessRecord

pytestmark = pytest.mark.django_db


def test_run_alignment_waits_and_prints_the_counts(entity_a, population_a, settings) -> None:
    settings.JOBS_DISPATCH = "thread"  # no worker: --wait runs the job here
    out = StringIO()
    call_command(
        "run_alignment",
        "--entity",
        "A9001",
        "--year",
        "2025",
        "--as-of",
        "2026-03-31",
        "--wait",
        stdout=out,
    )
    run = AlignmentRun.objects.get(entity=entity_a)
    assert run.status == RunStatus.SUCCEEDED
    assert run.list_kind == "final"
    text = out.getvalue()
    assert f"{run.aligned_count} of {run.beneficiary_count} beneficiaries aligned." in text
    assert "aligned_plurality" in text


def test_export_alignment_writes_the_roster(
    entity_a, population_a, run_alignment, tmp_path
) -> None:
    run = run_alignment(entity_a)
    path = tmp_path / "roster.csv"
    call_command(
        "export_alignment",
        "--entity",
        "A9001",
        "--year",
        "2025",
        "--out",
        str(path),
        stdout=StringIO(),
    )
    rows = list(csv.reader(path.open()))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    assert len(rows) - 1 == run.beneficiary_count
    aligned = [r for r in rows[1:] if r[1] == "true"]
    assert len(aligned) == run.aligned_count
    # Attributed to a clinician (an FQHC/RHC attribution has a CCN and no TIN).
    assert all(r[5] for r in aligned)
    # Every row says what the stored result says, the beneficiary named by current MBI.
    assert tuple(EXPORT_COLUMNS) == (
        "mbi", "aligned", "step", "reason", "attributed_tin", "attributed_npi",
        "entity_allowed", "top_competitor", "competitor_allowed",
    )  # fmt: skip
    stored = {
        r.beneficiary.current_mbi: r
        for r in AlignmentResult.objects.filter(run=run).select_related("beneficiary")
    }
    assert sorted(r[0] for r in rows[1:]) == sorted(stored)
    for row in rows[1:]:
        r = stored[row[0]]
        assert row[1:] == [
            "true" if r.aligned else "false", r.step, r.reason, r.attributed_tin,
            r.attributed_npi, f"{r.entity_allowed:.2f}", r.top_competitor,
            f"{r.competitor_allowed:.2f}",
        ]  # fmt: skip
    lost = [r for r in rows[1:] if r[3] == "plurality_lost"]
    assert lost
    assert all(r[7].startswith(("TIN ", "CCN ")) for r in lost)
    assert AccessRecord.objects.filter(
        purpose="alignment_export", beneficiary_count=run.beneficiary_count
    ).exists()


def test_export_alignment_refuses_another_entitys_run(
    entity_a, entity_b, population_a, run_alignment, tmp_path
) -> None:
    run = run_alignment(entity_a)
    with pytest.raises(CommandError, match="is not a PY2025 run of D9002"):
        call_command(
            "export_alignment",
            "--entity",
            "D9002",
            "--year",
            "2025",
            "--out",
            str(tmp_path / "x.csv"),
            "--run",
            str(run.pk),
        )
    with pytest.raises(CommandError, match="no succeeded alignment run"):
        call_command(
            "export_alignment",
            "--entity",
            "D9002",
            "--year",
            "2025",
            "--out",
            str(tmp_path / "x.csv"),
        )


def test_run_alignment_says_why_it_cannot_start(entity_a) -> None:
    with pytest.raises(CommandError, match="outside 2024-2027"):
        call_command(
            "run_alignment",
            "--entity",
            "A9001",
            "--year",
            "2019",
            "--as-of",
            "2020-01-01",
            stdout=StringIO(),
        )
    with pytest.raises(CommandError, match="No entity"):
        call_command("run_alignment", "--entity", "Z0000", "--year", "2025", stdout=StringIO())
