"""Care episodes, specialist scorecards and gain-share statements.

The episodes page and a scorecard name no beneficiary but the scorecard's cases do, so the pages
are `phi_view`s and the cases shown are logged. Gain-share figures are settlement money: they
need the user's view of the entity's settlement (settlement.selectors), a 403 with the reason
for a role the entity keeps from its dollars. Everything is scoped to the user's entities.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from audit.phi import phi_view
from audit.services import access_record_create
from care.selectors import beneficiary_for_user
from core.api import ApplicationError
from entities.models import ParticipantOrganization, SpecialtyCode
from settlement.selectors import settlement_entity_get
from specialists.engine.episodes import (
    MANAGING_LABELS,
    PERFORMANCE,
    TARGET_BASIS_LABELS,
    episode_definitions_from,
)
from specialists.forms import ClinicianFilterForm
from specialists.models import Episode, LeadSpecialist, LeadSpecialistRun, TransitionKind
from specialists.selectors import lead_run_current, provider_activity, provider_activity_filter
from specialists.statements import (
    gain_share_view,
    specialist_statement_csv,
    specialist_statement_pdf,
)
from specialists.transitions import care_transition_create, care_transitions
from specialists.views import ROLE_LABELS, entity_or_404, money_allowed, run_asked

PAGE_SIZE = 50
CASES = {
    "all": ("Every scored episode", {}),
    "above": ("Episodes above their target", {}),
    "readmitted": ("Episodes with a readmission", {"readmissions__gt": 0}),
    "snf": ("Episodes with a skilled nursing facility stay", {"snf_claims__gt": 0}),
    "ed": ("Episodes with an emergency visit", {"ed_visits__gt": 0}),
}


def _dollars(cents: int) -> Decimal:
    return (Decimal(int(cents)) / 100).quantize(Decimal("0.01"))


def _succeeded(run: LeadSpecialistRun | None) -> LeadSpecialistRun | None:
    return run if run is not None and run.status == "succeeded" else None


def _card(card: dict[str, Any], names: dict[str, str], labels: dict[str, str]) -> dict[str, Any]:
    targeted = card["targeted_actual_cents"]
    return {
        **card,
        "name": names.get(card["tin"], ""),
        "role": ROLE_LABELS.get(card.get("network_role", ""), "Outside"),
        "actual": _dollars(card["actual_cents"]),
        "target": _dollars(card["target_cents"]),
        # The spending held against the target: the episodes that have one.
        "targeted_actual": _dollars(targeted),
        "per_episode": _dollars(card["actual_cents"] // card["episodes"]),
        "readmission_rate": card["readmitted_episodes"] / card["episodes"],
        "snf_rate": card["snf_episodes"] / card["episodes"],
        "los": card["los_days"] / card["episodes"],
        "patient_paid": _dollars(card["patient_paid_cents"]),
        "in_network": card["patient_in_network_cents"] / card["patient_paid_cents"]
        if card["patient_paid_cents"]
        else None,
        "by_episode": [(labels.get(k, k), v) for k, v in sorted(card["by_episode"].items())],
    }


def _names(tins: list[str]) -> dict[str, str]:
    return dict(
        ParticipantOrganization.objects.filter(tin__in=tins).values_list("tin", "legal_name")
    )


@phi_view
def episodes(request: HttpRequest, entity_id: int) -> HttpResponse:
    """The entity's episode types (counts, spending against target) and the managing
    specialists' scorecards; no beneficiary is named."""
    entity = entity_or_404(request, entity_id)
    run = _succeeded(run_asked(request, entity))
    types: list[dict[str, Any]] = []
    cards: list[dict[str, Any]] = []
    definitions = None
    if run is not None and run.episode_definitions:
        definitions = episode_definitions_from(run.episode_definitions)
        labels = {e.code: e.label for e in definitions.episodes}
        rows = Episode.objects.filter(run=run)
        for kind in definitions.episodes:
            mine = [e for e in rows if e.episode_type == kind.code]
            scored = [e for e in mine if e.period == PERFORMANCE and e.complete]
            targeted = [e for e in scored if e.target is not None]
            types.append(
                {
                    "kind": kind,
                    "baseline": sum(e.period != PERFORMANCE for e in mine),
                    "performance": sum(e.period == PERFORMANCE for e in mine),
                    "open": sum(e.period == PERFORMANCE and not e.complete for e in mine),
                    "scored": len(scored),
                    "actual": sum((e.actual for e in targeted), Decimal("0.00")),
                    "target": sum((e.target or Decimal(0) for e in targeted), Decimal("0.00")),
                    "readmitted": sum(e.readmissions > 0 for e in scored),
                    "unassigned": sum(not e.managing_tin for e in scored),
                }
            )
        names = _names([card["tin"] for card in run.scorecards])
        cards = [_card(card, names, labels) for card in run.scorecards]
    return render(
        request,
        "specialists/episodes.html",
        {
            "entity": entity,
            "run": run,
            "definitions": definitions,
            "types": types,
            "cards": cards,
            "top_cards": cards[:20],
            "more_cards": cards[20:],
            "money_allowed": money_allowed(request.user, entity),
        },
    )


