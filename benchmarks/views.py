"""Pages: benchmarks (list, every step, CSV), reference data, risk scores, PMPM."""

from __future__ import annotations

import calendar
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Avg, Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.roles import START_RUNS, roles_with
from accounts.selectors import user_has_role
from audit.services import access_record_create
from benchmarks import selectors
from benchmarks.engine import columns as c
from benchmarks.engine.reference import CATALOGUE
from benchmarks.forms import (
    InstitutionalUploadForm,
    RecomputeForm,
    ReferenceUploadForm,
    RiskRecomputeForm,
)
from benchmarks.models import BenchmarkCalculation, RiskScore
from benchmarks.presentation import format_value, pivot
from benchmarks.services.calculations import benchmark_export_csv, pmpm_report
from benchmarks.services.institutional import institutional_ids, institutional_status_upload
from benchmarks.services.reference import reference_dataset_upload
from core import display
from core.api import ApplicationError
from entities.models import Entity
from entities.selectors import user_entities
from jobs.services import job_enqueue

# Who starts runs and uploads: the role table (accounts/roles.py) the console shows.
WRITERS = roles_with(START_RUNS)


def _entity(request: HttpRequest, pk: int) -> Entity:
    return get_object_or_404(Entity.objects.for_user(request.user).select_related("program"), pk=pk)


def _require_writer(request: HttpRequest, entity: Entity) -> None:
    if not user_has_role(user=request.user, entity_id=entity.pk, roles=WRITERS):
        raise PermissionDenied("Only the entity's administrators and analysts may start this.")


@login_required
def index(request: HttpRequest) -> HttpResponse:
    entities = list(user_entities(user=request.user).filter(program__code__in=["mssp", "reach"]))
    calculations = selectors.benchmark_calculation_list(user=request.user).prefetch_related(
        "segments"
    )
    by_entity: dict[int, list[BenchmarkCalculation]] = {}
    for calculation in calculations:
        by_entity.setdefault(calculation.entity_id, []).append(calculation)
    today = timezone.localdate()
    rows = [
        {
            "entity": entity,
            **selectors.entity_data_years(entity=entity, current_year=today.year),
            "calculations": by_entity.get(entity.pk, []),
            "can_write": user_has_role(user=request.user, entity_id=entity.pk, roles=WRITERS),
            "form": RecomputeForm(initial={"performance_year": today.year}, prefix=f"e{entity.pk}"),
        }
        for entity in entities
    ]
    return render(request, "benchmarks/index.html", {"rows": rows, "year": today.year})


@login_required
@require_POST
def recompute(request: HttpRequest, entity_id: int) -> HttpResponse:
    entity = _entity(request, entity_id)
    _require_writer(request, entity)
    form = RecomputeForm(request.POST, prefix=f"e{entity.pk}")
    if not form.is_valid():
        messages.error(request, f"Not started: {form.errors.as_text()}")
        return redirect("benchmarks:index")
    job = job_enqueue(
        kind="benchmarks.calculate", entity=entity, parameters=form.parameters(), user=request.user
    )
    return redirect("jobs:detail", job.pk)


