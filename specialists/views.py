"""Lead-specialist pages: the entity's attribution (counts by condition, the lead practices, the
changes since the previous run, the runs and the start form) and a specialist practice's roster.

Both show beneficiaries, so both are `phi_view`s and log what they showed. Everything is scoped
to the user's entities: another entity, or a run of another entity, is a 404.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.roles import SETTLEMENT_MONEY, START_RUNS, roles_with
from accounts.selectors import user_may
from audit.phi import phi_view
from audit.services import access_record_create
from core.api import ApplicationError
from entities.models import Entity, SpecialtyCode
from entities.selectors import user_entities
from specialists.engine.conditions import definitions_from
from specialists.engine.lead import REASON_LABELS
from specialists.models import LeadSpecialistRun
from specialists.selectors import (
    lead_changes_list,
    lead_practices,
    lead_roster,
    lead_run_current,
    lead_run_of_entity,
    lead_runs,
    provider_names,
)
from specialists.services import lead_run_create

WRITERS = roles_with(START_RUNS)
PAGE_SIZE = 50
ROLE_LABELS = {"participant": "Participant", "preferred": "Preferred provider", "": "Outside"}


def entity_or_404(request: HttpRequest, entity_id: int) -> Entity:
    entity = user_entities(user=request.user).filter(pk=entity_id).first()
    if entity is None:
        raise Http404("No such entity.")
    return entity


def _may_start(user: Any, entity: Entity) -> bool:
    return bool(
        user.is_superuser or entity.memberships.filter(user=user, role__in=WRITERS).exists()
    )


def money_allowed(user: Any, entity: Entity) -> bool:
    """Whether the user's role sees the entity's settlement dollars: the gain-sharing page is one
    of those pages, so its link is shown only to them (a coordinator got a 403 from it)."""
    return user_may(user=user, entity_id=entity.pk, key=SETTLEMENT_MONEY)


def run_asked(request: HttpRequest, entity: Entity) -> LeadSpecialistRun | None:
    wanted = request.GET.get("run", "")
    if wanted:
        run = lead_run_of_entity(entity=entity, run_id=int(wanted)) if wanted.isdigit() else None
        if run is None:
            raise Http404("No such run.")
        return run
    return lead_run_current(entity=entity)


def _conditions(run: LeadSpecialistRun) -> list[dict[str, Any]]:
    """Each condition with its counts, and its lead specialties as "code name" (CMS's
    Medicare provider specialty codes), as every page writes a specialty."""
    counts = run.summary.get("by_condition", {})
    conditions = definitions_from(run.definitions).conditions
    codes = {code for condition in conditions for code in condition.specialty_codes}
    names = dict(SpecialtyCode.objects.filter(code__in=codes).values_list("code", "description"))
    return [
        {
            "condition": condition,
            "specialties": [
                f"{code} {names[code]}" if code in names else code
                for code in condition.specialty_codes
            ],
            **counts.get(condition.code, {}),
        }
        for condition in conditions
    ]


def _label_conditions(run: LeadSpecialistRun, changes: Any) -> None:
    """Each change's condition by its label (the run's own definitions)."""
    labels = {c.code: c.label for c in definitions_from(run.definitions).conditions}
    for change in changes:
        change.condition_label = labels.get(change.condition, change.condition)


def _practices(run: LeadSpecialistRun) -> list[dict[str, Any]]:
    return [{**p, "role": ROLE_LABELS[p["network_role"]]} for p in lead_practices(run=run)]


@phi_view
def index(request: HttpRequest) -> HttpResponse:
    """The user's entities, each with its current lead-specialist run."""
    rows = [
        {"entity": entity, "run": lead_run_current(entity=entity)}
        for entity in user_entities(user=request.user).order_by("cms_id")
    ]
    return render(request, "specialists/index.html", {"rows": rows})


@phi_view
def entity_leads(request: HttpRequest, entity_id: int) -> HttpResponse:
    """An entity's lead-specialist attribution: one run (the current one unless ?run= names
    another), its counts, practices and changes; the runs; the start form."""
    entity = entity_or_404(request, entity_id)
    run = run_asked(request, entity)
    changes = None
    if run is not None and run.previous_run_id:
        changes = Paginator(lead_changes_list(run=run), PAGE_SIZE).get_page(request.GET.get("page"))
        _label_conditions(run, changes)
        shown = [change.beneficiary_id for change in changes]
        if shown:
            access_record_create(
                entity=entity,
                purpose="lead_specialist_changes",
                route=request.path,
                beneficiary_ids=shown,
                user=request.user,
            )
    return render(
        request,
        "specialists/entity.html",
        {
            "entity": entity,
            "run": run,
            "conditions": _conditions(run) if run and run.status == "succeeded" else [],
            "practices": _practices(run) if run else [],
            "changes": changes,
            "runs": lead_runs(entity=entity)[:20],
            "may_start": _may_start(request.user, entity),
            "money_allowed": money_allowed(request.user, entity),
        },
    )


@phi_view
@require_POST
def run_start(request: HttpRequest, entity_id: int) -> HttpResponse:
    entity = entity_or_404(request, entity_id)
    if not _may_start(request.user, entity):
        raise PermissionDenied
    try:
        run = lead_run_create(entity=entity, acting_user=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Lead-specialist run as of {run.as_of:%Y-%m-%d} queued for {run.quarter_label}.",
        )
    return redirect("specialists:entity", entity_id=entity.pk)


