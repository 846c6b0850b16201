"""Alignment for a benchmark year, for the benchmarks app: the alignment engine run over the
entity's claims with the windows of a final list for that year and a participant list the caller
names (the current one: 42 CFR 425.652(a); domain.md 2 step 1 and 4.1.1).

An alignment run (`alignment_run_create`) cannot express this: it takes the participant list as
of the run's own year, and a run stored for a benchmark year would become that year's aligned
population for every other reader (`aligned_beneficiaries`). So nothing is stored here: the
result carries the lineage (engine and parameters version, windows, the participant list's
date, digest and size, the claims snapshot and deliveries read, counts by step and reason) for
the caller to record.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

import pandas as pd
from django.conf import settings

from alignment.engine import (
    ENGINE_VERSION,
    ReachParameters,
    align_reach,
    assign_mssp,
    mssp_parameters,
)
from alignment.engine import columns as ac
from alignment.engine.windows import ReachWindows
from alignment.services.inputs import (
    bucket_inputs,
    claim_snapshot_ensure,
    participant_list,
    run_parameters,
    run_windows,
    windows_json,
)
from alignment.services.runs import ENTITY_METHODS
from core.api import ApplicationError


@dataclass(frozen=True)
class YearAlignment:
    """One benchmark year's run of the alignment engine: who it aligned and what it read."""

    year: int
    aligned_ids: list[int]
    beneficiary_count: int
    lines_in_windows: int
    lineage: dict[str, Any] = field(default_factory=dict)
    by_step_reason: list[dict[str, Any]] = field(default_factory=list)

    @property
    def source(self) -> str:
        lin = self.lineage
        return (
            f"alignment engine {lin['engine_version']} for BY{self.year} "
            f"({lin['method_label']}; windows {lin['windows_label']}), participant list as of "
            f"{lin['participants_as_of']} ({lin['participant_count']:,} rows, digest "
            f"{lin['participants_digest'][:12]}): {len(self.aligned_ids):,} of "
            f"{self.beneficiary_count:,} beneficiaries aligned"
        )


def _window_span(windows: Any) -> tuple[date, date]:
    if isinstance(windows, ReachWindows):
        return windows.year_1.start, windows.year_2.end
    start = windows.expanded.start if windows.expanded is not None else windows.assignment.start
    return start, windows.assignment.end


def alignment_for_benchmark_year(
    *,
    entity: Any,
    year: int,
    participants_as_of: date,
    agreement_start_year: int | None = None,
) -> YearAlignment:
    """Run the alignment engine for benchmark year `year` with the participant list in force on
    `participants_as_of`, over every beneficiary whose claims the entity holds. Nothing is stored
    as an alignment run: the caller records the lineage returned.

    The windows are those of a final list for `year` (MSSP: the calendar year under preliminary
    prospective assignment, the offset Oct-Sep window under prospective assignment; REACH: the two
    July-June alignment years before it). For MSSP the steps are those of PY1 of the agreement
    period (domain.md 2 step 1 "the assignment method chosen for PY1"): step 3 and the expanded
    window apply to benchmark years only when PY1 is 2025 or later (domain.md 1.2).
    """
    program = entity.program.code
    method = "" if program == "reach" else ENTITY_METHODS.get(entity.assignment_method, "ppwrr")
    params = run_parameters(program=program, performance_year=year, method=method)
    if not isinstance(params, ReachParameters) and agreement_start_year is not None:
        py1 = mssp_parameters(agreement_start_year, params.method)
        params = replace(params, expanded_window_months=py1.expanded_window_months)
    # A final list of the year; as_of (three months of run-out) only matters to quarterly lists.
    windows = run_windows(params=params, list_kind="final", as_of=date(year + 1, 3, 31))
    as_of = participants_as_of
    participants, digest, count = participant_list(entity=entity, as_of=as_of, program=program)
    if count == 0:
        raise ApplicationError(
            f"{entity.cms_id} has no participant list in force on {as_of}: the benchmark-year "
            "populations come from the alignment engine with the current participant list.",
            {"field": "participants", "as_of": as_of.isoformat()},
        )
    snapshot = claim_snapshot_ensure(entity=entity)
    # The engine runs bucket by bucket, as an alignment run does, so memory stays bounded.
    buckets = int(getattr(settings, "ALIGNMENT_BUCKETS", 8))
    engine = align_reach if isinstance(params, ReachParameters) else assign_mssp
    start, end = _window_span(windows)
    lines_in_windows = 0
    results = []
    for index in range(buckets):
        frames = bucket_inputs(
            entity_id=entity.pk,
            snapshot_id=snapshot.pk,
            bucket_count=buckets,
            index=index,
            windows=windows,
        )
        days = pd.to_datetime(frames["lines"][ac.SERVICE_DATE])
        lines_in_windows += int(((days >= pd.Timestamp(start)) & (days <= pd.Timestamp(end))).sum())
        results.append(engine(participants=participants, params=params, windows=windows, **frames))
    result = pd.concat(results, ignore_index=True)
    aligned = sorted(int(b) for b in result.loc[result[ac.ALIGNED], ac.BENE_ID])
    counts = (
        result.groupby([ac.ALIGNED, ac.STEP, ac.REASON], observed=True)
        .size()
        .reset_index(name="count")
        .sort_values([ac.ALIGNED, "count"], ascending=[False, False])
    )
    by_step_reason = [
        {"aligned": bool(r[ac.ALIGNED]), "step": str(r[ac.STEP]), "reason": str(r[ac.REASON]),
         "count": int(r["count"])}
        for r in counts.to_dict("records")
    ]  # fmt: skip
    wj = windows_json(windows)
    if "assignment" in wj:
        label = f"{wj['assignment']['start']}..{wj['assignment']['end']}"
        if wj.get("expanded"):
            label += f", expanded {wj['expanded']['start']}..{wj['expanded']['end']}"
    else:
        label = (
            f"AY1 {wj['alignment_year_1']['start']}..{wj['alignment_year_1']['end']}, "
            f"AY2 {wj['alignment_year_2']['start']}..{wj['alignment_year_2']['end']}"
        )
    lineage = {
        "engine_version": ENGINE_VERSION,
        "parameters_version": params.version,
        "method": method,
        "method_label": {
            "": "REACH claims-based alignment",
            "prospective": "prospective assignment",
            "ppwrr": "preliminary prospective assignment, final list",
        }[method],
        "step_3": bool(getattr(params, "uses_step_3", False)),
        "windows": wj,
        "windows_label": label,
        "participants_as_of": as_of.isoformat(),
        "participants_digest": digest,
        "participant_count": count,
        "snapshot_id": snapshot.pk,
        "snapshot_digest": snapshot.digest,
        "snapshot_lines": snapshot.line_count,
        "deliveries": [d["id"] for d in snapshot.deliveries],
    }
    return YearAlignment(
        year=year,
        aligned_ids=aligned,
        beneficiary_count=len(result),
        lines_in_windows=lines_in_windows,
        lineage=lineage,
        by_step_reason=by_step_reason,
    )