@login_required
def calculation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        calculation = selectors.benchmark_calculation_get(user=request.user, pk=pk)
    except BenchmarkCalculation.DoesNotExist:
        raise Http404("No such benchmark.") from None
    steps = [
        {"step": step, "inputs": pivot(step.inputs), "outputs": pivot(step.outputs)}
        for step in calculation.steps.all()
    ]
    # Each reference value still to confirm by its meaning, with the name its CSV row carries.
    to_confirm = [
        f"{CATALOGUE[name].description} ({name})" if name in CATALOGUE else name
        for name in sorted(
            {f["name"] for s in calculation.steps.all() for f in s.inputs if f.get("to_confirm")}
        )
    ]
    by_type = [
        {
            "label": c.ENROLLMENT_TYPE_LABELS.get(t, t),
            "months": m,
            "person_years": format_value(m / 12, "person-years"),
        }
        for t, m in calculation.member_months_by_enrollment_type.items()
    ]
    versions = BenchmarkCalculation.objects.for_user(request.user).filter(
        entity=calculation.entity, performance_year=calculation.performance_year
    )
    context = {
        "calculation": calculation,
        "populations": population_rows(calculation),
        "lti_note": _lti_note(calculation.inputs_summary.get("years", [])),
        "steps": steps,
        "segments": [
            {"label": c.SEGMENT_LABELS.get(s.segment, s.segment), "segment": s}
            for s in calculation.segments.all()
        ],
        "by_type": by_type,
        "extras": [
            (k.replace("_", " ").capitalize(), format_value(v, "USD"))
            for k, v in calculation.extras.items()
        ],
        "to_confirm": to_confirm,
        "versions": versions.only("pk", "version", "created_at", "total"),
        "per_capita": format_value(calculation.per_capita, "USD"),
        "parameters": [
            (
                k.replace("_", " ").capitalize(),
                POPULATION_SOURCES.get(v, v) if k == "population" else v,
            )
            for k, v in calculation.parameters.items()
        ],
    }
    context.update(_summary(calculation))
    return render(request, "benchmarks/calculation_detail.html", context)


# How the benchmark years' populations were found (the calculation's `population` parameter).
POPULATION_SOURCES = {
    "alignment_engine": "the alignment engine's rules for each benchmark year",
    "cclf8_roster": "the CCLF8 roster (not the rule)",
}


# The waterfall's milestones: (label, step key, output name), each a level of the benchmark per
# person (MSSP: per person-year; REACH: per beneficiary-month), weighted by the performance
# year's person-years or member-months of each segment. None: the product of the two before.
_MILESTONES = {
    "mssp": [
        ("Historical benchmark", "weighting", "historical_per_capita"),
        ("Regional adjustment", "adjusted_historical_benchmark", "adjusted_historical_per_capita"),
        ("Annual update", "annual_update", "update_factor"),
        ("Risk ratio", "updated_benchmark", "updated_per_capita"),
    ],
    "reach": [
        ("Historical baseline", "historical_baseline", "historical_pbpm"),
        ("Regional blend", "regional_blend", "blended_standardized_pbpm"),
        ("Risk adjustment", "risk_adjusted_benchmark", "risk_adjusted_pbpm"),
        ("Health equity adjustment", "heba", "pbpm_with_heba"),
        ("Retrospective trend", "retrospective_trend", "benchmark_pbpm"),
    ],
}
# (step key, uncapped output, applied output, what the summary says when they differ)
_LIMITS = {
    "mssp": [
        ("regional_adjustment", "uncapped_adjustment", "capped_adjustment",
         "the regional adjustment is capped"),
        ("risk_ratio", "uncapped_risk_ratio", "risk_ratio",
         "risk score growth since BY3 is capped"),
    ],
    "reach": [
        ("risk_score", "normalized_risk_score", "capped_risk_score",
         "the risk score is capped to its band around the reference year"),
        ("regional_blend", "uncapped_blend_adjustment", "blend_adjustment",
         "the regional blend adjustment is capped"),
    ],
}  # fmt: skip


