"""Reconciliation pages: the platform's alignment run against CMS's list for an entity,
performance year and period, beneficiary by beneficiary, and the same as a CSV export.

Both are `phi_view`s and write an access record of the beneficiaries they show (the page: the
rows of the page; the export: every row). Another entity's user gets a 404.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from alignment.engine import columns as c
from alignment.engine.reconcile import CAUSE_LABELS, GROUP_LABELS, Cause, Group
from alignment.services.reconciliation import (
    DEFAULT_MARGIN,
    ReconciliationResult,
    parse_margin,
    reconciliation_build,
)
from audit.phi import phi_view
from audit.services import access_record_create
from beneficiaries.models import Beneficiary
from cmslists.selectors import cms_list_list
from core import csvfiles, display
from core.api import ApplicationError
from entities.models import Entity
from entities.selectors import user_entities

PAGE_SIZE = 50
# The page's words, not code names: the file has the columns the page shows.
EXPORT_COLUMNS = (
    "Beneficiary ID",
    "MBI",
    "Group",
    "Most likely cause",
    "Evidence",
    "CMS's exclusion reason",
    "CMS list",
    "CMS list date",
    "Platform run",
    "Run as of",
    "Plurality margin",
)


def _entity_or_404(request: HttpRequest, entity_id: int) -> Entity:
    entity = user_entities(user=request.user).filter(pk=entity_id).first()
    if entity is None:
        raise Http404("No such entity.")
    return entity


def _build(
    request: HttpRequest, entity: Entity, year: int, period: int
) -> tuple[ReconciliationResult | None, str]:
    try:
        margin = parse_margin(request.GET.get("margin"))
        result = reconciliation_build(
            entity=entity, performance_year=year, period=period, margin=margin
        )
    except ApplicationError as exc:
        return None, exc.message
    return result, ""


@require_GET
@phi_view
def reconciliation_index(request: HttpRequest) -> HttpResponse:
    """The CMS lists of the user's entities, each with a link to its reconciliation."""
    lists = cms_list_list(user=request.user).order_by(
        "entity__cms_id", "-performance_year", "-period", "-list_date"
    )
    return render(request, "alignment/reconciliation_index.html", {"lists": lists})


def _with_cms_words_once(detail: str, text: str) -> str:
    """The evidence with CMS's exclusion reason said once, in the one cell: "Excluded by CMS. CMS:
    A month in a Medicare health plan (...)." reads "Excluded by CMS: A month in a Medicare
    health plan (...)."; the export keeps the engine's sentence."""
    said = f" CMS: {text}."
    if not text or not detail.endswith(said):
        return detail
    rest = detail[: -len(said)]
    return f"Excluded by CMS: {text}." if rest == "Excluded by CMS." else detail


# The group and the cause in a few words, so a row stays on one line; the summary's tables, the
# filter and the cell's title give the full labels.
GROUP_SHORT: dict[Group, str] = {
    Group.BOTH: "Both",
    Group.CMS_ONLY: "CMS's list only",
    Group.OURS_ONLY: "Platform only",
    Group.NEITHER: "Neither",
}
CAUSE_SHORT: dict[Cause, str] = {
    Cause.MA_OR_OTHER_INITIATIVE: "Medicare Advantage or other",
    Cause.DATA_SHARING: "Data withheld by CMS",
    Cause.VOLUNTARY: "Voluntary alignment",
    Cause.PLURALITY_MARGIN: "Small plurality margin",
    Cause.CLAIMS_RUNOUT: "Claims run-out or coverage",
    Cause.PARTICIPANT_LIST: "Participant list differs",
    Cause.DEATH_OR_ELIGIBILITY: "Death or eligibility",
    Cause.UNEXPLAINED: "No cause found",
}


def _rows(result: ReconciliationResult, frame: pd.DataFrame) -> list[dict[str, Any]]:
    ids = [int(p) for p in frame[c.PERSON]]
    people = Beneficiary.objects.in_bulk(ids)
    rows = []
    for person, group, cause, detail, text in zip(
        ids, frame[c.GROUP], frame[c.CAUSE], frame[c.DETAIL], frame[c.CMS_EXCLUSION_TEXT],
        strict=True,
    ):  # fmt: skip
        bene = people.get(person)
        rows.append(
            {
                "beneficiary_id": person,
                "masked_mbi": bene.masked_mbi if bene else "",
                "group": GROUP_LABELS[Group(group)],
                "group_short": GROUP_SHORT[Group(group)],
                "cause": CAUSE_LABELS[Cause(cause)] if cause else "",
                "cause_short": CAUSE_SHORT[Cause(cause)] if cause else "",
                "detail": _with_cms_words_once(detail, text),
                "cms_reason": text,
            }
        )
    return rows


