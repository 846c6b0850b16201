"""Reads of the events app, scoped to the user (`for_user`): the unmatched queue, one
beneficiary's stays and messages, and the candidates a coordinator may match a message to."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from beneficiaries.models import Beneficiary
from care.models import ClaimEvent
from events.models import AdtMessage, MessageStatus, Stay, StayStatus


def unmatched_messages(*, user: Any, entity: Any) -> QuerySet[AdtMessage]:
    return (
        AdtMessage.objects.for_user(user)
        .filter(entity=entity, status=MessageStatus.UNMATCHED)
        .select_related("sender")
        .order_by("-received_at", "-id")
    )


def message_for_user(*, user: Any, entity: Any, message_id: int) -> AdtMessage:
    message = (
        AdtMessage.objects.for_user(user)
        .filter(entity=entity, pk=message_id)
        .select_related("sender", "entity")
        .first()
    )
    if message is None:
        raise Http404("No such message.")
    return message


def match_candidates(*, user: Any, message: AdtMessage, limit: int = 5) -> list[Beneficiary]:
    """Beneficiaries of the message's entity a coordinator may mean: the same birth date, or
    the same last name (exact, case-insensitive)."""
    wanted = Q()
    if message.birth_date:
        wanted |= Q(birth_date=message.birth_date)
    if message.family_name:
        wanted |= Q(last_name__iexact=message.family_name)
    if not wanted:
        return []
    return list(
        Beneficiary.objects.for_user(user)
        .filter(entity_id=message.entity_id, merged_into__isnull=True)
        .filter(wanted)
        .order_by("last_name", "first_name", "id")[:limit]
    )


def beneficiary_events(*, beneficiary: Beneficiary, with_claims: bool = True) -> dict[str, Any]:
    stays = list(
        Stay.objects.filter(beneficiary=beneficiary).select_related("sender").order_by("-id")[:20]
    )
    messages = list(
        AdtMessage.objects.filter(beneficiary=beneficiary)
        .select_related("sender")
        .order_by("-event_at", "-id")[:50]
    )
    # The claim that closed each stay's loop, shown beside the hospital's dates (one stay, one
    # row: the claims timeline and this one count it once).
    claims = (
        {
            c.claim_id: c
            for c in ClaimEvent.objects.filter(
                beneficiary=beneficiary, claim_id__in=[s.claim_id for s in stays if s.claim_id]
            )
        }
        if with_claims
        else {}
    )
    for stay in stays:
        stay.claim = claims.get(stay.claim_id)  # type: ignore[attr-defined]
    return {
        "stays": stays,
        "messages": messages,
        "in_facility": [s for s in stays if s.status == StayStatus.IN_FACILITY],
    }
