"""Preferred providers' own pages (ACO REACH): a person enrolled by the entity's admin for one
preferred-provider TIN sees the patients that TIN shares with the entity, and its scorecard.

The one access policy holds, with the TIN added: a second factor verified in the session
(`audit.phi`, the middleware and `phi_view`), the role (`accounts.roles.SHARED_PATIENTS`), the
entity (the person's membership) and the TIN (the membership's, which must be on the entity's
preferred provider list today). The TIN never comes from the URL: a preferred provider cannot
ask for another practice's patients. A preferred provider's membership opens no entity row
anywhere else (core/tenancy.py, core/rls.py); here, once the check passes, the reads run in the
entity's row-security scope and are filtered to the TIN. Every read is logged.

Shared patients (the rule the page states): the beneficiaries aligned to the entity by the
alignment run of the entity's current lead-specialist run who, as of that run's claims date,
have at that TIN (a) a lead-specialist attribution, (b) a care episode it manages, or (c) a
Part B claim line it billed (CCLF5 rendering provider TIN) with a through date in the run's
claims window.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Membership
from alignment.models import AlignmentResult
from audit.phi import phi_view
from audit.services import access_record_create
from beneficiaries.models import Beneficiary
from claims.models import PartBPhysicianLine
from core import csvfiles, display, rls
from core.api import KnownQueryParameters
from entities.services.preferred_logins import preferred_provider_membership
from specialists.models import Episode, LeadSpecialist, LeadSpecialistRun
from specialists.selectors import lead_run_current

PAGE_SIZE = 50
RULE = (
    "Shared patients are the beneficiaries aligned to {entity} by its alignment run of "
    "{aligned_as_of} who, in the claims through {as_of}, have at TIN {tin}: a lead-specialist "
    "attribution for a condition, a care episode this practice manages, or a Part B claim line "
    "it billed (rendering provider TIN) with a through date from {start} to {as_of}."
)


@dataclass
class SharedPatient:
    beneficiary: Beneficiary
    conditions: list[str] = field(default_factory=list)
    episodes: int = 0
    lines: int = 0
    paid: Decimal = Decimal("0.00")

    @property
    def reasons(self) -> list[str]:
        out = []
        if self.conditions:
            out.append("lead specialist: " + ", ".join(self.conditions))
        if self.episodes:
            out.append(display.counted(self.episodes, "care episode") + " managed")
        if self.lines:
            out.append(display.counted(self.lines, "Part B claim line") + " billed")
        return out


@dataclass
class Access:
    membership: Membership
    run: LeadSpecialistRun | None
    rule: str = ""

    @property
    def entity(self) -> Any:
        return self.membership.entity

    @property
    def tin(self) -> str:
        return self.membership.tin


def access_or_404(request: HttpRequest, entity_id: int) -> Access:
    """The policy's role, entity and TIN (the second factor is checked before the view runs)."""
    membership = preferred_provider_membership(
        user=request.user, entity_id=entity_id, day=timezone.localdate()
    )
    if membership is None:
        raise Http404("No such entity.")
    with rls.entity_scope([membership.entity_id]):
        access = Access(membership, lead_run_current(entity=membership.entity))
        access.rule = rule_text(access)
    return access


def shared_patients(*, run: LeadSpecialistRun, tin: str) -> list[SharedPatient]:
    """The run's shared patients of `tin` (the rule above), by beneficiary id. Call inside the
    entity's row-security scope."""
    labels = {c["code"]: c["label"] for c in run.definitions.get("conditions", [])}
    aligned = AlignmentResult.objects.filter(run_id=run.alignment_run_id, aligned=True).values(
        "beneficiary_id"
    )
    found: dict[int, SharedPatient] = {}
    benes: dict[int, Beneficiary] = {}

    def row(bene_id: int) -> SharedPatient:
        if bene_id not in found:
            found[bene_id] = SharedPatient(beneficiary=None)  # type: ignore[arg-type]
        return found[bene_id]

    for bene_id, condition in LeadSpecialist.objects.filter(
        run=run, lead_tin=tin, beneficiary_id__in=aligned
    ).values_list("beneficiary_id", "condition"):
        row(bene_id).conditions.append(labels.get(condition, condition))
    for bene_id, n in (
        Episode.objects.filter(run=run, managing_tin=tin, beneficiary_id__in=aligned)
        .values("beneficiary_id")
        .annotate(n=Count("id"))
        .values_list("beneficiary_id", "n")
    ):
        row(bene_id).episodes = n
    for bene_id, n, paid in (
        PartBPhysicianLine.objects.filter(
            entity_id=run.entity_id,
            clm_rndrg_prvdr_tax_num=tin,
            clm_thru_dt__gte=run.window_start,
            clm_thru_dt__lte=run.as_of,
            mbi__beneficiary_id__in=aligned,
        )
        .values("mbi__beneficiary_id")
        .annotate(n=Count("clm_line_num"), paid=Sum("clm_line_cvrd_pd_amt"))
        .values_list("mbi__beneficiary_id", "n", "paid")
    ):
        shared = row(bene_id)
        shared.lines, shared.paid = n, paid or Decimal("0.00")
    benes = Beneficiary.objects.filter(entity_id=run.entity_id).in_bulk(list(found))
    out = []
    for bene_id in sorted(found):
        if bene_id in benes:
            found[bene_id].beneficiary = benes[bene_id]
            out.append(found[bene_id])
    return out


def rule_text(access: Access) -> str:
    run = access.run
    if run is None:
        return ""
    aligned_as_of = run.alignment_run.as_of if run.alignment_run is not None else run.as_of
    return RULE.format(
        entity=access.entity.legal_name,
        aligned_as_of=f"{aligned_as_of:%Y-%m-%d}",
        as_of=f"{run.as_of:%Y-%m-%d}",
        start=f"{run.window_start:%Y-%m-%d}",
        tin=access.tin,
    )


