"""Reads of the alignment app, always scoped to a user (pages, API) or to an entity the caller
already checked (commands, other apps)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Count, QuerySet

from alignment.engine.vocabulary import change_text
from alignment.models import (
    AlignmentChange,
    AlignmentResult,
    AlignmentRun,
    ChangeKind,
    RunStatus,
    VoluntaryAlignment,
)
from beneficiaries.models import Beneficiary
from entities.models import Entity

EXPORT_COLUMNS = (
    "mbi", "aligned", "step", "reason", "attributed_tin", "attributed_npi", "entity_allowed", "top_competitor",
    "competitor_allowed",
)  # fmt: skip


# Which run is "current": the newest performance year, then the latest as-of date (the date of
# the data the list reflects), then the newest created. A quarterly list as of 2025-12-31 run
# after the final list as of 2026-03-31 does not replace the final list.
CURRENT_ORDER = ("-performance_year", "-as_of", "-created_at", "-id")


def alignment_run_list(*, user: Any, entity: Entity | None = None) -> QuerySet[AlignmentRun]:
    runs = AlignmentRun.objects.for_user(user).select_related(
        "entity", "entity__program", "created_by"
    )
    return runs.filter(entity=entity) if entity is not None else runs


def alignment_run_get(*, user: Any, run_id: int) -> AlignmentRun:
    """One run the user may see; `AlignmentRun.DoesNotExist` otherwise (a 404 for the pages)."""
    return alignment_run_list(user=user).select_related("previous_run", "snapshot").get(pk=run_id)


def alignment_latest_run(
    *, entity: Entity, performance_year: int, list_kind: str | None = None
) -> AlignmentRun | None:
    """The entity's succeeded run of the year with the latest as-of date (of one list kind if
    given); of runs of the same date, the newest created (a rerun replaces its run)."""
    runs = AlignmentRun.objects.filter(
        entity=entity, performance_year=performance_year, status=RunStatus.SUCCEEDED
    )
    if list_kind:
        runs = runs.filter(list_kind=list_kind)
    return runs.order_by(*CURRENT_ORDER).first()


def alignment_result_list(
    *, run: AlignmentRun, step: str = "", reason: str = "", aligned: bool | None = None
) -> QuerySet[AlignmentResult]:
    results = AlignmentResult.objects.filter(run=run).select_related("beneficiary")
    if step:
        results = results.filter(step=step)
    if reason:
        results = results.filter(reason=reason)
    if aligned is not None:
        results = results.filter(aligned=aligned)
    return results.order_by("beneficiary_id")


def alignment_change_list(*, run: AlignmentRun, kind: str = "") -> QuerySet[AlignmentChange]:
    changes = AlignmentChange.objects.filter(run=run).select_related("beneficiary")
    return changes.filter(kind=kind) if kind else changes


def beneficiary_alignment_get(*, user: Any, beneficiary_id: int) -> Beneficiary:
    """A beneficiary of one of the user's entities; `Beneficiary.DoesNotExist` otherwise."""
    return Beneficiary.objects.for_user(user).select_related("entity").get(pk=beneficiary_id)


def beneficiary_alignment_history(*, beneficiary: Beneficiary) -> QuerySet[AlignmentResult]:
    """Every run's result for the beneficiary, newest first, with the run."""
    return (
        AlignmentResult.objects.filter(
            beneficiary=beneficiary, run__entity_id=beneficiary.entity_id
        )
        .select_related("run")
        .order_by(*(f"-run__{key.lstrip('-')}" for key in CURRENT_ORDER))
    )


def beneficiary_alignment_changes(*, beneficiary: Beneficiary) -> dict[int, AlignmentChange]:
    """The beneficiary's change rows, by run id."""
    return {
        change.run_id: change
        for change in AlignmentChange.objects.filter(
            beneficiary=beneficiary, run__entity_id=beneficiary.entity_id
        )
    }


def voluntary_alignment_list(
    *, user: Any, entity: Entity | None = None
) -> QuerySet[VoluntaryAlignment]:
    records = VoluntaryAlignment.objects.for_user(user).select_related("entity")
    return records.filter(entity=entity) if entity is not None else records


def alignment_export_rows(*, run: AlignmentRun) -> Iterator[tuple[Any, ...]]:
    """The run's roster for export_alignment, one tuple per beneficiary in EXPORT_COLUMNS order."""
    rows = (
        AlignmentResult.objects.filter(run=run)
        .order_by("beneficiary_id")
        .values_list(
            "beneficiary__current_mbi",
            "aligned",
            "step",
            "reason",
            "attributed_tin",
            "attributed_npi",
            "entity_allowed",
            "top_competitor",
            "competitor_allowed",
        )  # fmt: skip
    )
    yield from rows.iterator(chunk_size=5000)


