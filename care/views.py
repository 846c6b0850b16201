"""Coordinator pages: overview, roster, beneficiary, worklists, "my work today".

Every page that shows beneficiaries is a `phi_view` (MFA for coordinators and analysts) and
records what it showed with `access_record_create`. Searches by name or date of birth arrive by
POST; URLs carry only internal keys.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import STAFF_ROLES, Membership
from accounts.roles import SETTLEMENT_MONEY
from accounts.selectors import user_may
from audit.phi import phi_view
from audit.services import access_record_create
from care import upstream
from care.conditions import ccw_conditions_from_claims
from care.contact import contact_card, contact_details_record
from care.exports import export_path
from care.forms import (
    BulkAssignForm,
    ContactForm,
    ItemCreateForm,
    ItemUpdateForm,
    OutreachForm,
    RefreshForm,
    RosterForm,
)
from care.medications import medication_panel
from care.models import ClaimEvent, ItemKind, ItemStatus
from care.queue import QUEUE_LIMIT, contact_queue, queue_groups
from care.roster_columns import COLUMNS, header_sort, row_values
from care.saved_views import (
    roster_view_delete,
    roster_view_for_user,
    roster_view_form_data,
    roster_view_save,
    roster_views_for_user,
)
from care.selectors import (
    RECENT_DAYS,
    WEEK_DAYS,
    WORKLIST_STATUSES,
    RosterFilters,
    beneficiary_for_user,
    beneficiary_gaps,
    beneficiary_items,
    care_data_date,
    data_dates_for_user,
    entity_for_user,
    entity_worklist,
    measure_gap_keys,
    my_work_sections,
    new_event_items,
    overview_figures,
    risk_tier_counts,
    roster_anchor_for_page,
    roster_page,
    roster_position,
    worklist_by_kind,
    worklist_item_for_user,
)
from care.services import (
    outreach_attempt_create,
    worklist_item_create,
    worklist_item_update,
    worklist_items_assign,
)
from care.timeline import (
    beneficiary_claims_summary,
    beneficiary_timeline,
    conditions_from_claims,
    timeline_extra_rows,
    timeline_start,
)
from claims.selectors import claims_data_date, withheld_beneficiaries
from core.api import ApplicationError
from core.http import HtmxHttpRequest
from jobs.models import ACTIVE_STATES, Job
from jobs.services import job_enqueue


def _members(entity: Any) -> list[tuple[str, str]]:
    return [
        (str(m.user_id), m.user.full_name or m.user.email)
        for m in Membership.objects.filter(entity=entity, role__in=STAFF_ROLES)
        .select_related("user")
        .order_by("user__email")
    ]


@require_GET
@phi_view
def my_work(request: HttpRequest) -> HttpResponse:
    dates = data_dates_for_user(user=request.user)
    start_of_today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    sections = my_work_sections(user=request.user, dates=dates, created_since=start_of_today)
    listed = [
        *sections["overdue"], *sections["today"], *sections["week"], *sections["created_today"]
    ]  # fmt: skip
    events = new_event_items(user=request.user)
    _note_shown(request, [*listed, *events], purpose="my work today", route="care:today")
    known = [d for d in dates.values() if d is not None]
    return render(
        request,
        "care/today.html",
        {
            "sections": sections,
            "anything": bool(listed),
            "data_dates": sorted(set(known)),
            "week_end": max(known) + timedelta(days=WEEK_DAYS) if known else None,
            "event_items": events,
            "outreach_form": OutreachForm(),
            "now": timezone.now(),
        },
    )


def _note_shown(request: HttpRequest, items: list[Any], *, purpose: str, route: str) -> None:
    """One access record per entity whose beneficiaries the items show."""
    by_entity: dict[Any, list[int]] = defaultdict(list)
    for item in items:
        by_entity[item.entity].append(item.beneficiary_id)
    for entity, ids in by_entity.items():
        access_record_create(
            entity=entity, purpose=purpose, route=route, beneficiary_ids=ids, user=request.user
        )


@require_GET
@phi_view
def queue(request: HttpRequest, entity_id: int) -> HttpResponse:
    """Who to contact today in one entity, ranked, with the reason for each rank."""
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    as_of = care_data_date(entity=entity)
    start_of_today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    entries = contact_queue(
        user=request.user, entity=entity, as_of=as_of, contacted_since=start_of_today
    )
    _note_shown(request, [e.item for e in entries], purpose="contact queue", route="care:queue")
    context = {
        "entity": entity,
        "entries": entries,
        "groups": queue_groups(entries),
        "as_of": as_of,
        "limit": QUEUE_LIMIT,
        "outreach_form": OutreachForm(),
    }
    return render(request, "care/queue.html", context)


@require_GET
@phi_view
def my_work_events(request: HttpRequest) -> HttpResponse:
    """The "new from hospital feeds" panel, which the page polls (htmx) every few seconds."""
    events = new_event_items(user=request.user)
    _note_shown(
        request, events, purpose="my work today: new event tasks", route="care:today_events"
    )
    return render(request, "care/_event_items.html", {"event_items": events, "now": timezone.now()})


@require_GET
@phi_view
def overview(request: HttpRequest, entity_id: int) -> HttpResponse:
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    jobs = list(
        Job.objects.filter(entity=entity, state__in=ACTIVE_STATES).order_by("-created_at")[:10]
    )
    figures = overview_figures(entity=entity)
    summary = figures["summary"]
    context = {
        "entity": entity,
        "figures": figures,
        "alignment": upstream.alignment_summary(entity=entity),
        **upstream.roster_of_record(entity=entity),
        "pmpm": upstream.pmpm_summary(entity=entity, spending=summary.pmpm if summary else None),
        "savings": upstream.savings_projection(user=request.user, entity=entity),
        "savings_allowed": user_may(user=request.user, entity_id=entity.pk, key=SETTLEMENT_MONEY),
        "jobs": jobs,
    }
    return render(request, "care/overview.html", context)


@require_GET
@phi_view
def overview_jobs(request: HttpRequest, entity_id: int) -> HttpResponse:
    """The overview's jobs panel, polled by htmx while a job runs (no beneficiary data)."""
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    jobs = list(
        Job.objects.filter(entity=entity, state__in=ACTIVE_STATES).order_by("-created_at")[:10]
    )
    return render(request, "care/_jobs.html", {"entity": entity, "jobs": jobs})