@phi_view
def scorecard(request: HttpRequest, entity_id: int, tin: str) -> HttpResponse:
    """One managing specialist's scorecard and the cases behind a figure (?cases=)."""
    entity = entity_or_404(request, entity_id)
    run = _succeeded(run_asked(request, entity))
    card = next((c for c in (run.scorecards if run else []) if c["tin"] == tin), None)
    if run is None or card is None:
        raise Http404("This TIN manages no scored episode in this run.")
    definitions = episode_definitions_from(run.episode_definitions)
    labels = {e.code: e.label for e in definitions.episodes}
    wanted = request.GET.get("cases", "all")
    if wanted not in CASES:
        raise Http404("No such list of cases.")
    title, filters = CASES[wanted]
    cases = Episode.objects.filter(
        run=run, managing_tin=tin, period=PERFORMANCE, complete=True
    ).select_related("beneficiary")
    if wanted == "above":
        cases = cases.filter(target__isnull=False, actual__gt=F("target"))
    cases = cases.filter(**filters).order_by("anchor_start", "id")
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = sorted({e.beneficiary_id for e in page})
    if shown:
        access_record_create(
            entity=entity,
            purpose="specialist_scorecard_cases",
            route=request.path,
            beneficiary_ids=shown,
            user=request.user,
        )
    specialties = dict(SpecialtyCode.objects.values_list("code", "description"))
    rows = [
        {
            "episode": e,
            "label": labels.get(e.episode_type, e.episode_type),
            "basis": TARGET_BASIS_LABELS.get(e.target_basis, e.target_basis),
            "reason": MANAGING_LABELS.get(e.managing_reason, e.managing_reason),
            "specialty": specialties.get(e.managing_specialty, ""),
        }
        for e in page
    ]
    return render(
        request,
        "specialists/scorecard.html",
        {
            "entity": entity,
            "run": run,
            "tin": tin,
            "card": _card(card, _names([tin]), labels),
            "cases": CASES,
            "wanted": wanted,
            "title": title,
            "page": page,
            "rows": rows,
        },
    )


PROVIDERS_PER_PAGE = 50  # an entity lists hundreds of clinicians: a page a person can scan


