"""Quality pages: the entity's claims-based measures by year, and each measure with its cases.

The overview shows rates only; the measure page lists beneficiaries (masked MBIs) and is a
`phi_view` that records what it showed with `access_record_create`. Both read the stored run
of the entity's claims data date; the pages say which date.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import START_RUNS
from accounts.selectors import user_may
from audit.phi import phi_view
from audit.services import access_record_create
from care.selectors import entity_for_user
from claims.selectors import claims_data_date
from jobs.services import job_enqueue
from quality.engine.app_score import BenchmarkFileError, cahps_ssm_source
from quality.engine.catalog import measures_for
from quality.forms import BenchmarkUploadForm, CahpsUploadForm, QrdaUploadForm
from quality.models import BenchmarkFile, ReportedFile
from quality.qrda import QrdaError
from quality.scores import (
    CahpsFileError,
    benchmark_file_upload,
    cahps_file_upload,
    quality_score,
    reach_year_over_year,
)
from quality.selectors import (
    UNIT_LABELS,
    latest_run,
    open_window_count,
    provider_breakdown,
    quarters_with_claims_reach,
    reach_withhold,
    result_cases,
    result_events,
    result_for_user,
    run_history,
    run_years,
)
from quality.services import entity_type_code, reported_file_upload

CASES_PER_PAGE = 50


def _year(request: HttpRequest) -> int | None:
    text = request.GET.get("year", "")
    return int(text) if text.isdigit() else None


@require_GET
@phi_view
def overview(request: HttpRequest, entity_id: int) -> HttpResponse:
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    run = latest_run(entity=entity, year=_year(request))
    data_date = claims_data_date(entity=entity)
    year = run.performance_year if run else (data_date.year if data_date else None)
    expected = (
        measures_for(entity.program.code, year, entity_type_code(entity=entity, year=year))
        if year
        else []
    )
    context = {
        "entity": entity,
        "run": run,
        "results": list(run.results.all()) if run else [],
        "years": run_years(entity=entity),
        "history": list(run_history(entity=entity, year=run.performance_year)) if run else [],
        "data_date": data_date,
        "year": year,
        "expected": expected,
        "reported": ReportedFile.objects.filter(entity=entity, kind=ReportedFile.Kind.QRDA3)
        .select_related("superseded_by")
        .prefetch_related("measures")[:20],
        "cahps_files": ReportedFile.objects.filter(entity=entity, kind=ReportedFile.Kind.CAHPS)
        .select_related("superseded_by")
        .prefetch_related("measures")[:10],
        "cahps_source": cahps_ssm_source(),
        "upload_form": QrdaUploadForm(initial={"performance_year": year}),
        "cahps_form": CahpsUploadForm(initial={"performance_year": year}),
        "score": quality_score(entity=entity, performance_year=year) if year else None,
        "year_over_year": (
            reach_year_over_year(entity=entity, performance_year=year) if year else None
        ),
        "settlement_quality": _settlement_quality(entity, year),
        "withhold": reach_withhold(entity=entity, year=year),
        "quality_projection": _quality_projection(entity, year),
        "may_upload": user_may(user=request.user, entity_id=entity.pk, key=START_RUNS),
        "ecqms": ecqm_comparison(entity=entity, year=year),
    }
    return render(request, "quality/overview.html", context)


def _settlement_quality(entity: Any, year: int | None) -> Any:
    from settlement.models import QualityResult

    if year is None:
        return None
    return QualityResult.objects.filter(entity=entity, performance_year=year).first()


def _quality_projection(entity: Any, year: int | None) -> Any:
    from settlement.selectors import quality_projection

    if year is None:
        return None
    return quality_projection(entity=entity, performance_year=year)


def _problems(form: Any) -> str:
    """The form's errors, each after its field's label as the form shows it (never a code name)."""
    return "; ".join(
        f"{form.fields[k].label or k.replace('_', ' ').capitalize() if k in form.fields else 'The form'}"
        f": {' '.join(str(e) for e in v)}"
        for k, v in form.errors.items()
    )


@require_POST
@phi_view
def cahps_upload(request: HttpRequest, entity_id: int) -> HttpResponse:
    """Upload the survey vendor's CAHPS for MIPS results: every error names the row and column;
    nothing of a file with an error is stored; a re-upload replaces, with history."""
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    if not user_may(user=request.user, entity_id=entity.pk, key=START_RUNS):
        messages.error(request, "Your role cannot upload quality results for this entity.")
        return redirect("quality:overview", entity_id=entity.pk)
    form = CahpsUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, f"The upload was not stored: {_problems(form)}")
        return redirect("quality:overview", entity_id=entity.pk)
    upload, data = form.cleaned_data["file"], form.cleaned_data
    try:
        stored = cahps_file_upload(
            entity=entity,
            performance_year=data["performance_year"],
            source=data["source"],
            submitted_on=data["submitted_on"],
            period_start=data["period_start"],
            period_end=data["period_end"],
            file_name=upload.name,
            content=upload.read(),
            user=request.user,
        )
    except CahpsFileError as exc:
        messages.error(request, f"{upload.name} was not stored: " + "; ".join(exc.errors))
        return redirect("quality:overview", entity_id=entity.pk)
    messages.success(
        request,
        f"{upload.name}: {stored.measures.count()} CAHPS summary survey measures from "
        f"{stored.source} stored.",
    )
    return redirect("quality:overview", entity_id=entity.pk)


def benchmarks(request: HttpRequest) -> HttpResponse:
    """The years' MIPS quality benchmark files (national data: platform staff upload them)."""
    if not request.user.is_authenticated or not request.user.is_superuser:
        raise PermissionDenied("Platform staff upload the MIPS benchmarks.")
    form = BenchmarkUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not form.is_valid():
            messages.error(request, f"The upload was not stored: {_problems(form)}")
            return redirect("quality:benchmarks")
        upload, data = form.cleaned_data["file"], form.cleaned_data
        try:
            stored = benchmark_file_upload(
                performance_year=data["performance_year"],
                source=data["source"],
                file_name=upload.name,
                content=upload.read(),
                qps_threshold=data["qps_threshold"],
                qps_source=data["qps_source"] or "",
                user=request.user,
            )
        except BenchmarkFileError as exc:
            messages.error(request, f"{upload.name} was not stored: " + "; ".join(exc.errors))
            return redirect("quality:benchmarks")
        messages.success(
            request,
            f"{upload.name}: {stored.rows.count()} benchmarks for PY{stored.performance_year} "
            "stored; the MSSP quality scores of the year were recomputed.",
        )
        return redirect("quality:benchmarks")
    files = BenchmarkFile.objects.select_related("superseded_by").prefetch_related("rows")[:30]
    return render(request, "quality/benchmarks.html", {"files": files, "form": form})


