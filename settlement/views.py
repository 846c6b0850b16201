"""Settlement pages: the what-if calculator, the CSV batch upload, and each entity-year's
settlement versions with their explanation, projection band and participant shares."""

from __future__ import annotations

import base64
import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.roles import START_RUNS, roles_with
from accounts.selectors import user_has_role
from core.api import ApplicationError
from core.uploads import upload_text
from jobs.services import job_enqueue
from settlement.charts import band_chart
from settlement.engine.batch import run_batch, write_rows
from settlement.engine.columns import MSSP_OPTIONAL, MSSP_REQUIRED, REACH_OPTIONAL, REACH_REQUIRED
from settlement.engine.distribution import ParticipantFigures
from settlement.engine.errors import ParameterError, SettlementInputError
from settlement.engine.mcp import mcp_close_out
from settlement.engine.mcp_closeout import read_closeout, statement_rows, write_statement_csv
from settlement.forms import (
    BatchUploadForm,
    DistributionForm,
    MCPCloseOutForm,
    PlatformRunForm,
    ReachPlatformRunForm,
    figures_form_class,
)
from settlement.models import SettlementKind
from settlement.parameters import load_parameter_book
from settlement.presentation import figure_rows
from settlement.selectors import (
    participant_share_get,
    participant_shares,
    settlement_entity_get,
    settlement_latest,
    settlement_overview,
    settlement_run_changes,
    settlement_run_get,
    settlement_run_list,
    settlement_years,
)
from settlement.services import settle_figures
from settlement.statements import mcp_statement_pdf, tin_statement_csv, tin_statement_pdf

# Who starts runs and uploads: the role table (accounts/roles.py) the console shows.
WRITERS = roles_with(START_RUNS)


@login_required
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request, "settlement/index.html", {"overview": settlement_overview(user=request.user)}
    )


