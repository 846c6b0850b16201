"""Demo alignment: a few voluntary designations and runs for the demo entities, on the claims
the claims demo loaded. The MSSP ACO gets its Q3 quarterly list and its final PY2025 list, so
that the final list has changes to explain; the REACH DCE gets its final PY2025 list.
Idempotent: designations and succeeded runs already there are left alone."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings

from alignment.models import AlignmentRun, RunStatus, VoluntaryAlignment, VoluntarySource
from alignment.services.reconciliation import reconciliation_build
from alignment.services.runs import alignment_run_create
from alignment.services.voluntary import voluntary_alignment_check, voluntary_alignment_create
from beneficiaries.models import Beneficiary
from cmslists.models import CmsList
from core.api import ApplicationError
from entities.choices import ParticipationRole
from entities.models import Entity
from entities.selectors import participations_overlapping

DEMO_RUNS = {
    "mssp": [(2025, "quarterly", date(2025, 10, 15)), (2025, "final", date(2026, 3, 31))],
    "reach": [(2025, "final", date(2026, 3, 31))],
}
SIGNED = date(2024, 6, 3)
DESIGNATIONS = 12


def _designations(entity: Entity) -> int:
    if VoluntaryAlignment.objects.filter(entity=entity).exists():
        return 0
    npis = list(
        participations_overlapping(
            entity=entity, start=SIGNED, end=SIGNED, roles=(ParticipationRole.PARTICIPANT,)
        )
        .filter(provider__isnull=False)
        .values_list("provider__npi", flat=True)[:DESIGNATIONS]
    )
    benes = list(
        Beneficiary.objects.filter(entity=entity, merged_into__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[7::97]
    )
    made = 0
    for bene, npi in zip(benes[:DESIGNATIONS], npis, strict=False):
        args: dict[str, Any] = {"entity": entity, "beneficiary_id": bene, "npi": npi, "signature_date": SIGNED,
                "source": VoluntarySource.MEDICARE_GOV, "today": date(2026, 1, 1)}  # fmt: skip
        if not voluntary_alignment_check(**args):
            voluntary_alignment_create(**args)
            made += 1
    return made


def _reconcile(entity: Entity, stdout: Any) -> None:
    """Each CMS list the demo loaded, compared with the run (its counts for the overview)."""
    for year, period in (
        CmsList.objects.filter(entity=entity).values_list("performance_year", "period").distinct()
    ):
        try:
            result = reconciliation_build(entity=entity, performance_year=year, period=period)
        except ApplicationError as exc:
            stdout.write(f"  {entity.cms_id}: no reconciliation: {exc.message}")
            continue
        stdout.write(
            f"  {entity.cms_id}: {result.cms_list.label} against {result.run}: "
            f"{result.summary.agreement_percent}% agreement"
        )


def load(*, entities: dict[str, Entity], stdout: Any) -> None:
    previous = settings.JOBS_DISPATCH
    # Run the demo's jobs here, to the end, rather than in background threads.
    settings.JOBS_DISPATCH = "sync"
    try:
        for key, runs in DEMO_RUNS.items():
            entity = entities.get(key)
            if entity is None or not Beneficiary.objects.filter(entity=entity).exists():
                stdout.write(f"  {key}: no beneficiaries loaded, no alignment run")
                continue
            made = _designations(entity)
            if made:
                stdout.write(f"  {entity.cms_id}: {made} voluntary alignment records")
            for year, kind, as_of in runs:
                if AlignmentRun.objects.filter(
                    entity=entity, performance_year=year, list_kind=kind, status=RunStatus.SUCCEEDED
                ).exists():
                    continue
                run = alignment_run_create(
                    entity=entity,
                    performance_year=year,
                    list_kind=kind,
                    as_of=as_of,
                    bucket_count=4,
                )
                run.refresh_from_db()
                stdout.write(
                    f"  {run}: {run.get_status_display().lower()}, {run.aligned_count} of {run.beneficiary_count} aligned"
                )
            _reconcile(entity, stdout)
    finally:
        settings.JOBS_DISPATCH = previous