@require_GET
@phi_view
def reconciliation_detail(
    request: HttpRequest, entity_id: int, year: int, period: int
) -> HttpResponse:
    """The run against CMS's list: counts by group and cause, the agreement rate, and the
    beneficiaries of a group (the differences first), each difference with its likely cause."""
    entity = _entity_or_404(request, entity_id)
    result, error = _build(request, entity, year, period)
    context: dict[str, Any] = {
        "entity": entity,
        "year": year,
        "period": period,
        "error": error,
        "margin": request.GET.get("margin") or DEFAULT_MARGIN,
    }
    if result is None:
        return render(request, "alignment/reconciliation.html", context, status=400)
    group = request.GET.get("group", "")
    group = group if group in {g.value for g in Group} else ""
    cause = request.GET.get("cause", "")
    cause = cause if cause in {x.value for x in Cause} else ""
    frame = result.frame
    if group:
        frame = frame[frame[c.GROUP] == group]
    else:
        frame = frame[frame[c.GROUP].isin([Group.CMS_ONLY.value, Group.OURS_ONLY.value])]
    if cause:
        frame = frame[frame[c.CAUSE] == cause]
    page = Paginator(range(len(frame)), PAGE_SIZE).get_page(request.GET.get("page"))
    shown = frame.iloc[page.start_index() - 1 : page.end_index()] if len(frame) else frame
    rows = _rows(result, shown)
    if rows:
        access_record_create(
            entity=entity,
            purpose="alignment_reconciliation",
            route=request.path,
            beneficiary_ids=[r["beneficiary_id"] for r in rows],
            user=request.user,
        )
    summary = result.summary
    causes = [
        {
            "group": g,
            "group_label": GROUP_LABELS[Group(g)],
            "cause": x,
            "label": CAUSE_LABELS[Cause(x)],
            "count": n,
        }
        for (g, x), n in sorted(summary.causes.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1]))
    ]
    context.update(
        {
            "result": result,
            "summary": summary,
            "groups": [
                {"value": g.value, "label": g.label, "count": summary.groups[g.value]}
                for g in Group
            ],
            "causes": causes,
            "rows": rows,
            "page": page,
            "group": group,
            "cause": cause,
            "cause_choices": [(x.value, x.label) for x in Cause],
            "margin": result.margin,
        }
    )
    return render(request, "alignment/reconciliation.html", context)


@require_GET
@phi_view
def reconciliation_export(
    request: HttpRequest, entity_id: int, year: int, period: int
) -> HttpResponse:
    """Every beneficiary of the comparison, one row each, as CSV (through core.csvfiles)."""
    entity = _entity_or_404(request, entity_id)
    result, error = _build(request, entity, year, period)
    if result is None:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    frame = result.frame
    ids = [int(p) for p in frame[c.PERSON]]
    mbis = dict(Beneficiary.objects.filter(pk__in=ids).values_list("pk", "current_mbi"))
    out = io.StringIO()
    writer = csvfiles.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    lst, run = result.cms_list, result.run
    for person, group, cause, detail, text in zip(
        ids, frame[c.GROUP], frame[c.CAUSE], frame[c.DETAIL], frame[c.CMS_EXCLUSION_TEXT],
        strict=True,
    ):  # fmt: skip
        writer.writerow(
            (
                person,
                mbis.get(person, ""),
                GROUP_LABELS[Group(group)],
                CAUSE_LABELS[Cause(cause)] if cause else "",
                detail,
                text,
                lst.label,
                display.day(lst.list_date),
                str(run),
                display.day(run.as_of),
                display.money(result.margin),
            )
        )
    access_record_create(
        entity=entity,
        purpose="alignment_reconciliation_export",
        route=request.path,
        beneficiary_ids=ids,
        user=request.user,
    )
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    suffix = f"Q{period}" if period else "year"
    name = f"reconciliation_{entity.cms_id}_PY{year}_{suffix}_{lst.list_date:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
