"""Alignment pages: runs (start one, watch it, read its counts and changes), a beneficiary's
alignment history, and voluntary alignment records (list and CSV import).

Pages that show beneficiaries are `phi_view`s and record what they showed in the access log.
Everything is scoped to the user's entities: another entity's run or beneficiary is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.roles import START_RUNS, roles_with
from alignment.engine.vocabulary import REASON_LABELS, STEP_LABELS, Reason, Step, reason_text
from alignment.forms import RunStartForm, VoluntaryImportForm
from alignment.models import AlignmentRun, ChangeKind
from alignment.selectors import (
    alignment_change_list,
    alignment_result_list,
    alignment_run_get,
    alignment_run_list,
    beneficiary_alignment_changes,
    beneficiary_alignment_get,
    beneficiary_alignment_history,
    pending_designation_counts,
    voluntary_alignment_list,
)
from alignment.services.runs import alignment_run_create
from alignment.services.voluntary import voluntary_alignment_import
from audit.phi import phi_view
from audit.services import access_record_create
from beneficiaries.models import Beneficiary
from claims.selectors import claims_data_date
from core.api import ApplicationError
from core.uploads import upload_text
from entities.selectors import user_entities

# Who starts runs and uploads: the role table (accounts/roles.py) the console shows.
WRITERS = roles_with(START_RUNS)
PAGE_SIZE = 50


def _writable_entities(user: Any) -> Any:
    entities = user_entities(user=user).filter(program__code__in=("mssp", "reach"))
    if user.is_superuser:
        return entities
    return entities.filter(memberships__user=user, memberships__role__in=WRITERS).distinct()


def _run_or_404(request: HttpRequest, pk: int) -> AlignmentRun:
    try:
        return alignment_run_get(user=request.user, run_id=pk)
    except AlignmentRun.DoesNotExist:
        raise Http404("No such alignment run.") from None


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The user's runs, newest first, and the form to start one."""
    writable = _writable_entities(request.user)
    first = writable.first()
    form = (
        RunStartForm(
            entities=writable,
            today=timezone.localdate(),
            data_date=claims_data_date(entity=first),
        )
        if first is not None
        else None
    )
    runs = Paginator(alignment_run_list(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "alignment/index.html", {"runs": runs, "form": form})


@login_required
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    form = RunStartForm(
        request.POST, entities=_writable_entities(request.user), today=timezone.localdate()
    )
    if not form.is_valid():
        runs = Paginator(alignment_run_list(user=request.user), PAGE_SIZE).get_page(1)
        return render(request, "alignment/index.html", {"runs": runs, "form": form}, status=400)
    data = form.cleaned_data
    try:
        run = alignment_run_create(
            entity=data["entity"],
            performance_year=data["performance_year"],
            list_kind=data["list_kind"],
            as_of=data["as_of"],
            acting_user=request.user,
        )
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        runs = Paginator(alignment_run_list(user=request.user), PAGE_SIZE).get_page(1)
        return render(request, "alignment/index.html", {"runs": runs, "form": form}, status=400)
    messages.success(request, f"Alignment run {run} started.")
    return redirect("alignment:run_detail", pk=run.pk)


def _counts(run: AlignmentRun) -> list[dict[str, Any]]:
    rows = run.summary.get("by_step_reason", [])
    return [
        {
            **row,
            "step_label": STEP_LABELS[Step(row["step"])],
            "reason_label": REASON_LABELS[Reason(row["reason"])],
            "share": (100 * row["count"] / run.beneficiary_count) if run.beneficiary_count else 0,
        }
        for row in rows
    ]


def _step_chart(run: AlignmentRun, counts: list[dict[str, Any]]) -> str:
    """Beneficiaries by the step that decided them, aligned first, as bars (core.charts)."""
    from decimal import Decimal

    from core import charts
    from core.display import count

    totals: dict[tuple[bool, str], int] = {}
    for row in counts:
        key = (bool(row["aligned"]), row["step_label"].split(" (")[0])  # "Step 1", not its gloss
        totals[key] = totals.get(key, 0) + int(row["count"])
    bars = [
        charts.Bar(f"{'Aligned' if aligned else 'Not aligned'}: {label}", Decimal(n), count(n))
        for (aligned, label), n in sorted(totals.items(), key=lambda kv: (not kv[0][0], -kv[1]))
    ]
    if not bars:
        return ""
    return charts.bars(
        title=f"Beneficiaries by alignment step, {run}",
        desc=f"Of {run.beneficiary_count:,} beneficiaries read, how many each step aligned and "
        "at which step the others were not aligned.",
        bars=bars,
        headers=("Outcome and step", "Beneficiaries"),
    )


@phi_view
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A run's progress, counts by step and reason, lineage, and changes against the previous run."""
    run = _run_or_404(request, pk)
    kind = request.GET.get("change", "")
    if kind and kind not in ChangeKind.values:
        kind = ""
    changes = Paginator(
        alignment_change_list(run=run, kind=kind).order_by("kind", "beneficiary_id"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    counts = _counts(run)
    shown = [change.beneficiary_id for change in changes]
    if shown:
        access_record_create(
            entity=run.entity,
            purpose="alignment_run_changes",
            route=request.path,
            beneficiary_ids=shown,
            user=request.user,
        )
    return render(
        request,
        "alignment/run_detail.html",
        {
            "run": run,
            "counts": counts,
            "step_chart": _step_chart(run, counts),
            "changes": changes,
            "change_kind": kind,
            "change_kinds": ChangeKind.choices,
        },
    )


@login_required
def run_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment the run page polls while the run is open (counts only, no beneficiary)."""
    run = _run_or_404(request, pk)
    response = render(request, "alignment/_run_status.html", {"run": run})
    if not run.is_open and request.headers.get("HX-Request"):
        # The run just finished: reload the page to show its counts and changes.
        response["HX-Refresh"] = "true"
    return response


@phi_view
def run_results(request: HttpRequest, pk: int) -> HttpResponse:
    """The run's beneficiaries, filtered by step, reason and outcome."""
    run = _run_or_404(request, pk)
    step = request.GET.get("step", "")
    step = step if step in {s.value for s in Step} else ""
    reason = request.GET.get("reason", "")
    reason = reason if reason in {r.value for r in Reason} else ""
    aligned = {"yes": True, "no": False}.get(request.GET.get("aligned", ""))
    page = Paginator(
        alignment_result_list(run=run, step=step, reason=reason, aligned=aligned), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    access_record_create(
        entity=run.entity,
        purpose="alignment_run_results",
        route=request.path,
        beneficiary_ids=[r.beneficiary_id for r in page],
        user=request.user,
    )
    return render(
        request,
        "alignment/run_results.html",
        {
            "run": run,
            "page": page,
            "step": step,
            "reason": reason,
            "aligned": request.GET.get("aligned", ""),
            "filtered": bool(step or reason or aligned is not None),
            "steps": [(s.value, s.label) for s in Step],
            "reasons": [(r.value, r.label) for r in Reason],
        },
    )


@phi_view
def beneficiary_history(request: HttpRequest, pk: int) -> HttpResponse:
    """One beneficiary's result in every run, with the reasons and what changed."""
    try:
        beneficiary = beneficiary_alignment_get(user=request.user, beneficiary_id=pk)
    except Beneficiary.DoesNotExist:
        raise Http404("No such beneficiary.") from None
    changes = beneficiary_alignment_changes(beneficiary=beneficiary)
    history = [
        {
            "result": result,
            "text": reason_text(result.reason, result.top_competitor),
            "change": changes.get(result.run_id),
        }
        for result in beneficiary_alignment_history(beneficiary=beneficiary)
    ]
    access_record_create(
        entity=beneficiary.entity,
        purpose="alignment_history",
        route=request.path,
        beneficiary_ids=[beneficiary.pk],
        user=request.user,
    )
    return render(
        request,
        "alignment/beneficiary_history.html",
        {"beneficiary": beneficiary, "history": history},
    )


@phi_view
@require_http_methods(["GET", "POST"])
def voluntary(request: HttpRequest) -> HttpResponse:
    """Voluntary alignment records of the user's entities, and the CSV import."""
    writable = _writable_entities(request.user)
    form = VoluntaryImportForm(entities=writable) if writable.exists() else None
    errors: list[Any] = []
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        form = VoluntaryImportForm(request.POST, request.FILES, entities=writable)
        if form.is_valid():
            entity = form.cleaned_data["entity"]
            text = upload_text(form)
            if text is not None:
                stored, errors = voluntary_alignment_import(
                    entity=entity,
                    text=text,
                    today=timezone.localdate(),
                    acting_user=request.user,
                )
                if not errors:
                    messages.success(
                        request,
                        f"{stored} voluntary alignment records imported for {entity.cms_id}.",
                    )
                    return redirect(reverse("alignment:voluntary"))
    records = Paginator(
        voluntary_alignment_list(user=request.user).order_by("-signature_date", "-id"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    if records.object_list:
        access_record_create(
            entity=records[0].entity,
            purpose="voluntary_alignment_list",
            route=request.path,
            beneficiary_ids=[r.beneficiary_id for r in records],
            user=request.user,
        )
    status = 400 if errors else 200
    return render(
        request,
        "alignment/voluntary.html",
        {
            "records": records,
            "form": form,
            "errors": errors,
            "pending": pending_designation_counts(user=request.user),
        },
        status=status,
    )