def _summary(calculation: BenchmarkCalculation) -> dict[str, Any]:
    """The page's summary: a waterfall from the historical benchmark to the final one (core
    charts), and the limits that bound it (a capped value different from its uncapped one)."""
    from core import charts
    from core.display import money

    program = calculation.program
    outputs: dict[tuple[str, str], dict[str, Decimal]] = {}
    for step in calculation.steps.all():
        for figure in step.outputs:
            if figure.get("year") in (None, calculation.performance_year) and figure["segment"]:
                try:
                    value = Decimal(str(figure["value"]))
                except ArithmeticError:
                    continue
                outputs.setdefault((step.key, figure["name"]), {})[figure["segment"]] = value
    mm = calculation.member_months_by_enrollment_type
    if program == "reach":
        weights = {"esrd": Decimal(mm.get("esrd", 0)),
                   "aged_disabled": Decimal(sum(v for k, v in mm.items() if k != "esrd"))}  # fmt: skip
    else:
        weights = {k: Decimal(v) / 12 for k, v in mm.items()}
    levels: list[tuple[str, Decimal]] = []
    previous: dict[str, Decimal] = {}
    for label, key, name in _MILESTONES.get(program, []):
        values = outputs.get((key, name))
        if not values:
            return {"waterfall": "", "limits": _limits(program, outputs)}
        if name == "update_factor":  # a factor: the level is the previous level times it
            values = {seg: previous.get(seg, Decimal(0)) * f for seg, f in values.items()}
        previous = values
        level = sum((values.get(seg, Decimal(0)) * w for seg, w in weights.items()), Decimal(0))
        levels.append((label, level))
    if not levels:
        return {"waterfall": "", "limits": []}
    final = calculation.total
    final_label = "Updated benchmark" if program == "mssp" else "Benchmark before discount"
    steps = [charts.Step(levels[0][0], levels[0][1], money(levels[0][1], 0), total=True)]
    for (_, before), (label, after) in zip(
        levels[:-1], [*levels[1:-1], (levels[-1][0], final)], strict=True
    ):
        change = after - before
        steps.append(charts.Step(label, change, ("+" if change >= 0 else "") + money(change, 0)))
    steps.append(charts.Step(final_label, final, money(final, 0), total=True))
    if program == "reach" and "benchmark_after_discount_and_withhold" in calculation.extras:
        after = Decimal(str(calculation.extras["benchmark_after_discount_and_withhold"]))
        steps.append(
            charts.Step("Discount and quality withhold", after - final, money(after - final, 0))
        )
        steps.append(charts.Step("After discount and withhold", after, money(after, 0), total=True))
    waterfall = charts.waterfall(
        title=f"From the historical benchmark to the PY{calculation.performance_year} benchmark",
        desc="Each step's change to the benchmark in dollars for the performance year's "
        "population (each segment's per capita times its person-years or member-months).",
        steps=steps,
        headers=("Step", "Dollars"),
    )
    return {"waterfall": waterfall, "limits": _limits(program, outputs)}


def _limits(program: str, outputs: dict[tuple[str, str], dict[str, Any]]) -> list[dict[str, Any]]:
    limits = []
    for key, uncapped, applied, text in _LIMITS.get(program, []):
        before, after = outputs.get((key, uncapped), {}), outputs.get((key, applied), {})
        bound = sorted(seg for seg in after if seg in before and after[seg] != before[seg])
        if bound:
            limits.append(
                {"key": key, "text": text,
                 "segments": [c.SEGMENT_LABELS.get(s, c.ENROLLMENT_TYPE_LABELS.get(s, s)) for s in bound]}
            )  # fmt: skip
    return limits


def _lti_note(years: list[dict[str, Any]]) -> str:
    """One sentence on where each year's long-term institutional status came from."""
    missing = [str(y["year"]) for y in years if not y.get("institutional_beneficiaries")]
    uploaded = [
        f"{y['year']}: {y['institutional_source']}"
        for y in years
        if y.get("institutional_beneficiaries")
    ]
    parts = uploaded
    if missing:
        parts = [
            *uploaded,
            f"no institutional beneficiary in {', '.join(missing)}: scored in the community segments",
        ]
    return "; ".join(parts)


def population_rows(calculation: BenchmarkCalculation) -> list[dict[str, Any]]:
    """Each year's population with where it came from, for the page."""
    from alignment.engine.vocabulary import Reason

    rows = []
    for p in calculation.populations.select_related("alignment_run"):
        reasons = []
        for r in p.by_step_reason:
            try:
                label = Reason(r["reason"]).label
            except ValueError:
                label = r["reason"]
            reasons.append({"label": label, "count": r["count"], "aligned": r["aligned"]})
        rows.append({"population": p, "lineage": p.lineage, "reasons": reasons})
    return rows


