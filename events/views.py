"""Coordinator pages of the events app: the unmatched queue (resolve or dismiss a message) and
the hospital events panel of a beneficiary's page (loaded into it by htmx).

Both show PHI: `phi_view`, an access record for what they show, 404 for another entity's rows.
A coordinator names the beneficiary by the internal id in a POST body, never by MBI in a URL."""

from __future__ import annotations

from django.contrib import messages as flash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from audit.phi import phi_view
from audit.services import access_record_create
from care.selectors import beneficiary_for_user, entity_for_user
from claims.selectors import withheld_beneficiaries
from core.api import ApplicationError
from events.selectors import (
    beneficiary_events,
    match_candidates,
    message_for_user,
    unmatched_messages,
)
from events.services import adt_message_dismiss, adt_message_resolve


@require_GET
@phi_view
def unmatched(request: HttpRequest, entity_id: int) -> HttpResponse:
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    queue = list(unmatched_messages(user=request.user, entity=entity)[:100])
    rows = [(m, match_candidates(user=request.user, message=m)) for m in queue]
    shown = {b.pk for _, cands in rows for b in cands}
    if queue:
        access_record_create(
            entity=entity,
            purpose="unmatched hospital events",
            route="events:unmatched",
            beneficiary_ids=sorted(shown),
            user=request.user,
        )
    return render(request, "events/unmatched.html", {"entity": entity, "rows": rows})


@require_POST
@phi_view
def resolve(request: HttpRequest, entity_id: int, message_id: int) -> HttpResponse:
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    message = message_for_user(user=request.user, entity=entity, message_id=message_id)
    try:
        if request.POST.get("action") == "dismiss":
            adt_message_dismiss(
                message=message, reason=request.POST.get("reason", ""), acting_user=request.user
            )
            flash.success(request, f"Message {message.control_id} dismissed.")
        else:
            try:
                bene_id = int(request.POST.get("beneficiary", ""))
            except ValueError:
                raise ApplicationError(
                    "Choose a beneficiary (beneficiary: a number).", {"field": "beneficiary"}
                ) from None
            bene = beneficiary_for_user(user=request.user, entity=entity, beneficiary_id=bene_id)
            adt_message_resolve(message=message, beneficiary=bene, acting_user=request.user)
            access_record_create(
                entity=entity,
                purpose="hospital event matched by a coordinator",
                route="events:resolve",
                beneficiary_ids=[bene.pk],
                user=request.user,
            )
            flash.success(request, f"Message {message.control_id} matched and applied.")
    except ApplicationError as error:
        flash.error(request, str(error.args[0] if error.args else error))
    return redirect("events:unmatched", entity_id=entity.pk)


@require_GET
@phi_view
def beneficiary_panel(request: HttpRequest, entity_id: int, beneficiary_id: int) -> HttpResponse:
    entity = entity_for_user(user=request.user, entity_id=entity_id)
    bene = beneficiary_for_user(user=request.user, entity=entity, beneficiary_id=beneficiary_id)
    access_record_create(
        entity=entity,
        purpose="hospital events of a beneficiary",
        route="events:beneficiary",
        beneficiary_ids=[bene.pk],
        user=request.user,
    )
    return render(
        request,
        "events/_beneficiary.html",
        {
            "entity": entity,
            "bene": bene,
            # CMS withholds the person's claims (data sharing declined): their claims are not
            # shown here either, as on the rest of the page.
            **beneficiary_events(
                beneficiary=bene,
                with_claims=bene.pk not in withheld_beneficiaries(entity=entity),
            ),
        },
    )