@phi_view
def practice_roster(request: HttpRequest, entity_id: int, tin: str) -> HttpResponse:
    """A specialist practice's roster: the beneficiaries whose lead it is, condition by
    condition, with why, and who joined or left since the previous run."""
    entity = entity_or_404(request, entity_id)
    run = run_asked(request, entity)
    if run is None or not tin.isdigit():
        raise Http404("No lead-specialist run.")
    page = Paginator(lead_roster(run=run, tin=tin), PAGE_SIZE).get_page(request.GET.get("page"))
    if not page.paginator.count and not lead_changes_list(run=run, tin=tin).exists():
        raise Http404("This TIN leads no one in this run.")
    changes = list(lead_changes_list(run=run, tin=tin)[:200]) if run.previous_run_id else []
    _label_conditions(run, changes)
    defs = definitions_from(run.definitions)
    specialties = dict(SpecialtyCode.objects.values_list("code", "description"))
    npis = sorted(
        {row.lead_npi for row in page} | {row.runner_up_npi for row in page if row.runner_up_npi}
    )
    names = provider_names(npis=npis)
    rows = [
        {
            "lead": row,
            "condition": defs.get(row.condition),
            "reason": REASON_LABELS.get(row.reason, row.reason),
            "lead_name": names.get(row.lead_npi, ""),
            "specialty": f"{row.lead_specialty} {specialties.get(row.lead_specialty, '')}".strip(),
            "runner_up_name": names.get(row.runner_up_npi, ""),
            "share": (row.lead_allowed / row.specialty_allowed) if row.specialty_allowed else None,
        }
        for row in page
    ]
    shown = sorted({row.beneficiary_id for row in page} | {c.beneficiary_id for c in changes})
    if shown:
        access_record_create(
            entity=entity,
            purpose="lead_specialist_roster",
            route=request.path,
            beneficiary_ids=shown,
            user=request.user,
        )
    practice = next((p for p in _practices(run) if p["lead_tin"] == tin), None)
    return render(
        request,
        "specialists/roster.html",
        {
            "entity": entity,
            "run": run,
            "tin": tin,
            "practice": practice,
            "page": page,
            "rows": rows,
            "changes": changes,
            "conditions": {c.code: c for c in defs.conditions},
        },
    )


# CMS Place of Service code set (CMS, "Place of Service Code Set", as used on CCLF5/CCLF6
# CLM_POS_CD) [R]: the codes the page names; others are shown as their code.
PLACES = {
    "02": "Telehealth outside the home",
    "10": "Telehealth in the home",
    "11": "Office",
    "12": "Home",
    "19": "Off-campus outpatient hospital",
    "20": "Urgent care facility",
    "21": "Inpatient hospital",
    "22": "On-campus outpatient hospital",
    "23": "Emergency room, hospital",
    "24": "Ambulatory surgical center",
    "31": "Skilled nursing facility",
    "32": "Nursing facility",
    "65": "End-stage renal disease treatment facility",
    "81": "Independent laboratory",
}


def _dollars(cents: int) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(Decimal("0.01"))


def _rows(rows: list[dict[str, Any]], label: Any) -> list[dict[str, Any]]:
    return [
        {
            **row,
            "label": label(row["key"]),
            "total": _dollars(row["total_cents"]),
            "outside": _dollars(row["outside_cents"]),
            "share": (row["outside_cents"] / row["total_cents"]) if row["total_cents"] else None,
        }
        for row in rows
    ]


@phi_view
def leakage(request: HttpRequest, entity_id: int) -> HttpResponse:
    """Spending of the aligned population in and outside the network, by specialty, service
    category, place and provider, and the top opportunities (no beneficiary is named)."""
    entity = entity_or_404(request, entity_id)
    run = run_asked(request, entity)
    report = run.leakage if run is not None and run.status == "succeeded" else {}
    specialties = dict(SpecialtyCode.objects.values_list("code", "description"))

    def specialty(code: str) -> str:
        return f"{code} {specialties.get(code, 'specialty not in the CMS table')}"

    def place(code: str) -> str:
        return PLACES.get(code, code or "not stated") if code.isdigit() or not code else code

    opportunities = _rows(report.get("opportunities", []), specialty)
    for row in opportunities:
        row["outside_providers"] = _rows(row["outside_providers"], str)
    total = report.get("total_cents", 0)
    return render(
        request,
        "specialists/leakage.html",
        {
            "entity": entity,
            "run": run,
            "report": report,
            "total": _dollars(total),
            "outside": _dollars(report.get("outside_cents", 0)),
            "share": (report.get("outside_cents", 0) / total) if total else None,
            "by_role": {k: _dollars(v) for k, v in report.get("by_role", {}).items()},
            "opportunities": opportunities,
            "by_specialty": _rows(report.get("by_specialty", []), specialty),
            "by_category": _rows(report.get("by_category", []), str),
            "by_place": _rows(report.get("by_place", []), place),
            "by_provider": _rows(report.get("by_provider", []), str),
        },
    )