@login_required
def calculation_export(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        calculation = selectors.benchmark_calculation_get(user=request.user, pk=pk)
    except BenchmarkCalculation.DoesNotExist:
        raise Http404("No such benchmark.") from None
    response = HttpResponse(benchmark_export_csv(calculation=calculation), content_type="text/csv")
    name = f"benchmark_{calculation.entity.cms_id}_PY{calculation.performance_year}_v{calculation.version}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def reference_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    writable = [
        e
        for e in user_entities(user=user)
        if user_has_role(user=user, entity_id=e.pk, roles=WRITERS)
    ]
    writable_qs = Entity.objects.filter(pk__in=[e.pk for e in writable])
    allow_national = bool(user.is_superuser)
    can_upload = allow_national or bool(writable)
    form = None
    if can_upload:
        form = ReferenceUploadForm(
            request.POST or None,
            request.FILES or None,
            entities=writable_qs,
            allow_national=allow_national,
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            entity = data["entity"]
            if entity is None and not allow_national:
                raise PermissionDenied("Only platform staff may upload national reference data.")
            try:
                dataset = reference_dataset_upload(
                    program=data["program"],
                    year=data["year"],
                    entity=entity,
                    source=data["source"],
                    file_name=data["file"].name,
                    content=data["file"].read(),
                    user=user,
                )
            except ApplicationError as exc:
                for error in exc.extra.get("errors", []):
                    form.add_error(
                        None, f"Line {error['line']}, {error['field']}: {error['message']}"
                    )
                if not exc.extra.get("errors"):
                    form.add_error(None, exc.message)
            else:
                messages.success(request, f"Stored {dataset}.")
                return redirect("benchmarks:reference_detail", dataset.pk)
    elif request.method == "POST":
        raise PermissionDenied("You may not upload reference data.")
    datasets = selectors.reference_dataset_list(user=user).prefetch_related("values")
    return render(
        request,
        "benchmarks/reference_list.html",
        {
            "datasets": datasets,
            "form": form,
            "catalogue": sorted(CATALOGUE.values(), key=lambda n: n.name),
        },
    )


@login_required
def reference_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dataset = get_object_or_404(selectors.reference_dataset_list(user=request.user), pk=pk)
    values = [
        {
            "value": v,
            "shown": format_value(v.value, CATALOGUE[v.name].unit if v.name in CATALOGUE else ""),
            "description": CATALOGUE[v.name].description if v.name in CATALOGUE else "",
            "segment": c.SEGMENT_LABELS.get(v.segment, v.segment),
        }
        for v in dataset.values.all()
    ]
    return render(
        request, "benchmarks/reference_detail.html", {"dataset": dataset, "values": values}
    )


RISK_PAGE_SIZE = 50


@login_required
def risk_list(request: HttpRequest, entity_id: int, year: int) -> HttpResponse:
    entity = _entity(request, entity_id)
    # A page of scores at a time, highest first (the entity's whole population made a page tens of
    # thousands of pixels tall); only the people shown are read and logged.
    gaps: dict[int, int] = {}
    for gap in selectors.recapture_gaps(user=request.user, entity=entity, year=year):
        gaps[gap.risk_score.beneficiary_id] = gaps.get(gap.risk_score.beneficiary_id, 0) + 1
    # "Only those with recapture gaps": the people a coder works through first.
    only_gaps = request.GET.get("gaps") == "1"
    listed = selectors.risk_score_list(user=request.user, entity=entity, payment_year=year)
    if only_gaps:
        listed = listed.filter(beneficiary_id__in=list(gaps))
    page = Paginator(listed, RISK_PAGE_SIZE).get_page(request.GET.get("page"))
    scores = list(page.object_list)
    # The summary first, over the whole population (the table is a page of it), and the date
    # each year's diagnoses run through, the data the scores and the gaps are as of.
    everyone = RiskScore.objects.filter(entity=entity, payment_year=year)
    through = dict(
        RiskScore.objects.filter(entity=entity, payment_year__in=[year, year + 1])
        .values("payment_year")
        .annotate(through=Max("diagnoses_through"))
        .values_list("payment_year", "through")
    )
    summary = {
        **everyone.aggregate(mean_raw=Avg("raw_score"), scored=Count("pk")),
        "with_gaps": len(gaps),
        "gaps": sum(gaps.values()),
    }
    rows = [
        {
            "score": s,
            # Each HCC with its label (codes carry their meaning), V28's where the score has it.
            "hccs": [
                f"{hcc} {label}".strip()
                for hcc, label in sorted(
                    {(h.hcc, h.label) for h in s.hccs.all() if h.model.endswith("V28")}
                    or {(h.hcc, h.label) for h in s.hccs.all()},
                    key=lambda pair: (len(pair[0]), pair[0]),
                )
            ],
            "gaps": gaps.get(s.beneficiary_id, 0),
        }
        for s in scores
    ]
    access_record_create(
        entity=entity,
        purpose="risk scores",
        route="benchmarks:risk_list",
        beneficiary_ids=[s.beneficiary_id for s in scores],
        user=request.user,
    )
    return render(
        request,
        "benchmarks/risk_list.html",
        {
            "entity": entity,
            "year": year,
            "rows": rows,
            "page": page,
            "can_write": user_has_role(user=request.user, entity_id=entity.pk, roles=WRITERS),
            "form": RiskRecomputeForm(initial={"payment_year": year}),
            "lti_form": InstitutionalUploadForm(initial={"payment_year": year}),
            "lti_source": institutional_ids(entity=entity, year=year)[1],
            "summary": summary,
            "only_gaps": only_gaps,
            "diagnoses_through": through.get(year),
            "next_through": through.get(year + 1),
            "years": sorted(
                set(
                    RiskScore.objects.filter(entity=entity)
                    .values_list("payment_year", flat=True)
                    .distinct()
                )
            ),
        },
    )


@login_required
@require_POST
def risk_recompute(request: HttpRequest, entity_id: int) -> HttpResponse:
    entity = _entity(request, entity_id)
    _require_writer(request, entity)
    form = RiskRecomputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Not started: {form.errors.as_text()}")
        return redirect("benchmarks:index")
    job = job_enqueue(
        kind="benchmarks.risk_scores",
        entity=entity,
        parameters={"payment_year": form.cleaned_data["payment_year"]},
        user=request.user,
    )
    return redirect("jobs:detail", job.pk)


@login_required
@require_POST
def institutional_upload(request: HttpRequest, entity_id: int) -> HttpResponse:
    """Upload long-term institutional statuses; recompute the risk scores to use them."""
    entity = _entity(request, entity_id)
    _require_writer(request, entity)
    form = InstitutionalUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, f"Not stored: {form.errors.as_text()}")
        return redirect("benchmarks:index")
    year = form.cleaned_data["payment_year"]
    try:
        stored = institutional_status_upload(
            entity=entity,
            year=year,
            content=form.cleaned_data["file"].read(),
            source=form.cleaned_data["source"],
            user=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, f"Not stored: {exc.message}")
    else:
        messages.success(
            request,
            f"Stored {stored} LTI statuses for {year}; recompute the risk scores to use them.",
        )
    return redirect("benchmarks:risk_list", entity.pk, year)