@login_required
@require_http_methods(["GET", "POST"])
def calculator(request: HttpRequest) -> HttpResponse:
    """What-if: settle one entity-year from figures typed in; nothing is stored."""
    program = request.GET.get("program", "mssp")
    if program not in ("mssp", "reach"):
        raise Http404
    form_class = figures_form_class(program)
    settled = None
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                settled = settle_figures(
                    program=program, figures={**form.as_row(), "entity_id": "what-if"}
                )
            except ApplicationError as exc:
                form.add_engine_error(exc.extra.get("field", ""), exc.message)
    else:
        form = form_class()
    return render(
        request,
        "settlement/calculator.html",
        {
            "form": form,
            "program": program,
            "settled": settled,
            "figure_rows": figure_rows(program, settled.figures) if settled else [],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def batch(request: HttpRequest) -> HttpResponse:
    """Upload a CSV of entity-years: see the results and bad rows, download the output CSV."""
    outcome = download = None
    if request.method == "POST":
        form = BatchUploadForm(request.POST, request.FILES)
        if form.is_valid():
            text = upload_text(
                form, too_large="The file is larger than 5 MB; use manage.py settle_batch."
            )
            if text is not None:
                outcome = run_batch(
                    form.cleaned_data["program"],
                    io.StringIO(text, newline=""),
                    load_parameter_book(),
                )
                out = io.StringIO()
                write_rows(outcome, out)
                download = base64.b64encode(out.getvalue().encode()).decode()
    else:
        form = BatchUploadForm()
    columns = {
        "mssp_required": MSSP_REQUIRED,
        "mssp_optional": MSSP_OPTIONAL,
        "reach_required": REACH_REQUIRED,
        "reach_optional": REACH_OPTIONAL,
    }
    return render(
        request,
        "settlement/batch.html",
        {"form": form, "outcome": outcome, "download": download, "columns": columns},
    )


@login_required
@require_http_methods(["GET", "POST"])
def mcp_closeout(request: HttpRequest) -> HttpResponse:
    """Upload a Making Care Primary practice's close-out file: see its statement for Jul 2024 -
    Dec 2025 with every step, download it as CSV and PDF. Nothing is stored."""
    statement = csv_download = pdf_download = None
    errors: list[str] = []
    if request.method == "POST":
        form = MCPCloseOutForm(request.POST, request.FILES)
        if form.is_valid():
            text = upload_text(form)
            if text is not None:
                read = read_closeout(io.StringIO(text, newline=""), load_parameter_book())
                errors = [str(error) for error in read.errors]
                if read.inputs is not None and read.parameters is not None:
                    try:
                        statement = mcp_close_out(read.inputs, read.parameters)
                    except (SettlementInputError, ParameterError) as exc:
                        errors.append(str(exc))
                if statement is not None:
                    out = io.StringIO()
                    write_statement_csv(statement, out)
                    csv_download = base64.b64encode(out.getvalue().encode()).decode()
                    pdf_download = base64.b64encode(mcp_statement_pdf(statement)).decode()
    else:
        form = MCPCloseOutForm()
    return render(
        request,
        "settlement/mcp_closeout.html",
        {
            "form": form,
            "errors": errors,
            "statement": statement,
            "rows": statement_rows(statement) if statement else [],
            "csv_download": csv_download,
            "pdf_download": pdf_download,
        },
    )


def _initial(inputs: dict[str, str]) -> dict[str, Any]:
    """A stored version's figures as form initial values (text "true"/"false" as booleans)."""
    return {k: (v == "true") if v in ("true", "false") else v for k, v in inputs.items()}


def _previous_participants(user: Any, entity: Any, year: int) -> list[ParticipantFigures]:
    """The TINs of the latest final version: a new version keeps them unless a file replaces them."""
    latest = settlement_latest(
        user=user, entity=entity, performance_year=year, kind=SettlementKind.FINAL
    )
    if latest is None:
        return []
    return [
        ParticipantFigures(
            s.tin, s.name, s.attributed_beneficiaries, s.benchmark, s.expenditure, s.quality_score
        )
        for s in latest.shares.order_by("tin")
    ]


def _can_write(user: Any, entity_id: int) -> bool:
    return user_has_role(user=user, entity_id=entity_id, roles=WRITERS)


@login_required
@require_http_methods(["GET", "POST"])
def entity_year(request: HttpRequest, entity_id: int, year: int) -> HttpResponse:
    """One entity-year: the latest final settlement (or the version asked for), what changed,
    the projection with its band, the participant shares, and a form to run a new version."""
    entity = settlement_entity_get(user=request.user, entity_id=entity_id)
    program = entity.program.code
    can_write = _can_write(request.user, entity.pk)
    figures_form = figures_form_class(program)(prefix="figures")
    distribution_form = DistributionForm(prefix="distribution")

    if request.method == "POST":
        if not can_write:
            raise PermissionDenied("Only entity admins and analysts run settlements.")
        figures_form = figures_form_class(program)(request.POST, prefix="figures")
        figures_form.fields.pop("performance_year", None)  # the page's year
        distribution_form = DistributionForm(request.POST, request.FILES, prefix="distribution")
        if figures_form.is_valid() and distribution_form.is_valid():
            figures = figures_form.as_row()
            try:
                settle_figures(
                    program=program,
                    figures={**figures, "entity_id": entity.cms_id, "performance_year": str(year)},
                )
            except ApplicationError as exc:
                figures_form.add_engine_error(exc.extra.get("field", ""), exc.message)
            else:
                method = distribution_form.cleaned_data["method"]
                participants = distribution_form.cleaned_data[
                    "participant_rows"
                ] or _previous_participants(request.user, entity, year)
                with transaction.atomic():
                    job = job_enqueue(
                        kind="settlement.run",
                        entity=entity,
                        user=request.user,
                        parameters={
                            "performance_year": year,
                            "figures": {
                                k: v for k, v in figures.items() if k != "performance_year"
                            },
                            "participants": DistributionForm.participants_as_json(participants),
                            "method": [[str(b), str(w)] for b, w in method.weights],
                            "note": distribution_form.cleaned_data["note"],
                        },
                    )
                messages.success(
                    request,
                    f"Settlement job #{job.pk} queued: the new version appears when it finishes.",
                )
                return redirect("jobs:detail", job.pk)

    version = request.GET.get("version")
    runs = settlement_run_list(user=request.user, entity=entity).filter(performance_year=year)
    finals = list(runs.filter(kind=SettlementKind.FINAL).order_by("-version"))
    run = next((r for r in finals if str(r.version) == version), finals[0] if finals else None)
    if version and (run is None or str(run.version) != version):
        raise Http404
    previous, changes = settlement_run_changes(run=run) if run else (None, [])
    projection = settlement_latest(
        user=request.user, entity=entity, performance_year=year, kind=SettlementKind.PROJECTION
    )
    if run is not None and not figures_form.is_bound:
        figures_form = figures_form_class(program)(prefix="figures", initial=_initial(run.inputs))
    figures_form.fields.pop("performance_year", None)  # the page's year
    return render(
        request,
        "settlement/entity_year.html",
        {
            "entity": entity,
            "program": program,
            "year": year,
            "years": settlement_years(user=request.user, entity=entity),
            "run": run,
            "figure_rows": figure_rows(program, run.figures) if run else [],
            "projection_rows": figure_rows(program, projection.figures) if projection else [],
            "finals": finals,
            "previous": previous,
            "changes": changes,
            "shares": participant_shares(user=request.user, run=run) if run else [],
            "projection": projection,
            "chart": band_chart(projection.band) if projection and projection.band else None,
            "can_write": can_write,
            "figures_form": figures_form,
            "distribution_form": distribution_form,
            "platform_form": _platform_form_class(program)(prefix="platform"),
        },
    )


def _platform_form_class(program: str) -> type[PlatformRunForm] | type[ReachPlatformRunForm]:
    return ReachPlatformRunForm if program == "reach" else PlatformRunForm


@login_required
@require_http_methods(["POST"])
def entity_year_collect(request: HttpRequest, entity_id: int, year: int) -> HttpResponse:
    """Start a `settlement.collect` job: settle (or project) the entity-year on the platform's
    own data (alignment, claims, benchmark, quality result). The job page shows its progress
    and, when an input is missing, which one."""
    entity = settlement_entity_get(user=request.user, entity_id=entity_id)
    if not _can_write(request.user, entity.pk):
        raise PermissionDenied("Only entity admins and analysts run settlements.")
    if entity.program.code not in ("mssp", "reach"):
        raise Http404
    form = _platform_form_class(entity.program.code)(request.POST, prefix="platform")
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field}: {' '.join(str(e) for e in errors)}")
        return redirect("settlement:entity_year", entity.pk, year)
    with transaction.atomic():
        job = job_enqueue(
            kind="settlement.collect",
            entity=entity,
            user=request.user,
            parameters=form.job_parameters(year),
        )
    messages.success(
        request,
        f"Settlement job #{job.pk} queued: it reads alignment, claims, benchmark and quality.",
    )
    return redirect("jobs:detail", job.pk)


@login_required
def tin_statement(request: HttpRequest, run_id: int, tin: str, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "pdf"):
        raise Http404
    run = settlement_run_get(user=request.user, run_id=run_id)
    share = participant_share_get(user=request.user, run=run, tin=tin)
    filename = f"settlement-{run.entity.cms_id}-PY{run.performance_year}-v{run.version}-{share.tin}"
    if fmt == "csv":
        response = HttpResponse(
            tin_statement_csv(run, share), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(tin_statement_pdf(run, share), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response
