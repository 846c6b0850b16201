"""Reads of lead-specialist runs, always through an entity the caller has checked (or the user's
entities)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from alignment.models import AlignmentResult
from entities.models import Entity, ParticipantOrganization, Participation, Provider
from specialists.models import (
    Episode,
    LeadSpecialist,
    LeadSpecialistChange,
    LeadSpecialistRun,
    RunStatus,
)


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


def assigned_npis(*, run: LeadSpecialistRun) -> dict[int, str]:
    """Beneficiary id -> the clinician (NPI) each beneficiary of the run's population of record
    is assigned through: CMS's list when the run counts it (`cms_list_assigned_npis`), else the
    platform's alignment run (its attributed NPI). The clinicians page counts these and a
    clinician's patients page lists them, so the two agree."""
    if run.cms_list is not None:
        from cmslists.selectors import cms_list_assigned_npis

        return {
            bene: npi for bene, npi in cms_list_assigned_npis(cms_list=run.cms_list).items() if npi
        }
    return dict(
        AlignmentResult.objects.filter(run_id=run.alignment_run_id, aligned=True)
        .exclude(attributed_npi="")
        .values_list("beneficiary_id", "attributed_npi")
    )


def provider_activity(*, run: LeadSpecialistRun) -> list[dict[str, Any]]:
    """Each clinician on the entity's list in force on the run's date (participants and
    preferred providers): the beneficiaries aligned to them by the run's alignment, those they
    lead as specialist, the scored episodes they manage, and their TIN's scorecard figures."""
    rows = list(
        Participation.objects.filter(entity=run.entity, provider__isnull=False)
        .active_on(run.as_of)
        .values(
            "organization__tin",
            "organization__legal_name",
            "provider__npi",
            "provider__name",
            "provider__specialty_id",
            "role",
        )
        .order_by("role", "organization__tin", "provider__npi")
    )
    npis = [r["provider__npi"] for r in rows]
    wanted = set(npis)
    aligned = dict(Counter(npi for npi in assigned_npis(run=run).values() if npi in wanted))
    led = dict(
        LeadSpecialist.objects.filter(run=run, lead_npi__in=npis)
        .values("lead_npi")
        .annotate(n=Count("beneficiary_id", distinct=True))
        .values_list("lead_npi", "n")
    )
    managed = dict(
        Episode.objects.filter(run=run, period="performance", complete=True, managing_npi__in=npis)
        .values("managing_npi")
        .annotate(n=Count("id"))
        .values_list("managing_npi", "n")
    )
    cards = {card["tin"]: card for card in run.scorecards}
    out = []
    for r in rows:
        npi, tin = r["provider__npi"], r["organization__tin"]
        card = cards.get(tin)
        paid = card["patient_paid_cents"] if card else 0
        out.append(
            {
                "tin": tin,
                "practice": r["organization__legal_name"],
                "npi": npi,
                "name": r["provider__name"],
                "specialty": r["provider__specialty_id"] or "",
                "role": r["role"],
                "aligned": aligned.get(npi, 0),
                "led": led.get(npi, 0),
                "episodes": managed.get(npi, 0),
                "tin_in_network": (card["patient_in_network_cents"] / paid)
                if card and paid
                else None,
            }
        )
    return out


ACTIVITY_TESTS = {
    "assigning": lambda row: bool(row["aligned"]),
    "leading": lambda row: bool(row["led"]),
    "episodes": lambda row: bool(row["episodes"]),
    "none": lambda row: not (row["aligned"] or row["led"] or row["episodes"]),
}


def provider_activity_filter(
    rows: list[dict[str, Any]],
    *,
    q: str = "",
    tin: str = "",
    role: str = "",
    specialty: str = "",
    activity: str = "",
) -> list[dict[str, Any]]:
    """The clinicians of `provider_activity` that match every filter given: `q` a part of the
    name or of the NPI (case ignored), `tin` the practice, `role` on the list as, `specialty`
    the CMS specialty code, `activity` one of ACTIVITY_TESTS."""
    wanted = q.strip().lower()
    test = ACTIVITY_TESTS.get(activity)
    return [
        row
        for row in rows
        if (not wanted or wanted in (row["name"] or "").lower() or wanted in row["npi"])
        and (not tin or row["tin"] == tin)
        and (not role or row["role"] == role)
        and (not specialty or row["specialty"] == specialty)
        and (test is None or test(row))
    ]