@login_required
def beneficiary_risk(request: HttpRequest, beneficiary_id: int) -> HttpResponse:
    scores = list(selectors.beneficiary_risk(user=request.user, beneficiary_id=beneficiary_id))
    if not scores:
        raise Http404("No risk scores for this beneficiary.")
    beneficiary = scores[0].beneficiary
    latest = scores[0]
    gaps = list(
        selectors.recapture_gaps(
            user=request.user,
            entity=latest.entity_id,
            year=latest.payment_year - 1,
            beneficiary_id=beneficiary_id,
        )
    )
    access_record_create(
        entity=latest.entity,
        purpose="beneficiary risk",
        route="benchmarks:beneficiary_risk",
        beneficiary_ids=[beneficiary.pk],
        user=request.user,
    )
    return render(
        request,
        "benchmarks/beneficiary_risk.html",
        {
            "beneficiary": beneficiary,
            "scores": scores,
            "gaps": gaps,
            "gap_year": latest.payment_year - 1,
        },
    )


@login_required
def pmpm(request: HttpRequest, entity_id: int, year: int) -> HttpResponse:
    entity = _entity(request, entity_id)
    default = selectors.claims_through_month(entity=entity, year=year)
    try:
        through = int(request.GET.get("through", default))
    except ValueError:
        through = default
    through = min(max(through, 1), 12)
    try:
        report = pmpm_report(entity=entity, year=year, through_month=through)
    except ApplicationError as exc:
        return render(
            request, "benchmarks/pmpm.html", {"entity": entity, "year": year, "error": exc.message}
        )
    categories = [*c.SERVICE_CATEGORIES, ""]
    types = []
    for row in report["rows"]:
        if row[c.ENROLLMENT_TYPE] not in types:
            types.append(row[c.ENROLLMENT_TYPE])
    cells = {(r[c.ENROLLMENT_TYPE], r[c.SERVICE_CATEGORY]): r for r in report["rows"]}
    table = [
        {
            "label": c.ENROLLMENT_TYPE_LABELS.get(t, "All enrollment types"),
            "months": cells[(t, "")][c.MONTHS],
            "cells": [format_value(cells[(t, cat)]["pmpm"], "USD") for cat in categories],
            "total": format_value(cells[(t, "")]["completed"], "USD"),
        }
        for t in types
    ]
    return render(
        request,
        "benchmarks/pmpm.html",
        {
            "entity": entity,
            "year": year,
            "through": through,
            "through_name": calendar.month_name[through],
            "months": [(m, calendar.month_name[m]) for m in range(1, 13)],
            "delivered_on": selectors.claims_delivered_on(entity=entity, year=year),
            "report": report,
            "headers": [c.SERVICE_CATEGORY_LABELS.get(cat, "All services") for cat in categories],
            "table": table,
            # Named as on the settlement pages: the factor multiplies the paid-to-date amount;
            # its inverse is the share of the month's claims paid to date.
            "factors": [
                (
                    calendar.month_name[m],
                    format_value(v, "ratio"),
                    display.share(1 / Decimal(str(v))) if v else "",
                    report["completion_sources"][m],
                )
                for m, v in report["completion_factors"].items()
            ],
            **_pmpm_charts(report, categories, year),
        },
    )


