"""Reads of the alignment app, always scoped to a user (pages, API) or to an entity the caller
already checked (commands, other apps)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from django.db.models import Case, Count, QuerySet, When

from alignment.engine.vocabulary import change_text
from alignment.models import (
    AlignmentChange,
    AlignmentResult,
    AlignmentRun,
    ChangeKind,
    DesignationStatus,
    PendingDesignation,
    Reconciliation,
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
    records = VoluntaryAlignment.objects.for_user(user).select_related("entity", "beneficiary")
    return records.filter(entity=entity) if entity is not None else records


def pending_designation_counts(*, user: Any) -> dict[str, int]:
    """How many designations recorded before a delivery are waiting, matched or in conflict,
    over the user's entities (counts only: no beneficiary)."""
    counts = dict.fromkeys(DesignationStatus.values, 0)
    rows = PendingDesignation.objects.for_user(user).values("status").annotate(n=Count("id"))
    for row in rows.order_by():
        counts[row["status"]] = row["n"]
    return counts


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
        "reconciliation": reconciliation_latest(entity=entity),
    }


def reconciliation_latest(*, entity: Entity) -> Reconciliation | None:
    """The entity's latest comparison of a run with a CMS list (its counts and agreement rate),
    or None before any. The caller has checked the user's access to the entity."""
    return (
        Reconciliation.objects.filter(entity=entity)
        .select_related("cms_list", "run")
        .order_by("-cms_list__performance_year", "-created_at", "-id")
        .first()
    )


# ------------------------------------------------------------------ roster of record

CMS_LIST = "cms_list"
PLATFORM_PROJECTION = "platform_projection"


@dataclass(frozen=True)
class RosterOfRecord:
    """Who the entity's population is for a performance year and period, and where that comes
    from: CMS's list where one covers the period (`source` "cms_list", dated by the list), else
    the platform's latest alignment run (`source` "platform_projection", dated by the run's
    as-of date). `count` is the list's assigned count or the run's aligned count; `members`
    (read when first asked for) is (beneficiary id, attributed TIN) per beneficiary, by id."""

    entity_id: int
    performance_year: int
    period: int | None
    source: str
    as_of: dt.date | None
    label: str
    cms_list: Any = None
    run: AlignmentRun | None = None
    count: int = 0

    @cached_property
    def members(self) -> tuple[tuple[int, str], ...]:
        from cmslists.selectors import cms_list_assigned

        if self.cms_list is not None:
            return tuple(cms_list_assigned(cms_list=self.cms_list))
        if self.run is None:
            return ()
        return tuple(
            AlignmentResult.objects.filter(run=self.run, aligned=True)
            .order_by("beneficiary_id")
            .values_list("beneficiary_id", "attributed_tin")
        )

    @property
    def beneficiary_ids(self) -> list[int]:
        return [bene for bene, _ in self.members]

    def member_npis(self) -> dict[int, str]:
        """Beneficiary id -> the clinician (NPI) each member is assigned or aligned through:
        CMS's list's (cmslists.selectors.cms_list_assigned_npis), else the run's attributed
        NPI."""
        from cmslists.selectors import cms_list_assigned_npis

        if self.cms_list is not None:
            return cms_list_assigned_npis(cms_list=self.cms_list)
        if self.run is None:
            return {}
        return dict(
            AlignmentResult.objects.filter(run=self.run, aligned=True).values_list(
                "beneficiary_id", "attributed_npi"
            )
        )

    @property
    def population_label(self) -> str:
        """Where the population comes from and its date, as a page says it."""
        if self.source == CMS_LIST:
            return f"assigned on CMS's list of record, {self.label}"
        if self.run is not None and self.as_of is not None:
            return f"aligned in the platform's alignment run as of {self.as_of:%Y-%m-%d}"
        return "no list from CMS and no alignment run yet"

    @property
    def is_cms_list(self) -> bool:
        return self.source == CMS_LIST

    @property
    def source_label(self) -> str:
        if self.source == CMS_LIST:
            return f"CMS list: {self.label}"
        if self.run is not None:
            return f"Platform projection: alignment run {self.label}"
        return "No list from CMS and no alignment run yet"

    def as_api(self) -> dict[str, Any]:
        """The label as the API gives it."""
        return {
            "source": self.source,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "label": self.label,
            "performance_year": self.performance_year,
            "period": self.period,
            "cms_list_id": self.cms_list.pk if self.cms_list is not None else None,
            "alignment_run_id": self.run.pk if self.run is not None else None,
            "count": self.count,
        }


def _year_run(entity: Entity | int, performance_year: int) -> AlignmentRun | None:
    """The year's latest succeeded final run, else its latest succeeded run (one query)."""
    return (
        AlignmentRun.objects.filter(
            entity=entity, performance_year=performance_year, status=RunStatus.SUCCEEDED
        )
        .annotate(is_final=Case(When(list_kind="final", then=1), default=0))
        .order_by("-is_final", "-created_at", "-id")
        .first()
    )


def roster_of_record(
    *, entity: Entity, performance_year: int, period: int | None = None
) -> RosterOfRecord:
    """The roster of record of the entity's performance year and period (None: the year as it
    stands; 1-4: a quarter). The caller has checked the user's access to the entity."""
    from cmslists.selectors import cms_list_covering

    cms_list = cms_list_covering(entity=entity, performance_year=performance_year, period=period)
    if cms_list is not None:
        return RosterOfRecord(
            entity_id=entity.pk,
            performance_year=performance_year,
            period=period,
            source=CMS_LIST,
            as_of=cms_list.list_date,
            label=cms_list.label,
            cms_list=cms_list,
            count=cms_list.assigned_count,
        )
    return _projection(entity, performance_year, period)


