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

from alignment.models import AlignmentChange, AlignmentResult, AlignmentRun, RunStatus
from benchmarks.models import RiskScore
from benchmarks.selectors import recapture_gaps
from care.models import CareGap
from entities.models import Provider
from partners.attribution import CHANGE_CODES, CURRENT_RUN_ORDER
from partners.selectors import principal_tins

ALIGNED, NOT_ALIGNED = "aligned", "not_aligned"
# A run's lineage (parameters, windows, deliveries, summary): JSON no roster row needs.
RUN_LINEAGE = ("run__parameters", "run__windows", "run__summary", "run__deliveries")


def current_runs(*, principal: Any) -> list[AlignmentRun]:
    """The current run (see partners.attribution.current_run) of each of the caller's
    entities, in one query; the runs' large JSON lineage is left unread."""
    runs = (
        AlignmentRun.objects.for_user(principal)
        .filter(status=RunStatus.SUCCEEDED)
        .select_related("entity__program")
        .defer(*(field.removeprefix("run__") for field in RUN_LINEAGE))
        .order_by("entity_id", *CURRENT_RUN_ORDER)
    )
    latest: dict[int, AlignmentRun] = {}
    for run in runs:
        latest.setdefault(run.entity_id, run)
    return list(latest.values())


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
    # Subqueries without the models' default ordering (which would join for nothing).
    change = AlignmentChange.objects.filter(
        run_id=OuterRef("run_id"), beneficiary_id=OuterRef("beneficiary_id")
    ).order_by()
    provider = Provider.objects.filter(npi=OuterRef("attributed_npi")).order_by()
    rows = rows.annotate(
        change_kind=Subquery(change.values("kind")[:1]),
        provider_name=Subquery(provider.values("name")[:1]),
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
    return rows.select_related("beneficiary", "run__entity__program").defer(*RUN_LINEAGE)


def roster_beneficiary_ids(
    *,
    principal: Any,
    tin: str = "",
    npi: str = "",
    runs: list[AlignmentRun] | None = None,
    field: str = "beneficiary_id",
) -> Q:
    """A filter on `field` (a beneficiary's key) for the beneficiaries the caller may read: those of its
    roster, aligned or not (the rows a beneficiary detail finds). Filters work as on the
    roster."""
    runs = current_runs(principal=principal) if runs is None else runs
    aligned, not_aligned = (
        roster_results(principal=principal, status=status, tin=tin, npi=npi, runs=runs)
        .order_by()
        .values("beneficiary_id")
        for status in (ALIGNED, NOT_ALIGNED)
    )
    if tin or npi:
        # A TIN or NPI filter names whom the row is attributed to: not-aligned rows have none.
        return Q(**{f"{field}__in": aligned})
    return Q(**{f"{field}__in": aligned}) | Q(**{f"{field}__in": not_aligned})


@dataclass
class Extras:
    """What a page of rows needs from other apps, fetched for the whole page at once."""

    risk: dict[int, RiskScore] = field(default_factory=dict)
    # Care gaps found in claims (care.CareGap) first, then HCC recapture gaps.
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
    for gap in CareGap.objects.filter(beneficiary_id__in=ids).order_by("beneficiary_id", "gap"):
        extras.gaps[gap.beneficiary_id].append(
            {
                "type": "care_gap",
                "gap": gap.gap,
                "label": gap.label,
                "last_done": gap.last_done,
                "as_of": gap.as_of,
            }
        )
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
