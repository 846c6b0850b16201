"""Reads of lead-specialist runs, always through an entity the caller has checked (or the user's
entities)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from entities.models import Entity, ParticipantOrganization, Provider
from specialists.models import LeadSpecialist, LeadSpecialistChange, LeadSpecialistRun, RunStatus


def lead_runs(*, entity: Entity) -> QuerySet[LeadSpecialistRun]:
    return LeadSpecialistRun.objects.filter(entity=entity).select_related("created_by")


def lead_run_current(*, entity: Entity | int) -> LeadSpecialistRun | None:
    """The entity's latest succeeded run (the latest as-of date, then the newest)."""
    return (
        LeadSpecialistRun.objects.filter(entity=entity, status=RunStatus.SUCCEEDED)
        .select_related("entity")
        .order_by("-as_of", "-finished_at", "-id")
        .first()
    )


def lead_run_of_entity(*, entity: Entity, run_id: int) -> LeadSpecialistRun | None:
    return lead_runs(entity=entity).filter(pk=run_id).first()


def lead_practices(*, run: LeadSpecialistRun) -> list[dict[str, Any]]:
    """The run's lead TINs: beneficiaries led, conditions, allowed charges, list role, name."""
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in LeadSpecialist.objects.filter(run=run)
        .exclude(lead_tin="")
        .values("lead_tin", "network_role")
        .annotate(
            beneficiaries=Count("beneficiary_id", distinct=True),
            conditions=Count("id"),
            allowed=Sum("lead_allowed"),
        )
        .order_by("-beneficiaries", "lead_tin")
    ]
    names = dict(
        ParticipantOrganization.objects.filter(tin__in=[r["lead_tin"] for r in rows]).values_list(
            "tin", "legal_name"
        )
    )
    for row in rows:
        row["name"] = names.get(row["lead_tin"], "")
    return rows


def lead_roster(*, run: LeadSpecialistRun, tin: str) -> QuerySet[LeadSpecialist]:
    return (
        LeadSpecialist.objects.filter(run=run, lead_tin=tin)
        .select_related("beneficiary")
        .order_by("beneficiary_id", "condition")
    )


def lead_changes_list(*, run: LeadSpecialistRun, tin: str = "") -> QuerySet[LeadSpecialistChange]:
    rows = LeadSpecialistChange.objects.filter(run=run).select_related("beneficiary")
    if tin:
        rows = rows.filter(Q(lead_tin=tin) | Q(previous_tin=tin))
    return rows.order_by("kind", "beneficiary_id", "condition")


def provider_names(*, npis: list[str]) -> dict[str, str]:
    return dict(Provider.objects.filter(npi__in=npis).values_list("npi", "name"))
