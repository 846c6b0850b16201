"""Writes of the events app: receiving an ADT message (HL7 v2 or a FHIR Encounter), matching
its patient, applying what it says (stays, the "in hospital" flag, worklist tasks), the
coordinator's resolution of the unmatched queue, and closing the loop with later claims.

A message is stored, matched and applied in one transaction inside the scope of its sender's
entity (row-level security: the rows of another entity cannot be read or written); the caller
acknowledges after it commits. A message seen before (same sender, same MSH-10) changes nothing
and gets the answer it got the first time.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from beneficiaries.models import Beneficiary, BeneficiaryMbi
from care.models import CareProfile, ClaimEvent
from care.services import worklist_items_raise, worklist_items_withdraw
from core.api import ApplicationError
from core.rls import entity_scope
from events import rules
from events.adt import Adt, AdtRejected, parse_fhir_encounter, parse_v2
from events.models import (
    AdtMessage,
    FacilityKind,
    MatchRule,
    MessageStatus,
    Sender,
    Stay,
    StayKind,
    StayStatus,
)

logger = logging.getLogger(__name__)

#: Every task suffix an event can raise (rules.Task.suffix): a cancel withdraws them all.
TASK_SUFFIXES = ("contact", "visit", "snf", "ed", "snf_admit")
SEX_CODES = {"M": "1", "F": "2"}  # PID-8 (HL7 table 0001) to BENE_SEX_CD


@dataclass
class Receipt:
    """The answer to a message: MSA-1 code, the reason (MSA-3), and what was stored."""

    code: str
    reason: str
    control_id: str = ""
    message_id: int | None = None
    duplicate: bool = False
    entity_id: int | None = None


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def sender_find(*, application: str, facility: str) -> Sender | None:
    return (
        Sender.objects.filter(
            sending_application=application, sending_facility=facility, is_active=True
        )
        .select_related("entity")
        .first()
    )


def adt_v2_receive(
    *,
    text: str,
    channel: str,
    received_at: datetime | None = None,
    entity_id: int | None = None,
    senders: dict[tuple[str, str], Sender] | None = None,
) -> Receipt:
    """Receive one HL7 v2 message. `entity_id` limits the senders to one entity (a partner's
    HTTPS call); `senders` is a cache of the registered senders (the listener's)."""
    try:
        adt = parse_v2(text, tz=_tz())
    except AdtRejected as refusal:
        return Receipt(refusal.code, refusal.reason, control_id=refusal.control_id)
    return _receive(
        adt=adt,
        raw=text,
        channel=channel,
        received_at=received_at or timezone.now(),
        entity_id=entity_id,
        senders=senders,
    )


def adt_fhir_receive(
    *, resource: Any, entity_id: int, received_at: datetime | None = None
) -> Receipt:
    """Receive one FHIR R4 Encounter notification from a partner of `entity_id`."""
    import json

    try:
        adt = parse_fhir_encounter(resource, tz=_tz())
    except AdtRejected as refusal:
        return Receipt(refusal.code, refusal.reason, control_id=refusal.control_id)
    return _receive(
        adt=adt,
        raw=json.dumps(resource, sort_keys=True)[:200_000],
        channel="fhir",
        received_at=received_at or timezone.now(),
        entity_id=entity_id,
        senders=None,
    )


def _receive(
    *,
    adt: Adt,
    raw: str,
    channel: str,
    received_at: datetime,
    entity_id: int | None,
    senders: dict[tuple[str, str], Sender] | None,
) -> Receipt:
    key = (adt.sending_application, adt.sending_facility)
    sender = senders.get(key) if senders is not None else None
    if sender is None:
        sender = sender_find(application=key[0], facility=key[1])
        if sender is not None and senders is not None:
            senders[key] = sender
    cid = adt.control_id
    if sender is None or (entity_id is not None and sender.entity_id != entity_id):
        return Receipt(
            "AR",
            f"MSH-3/MSH-4 {key[0]}^{key[1]} is not a registered sender"
            + (" of this entity." if entity_id is not None else "."),
            control_id=cid,
        )
    try:
        with entity_scope([sender.entity_id]), transaction.atomic():
            return _store(adt=adt, raw=raw, channel=channel, received_at=received_at, sender=sender)
    except IntegrityError:
        # The same message arrived on another connection at the same moment: the other copy
        # was stored; answer as for a resend.
        with entity_scope([sender.entity_id]):
            first = AdtMessage.objects.filter(sender=sender, control_id=cid).first()
        if first is None:
            raise
        return _answer(first, duplicate=True)
    except ApplicationError as error:
        return Receipt("AE", str(error.args[0] if error.args else error), control_id=cid)


def _answer(message: AdtMessage, *, duplicate: bool) -> Receipt:
    code = "AE" if message.status == MessageStatus.UNMATCHED else "AA"
    reason = message.outcome
    if duplicate:
        reason = f"Received before ({message.received_at:%Y-%m-%d %H:%M:%S}); {reason}"
    return Receipt(
        code,
        reason,
        control_id=message.control_id,
        message_id=message.pk,
        duplicate=duplicate,
        entity_id=message.entity_id,
    )


def _store(*, adt: Adt, raw: str, channel: str, received_at: datetime, sender: Sender) -> Receipt:
    first = AdtMessage.objects.filter(sender=sender, control_id=adt.control_id).first()
    if first is not None:
        return _answer(first, duplicate=True)
    beneficiary, rule, why = beneficiary_match(entity_id=sender.entity_id, adt=adt)
    message = AdtMessage(
        entity_id=sender.entity_id,
        sender=sender,
        control_id=adt.control_id,
        channel=channel,
        trigger=adt.trigger,
        event_at=adt.event_at,
        received_at=received_at,
        beneficiary=beneficiary,
        match_rule=rule,
        mbi=adt.mbi,
        family_name=adt.family_name,
        given_name=adt.given_name,
        birth_date=adt.birth_date,
        sex=adt.sex,
        patient_class=adt.patient_class,
        visit_number=adt.visit_number,
        location=adt.location,
        discharge_disposition=adt.discharge_disposition,
        admit_at=adt.admit_at,
        discharge_at=adt.discharge_at,
        raw=raw,
    )
    if beneficiary is None:
        message.status = MessageStatus.UNMATCHED
        message.outcome = f"Patient not matched: {why} Queued for a coordinator."[:300]
        message.save(force_insert=True)
        return _answer(message, duplicate=False)
    message.status = MessageStatus.APPLIED
    message.save(force_insert=True)
    _apply(message)
    return _answer(message, duplicate=False)


# ------------------------------------------------------------------------------- matching


def _norm(text: str) -> str:
    """Names compared: accents removed, letters only, upper case ("O'Brien-Smith" is
    OBRIENSMITH)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z]", "", plain.upper())


def beneficiary_match(*, entity_id: int, adt: Adt) -> tuple[Beneficiary | None, str, str]:
    """The entity's beneficiary the message is about, by the documented rule (docs/adt.md):

    1. PID-3 carries an MBI (assigning authority CMS): the beneficiary holding that MBI (current
       or earlier) in this entity, followed to the record it was merged into. An MBI the
       entity does not know matches no one (no guess by name).
    2. No MBI: the one beneficiary of the entity, not merged, with the same date of birth, sex
       and (compared as letters only, without accents) last and first name. None or several:
       no match.
    Only the sender's entity is searched; row-level security holds the same line."""
    base = Beneficiary.objects.filter(entity_id=entity_id)
    if adt.mbi:
        row = (
            BeneficiaryMbi.objects.filter(entity_id=entity_id, mbi=adt.mbi)
            .exclude(beneficiary=None)
            .values_list("beneficiary_id", flat=True)
            .first()
        )
        if row is None:
            found = base.filter(current_mbi=adt.mbi).first()
        else:
            found = base.filter(pk=row).first()
        if found is None:
            return None, "", "the MBI in PID-3 is not one of this entity's beneficiaries."
        seen = 0
        while found.merged_into_id is not None and seen < 5:
            found = base.get(pk=found.merged_into_id)
            seen += 1
        return found, MatchRule.MBI, ""
    missing = [
        name
        for name, value in (
            ("PID-5 family name", adt.family_name),
            ("PID-5 given name", adt.given_name),
            ("PID-7 date of birth", adt.birth_date),
            ("PID-8 sex (F or M)", SEX_CODES.get(adt.sex)),
        )
        if not value
    ]
    if missing:
        return None, "", f"no MBI in PID-3, and {', '.join(missing)} empty."
    family, given = _norm(adt.family_name), _norm(adt.given_name)
    candidates = [
        b
        for b in base.filter(
            merged_into__isnull=True, birth_date=adt.birth_date, sex_code=SEX_CODES[adt.sex]
        ).only("id", "entity_id", "first_name", "last_name")
        if _norm(b.last_name) == family and _norm(b.first_name) == given
    ]
    if len(candidates) == 1:
        return candidates[0], MatchRule.DEMOGRAPHICS, ""
    if not candidates:
        return None, "", "no MBI in PID-3, and no beneficiary has this name, birth date and sex."
    return (
        None,
        "",
        (
            f"no MBI in PID-3, and {len(candidates)} beneficiaries share this name, birth date and sex."
        ),
    )


# ------------------------------------------------------------------------------- applying


def _keys(message_id: int | None) -> list[str]:
    return [f"adt:{message_id}:{s}" for s in TASK_SUFFIXES] if message_id else []


def _raise(message: AdtMessage, tasks: list[rules.Task]) -> None:
    worklist_items_raise(
        items=[
            {
                "entity": message.entity,
                "beneficiary": message.beneficiary,
                "kind": task.kind,
                "source_key": f"adt:{message.pk}:{task.suffix}",
                "source_at": message.event_at,
                "title": task.title,
                "detail": task.detail,
                "due_date": task.due,
            }
            for task in tasks
        ]
    )


def _stay_kind(message: AdtMessage) -> str:
    if message.sender.facility_kind == FacilityKind.SNF:
        return StayKind.SNF
    if message.patient_class == "E":
        return StayKind.EMERGENCY
    if message.patient_class == "I" or message.trigger == "A01":
        return StayKind.INPATIENT
    return StayKind.OTHER


def _apply(message: AdtMessage) -> None:
    """What the event does; sets `message.stay` and `message.outcome` and saves them."""
    trigger = message.trigger
    visit = message.visit_number or f"msg:{message.control_id}"[:60]
    stay = (
        Stay.objects.select_for_update().filter(sender=message.sender, visit_number=visit).first()
    )
    label = f"{message.sender.name}"
    ed_days = settings.EVENTS_ED_FOLLOW_UP_BUSINESS_DAYS
    if trigger in ("A11", "A13"):
        if stay is None or not message.visit_number:
            raise ApplicationError(
                f"{trigger} cancels a visit this service has not seen (PV1-19 visit number "
                f"{message.visit_number or 'empty'})."
            )
        if trigger == "A11":
            withdrawn = worklist_items_withdraw(
                entity=message.entity,
                source_keys=_keys(stay.admit_message_id) + _keys(stay.discharge_message_id),
                reason=f"The admission or visit was cancelled by the facility (A11, {message.event_at:%Y-%m-%d %H:%M}).",
            )
            stay.status = StayStatus.CANCELLED
            message.outcome = f"Visit {visit} cancelled; {withdrawn} open task(s) withdrawn."
        else:
            if stay.status != StayStatus.DISCHARGED:
                raise ApplicationError(
                    f"A13 cancels a discharge, but visit {visit} is not discharged."
                )
            withdrawn = worklist_items_withdraw(
                entity=message.entity,
                source_keys=_keys(stay.discharge_message_id),
                reason=f"The discharge was cancelled by the facility (A13, {message.event_at:%Y-%m-%d %H:%M}).",
            )
            stay.status = StayStatus.IN_FACILITY
            stay.discharged_at = None
            stay.discharge_disposition = ""
            stay.discharge_message = None
            message.outcome = (
                f"Discharge of visit {visit} cancelled; {withdrawn} open task(s) withdrawn."
            )
        stay.save()
        message.stay = stay
        message.save(update_fields=["stay", "outcome"])
        return
    if stay is None:
        stay = Stay(
            entity=message.entity,
            beneficiary=message.beneficiary,
            sender=message.sender,
            visit_number=visit,
            kind=_stay_kind(message),
            status=StayStatus.IN_FACILITY,
            admitted_at=message.admit_at
            or (message.event_at if trigger in ("A01", "A04") else None),
        )
    elif stay.beneficiary_id != message.beneficiary_id:
        raise ApplicationError(
            f"PV1-19 visit number {visit} belongs to another patient of this sender."
        )
    if trigger == "A01":
        fresh = stay.admit_message_id is None or stay.status == StayStatus.CANCELLED
        stay.status = StayStatus.IN_FACILITY
        stay.kind = _stay_kind(message)
        stay.admitted_at = message.admit_at or message.event_at
        stay.save()
        if fresh:
            stay.admit_message = message
            stay.save(update_fields=["admit_message"])
            if stay.kind == StayKind.SNF:
                task = rules.snf_admission_task(
                    admitted=timezone.localtime(stay.admitted_at),
                    business_days=rules.TCM_CONTACT_BUSINESS_DAYS,
                    facility=label,
                )
                _raise(
                    message, [rules.Task(task.kind, "snf_admit", task.title, task.detail, task.due)]
                )
                message.outcome = f"Admitted to {label} (skilled nursing): SNF task opened."
            else:
                message.outcome = f"Admitted to {label}: in hospital."
        else:
            message.outcome = f"Admission of visit {visit} received before; updated."
    elif trigger == "A04":
        fresh = stay.pk is None or stay.admit_message_id is None
        stay.save()
        if fresh:
            stay.admit_message = message
            stay.save(update_fields=["admit_message"])
        if fresh and message.patient_class == "E":
            _raise(
                message,
                [
                    rules.ed_task(
                        registered=timezone.localtime(message.event_at),
                        business_days=ed_days,
                        location=label,
                    )
                ],
            )
            message.outcome = (
                f"Emergency department registration at {label}: follow-up task opened."
            )
        else:
            message.outcome = f"Registration at {label} (patient class {message.patient_class or 'not given'}): recorded."
    elif trigger == "A03":
        already = stay.discharge_message_id is not None and stay.status == StayStatus.DISCHARGED
        stay.status = StayStatus.DISCHARGED
        stay.discharged_at = message.discharge_at or message.event_at
        stay.discharge_disposition = message.discharge_disposition
        if stay.kind == StayKind.OTHER and message.patient_class in ("I", "E"):
            stay.kind = _stay_kind(message)
        stay.save()
        if already:
            message.outcome = (
                f"Discharge of visit {visit} received before (another MSH-10): no new task."
            )
        else:
            stay.discharge_message = message
            stay.save(update_fields=["discharge_message"])
            if stay.kind in (StayKind.INPATIENT, StayKind.SNF):
                high = CareProfile.objects.filter(
                    beneficiary_id=message.beneficiary_id, risk_tier="high"
                ).exists()
                tasks, outcome = rules.discharge_tasks(
                    disposition=message.discharge_disposition,
                    discharged=timezone.localtime(stay.discharged_at),
                    high_risk=high,
                    stay_label=f"{stay.get_kind_display()} at {label}",
                )
                _raise(message, tasks)
                message.outcome = outcome[:300]
            else:
                message.outcome = (
                    f"{stay.get_kind_display()} at {label} ended: no transitional care task."
                )
    else:  # A08
        stay.location = message.location
        if stay.pk is None:
            stay.admitted_at = stay.admitted_at or message.admit_at
        stay.save()
        message.outcome = f"Patient or visit information updated for visit {visit}."
    message.stay = stay
    message.save(update_fields=["stay", "outcome"])
    if stay.status == StayStatus.DISCHARGED and not stay.claim_id:
        _reconcile(stays=[stay])


# ------------------------------------------------------------------------------- the queue


def adt_message_resolve(
    *, message: AdtMessage, beneficiary: Beneficiary, acting_user: Any
) -> AdtMessage:
    """A coordinator says whom an unmatched message is about; the event is then applied."""
    if beneficiary.entity_id != message.entity_id:
        raise ApplicationError(
            "The beneficiary is not in this message's entity.", {"field": "beneficiary"}
        )
    with entity_scope([message.entity_id]), transaction.atomic():
        message = (
            AdtMessage.objects.select_for_update()
            .select_related("sender", "entity")
            .get(pk=message.pk)
        )
        if message.status != MessageStatus.UNMATCHED:
            raise ApplicationError(
                "This message is not waiting in the queue any more.", {"field": "status"}
            )
        message.beneficiary = beneficiary
        message.match_rule = MatchRule.COORDINATOR
        message.status = MessageStatus.RESOLVED
        message.resolved_by = acting_user
        message.resolved_at = timezone.now()
        message.save()
        _apply(message)
    return message


def adt_message_dismiss(*, message: AdtMessage, reason: str, acting_user: Any) -> AdtMessage:
    if not reason.strip():
        raise ApplicationError("Say why the message is dismissed.", {"field": "reason"})
    with entity_scope([message.entity_id]), transaction.atomic():
        message = AdtMessage.objects.select_for_update().get(pk=message.pk)
        if message.status != MessageStatus.UNMATCHED:
            raise ApplicationError(
                "This message is not waiting in the queue any more.", {"field": "status"}
            )
        message.status = MessageStatus.DISMISSED
        message.outcome = f"Dismissed by a coordinator: {reason.strip()}"[:300]
        message.resolved_by = acting_user
        message.resolved_at = timezone.now()
        message.save()
    return message


# ------------------------------------------------------------------------- claims close the loop

#: Claim kinds (care's timeline) that are the same stay as an event's.
CLAIM_KINDS = {StayKind.INPATIENT: "Inpatient", StayKind.SNF: "SNF", StayKind.EMERGENCY: "ED visit"}
DATE_SLACK = timedelta(days=1)


def _reconcile(*, stays: list[Stay]) -> int:
    """Record the final-action claim of each discharged stay (same beneficiary, kind, admission
    and discharge dates within a day) and withdraw the task the claims refresh raised for it:
    the stay already raised its tasks when the hospital's message came."""
    done = 0
    for stay in stays:
        kind = CLAIM_KINDS.get(stay.kind)
        if kind is None or stay.discharged_at is None:
            continue
        start = timezone.localtime(stay.admitted_at or stay.discharged_at).date()
        end = timezone.localtime(stay.discharged_at).date()
        claim = (
            ClaimEvent.objects.filter(
                beneficiary_id=stay.beneficiary_id,
                kind=kind,
                from_date__range=(start - DATE_SLACK, start + DATE_SLACK),
                thru_date__range=(end - DATE_SLACK, end + DATE_SLACK),
            )
            .order_by("thru_date")
            .values_list("claim_id", flat=True)
            .first()
        )
        if claim is None:
            continue
        stay.claim_id = claim
        stay.save(update_fields=["claim_id", "updated_at"])
        worklist_items_withdraw(
            entity=stay.entity,
            source_keys=[f"discharge:{claim}", f"ed:{claim}"],
            reason=(
                f"The same stay ({stay.sender.name}, discharged {end:%Y-%m-%d}) raised its "
                "tasks from the hospital's notification; the claim confirms it."
            ),
        )
        done += 1
    return done


def stays_reconcile(*, entity: Any) -> int:
    """Close the loop for every discharged stay of the entity with no claim yet."""
    with entity_scope([entity.pk]), transaction.atomic():
        stays = list(
            Stay.objects.filter(entity=entity, status=StayStatus.DISCHARGED, claim_id="")
            .select_related("sender", "entity")
            .select_for_update(of=("self",))
        )
        return _reconcile(stays=stays)


def stays_reconcile_after_refresh(sender: Any, *, entity: Any, **_: Any) -> None:
    """care_refreshed receiver: a claims refresh may hold the claims of stays seen as events."""
    stays_reconcile(entity=entity)