def _projection(entity: Entity, performance_year: int, period: int | None) -> RosterOfRecord:
    run = _year_run(entity, performance_year)
    return RosterOfRecord(
        entity_id=entity.pk,
        performance_year=performance_year,
        period=period,
        source=PLATFORM_PROJECTION,
        as_of=run.as_of if run is not None else None,
        label=str(run) if run is not None else "",
        run=run,
        count=run.aligned_count if run is not None else 0,
    )


def roster_of_record_current(*, entity: Entity) -> RosterOfRecord | None:
    """The roster of record of the entity's newest performance year that has a CMS list or a
    succeeded run (None when it has neither)."""
    from cmslists.selectors import cms_list_latest_year

    list_year = cms_list_latest_year(entity=entity)
    run = alignment_current_run(entity=entity)
    years = [y for y in (list_year, run.performance_year if run else None) if y]
    if not years:
        return None
    year = max(years)
    if list_year != year:  # no CMS list for the year: the platform's projection, no list query
        return _projection(entity, year, None)
    return roster_of_record(entity=entity, performance_year=year)


# MSSP: an ACO must have at least 5,000 assigned beneficiaries (SSA section 1899(b)(2)(D);
# 42 CFR 425.110). Not in the program registry's parameters, so it is held here with its source.
MSSP_MINIMUM = 5000
MSSP_MINIMUM_SOURCE = "Social Security Act section 1899(b)(2)(D); 42 CFR 425.110"
REACH_MINIMUM_SOURCE = "ACO REACH Participation Agreement section 5.03 (Alignment Minimum)"


@dataclass(frozen=True)
class MinimumCheck:
    """The roster of record's count against the program's minimum: `margin` is count minus the
    minimum (negative: short by that many)."""

    label: str
    minimum: int | None
    count: int
    source: str
    note: str = ""

    @property
    def margin(self) -> int | None:
        return None if self.minimum is None else self.count - self.minimum

    @property
    def shortfall(self) -> int:
        margin = self.margin
        return -margin if margin is not None and margin < 0 else 0

    @property
    def below(self) -> bool:
        return self.minimum is not None and self.count < self.minimum


def program_minimum_check(*, entity: Entity, roster: RosterOfRecord) -> MinimumCheck | None:
    """The program minimum of the roster's year checked against its count; None for a program
    without one. A REACH entity-year without an entity type, or a year the registry has no
    minimum for, comes back with `minimum` None and a note asking for it."""
    from entities.selectors import entity_year_get, program_parameter

    program = entity.program.code
    year = roster.performance_year
    if program == "mssp":
        return MinimumCheck(
            label=f"MSSP minimum of {MSSP_MINIMUM:,} assigned beneficiaries",
            minimum=MSSP_MINIMUM,
            count=roster.count,
            source=MSSP_MINIMUM_SOURCE,
        )
    if program != "reach":
        return None
    entity_year = entity_year_get(entity=entity, performance_year=year)
    kind = entity_year.entity_type if entity_year is not None else None
    if kind is None:
        return MinimumCheck(
            label=f"ACO REACH alignment minimum for PY{year}",
            minimum=None,
            count=roster.count,
            source=REACH_MINIMUM_SOURCE,
            note="The entity type (Standard, New Entrant or High Needs) of this performance "
            "year is not recorded: set it on the entity's tracks by performance year to check "
            "the alignment minimum.",
        )
    parameter = program_parameter(
        program=entity.program, performance_year=year, key="alignment_minimum", track=kind
    )
    if parameter is None or parameter.value is None:
        return MinimumCheck(
            label=f"ACO REACH alignment minimum for a {kind.name} entity in PY{year}",
            minimum=None,
            count=roster.count,
            source=REACH_MINIMUM_SOURCE,
            note="The program registry has no alignment minimum for this entity type and year: "
            "enter it to check the roster against it.",
        )
    minimum = int(parameter.value)
    return MinimumCheck(
        label=f"ACO REACH alignment minimum for a {kind.name} entity in PY{year}",
        minimum=minimum,
        count=roster.count,
        source=REACH_MINIMUM_SOURCE,
        note=_buffer_note(entity=entity, year=year, minimum=minimum, count=roster.count),
    )


def _buffer_note(*, entity: Entity, year: int, minimum: int, count: int) -> str:
    """Below the minimum: whether the count is within the year's alignment buffer (from PY2024,
    10%, usable once for the rest of the model)."""
    from entities.selectors import program_parameter

    buffer = program_parameter(
        program=entity.program, performance_year=year, key="alignment_buffer"
    )
    if count >= minimum or buffer is None or buffer.value is None:
        return ""
    value = buffer.value
    pct = str(value.to_integral()) if value == value.to_integral() else str(value.normalize())
    floor = -(-(minimum * (100 - buffer.value)) // 100)  # rounded up: the buffer's lowest count
    if count >= floor:
        return (
            f"Within the {pct}% alignment buffer (at least {int(floor):,}): an ACO may stay below "
            f"its minimum by up to {pct}% once for the rest of the model (CMS, ACO REACH Model "
            "PY2024 Model Update - Quick Reference, August 2023)."
        )
    return f"Also below the {pct}% alignment buffer ({int(floor):,})."