def aligned_beneficiaries(*, entity: Entity, performance_year: int) -> QuerySet[AlignmentResult]:
    """The aligned population of the entity's latest succeeded final list of the year (or, when
    there is none yet, of its latest quarterly list), with attributed TIN/NPI: the read interface
    for settlement and other apps. Empty when the year has no succeeded run."""
    run = alignment_latest_run(entity=entity, performance_year=performance_year, list_kind="final")
    run = run or alignment_latest_run(entity=entity, performance_year=performance_year)
    if run is None:
        return AlignmentResult.objects.none()
    return AlignmentResult.objects.filter(run=run, aligned=True).order_by("beneficiary_id")


SUMMARY_TOP_REASONS = 5


def alignment_current_run(*, entity: Entity) -> AlignmentRun | None:
    """The entity's current succeeded run (any list kind): of the newest performance year, the
    one with the latest as-of date, then the newest created (CURRENT_ORDER). The caller has
    checked the user's access to the entity."""
    return (
        AlignmentRun.objects.filter(entity=entity, status=RunStatus.SUCCEEDED)
        .order_by(*CURRENT_ORDER)
        .first()
    )


def alignment_summary(*, entity: Entity) -> dict[str, Any] | None:
    """The entity's alignment at a glance, for the coordinator overview; None before any
    succeeded run. The caller has checked the user's access to the entity.

    - `latest`: the current run (newest performance year, latest as-of date, then newest
      created: `alignment_current_run`) and
      `aligned_now`, its aligned count.
    - `by_month`: aligned beneficiaries per month over the latest run's performance year and the
      year before, one point per month of a run's `as_of` date. Runs are quarterly lists (and the
      final list), so a point per run date is what the data has: a month with no run has no
      point rather than a carried-forward or interpolated figure. When several runs share a
      month (a rerun, or the final list beside the last quarterly one) the latest created wins.
      Each point is the run's `aligned_count`, which the run stores as the count of its results
      with an aligned reason when it succeeds (alignment.services.runs).
    - `changes`: added, dropped and changed counts of the latest run against its previous run
      (its change rows), and `top_reasons`: the most frequent explanations, e.g.
      "dropped: plurality moved to TIN 123456789", with their counts.
    """
    runs = AlignmentRun.objects.filter(entity=entity, status=RunStatus.SUCCEEDED)
    latest = alignment_current_run(entity=entity)
    if latest is None:
        return None
    points: dict[str, dict[str, Any]] = {}
    for run in (
        runs.filter(performance_year__gte=latest.performance_year - 1)
        .order_by("created_at", "id")
        .only("id", "as_of", "aligned_count", "performance_year", "list_kind", "version")
    ):
        points[run.as_of.strftime("%Y-%m")] = {
            "month": run.as_of.strftime("%Y-%m"),
            "aligned": run.aligned_count,
            "run_id": run.pk,
            "performance_year": run.performance_year,
            "list_kind": run.list_kind,
        }
    by_month = sorted(points.values(), key=lambda p: p["month"])
    counts = dict.fromkeys(ChangeKind.values, 0)
    grouped = (
        AlignmentChange.objects.filter(run=latest)
        .values(
            "kind",
            "reason",
            "top_competitor",
            "previous_step",
            "step",
            "previous_tin",
            "attributed_tin",
        )  # fmt: skip
        .annotate(n=Count("id"))
        .order_by("-n", "kind", "reason", "top_competitor")
    )
    explained: dict[str, int] = {}
    for row in grouped:
        counts[row["kind"]] += row["n"]
        if row["kind"] == ChangeKind.CHANGED and (
            row["previous_step"] == row["step"] and row["previous_tin"] == row["attributed_tin"]
        ):
            text = "changed: attributed NPI within the same TIN"
        else:
            text = change_text(
                kind=row["kind"],
                reason=row["reason"],
                competitor=row["top_competitor"],
                previous_step=row["previous_step"],
                step=row["step"],
                previous_tin=row["previous_tin"],
                tin=row["attributed_tin"],
            )
        explained[text] = explained.get(text, 0) + row["n"]
    top = sorted(explained.items(), key=lambda kv: (-kv[1], kv[0]))[:SUMMARY_TOP_REASONS]
    return {
        "latest": latest,
        "aligned_now": latest.aligned_count,
        "by_month": by_month,
        "changes": counts,
        "has_previous": latest.previous_run_id is not None,
        "top_reasons": [{"text": text, "count": n} for text, n in top],
    }