def _practice_groups(page: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The page's clinicians under their practice: the practice's line (name, TIN, role, its
    clinicians on the list, the leads and episodes of the whole practice, its scorecard's share
    of patients' spending in the network) written once, not on every clinician's row."""
    totals: dict[str, dict[str, Any]] = {}
    for row in rows:
        practice = totals.setdefault(
            row["tin"], {"clinicians": 0, "led": 0, "episodes": 0, "in_network": None}
        )
        practice["clinicians"] += 1
        practice["led"] += row["led"]
        practice["episodes"] += row["episodes"]
        practice["in_network"] = row["tin_in_network"]
    groups: list[dict[str, Any]] = []
    for row in page:
        if not groups or groups[-1]["tin"] != row["tin"]:
            groups.append(
                {
                    "tin": row["tin"],
                    "practice": row["practice"],
                    "role_label": row["role_label"],
                    **totals[row["tin"]],
                    "rows": [],
                }
            )
        groups[-1]["rows"].append(row)
    return groups


@phi_view
def providers(request: HttpRequest, entity_id: int) -> HttpResponse:
    """The entity's enrolled clinicians, each with its aligned and led beneficiaries, the
    episodes it manages and its practice's share of patients' spending in the network (counts
    only: no beneficiary is named). The summary first, then the clinicians that match the
    filters, under their practice, a page at a time."""
    entity = entity_or_404(request, entity_id)
    run = _succeeded(run_asked(request, entity))
    rows = provider_activity(run=run) if run else []
    # Practices by name, their clinicians by name: the order a person looks one up in.
    rows.sort(key=lambda r: (r["role"], r["practice"] or "", r["tin"], r["name"] or "", r["npi"]))
    specialties = dict(SpecialtyCode.objects.values_list("code", "description"))
    for row in rows:
        row["specialty_label"] = specialties.get(row["specialty"], "")
        row["role_label"] = ROLE_LABELS.get(row["role"], row["role"])
    filters = {k: v for k, v in request.GET.items() if k in ClinicianFilterForm.base_fields}
    form = ClinicianFilterForm(filters or None, rows=rows)
    if not filters:
        shown = rows
    elif form.is_valid():
        shown = provider_activity_filter(rows, **form.cleaned_data)
    else:
        shown = []  # the error is named above an empty list, never the whole list
    page = Paginator(shown, PROVIDERS_PER_PAGE).get_page(request.GET.get("page"))
    summary = {
        "clinicians": len(rows),
        "practices": len({row["tin"] for row in rows}),
        "participants": sum(row["role"] == "participant" for row in rows),
        "preferred": sum(row["role"] == "preferred" for row in rows),
        "aligning": sum(bool(row["aligned"]) for row in rows),
        "assigned": sum(row["aligned"] for row in rows),
        "leading": sum(bool(row["led"]) for row in rows),
        "managing": sum(bool(row["episodes"]) for row in rows),
        "episodes": sum(row["episodes"] for row in rows),
        "idle": sum(not (row["aligned"] or row["led"] or row["episodes"]) for row in rows),
    }
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "specialists/providers.html",
        {
            "entity": entity,
            "run": run,
            "rows": rows,
            "shown": shown,
            "page": page,
            "groups": _practice_groups(page, rows),
            "summary": summary,
            "form": form,
            "filtered": bool(filters),
            "query": query.urlencode(),
        },
    )


@phi_view
def gain_share(request: HttpRequest, entity_id: int) -> HttpResponse:
    """The entity's arrangements, each specialist's amount and the reconciliation to the
    entity's settlement."""
    entity = settlement_entity_get(user=request.user, entity_id=entity_id)
    run = _succeeded(run_asked(request, entity))
    view = gain_share_view(user=request.user, entity=entity, run=run) if run else None
    return render(
        request,
        "specialists/gain_share.html",
        {
            "entity": entity,
            "run": run,
            "view": view,
            "labels": {
                e["code"]: e["label"]
                for e in (run.episode_definitions.get("episodes", []) if run else [])
            },
        },
    )


@phi_view
def gain_share_statement(request: HttpRequest, entity_id: int, tin: str, fmt: str) -> HttpResponse:
    """A specialist TIN's gain-share statement as CSV or PDF."""
    if fmt not in ("csv", "pdf"):
        raise Http404
    entity = settlement_entity_get(user=request.user, entity_id=entity_id)
    run = _succeeded(run_asked(request, entity))
    if run is None:
        raise Http404("No run.")
    view = gain_share_view(user=request.user, entity=entity, run=run)
    share = view.share(tin)
    if share is None:
        raise Http404("This TIN has no gain-share line.")
    filename = f"gain-share-{entity.cms_id}-{view.year}-{share.tin}"
    if fmt == "csv":
        response = HttpResponse(
            specialist_statement_csv(view, share), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            specialist_statement_pdf(view, share), content_type="application/pdf"
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def _beneficiary(request: HttpRequest, entity: Any, beneficiary_id: int) -> Any:
    return beneficiary_for_user(user=request.user, entity=entity, beneficiary_id=beneficiary_id)


@require_GET
@phi_view
def beneficiary_panel(request: HttpRequest, entity_id: int, beneficiary_id: int) -> HttpResponse:
    """The beneficiary page's specialists panel: lead specialists of the current run, the
    episodes, and the referrals and co-management agreements with the form to add one."""
    entity = entity_or_404(request, entity_id)
    bene = _beneficiary(request, entity, beneficiary_id)
    access_record_create(
        entity=entity,
        purpose="specialists of a beneficiary",
        route="specialists:beneficiary",
        beneficiary_ids=[bene.pk],
        user=request.user,
    )
    run = lead_run_current(entity=entity)
    labels: dict[str, str] = {}
    episode_labels: dict[str, str] = {}
    leads: list[Any] = []
    episodes_of: list[Any] = []
    if run is not None:
        labels = {c["code"]: c["label"] for c in run.definitions.get("conditions", [])}
        episode_labels = {
            e["code"]: e["label"] for e in run.episode_definitions.get("episodes", [])
        }
        leads = list(LeadSpecialist.objects.filter(run=run, beneficiary=bene))
        episodes_of = list(Episode.objects.filter(run=run, beneficiary=bene))
    return render(
        request,
        "specialists/_beneficiary.html",
        {
            "entity": entity,
            "bene": bene,
            "run": run,
            "labels": labels,
            "episode_labels": episode_labels,
            "leads": leads,
            "episodes": episodes_of,
            "transitions": care_transitions(entity=entity, beneficiary=bene),
            "kinds": TransitionKind.choices,
        },
    )


@require_POST
@phi_view
def transition_create(request: HttpRequest, entity_id: int, beneficiary_id: int) -> HttpResponse:
    entity = entity_or_404(request, entity_id)
    bene = _beneficiary(request, entity, beneficiary_id)
    data = request.POST
    due = None
    if data.get("return_due"):
        try:
            due = dt.date.fromisoformat(data["return_due"])
        except ValueError:
            messages.error(request, "Return due: a date as YYYY-MM-DD.")
            return redirect("care:beneficiary", entity_id=entity.pk, beneficiary_id=bene.pk)
    try:
        record = care_transition_create(
            entity=entity,
            beneficiary=bene,
            acting_user=request.user,
            kind=data.get("kind", ""),
            specialist_tin=data.get("specialist_tin", ""),
            specialist_npi=data.get("specialist_npi", ""),
            condition=data.get("condition", ""),
            manages=data.get("manages", ""),
            return_plan=data.get("return_plan", ""),
            return_due=due,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"{record.get_kind_display()} recorded"
            + (
                f"; a task falls due on {record.return_due:%Y-%m-%d}." if record.return_due else "."
            ),
        )
    return redirect("care:beneficiary", entity_id=entity.pk, beneficiary_id=bene.pk)