@require_http_methods(["GET", "POST"])
@phi_view
def roster(request: HtmxHttpRequest, entity_id: int) -> HttpResponse:
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    measures = measure_gap_keys(entity=entity)
    form = RosterForm(request.POST if request.method == "POST" else None, measure_gaps=measures)
    # A saved view (its id: a link, or the view's button) fills the form with its filters.
    view_id = request.POST.get("apply_view") or request.GET.get("view") or ""
    current_view = None
    if view_id.isdigit():
        current_view = roster_view_for_user(user=request.user, entity=entity, view_id=int(view_id))
        form = RosterForm(roster_view_form_data(current_view), measure_gaps=measures)
    filters = RosterFilters()
    rows: list[Any] = []
    next_after = None
    position = {"total": 0, "page": 1, "pages": 1}
    invalid = form.is_bound and not form.is_valid()
    if not invalid:
        # A filter that does not parse (a TIN of 8 digits) shows its error and no one: listing
        # everybody under a filter the user believes applied would mislead.
        if form.is_bound:
            filters = RosterFilters.from_data(form.cleaned_data)
            data = form.cleaned_data
            wanted = data.get("page") or (data.get("goto") if data.get("go") else None)
            if wanted and data.get("after") is None:
                filters = replace(
                    filters,
                    after=roster_anchor_for_page(
                        user=request.user, entity=entity, filters=filters, page=wanted
                    ),
                )
        rows, next_after = roster_page(user=request.user, entity=entity, filters=filters)
        position = roster_position(user=request.user, entity=entity, filters=filters)
        access_record_create(
            entity=entity,
            purpose="roster",
            route="care:roster",
            beneficiary_ids=[b.pk for b in rows],
            user=request.user,
            method=request.method or "GET",
        )
    withheld = withheld_beneficiaries(entity=entity)
    as_of = care_data_date(entity=entity)
    counts = risk_tier_counts(entity=entity)
    tiers = [
        {"name": name.capitalize(), "bound": bound, "n": counts.get(name, 0)}
        for name, bound in settings.CARE_RISK_TIERS
    ]
    context = {
        "entity": entity,
        "tiers": tiers,
        "tier_low": counts.get("low", 0),
        "tier_none": counts.get("", 0),
        "form": form if form.is_bound else RosterForm(measure_gaps=measures),
        "invalid": invalid,
        "as_of": as_of,
        "recent_since": as_of - timedelta(days=RECENT_DAYS) if as_of else None,
        "rows": rows,
        "table": [(b, row_values(b, withheld=b.pk in withheld)) for b in rows],
        "columns": [(col, header_sort(col, filters.sort)) for col in COLUMNS],
        "sort": filters.sort,
        "next_after": next_after,
        "position": position,
        "saved_views": roster_views_for_user(user=request.user, entity=entity),
        "current_view": current_view,
        "paged": filters.after is not None,
        "risk_margin": int(settings.CARE_ALIGNMENT_RISK_MARGIN * 100),
        "risk_months": settings.CARE_ALIGNMENT_RISK_NO_VISIT_MONTHS,
        # CMS withholds their claims: the row stays, the columns from claims say so.
        "withheld": withheld,
    }
    template = "care/_roster_results.html" if request.htmx else "care/roster.html"
    return render(request, template, context)