@require_POST
@phi_view
def reported_upload(request: HttpRequest, entity_id: int) -> HttpResponse:
    """Upload a partner's QRDA III file: every error names the element and line; nothing is
    stored from a file with an error; a re-upload from the same source replaces, with history."""
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    if not user_may(user=request.user, entity_id=entity.pk, key=START_RUNS):
        messages.error(request, "Your role cannot upload quality results for this entity.")
        return redirect("quality:overview", entity_id=entity.pk)
    form = QrdaUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, f"The upload was not stored: {_problems(form)}")
        return redirect("quality:overview", entity_id=entity.pk)
    upload = form.cleaned_data["file"]
    try:
        stored = reported_file_upload(
            entity=entity,
            performance_year=form.cleaned_data["performance_year"],
            source=form.cleaned_data["source"],
            submitted_on=form.cleaned_data["submitted_on"],
            file_name=upload.name,
            content=upload.read(),
            user=request.user,
        )
    except QrdaError as exc:
        messages.error(request, f"{upload.name} was not stored: " + "; ".join(exc.errors))
        return redirect("quality:overview", entity_id=entity.pk)
    messages.success(
        request,
        f"{upload.name}: {stored.measures.count()} measures from {stored.source} for "
        f"{stored.period_start:%Y-%m-%d} to {stored.period_end:%Y-%m-%d} stored.",
    )
    return redirect("quality:overview", entity_id=entity.pk)


@require_POST
@phi_view
def compute(request: HttpRequest, entity_id: int) -> HttpResponse:
    """Start the measures' computation for a performance year, as of the claims data date."""
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    if not user_may(user=request.user, entity_id=entity.pk, key=START_RUNS):
        messages.error(request, "Your role cannot start a computation for this entity.")
        return redirect("quality:overview", entity_id=entity.pk)
    data_date = claims_data_date(entity=entity)
    text = request.POST.get("year", "")
    if data_date is None:
        messages.error(request, "No claims are loaded for this entity yet: load a CCLF delivery.")
        return redirect("quality:overview", entity_id=entity.pk)
    if not text.isdigit() or not 2015 <= int(text) <= data_date.year:
        messages.error(
            request,
            f"The performance year must be a year up to {data_date.year}, the year the claims "
            "reach.",
        )
        return redirect("quality:overview", entity_id=entity.pk)
    job = job_enqueue(
        kind="quality.compute",
        entity=entity,
        parameters={"performance_year": int(text)},
        user=request.user,
    )
    messages.success(
        request,
        f"Quality measures for PY{text} started, as of the claims date {data_date:%Y-%m-%d}.",
    )
    return redirect("jobs:detail", pk=job.pk)