def _record(request: HttpRequest, access: Access, purpose: str, ids: list[int], count: int) -> None:
    access_record_create(
        entity=access.entity,
        purpose=purpose,
        route=request.path,
        beneficiary_ids=ids,
        count=count,
        user=request.user,
    )


def _card(access: Access) -> dict[str, Any] | None:
    from specialists.episode_views import _card as card_view
    from specialists.episode_views import _names

    run = access.run
    if run is None or run.status != "succeeded":
        return None
    card = next((c for c in run.scorecards if c["tin"] == access.tin), None)
    if card is None:
        return None
    labels = {e["code"]: e["label"] for e in run.episode_definitions.get("episodes", [])}
    return card_view(card, _names([access.tin]), labels)


@require_GET
@phi_view
def home(request: HttpRequest, entity_id: int) -> HttpResponse:
    """The preferred provider's shared patients (paginated) and its practice's scorecard."""
    access = access_or_404(request, entity_id)
    page, cases, total = None, [], 0
    with rls.entity_scope([access.entity.pk]):
        if access.run is not None:
            patients = shared_patients(run=access.run, tin=access.tin)
            total = len(patients)
            page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
            cases = list(
                Episode.objects.filter(
                    run=access.run, managing_tin=access.tin, period="performance", complete=True
                )
                .select_related("beneficiary")
                .order_by("anchor_start", "id")[:PAGE_SIZE]
            )
        card = _card(access)
        shown = sorted({p.beneficiary.pk for p in (page or [])} | {e.beneficiary_id for e in cases})
        _record(request, access, "preferred_provider_shared_patients", shown, total)
    labels = {
        e["code"]: e["label"]
        for e in (access.run.episode_definitions.get("episodes", []) if access.run else [])
    }
    return render(
        request,
        "specialists/preferred.html",
        {
            "entity": access.entity,
            "tin": access.tin,
            "run": access.run,
            "rule": access.rule,
            "page": page,
            "total": total,
            "card": card,
            "cases": [
                {"episode": e, "label": labels.get(e.episode_type, e.episode_type)} for e in cases
            ],  # fmt: skip
        },
    )


CSV_HEADER = [
    "Beneficiary id", "MBI", "Last name", "First name", "Birth date", "Lead specialist for",
    "Care episodes managed", "Part B claim lines billed", "Medicare paid for those lines",
]  # fmt: skip


@require_GET
@phi_view
def export(request: HttpRequest, entity_id: int) -> HttpResponse:
    """The shared patients as CSV (every cell neutralised against spreadsheet formulas)."""
    access = access_or_404(request, entity_id)
    if access.run is None:
        raise Http404("No lead-specialist run yet.")
    with rls.entity_scope([access.entity.pk]):
        patients = shared_patients(run=access.run, tin=access.tin)
        _record(
            request, access, "preferred_provider_shared_patients_export",
            [p.beneficiary.pk for p in patients], len(patients),
        )  # fmt: skip
    out = io.StringIO()
    writer = csvfiles.writer(out)
    writer.writerow([access.rule])
    writer.writerow(CSV_HEADER)
    for p in patients:
        b = p.beneficiary
        writer.writerow(
            [
                b.pk, b.current_mbi, b.last_name, b.first_name,
                b.birth_date.isoformat() if b.birth_date else "", "; ".join(p.conditions),
                p.episodes, p.lines, f"{p.paid:.2f}",
            ]
        )  # fmt: skip
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"shared-patients-{access.entity.cms_id}-{access.tin}-{access.run.as_of:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class SharedPatientsApi(KnownQueryParameters, APIView):
    """GET: the signed-in preferred provider's shared patients of one entity, with the rule,
    the claims date and its practice's scorecard figures. People only (a session with a second
    factor verified); a partner system's token is not a preferred provider. It reads no query
    parameter, and refuses one as every API view does."""

    action = "retrieve"

    @extend_schema(
        tags=["preferred providers"],
        responses={200: OpenApiTypes.OBJECT},  # errors: the problem documents every route has
    )
    def get(self, request: Request, entity_id: int) -> Response:
        access = access_or_404(request._request, entity_id)
        if access.run is None:
            raise Http404("No lead-specialist run yet.")
        with rls.entity_scope([access.entity.pk]):
            patients = shared_patients(run=access.run, tin=access.tin)
            card = _card(access)
            _record(
                request._request, access, "preferred_provider_shared_patients_api",
                [p.beneficiary.pk for p in patients], len(patients),
            )  # fmt: skip
        return Response(
            {
                "entity": access.entity.cms_id,
                "tin": access.tin,
                "as_of": access.run.as_of.isoformat(),
                "rule": access.rule,
                "count": len(patients),
                "patients": [
                    {
                        "id": p.beneficiary.pk,
                        "last_name": p.beneficiary.last_name,
                        "first_name": p.beneficiary.first_name,
                        "birth_date": _iso(p.beneficiary.birth_date),
                        "lead_specialist_for": p.conditions,
                        "episodes_managed": p.episodes,
                        "part_b_lines": p.lines,
                        "part_b_paid": f"{p.paid:.2f}",
                    }
                    for p in patients
                ],
                "scorecard": None
                if card is None
                else {
                    "episodes": card["episodes"],
                    "actual": f"{card['actual']:.2f}",
                    "target": f"{card['target']:.2f}",
                    "readmitted_episodes": card["readmitted_episodes"],
                    "patients_paid": f"{card['patient_paid']:.2f}",
                    "in_network_share": None
                    if card["in_network"] is None
                    else round(card["in_network"], 4),
                },
            }
        )


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
