"""The aligned roster as the REST API serves it: one row per beneficiary of the caller's
current alignment lists, with the attribution, the change since the previous list, the risk
score and the open gaps.

Reads only: built on the alignment app's results (via partners.attribution), the benchmarks
app's risk scores and recapture gaps, and the entities app's providers.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from alignment.models import AlignmentChange, AlignmentResult, AlignmentRun
from benchmarks.models import RiskScore
from benchmarks.selectors import recapture_gaps
from entities.models import Provider
from partners.attribution import CHANGE_CODES, current_run
from partners.selectors import principal_tins, visible_entities

ALIGNED, NOT_ALIGNED = "aligned", "not_aligned"


def current_runs(*, principal: Any) -> list[AlignmentRun]:
    runs = [current_run(entity) for entity in visible_entities(principal=principal)]
    return [run for run in runs if run is not None]


def roster_results(
    *,
    principal: Any,
    status: str = ALIGNED,
    tin: str = "",
    npi: str = "",
    changed_since: dt.datetime | None = None,
    runs: list[AlignmentRun] | None = None,
) -> QuerySet[AlignmentResult]:
    """Results of the caller's current runs, one per beneficiary, ordered by beneficiary.

    A client limited to TINs sees the beneficiaries attributed to them and, among those not
    aligned, the ones its TINs lost in this run.
    """
    runs = current_runs(principal=principal) if runs is None else runs
    rows = AlignmentResult.objects.filter(run__in=runs)
    change = AlignmentChange.objects.filter(
        run_id=OuterRef("run_id"), beneficiary_id=OuterRef("beneficiary_id")
    )
    rows = rows.annotate(
        change_kind=Subquery(change.values("kind")[:1]),
        provider_name=Subquery(
            Provider.objects.filter(npi=OuterRef("attributed_npi")).values("name")[:1]
        ),
    )
    tins = principal_tins(principal)
    if status == ALIGNED:
        rows = rows.filter(aligned=True)
        if tins:
            rows = rows.filter(attributed_tin__in=tins)
    else:
        rows = rows.filter(aligned=False)
        if tins:
            lost = AlignmentChange.objects.filter(run__in=runs, previous_tin__in=tins)
            rows = rows.filter(beneficiary_id__in=lost.values("beneficiary_id"))
    if tin:
        rows = rows.filter(attributed_tin=tin)
    if npi:
        rows = rows.filter(attributed_npi=npi)
    if changed_since is not None:
        moved = AlignmentChange.objects.filter(
            run__in=[r for r in runs if (r.finished_at or r.created_at) > changed_since]
        ).values("beneficiary_id")
        rows = rows.filter(
            Q(beneficiary__updated_at__gt=changed_since) | Q(beneficiary_id__in=moved)
        )
    return rows.select_related("beneficiary", "run")


@dataclass
class Extras:
    """What a page of rows needs from other apps, fetched for the whole page at once."""

    risk: dict[int, RiskScore] = field(default_factory=dict)
    gaps: dict[int, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))


def roster_extras(*, principal: Any, results: Iterable[AlignmentResult]) -> Extras:
    results = list(results)
    extras = Extras()
    ids = [r.beneficiary_id for r in results]
    if not ids:
        return extras
    for score in RiskScore.objects.filter(beneficiary_id__in=ids).order_by(
        "beneficiary_id", "-payment_year"
    ):
        extras.risk.setdefault(score.beneficiary_id, score)
    by_run: dict[int, AlignmentRun] = {r.run_id: r.run for r in results}
    for run in by_run.values():
        run_ids = [r.beneficiary_id for r in results if r.run_id == run.pk]
        for hcc in recapture_gaps(
            user=principal, entity=run.entity_id, year=run.performance_year
        ).filter(risk_score__beneficiary_id__in=run_ids):
            extras.gaps[hcc.risk_score.beneficiary_id].append(
                {
                    "type": "hcc_recapture",
                    "model": hcc.model,
                    "hcc": hcc.hcc,
                    "label": hcc.label,
                    "last_seen_payment_year": run.performance_year,
                }
            )
    return extras


def change_code(kind: str | None, run: AlignmentRun | None = None) -> str:
    """The ATR change type of a row: on a run's first list everyone is new."""
    if kind:
        return CHANGE_CODES[kind]
    return "new" if run is not None and run.previous_run_id is None else "nochange"
