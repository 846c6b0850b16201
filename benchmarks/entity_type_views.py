"""ACO REACH entity types: what the entity's type (Standard, New Entrant, High Needs Population)
changes (alignment minimum, benchmark) with its sources, and the High Needs eligibility criteria
evaluated for each beneficiary of the roster of record at a check date.

The criteria are evaluated by a job (`benchmarks.high_needs`, every check date of the year at
once) and stored: the page reads the stored result, says when it was computed and from which data,
and offers the entity's administrators and analysts to compute it again.

A `phi_view`: it records the beneficiaries of the page it shows. Another entity's user gets a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import START_RUNS, roles_with
from accounts.selectors import user_has_role
from alignment.engine import high_needs as hn
from audit.phi import phi_view
from audit.services import access_record_create
from benchmarks.entity_types import (
    NOT_COMPUTED,
    criteria_windows,
    entity_type_facts,
    reach_entity_type,
)
from benchmarks.selectors import high_needs_job_active, high_needs_results, high_needs_run_get
from benchmarks.services.high_needs import JOB_KIND
from entities.models import Entity
from entities.selectors import user_entities
from jobs.services import job_enqueue

PAGE_SIZE = 50
# Who starts the computation: as for the benchmark and risk-score jobs (accounts/roles.py).
WRITERS = roles_with(START_RUNS)
# Years the page answers for; another number in the URL is a 404, not a date error.
YEARS = range(2000, 2101)
SHOW = {"eligible": "meeting a criterion", "not": "meeting none", "all": "everyone"}


def _entity_or_404(request: HttpRequest, entity_id: int, year: int) -> Entity:
    if year not in YEARS:
        raise Http404("No such performance year.")
    entity = (
        user_entities(user=request.user)
        .filter(pk=entity_id, program__code="reach")
        .select_related("program")
        .first()
    )
    if entity is None:
        raise Http404("No such ACO REACH entity.")
    return entity


def _check_date(request: HttpRequest, year: int) -> tuple[dt.date, str]:
    allowed = hn.check_dates(year)
    text = request.GET.get("check", "")
    if not text:
        return allowed[0], ""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        day = None
    if day not in allowed:
        choices = ", ".join(d.isoformat() for d in allowed)
        return allowed[0], (
            f"Check date {text!r} is not one of PY{year}'s check dates ({choices}); "
            f"January 1 is shown."
        )
    return day, ""


@require_GET
@phi_view
def entity_type(request: HttpRequest, entity_id: int, year: int) -> HttpResponse:
    entity = _entity_or_404(request, entity_id, year)
    kind = reach_entity_type(entity=entity, performance_year=year)
    check, check_error = _check_date(request, year)
    spec = hn.load_criteria()
    run = high_needs_run_get(
        user=request.user, entity=entity, performance_year=year, check_date=check
    )
    show = request.GET.get("show", "eligible")
    show = show if show in SHOW else "eligible"
    rows: list[dict[str, Any]] = []
    page = None
    if run is not None:
        eligible = {"eligible": True, "not": False}.get(show)
        page = Paginator(
            high_needs_results(user=request.user, run=run, eligible=eligible), PAGE_SIZE
        ).get_page(request.GET.get("page"))
        rows = [
            {
                "beneficiary_id": r.beneficiary_id,
                "masked_mbi": r.beneficiary.masked_mbi,
                "met": r.met,
                "reasons": r.reasons,
                "notes": r.notes,
            }
            for r in page.object_list
        ]
    if rows:
        access_record_create(
            entity=entity,
            purpose="reach_high_needs_eligibility",
            route=request.path,
            beneficiary_ids=[r["beneficiary_id"] for r in rows],
            user=request.user,
        )
    windows = criteria_windows(spec, check)
    counts = run.counts if run is not None else {}
    criteria = [
        {**c, "window": windows.get(c["code"]), "count": counts.get(c["code"])}
        for c in spec["criteria"]
    ]
    facts = entity_type_facts(entity=entity, kind=kind) if kind is not None else None
    return render(
        request,
        "benchmarks/entity_type.html",
        {
            "entity": entity,
            "year": year,
            "kind": kind,
            "facts": facts,
            "not_computed": NOT_COMPUTED,
            "run": run,
            "stale_criteria": run is not None and run.criteria_version != str(spec["version"]),
            "running": high_needs_job_active(entity=entity, performance_year=year),
            "can_write": user_has_role(user=request.user, entity_id=entity.pk, roles=WRITERS),
            "criteria": criteria,
            "spec": spec,
            "check": check,
            "check_error": check_error,
            "check_dates": hn.check_dates(year),
            "rows": rows,
            "page": page,
            "show": show,
            "show_choices": list(SHOW.items()),
        },
    )


@require_POST
@phi_view
def high_needs_recompute(request: HttpRequest, entity_id: int, year: int) -> HttpResponse:
    """Start the High Needs computation of the year (every check date) from the stored claims,
    risk scores and roster of record; the page shows the result when the job has run."""
    entity = _entity_or_404(request, entity_id, year)
    if not user_has_role(user=request.user, entity_id=entity.pk, roles=WRITERS):
        raise PermissionDenied("Only the entity's administrators and analysts may start this.")
    job = job_enqueue(
        kind=JOB_KIND, entity=entity, parameters={"performance_year": year}, user=request.user
    )
    messages.success(
        request,
        f"The High Needs eligibility of PY{year} is being computed at every check date.",
    )
    return redirect("jobs:detail", job.pk)