@require_POST
@phi_view
def roster_views(request: HttpRequest, entity_id: int) -> HttpResponse:
    """Save the roster form's filters as a named view ("save"), or delete one ("delete")."""
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    try:
        if request.POST.get("action") == "delete":
            view_id = request.POST.get("view", "")
            view = roster_view_for_user(
                user=request.user, entity=entity, view_id=int(view_id) if view_id.isdigit() else 0
            )
            roster_view_delete(user=request.user, view=view)
            messages.success(request, f"View “{view.name}” deleted.")
            return redirect("care:roster", entity_id=entity.pk)
        form = RosterForm(request.POST)
        if not form.is_valid():
            raise ApplicationError("The filters are not valid: correct them before saving.")
        view = roster_view_save(
            entity=entity,
            user=request.user,
            name=request.POST.get("view_name", ""),
            filters=form.cleaned_data,
            shared=request.POST.get("view_shared") == "on",
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("care:roster", entity_id=entity.pk)
    shared = " and shared with your team" if view.shared else ""
    messages.success(request, f"View “{view.name}” saved{shared}.")
    return redirect(reverse("care:roster", args=[entity.pk]) + f"?view={view.pk}")


@require_POST
@phi_view
def roster_export(request: HttpRequest, entity_id: int) -> HttpResponse:
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    form = RosterForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The export filters are not valid.")
        return redirect("care:roster", entity_id=entity.pk)
    params = form.job_parameters()
    params["requested_by"] = request.user.pk
    job = job_enqueue(
        kind="care.roster_export", entity=entity, parameters=params, user=request.user
    )
    messages.success(request, "The export is being prepared; download it here when it is done.")
    return redirect("care:export", job_id=job.pk)


@require_GET
@phi_view
def export(request: HtmxHttpRequest, job_id: int) -> HttpResponse | FileResponse:
    """The export's progress, and the file once it is written (only to the user who asked)."""
    job = (
        Job.objects.for_user(request.user)
        .select_related("entity")
        .filter(pk=job_id, kind="care.roster_export", created_by=request.user)
        .first()
    )
    if job is None:
        raise Http404("No such export.")
    if request.GET.get("download") and job.state == "succeeded":
        path = export_path(job)
        if path is None or not path.exists():
            raise Http404("The export file is gone.")
        access_record_create(
            entity=job.entity,
            purpose="roster CSV download",
            route="care:export",
            user=request.user,
            count=int(job.result.get("rows", 0)),
        )
        return FileResponse(path.open("rb"), as_attachment=True, filename=f"roster-{job.pk}.csv")
    template = "care/_export_status.html" if request.htmx else "care/export.html"
    as_of = (job.result or {}).get("as_of")
    context = {
        "job": job,
        "filters": RosterForm().described(dict(job.parameters)),
        "as_of": date.fromisoformat(as_of) if as_of else None,
    }
    return render(request, template, context)


@require_POST
@phi_view
def refresh(request: HttpRequest, entity_id: int) -> HttpResponse:
    """Start the care refresh (gaps, profiles, generated tasks) from the entity's claims, as of
    the claims' own date (the latest claim through date), or an earlier date asked for. A date
    after the claims' date is refused with the reason: recent stays and visits would be counted
    back from a day the claims do not reach."""
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    data_date = claims_data_date(entity=entity)
    if data_date is None:
        messages.error(
            request, "No claims are loaded for this entity yet: load a CCLF delivery first."
        )
        return redirect("care:overview", entity_id=entity.pk)
    form = RefreshForm(request.POST)
    as_of = data_date
    if form.is_valid() and form.cleaned_data["as_of"]:
        as_of = form.cleaned_data["as_of"]
    elif not form.is_valid():
        messages.error(request, "The refresh date is not a date (YYYY-MM-DD).")
        return redirect("care:overview", entity_id=entity.pk)
    if as_of > data_date:
        messages.warning(
            request,
            f"The claims reach {data_date:%Y-%m-%d}; a refresh as of {as_of:%Y-%m-%d} would count "
            "recent stays and visits back from a day the claims do not reach and open a wellness "
            f"visit task for everyone. Refresh as of {data_date:%Y-%m-%d} or an earlier date.",
        )
        return redirect("care:overview", entity_id=entity.pk)
    job = job_enqueue(
        kind="care.refresh",
        entity=entity,
        parameters={"as_of": as_of.isoformat()},
        user=request.user,
    )
    messages.success(request, f"Care refresh started, as of the claims date {as_of:%Y-%m-%d}.")
    return redirect("jobs:detail", pk=job.pk)


@require_GET
@phi_view
def beneficiary(request: HttpRequest, entity_id: int, beneficiary_id: int) -> HttpResponse:
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    bene = beneficiary_for_user(user=request.user, entity=entity, beneficiary_id=beneficiary_id)
    today = timezone.localdate()
    # The page's one data date: the care refresh its claims figures were built from (the
    # person's profile, else the entity's summary). "This year" and the risk panel's payment
    # year are that date's year, never the calendar's: claims lag by months.
    as_of = getattr(getattr(bene, "care", None), "as_of", None) or care_data_date(entity=entity)
    year = as_of.year if as_of else None
    access_record_create(
        entity=entity,
        purpose="beneficiary page",
        route="care:beneficiary",
        beneficiary_ids=[bene.pk],
        user=request.user,
    )
    # Declined data sharing or suppressed by CMS (claims.selectors): nothing from claims shows.
    withheld = withheld_beneficiaries(entity=entity).get(bene.pk)
    items = beneficiary_items(beneficiary=bene)
    # The claims of the last two years the care refresh kept (none when CMS withholds them).
    since = (as_of or today) - timedelta(days=731)
    recent_claims = (
        []
        if withheld
        else list(
            ClaimEvent.objects.filter(entity=entity, beneficiary=bene, thru_date__gte=since).only(
                "claim_id", "kind", "from_date", "thru_date", "codes", "dx"
            )
        )
    )
    # Claims reach the data date; tasks, outreach and hospital events happen up to today.
    timeline_end = max(as_of or today, today)
    context = {
        "entity": entity,
        "bene": bene,
        # Age on the data's date (or at death), not on the wall clock's.
        "age": _age(bene.birth_date, bene.death_date or as_of or today),
        "withheld": withheld,
        "gaps": [] if withheld else beneficiary_gaps(beneficiary=bene),
        "items": [i for i in items if not i.source_key] if withheld else items,
        "outreach_form": OutreachForm(),
        "as_of": as_of,
        "data_date": as_of,
        "claims": None
        if withheld
        else beneficiary_claims_summary(entity=entity, beneficiary=bene, year=year),
        "alignment": upstream.alignment_history(beneficiary=bene),
        "risk": upstream.risk_profile(user=request.user, beneficiary=bene, year=year)
        if year and not withheld
        else None,
        "item_form": ItemCreateForm(members=_members(entity)),
        "statuses": ItemStatus.choices,
        "conditions": conditions_from_claims(recent_claims, year=year),
        # The same diagnoses by CMS's Chronic Conditions Data Warehouse conditions (the refresh
        # keeps claims from 1 January of the year before its date).
        "ccw": ccw_conditions_from_claims(
            recent_claims, since=max(since, date((as_of or today).year - 1, 1, 1))
        ),
        # Part D fills (CCLF7): none shown for a person whose claims CMS withholds.
        "medications": None if withheld else medication_panel(profile=getattr(bene, "care", None)),
        "contact": contact_card(beneficiary=bene),
        "contact_form": ContactForm(),
        "timeline": beneficiary_timeline(
            claims=recent_claims,
            items=items,
            attempts=[a for i in items for a in i.outreach_attempts.all()],
            end=timeline_end,
            # The rows the apps above care register (hospital ADT events: events.apps).
            extra_rows=timeline_extra_rows(
                entity=entity,
                beneficiary=bene,
                start=timeline_start(timeline_end),
                end=timeline_end,
            ),
        ),
    }
    return render(request, "care/beneficiary.html", context)


@require_POST
@phi_view
def contact_update(request: HttpRequest, entity_id: int, beneficiary_id: int) -> HttpResponse:
    """Record a new version of the person's contact details (the earlier ones are kept)."""
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    bene = beneficiary_for_user(user=request.user, entity=entity, beneficiary_id=beneficiary_id)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            contact_details_record(beneficiary=bene, acting_user=request.user, **form.cleaned_data)
            messages.success(request, "Contact details saved.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
    else:
        fields = ", ".join(str(form.fields[name].label).lower() for name in form.errors)
        messages.error(request, f"The contact details need a valid {fields}.")
    return redirect(reverse("care:beneficiary", args=[entity.pk, bene.pk]) + "#contact")


def _age(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


@require_POST
@phi_view
def item_create(request: HttpRequest, entity_id: int, beneficiary_id: int) -> HttpResponse:
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    bene = beneficiary_for_user(user=request.user, entity=entity, beneficiary_id=beneficiary_id)
    members = _members(entity)
    form = ItemCreateForm(request.POST, members=members)
    if form.is_valid():
        assignee = None
        if form.cleaned_data["assigned_to"]:
            assignee = Membership.objects.get(
                entity=entity, user_id=int(form.cleaned_data["assigned_to"])
            ).user
        try:
            worklist_item_create(
                entity=entity,
                beneficiary=bene,
                title=form.cleaned_data["title"],
                detail=form.cleaned_data["detail"],
                due_date=form.cleaned_data["due_date"],
                assigned_to=assignee,
                acting_user=request.user,
                kind=ItemKind.MANUAL,
            )
            messages.success(request, "Task added.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "The task needs a title.")
    return redirect("care:beneficiary", entity_id=entity.pk, beneficiary_id=bene.pk)


@require_POST
@phi_view
def item_update(request: HttpRequest, item_id: int) -> HttpResponse:
    item = worklist_item_for_user(user=request.user, item_id=item_id)
    form = ItemUpdateForm(request.POST)
    if request.POST.get("take"):
        worklist_item_update(item=item, acting_user=request.user, assigned_to=request.user)
        messages.success(request, "Assigned to you.")
    elif form.is_valid():
        try:
            worklist_item_update(
                item=item,
                acting_user=request.user,
                status=form.cleaned_data["status"],
                dismissed_reason=form.cleaned_data["dismissed_reason"],
                note=form.cleaned_data["note"],
            )
            messages.success(
                request, f"Task marked {ItemStatus(form.cleaned_data['status']).label.lower()}."
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "Choose a status.")
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(
        reverse("care:beneficiary", args=[item.entity_id, item.beneficiary_id]) + f"#item-{item.pk}"
    )


@require_GET
@phi_view
def worklist(request: HttpRequest, entity_id: int) -> HttpResponse:
    """The entity's worklist, a page at a time (every item is reachable: no cap), with the
    filters and a form to assign the ticked items at once."""
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    status = request.GET.get("status", "active")
    kind = request.GET.get("kind", "")
    mine = request.GET.get("mine") == "1"
    paginator = Paginator(
        entity_worklist(user=request.user, entity=entity, status=status, kind=kind, mine=mine),
        WORKLIST_PAGE_SIZE,
    )
    page = paginator.get_page(request.GET.get("page"))
    items = list(page.object_list)
    access_record_create(
        entity=entity,
        purpose="worklist",
        route="care:worklist",
        beneficiary_ids=[i.beneficiary_id for i in items],
        user=request.user,
    )
    query = request.GET.copy()
    query.pop("page", None)
    data_date = care_data_date(entity=entity)
    # The summary's links keep the status and assignee filters and choose one kind.
    by_kind = query.copy()
    by_kind.pop("kind", None)
    context = {
        "entity": entity,
        "items": items,
        "page": page,
        "query": query.urlencode(),
        "kind_query": by_kind.urlencode(),
        "by_kind": worklist_by_kind(
            user=request.user, entity=entity, status=status, mine=mine, data_date=data_date
        ),
        "status": status,
        "kind": kind,
        "mine": mine,
        "kinds": ItemKind.choices,
        "statuses": WORKLIST_STATUSES,
        "members": _members(entity),
        "data_date": data_date,
        "outreach_form": OutreachForm(),
    }
    return render(request, "care/worklist.html", context)


# A screen or two of tasks a page: the summary by kind above says where the rest are.
WORKLIST_PAGE_SIZE = 25


@require_POST
@phi_view
def worklist_assign(request: HttpRequest, entity_id: int) -> HttpResponse:
    """Assign the ticked items to one member of the entity (or to nobody)."""
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    ids = [int(v) for v in request.POST.getlist("items") if v.isdigit()]
    form = BulkAssignForm(request.POST, members=_members(entity), item_ids=ids)
    if not ids:
        messages.error(request, "Tick the tasks to assign.")
    elif form.is_valid():
        assignee = None
        if form.cleaned_data["assigned_to"]:
            assignee = Membership.objects.get(
                entity=entity, user_id=int(form.cleaned_data["assigned_to"])
            ).user
        try:
            n = worklist_items_assign(
                entity=entity, item_ids=ids, assigned_to=assignee, acting_user=request.user
            )
            messages.success(request, f"{n} task{'s' if n != 1 else ''} assigned.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, "Choose a member of this entity to assign the tasks to.")
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("care:worklist", entity_id=entity.pk)


@require_POST
@phi_view
def outreach_create(request: HttpRequest, item_id: int) -> HttpResponse:
    """Record an outreach attempt on an item (when, how, outcome)."""
    item = worklist_item_for_user(user=request.user, item_id=item_id)
    form = OutreachForm(request.POST)
    if form.is_valid():
        try:
            attempt = outreach_attempt_create(
                item=item,
                acting_user=request.user,
                attempted_at=form.cleaned_data["attempted_at"] or timezone.now(),
                method=form.cleaned_data["method"],
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                next_action_on=form.cleaned_data["next_action_on"],
            )
            who = f"{item.beneficiary.first_name} {item.beneficiary.last_name}".strip()
            messages.success(request, f"Outreach recorded for {who}: {attempt}.")
        except ApplicationError as exc:
            messages.error(request, exc.message)
    else:
        fields = ", ".join(str(form.fields[name].label).lower() for name in form.errors)
        messages.error(request, f"The outreach attempt needs a valid {fields}.")
    # From a list (my work, the queue, the worklist) back to it; else to the person's page.
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(
        reverse("care:beneficiary", args=[item.entity_id, item.beneficiary_id]) + f"#item-{item.pk}"
    )
