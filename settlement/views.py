"""Settlement pages: the what-if calculator, the CSV batch upload, and each entity-year's
settlement versions with their explanation, projection band and participant shares."""

from __future__ import annotations

import base64
import io
from decimal import Decimal
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
from alignment.selectors import program_minimum_check, roster_of_record
from core import display
from core.api import ApplicationError
from core.display import plain_decimal
from core.uploads import upload_text
from entities.selectors import entity_year_get
from jobs.services import job_enqueue
from settlement.charts import band_chart
from settlement.collect import REACH_REPORT_FIGURES, settlement_collect_precheck
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
    weights_initial,
)
from settlement.labels import track_name
from settlement.models import SettlementKind
from settlement.parameters import load_parameter_book
from settlement.presentation import batch_table, figure_rows, reach_quality
from settlement.selectors import (
    participant_share_get,
    participant_shares,
    quality_projection,
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
    from django.db.models import Max

    from entities.models import Entity
    from settlement.selectors import MONEY_REFUSAL, SETTLED_PROGRAMS

    overview = settlement_overview(user=request.user)
    # An entity without a settlement yet links to its latest registered year (not a fixed one).
    latest = dict(
        Entity.objects.filter(pk__in=[item["entity"].pk for item in overview])
        .annotate(latest=Max("years__performance_year"))
        .values_list("pk", "latest")
    )
    for item in overview:
        item["latest_year"] = latest.get(item["entity"].pk)
    # The user's own entities whose dollars their role does not see: said so, not "not a member".
    shown = {item["entity"].pk for item in overview}
    withheld = (
        Entity.objects.for_user(request.user)
        .filter(program__code__in=SETTLED_PROGRAMS)
        .exclude(pk__in=shown)
    )
    return render(
        request,
        "settlement/index.html",
        {"overview": overview, "withheld": list(withheld), "refusal": MONEY_REFUSAL},
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
        {
            "form": form,
            "outcome": outcome,
            "results": (
                batch_table(form.cleaned_data["program"], outcome.columns, outcome.rows)
                if outcome
                else None
            ),
            "download": download,
            "columns": columns,
        },
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
    """A stored version's figures as form initial values: text "true"/"false" as booleans,
    numbers as plain decimals (11331818.89000000000000000000 -> 11331818.89)."""
    initial: dict[str, Any] = {}
    for key, value in inputs.items():
        if value in ("true", "false"):
            initial[key] = value == "true"
        elif key in ("msr_mlr", "track", "arrangement"):
            initial[key] = value  # a choice: kept as the stored code
        else:
            initial[key] = plain_decimal(value) if value not in (None, "") else value
    return initial


def _platform_initial(
    entity: Any, year: int, latest: Any, projection: Any = None
) -> dict[str, Any]:
    """The platform form's presets: the track the program registry holds for the entity-year,
    and from the latest version of the year its MSR/MLR election, CMS report figures and
    distribution weights (so a re-run changes only what someone changes)."""
    initial: dict[str, Any] = {}
    if latest is not None:
        inputs = _initial(latest.inputs)
        for name in ("track", "msr_mlr", "msr_pct", "participant_revenue", "low_revenue",
                     "euc_loss_reduction", *REACH_REPORT_FIGURES):  # fmt: skip
            if inputs.get(name) not in (None, ""):
                initial[name] = inputs[name]
        initial.update(weights_initial(latest.distribution_method))
    # A projection's last complete month of claims, from the year's latest delivery (the data),
    # so choosing "Projection" does not stop at a blank month.
    from benchmarks.selectors import claims_through_month

    initial["through_month"] = claims_through_month(entity=entity, year=year)
    # A re-run projection keeps the last one's seed (a new seed moves the interval).
    if projection is not None and (projection.band or {}).get("seed") not in (None, ""):
        initial["seed"] = projection.band["seed"]
    year_row = entity_year_get(entity=entity, performance_year=year)
    if year_row is not None and entity.program.code == "mssp":
        initial["track"] = str(year_row.track.code).upper()
    return initial


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

    return _render_entity_year(
        request,
        entity,
        year,
        can_write=can_write,
        figures_form=figures_form,
        distribution_form=distribution_form,
    )


def _render_entity_year(
    request: HttpRequest,
    entity: Any,
    year: int,
    *,
    can_write: bool,
    figures_form: Any = None,
    distribution_form: Any = None,
    platform_form: Any = None,
) -> HttpResponse:
    program = entity.program.code
    figures_form = figures_form or figures_form_class(program)(prefix="figures")
    distribution_form = distribution_form or DistributionForm(prefix="distribution")
    version = request.GET.get("version")
    runs = settlement_run_list(user=request.user, entity=entity).filter(performance_year=year)
    finals = list(runs.filter(kind=SettlementKind.FINAL).order_by("-version"))
    run = next((r for r in finals if str(r.version) == version), finals[0] if finals else None)
    if version and (run is None or str(run.version) != version):
        raise Http404
    previous, changes = settlement_run_changes(run=run) if run else (None, [])
    # The track the version was settled on against the program registry's track of the year:
    # a difference is a wrong figure in one of them, which the page says rather than hides.
    track_note = ""
    settled_track = str((run.inputs or {}).get("track", "")).upper() if run else ""
    year_row = (
        entity_year_get(entity=entity, performance_year=year)
        if program == "mssp" and settled_track
        else None
    )
    if run is not None and year_row is not None:
        registry_track = str(year_row.track.code).upper()
        if settled_track != registry_track:
            track_note = (
                f"Version {run.version} was settled on the {track_name(settled_track)}; the "
                f"program registry has the {track_name(registry_track)} for PY{year}. Check "
                "the track in CMS's report against the entity's tracks by performance year."
            )
    projection = settlement_latest(
        user=request.user, entity=entity, performance_year=year, kind=SettlementKind.PROJECTION
    )
    if run is not None and not figures_form.is_bound:
        figures_form = figures_form_class(program)(prefix="figures", initial=_initial(run.inputs))
    if run is not None and not distribution_form.is_bound:
        distribution_form = DistributionForm(
            prefix="distribution", initial=weights_initial(run.distribution_method)
        )
    figures_form.fields.pop("performance_year", None)  # the page's year
    roster = (
        roster_of_record(entity=entity, performance_year=year)
        if program in ("mssp", "reach")
        else None
    )
    latest_any = run or projection
    if platform_form is None and can_write:
        platform_form = _platform_form_class(program)(
            prefix="platform", initial=_platform_initial(entity, year, latest_any, projection)
        )
    form_errors = [
        (anchor, form)
        for anchor, form in (
            ("platform-heading", platform_form),
            ("new-heading", figures_form),
            ("new-heading", distribution_form),
        )
        if form is not None and form.is_bound and form.errors
    ]
    return render(
        request,
        "settlement/entity_year.html",
        {
            "roster": roster,
            # No list and no run: nobody is counted, so no "0 on the roster, short by 5,000".
            "track_note": track_note,
            "minimum": (
                program_minimum_check(entity=entity, roster=roster)
                if roster is not None and (roster.cms_list is not None or roster.run is not None)
                else None
            ),
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
            "platform_form": platform_form,
            "form_errors": form_errors,
            "comparison": _projection_vs_final(projection, run),
            "limits": binding_limits(run),
            "reach_quality": reach_quality(run or projection),
            "reach_quality_of": "settlement" if run else "projection",
            "quality_projection": quality_projection(
                entity=entity,
                performance_year=year,
                track=str((latest_any.inputs or {}).get("track", "")) if latest_any else "",
            ),
        },
    )


def binding_limits(run: Any) -> list[str]:
    """The limits that bound a settlement (the performance payment limit, the loss sharing
    limit), each as its explanation step says it, for the page's summary."""
    if run is None:
        return []
    return [
        display.tidy(f"{step.get('label', '')}: {step.get('value', '')}")
        for step in run.explanation
        if "limit" in step.get("label", "").lower()
        and ("(binding)" in step.get("label", "") or "binds" in step.get("label", ""))
    ]


def _projection_vs_final(projection: Any, final: Any) -> dict[str, Any] | None:
    """Why the projection and the final settlement of a year differ, side by side: the months of
    claims, the population each was computed on, truncation and completion, and what each earned.
    None unless the year has both."""
    if projection is None or final is None:
        return None
    band = projection.band or {}
    inputs = final.inputs or {}
    if final.program == "reach":
        months = inputs.get("aligned_member_months")
        final_people = (
            f"{display.count(Decimal(str(months)) / 12)} person-years "
            f"({display.count(months)} aligned member-months)"
            if months not in (None, "")
            else "—"
        )
    else:
        final_people = (
            f"{display.count(inputs.get('assigned_beneficiaries'))} assigned beneficiaries"
        )
    limits = binding_limits(final)
    return {
        "projection_months": band.get("months_elapsed"),
        "projection_people": band.get("beneficiaries"),
        "paid_share": band.get("completion_factor"),
        "final_people": final_people,
        "projection_earned": projection.earned_savings_losses,
        "final_earned": final.earned_savings_losses,
        "difference": final.earned_savings_losses - projection.earned_savings_losses,
        "abs_difference": abs(final.earned_savings_losses - projection.earned_savings_losses),
        "limits": limits,
    }


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
    if form.is_valid():
        # What would stop the job (a missing run, benchmark or quality result, an MSR the
        # table cannot give) is said on the form now, not by a job failing at 85%.
        for field, message in settlement_collect_precheck(
            entity=entity,
            performance_year=year,
            msr_mlr=form.cleaned_data.get("msr_mlr") or "",
            msr_pct=form.cleaned_data.get("msr_pct"),
        ):
            form.add_error(field if field in form.fields else None, message)
    if not form.is_valid():
        return _render_entity_year(request, entity, year, can_write=True, platform_form=form)
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
