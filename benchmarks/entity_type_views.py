"""ACO REACH entity types: what the entity's type (Standard, New Entrant, High Needs Population)
changes (alignment minimum, benchmark) with its sources, and the High Needs eligibility criteria
evaluated for each beneficiary of the roster of record at a check date.

A `phi_view`: it records the beneficiaries of the page it shows. Another entity's user gets a 404.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from alignment.engine import high_needs as hn
from audit.phi import phi_view
from audit.services import access_record_create
from benchmarks.entity_types import (
    NOT_COMPUTED,
    entity_type_facts,
    high_needs_report,
    reach_entity_type,
)
from beneficiaries.models import Beneficiary
from entities.models import Entity
from entities.selectors import user_entities

PAGE_SIZE = 50
SHOW = {"eligible": "meeting a criterion", "not": "meeting none", "all": "everyone"}


def _entity_or_404(request: HttpRequest, entity_id: int) -> Entity:
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
    entity = _entity_or_404(request, entity_id)
    kind = reach_entity_type(entity=entity, performance_year=year)
    check, check_error = _check_date(request, year)
    report = high_needs_report(entity=entity, performance_year=year, check_date=check)
    show = request.GET.get("show", "eligible")
    show = show if show in SHOW else "eligible"
    results = report.results
    if show == "eligible":
        results = [r for r in results if r.eligible]
    elif show == "not":
        results = [r for r in results if not r.eligible]
    page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
    people = Beneficiary.objects.in_bulk([r.bene_id for r in page])
    rows: list[dict[str, Any]] = [
        {
            "beneficiary_id": r.bene_id,
            "masked_mbi": people[r.bene_id].masked_mbi if r.bene_id in people else "",
            "met": r.met,
            "reasons": r.reasons,
            "notes": r.notes,
        }
        for r in page
    ]
    if rows:
        access_record_create(
            entity=entity,
            purpose="reach_high_needs_eligibility",
            route=request.path,
            beneficiary_ids=[r["beneficiary_id"] for r in rows],
            user=request.user,
        )
    spec = report.criteria
    counts = report.count_by_criterion()
    criteria = [
        {**c, "window": report.windows.get(c["code"]), "count": counts.get(c["code"])}
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
            "report": report,
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