@require_GET
@phi_view
def measure(request: HttpRequest, entity_id: int, result_id: int) -> HttpResponse:
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    result = result_for_user(user=request.user, entity=entity, result_id=result_id)
    outcome_only = request.GET.get("show") == "outcomes"
    page = Paginator(
        result_cases(result=result, outcome_only=outcome_only), CASES_PER_PAGE
    ).get_page(request.GET.get("page"))
    events = Paginator(result_events(result=result), CASES_PER_PAGE).get_page(
        request.GET.get("events")
    )
    shown = {c.beneficiary_id for c in page.object_list} | {
        e.beneficiary_id for e in events.object_list
    }
    access_record_create(
        entity=entity,
        purpose=f"quality measure {result.code} cases",
        route="quality:measure",
        beneficiary_ids=sorted(shown),
        user=request.user,
    )
    context = {
        "entity": entity,
        "result": result,
        "run": result.run,
        "page": page,
        "events": events,
        "outcome_only": outcome_only,
        "providers": provider_breakdown(result=result),
        "quarters": quarters_with_claims_reach(result=result),
        "open_windows": open_window_count(result=result),
        "unit_label": UNIT_LABELS.get(result.unit, ""),
        "max_quarter": max((q["rate"] for q in result.quarters), default=0) or 1,
    }
    return render(request, "quality/measure.html", context)


def _ecqm_year(request: HttpRequest, entity: Any) -> int | None:
    year = _year(request)
    if year is not None:
        return year
    found = ReportedFile.objects.filter(
        entity=entity, kind__in=[ReportedFile.Kind.QRDA3, ReportedFile.Kind.MEASURE_REPORT]
    ).aggregate(year=Max("performance_year"))["year"]
    return int(found) if found else None


def ecqm_comparison(*, entity: Any, year: int | None) -> list[dict[str, Any]]:
    """Each APP eCQM of the year: the QRDA III aggregate beside the ACO-level rate from the
    patient-level results (each patient once across EHRs). Counts only, no beneficiary."""
    from quality.engine.app_score import app_measure
    from quality.patient_level import ecqm_ids, patient_level_rates, qrda3_aggregate

    if year is None:
        return []
    aggregate = qrda3_aggregate(entity=entity, year=year)
    patients = patient_level_rates(entity=entity, year=year)
    if entity.program.code != "mssp" and not aggregate and not patients:
        return []  # the APP eCQMs are MSSP's (42 CFR 425.512(a))
    codes = sorted(set(ecqm_ids(year).values()) | set(aggregate) | set(patients))
    return [
        {
            "quality_id": code,
            "title": app_measure(code).get("title", ""),
            "inverse": bool(app_measure(code).get("inverse")),
            "aggregate": aggregate.get(code),
            "patients": patients.get(code),
        }
        for code in codes
    ]


@require_GET
@phi_view
def ecqm(request: HttpRequest, entity_id: int, quality_id: str) -> HttpResponse:
    """One eCQM of a year: the QRDA III aggregate beside the ACO-level rate from the partners'
    patient-level results, and the patients whose quality action is still open (masked MBIs;
    every beneficiary listed is logged)."""
    from quality.engine.app_score import app_measure
    from quality.patient_level import current_patient_results, open_numerator_events

    entity = entity_for_user(user=request.user, entity_id=entity_id)
    year = _ecqm_year(request, entity)
    rows = [r for r in ecqm_comparison(entity=entity, year=year) if r["quality_id"] == quality_id]
    if not rows or year is None:
        raise Http404("No such eCQM for this entity and year.")
    open_ids = open_numerator_events(entity=entity, year=year).get(quality_id, [])
    page = Paginator(open_ids, CASES_PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    from beneficiaries.models import Beneficiary

    people = {b.pk: b for b in Beneficiary.objects.for_user(request.user).filter(pk__in=shown)}
    sources: dict[int, list[str]] = {}
    for bene, source in (
        current_patient_results(entity=entity, year=year)
        .filter(quality_id=quality_id, beneficiary_id__in=shown)
        .values_list("beneficiary_id", "file__source")
    ):
        sources.setdefault(bene, []).append(source)
    access_record_create(
        entity=entity,
        purpose=f"eCQM {quality_id} open numerator events",
        route="quality:ecqm",
        beneficiary_ids=sorted(people),
        user=request.user,
    )
    submissions = (
        ReportedFile.objects.filter(
            entity=entity, performance_year=year, kind=ReportedFile.Kind.MEASURE_REPORT
        )
        .select_related("superseded_by")
        .order_by("-uploaded_at")[:30]
    )
    latest = ReportedFile.objects.filter(
        entity=entity,
        performance_year=year,
        kind__in=[ReportedFile.Kind.QRDA3, ReportedFile.Kind.MEASURE_REPORT],
        superseded_by__isnull=True,
    ).aggregate(latest=Max("submitted_on"))["latest"]
    context = {
        "entity": entity,
        "year": year,
        "as_of": latest,
        "row": rows[0],
        "spec": app_measure(quality_id),
        "page": page,
        "open": [
            {"beneficiary": people[b], "sources": sorted(set(sources.get(b, [])))}
            for b in shown
            if b in people
        ],
        "submissions": submissions,
    }
    return render(request, "quality/ecqm.html", context)