def _pmpm_charts(report: dict[str, Any], categories: list[str], year: int) -> dict[str, Any]:
    """The PMPM page's two charts: completed PMPM month by month, and by service category (all
    enrollment types), from the same figures as its table."""
    from decimal import Decimal

    from core import charts
    from core.display import money

    trend = [
        charts.Bar(calendar.month_abbr[m["month"]], m["pmpm"], money(m["pmpm"], 0))
        for m in report["by_month"]
        if m["pmpm"] is not None
    ]
    everyone = {
        r[c.SERVICE_CATEGORY]: r["pmpm"] for r in report["rows"] if r[c.ENROLLMENT_TYPE] == ""
    }
    by_category = sorted(
        (
            charts.Bar(
                c.SERVICE_CATEGORY_LABELS.get(cat, cat),
                Decimal(everyone[cat]),
                money(everyone[cat]),
            )
            for cat in categories
            if cat and cat in everyone and Decimal(everyone[cat]) > 0
        ),
        key=lambda bar: -bar.value,
    )
    return {
        "trend_chart": charts.columns(
            title=f"Completed PMPM by month, {year}",
            desc="Expenditure per member-month in each month of the year to date, all enrollment "
            "types and services, with each month's completion factor.",
            bars=trend,
            headers=("Month", "PMPM"),
        )
        if trend
        else "",
        "category_chart": charts.bars(
            title=f"PMPM by service category, {year} to date",
            desc="Year-to-date completed expenditure per member-month in each service category, "
            "largest first, all enrollment types.",
            bars=by_category,
            headers=("Service category", "PMPM"),
        )
        if by_category
        else "",
    }
