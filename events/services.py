"""Writes of the events app: receiving an ADT message (HL7 v2 or a FHIR Encounter), matching
its patient, applying what it says (stays, the "in hospital" flag, worklist tasks), the
coordinator's resolution of the unmatched queue, and closing the loop with later claims.

A message is stored, matched and applied in one transaction inside the scope of its sender's
entity (row-level security: the rows of another entity cannot be read or written); the caller
acknowledges after it commits. A message seen before (same sender, same MSH-10) changes nothing
and gets the answer it got the first time.
"""

from __future__ import annotations

import json
import logging
import re
import unicodedata
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from beneficiaries.models import Beneficiary, BeneficiaryMbi
from care.models import CareProfile, ClaimEvent
from care.services import worklist_items_raise, worklist_items_withdraw
from core.api import ApplicationError
from core.prepared import prepared_cursor, rows_json
from core.rls import entity_scope, scope_keep
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


@dataclass
class Incoming:
    """A message to receive: its text (HL7 v2) and when it arrived."""

    text: str
    received_at: datetime
    channel: str = "mllp"


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
    return adt_v2_receive_many(
        incoming=[Incoming(text, received_at or timezone.now(), channel)],
        entity_id=entity_id,
        senders=senders,
    )[0]


def adt_v2_receive_many(
    *,
    incoming: list[Incoming],
    entity_id: int | None = None,
    senders: dict[tuple[str, str], Sender] | None = None,
    keep_scope: bool = False,
) -> list[Receipt]:
    """Receive the messages that arrived together (the listener's connections), one receipt
    each, in order. Each message is all-or-nothing: the messages of one entity are stored in
    one transaction (a group commit: one commit for many messages), and should anything in it
    fail (a resent message meets its first copy), that transaction is rolled back and each of
    its messages is stored again in a transaction of its own, so one bad message never takes
    the others with it. `keep_scope`: the connection serves these messages only and stays in
    the last entity's row-security scope between calls (core.rls.scope_keep)."""
    receipts: list[Receipt | None] = [None] * len(incoming)
    groups: dict[int, list[tuple[int, Adt, Incoming, Sender]]] = {}
    for index, item in enumerate(incoming):
        try:
            adt = parse_v2(item.text, tz=_tz())
        except AdtRejected as refusal:
            receipts[index] = Receipt(refusal.code, refusal.reason, control_id=refusal.control_id)
            continue
        sender = _sender(adt, senders)
        if sender is None or (entity_id is not None and sender.entity_id != entity_id):
            receipts[index] = _unknown_sender(adt, limited=entity_id is not None)
            continue
        groups.setdefault(sender.entity_id, []).append((index, adt, item, sender))
    for group in groups.values():
        try:
            done = _store_group(group, keep_scope=keep_scope)
        except (IntegrityError, DatabaseError) as error:
            if len(group) == 1 and not isinstance(error, IntegrityError):
                raise
            done = {}
            for one in group:
                done.update(_store_alone(one))
        receipts_by_index = done
        for index, receipt in receipts_by_index.items():
            receipts[index] = receipt
    return [
        r if r is not None else Receipt("AE", "Not processed; send it again.") for r in receipts
    ]


def adt_fhir_receive(
    *, resource: Any, entity_id: int, received_at: datetime | None = None
) -> Receipt:
    """Receive one FHIR R4 Encounter notification from a partner of `entity_id`."""
    try:
        adt = parse_fhir_encounter(resource, tz=_tz())
    except AdtRejected as refusal:
        return Receipt(refusal.code, refusal.reason, control_id=refusal.control_id)
    sender = _sender(adt, None)
    if sender is None or sender.entity_id != entity_id:
        return _unknown_sender(adt, limited=True)
    item = Incoming(
        json.dumps(resource, sort_keys=True)[:200_000], received_at or timezone.now(), "fhir"
    )
    return _store_alone((0, adt, item, sender))[0]


def _sender(adt: Adt, senders: dict[tuple[str, str], Sender] | None) -> Sender | None:
    key = (adt.sending_application, adt.sending_facility)
    sender = senders.get(key) if senders is not None else None
    if sender is None:
        sender = sender_find(application=key[0], facility=key[1])
        if sender is not None and senders is not None:
            senders[key] = sender
    return sender


def _unknown_sender(adt: Adt, *, limited: bool) -> Receipt:
    name = f"{adt.sending_application}^{adt.sending_facility}"
    if adt.sending_application == "FHIR":
        name = f"Encounter.serviceProvider {adt.sending_facility}"
    return Receipt(
        "AR",
        f"MSH-3/MSH-4 {name} is not a registered sender" + (" of this entity." if limited else "."),
        control_id=adt.control_id,
    )


def _store_alone(one: tuple[int, Adt, Incoming, Sender]) -> dict[int, Receipt]:
    try:
        return _store_group([one])
    except IntegrityError:
        # The same message arrived on another connection at the same moment: the other copy
        # was stored; answer as for a resend.
        index, adt, _, sender = one
        with entity_scope([sender.entity_id]):
            first = AdtMessage.objects.filter(sender=sender, control_id=adt.control_id).first()
        if first is None:
            raise
        return {index: _answer(first, duplicate=True)}


def _store_group(
    group: list[tuple[int, Adt, Incoming, Sender]], *, keep_scope: bool = False
) -> dict[int, Receipt]:
    """Messages of one entity, in one transaction inside that entity's row-security scope.

    The common case (no cancel, each visit once) is written in bulk: a fixed number of
    statements whatever the number of messages; otherwise the messages are applied one after
    the other in the same transaction."""
    entity_id = group[0][3].entity_id
    out: dict[int, Receipt] = {}
    visits = [(g[3].pk, g[1].visit_number or f"msg:{g[1].control_id}"[:60]) for g in group]
    simple = len(set(visits)) == len(visits) and not any(
        g[1].trigger in ("A11", "A13") for g in group
    )
    if keep_scope:
        scope_keep([entity_id])
    with nullcontext() if keep_scope else entity_scope([entity_id]), transaction.atomic():
        by_mbi = _beneficiaries_by_mbi(
            entity_id=entity_id, mbis=[g[1].mbi for g in group if g[1].mbi]
        )
        if simple and (len(group) > 1 or keep_scope):
            # A message stored before (a resend) meets the unique (sender, MSH-10) constraint
            # and the group is stored again message by message (adt_v2_receive_many), each
            # looked up first: no query for it here. The listener's lone messages too (a
            # resend is rare); a partner's HTTPS call looks its message up first.
            return _store_bulk(group, by_mbi=by_mbi)
        seen = {
            (m.sender_id, m.control_id): m
            for m in AdtMessage.objects.filter(
                sender_id__in={g[3].pk for g in group},
                control_id__in=[g[1].control_id for g in group],
            )
        }
        for index, adt, item, sender in group:
            first = seen.get((sender.pk, adt.control_id))
            if first is not None:
                out[index] = _answer(first, duplicate=True)
                continue
            try:
                message = _store_one(adt=adt, item=item, sender=sender, by_mbi=by_mbi)
            except ApplicationError as error:
                out[index] = Receipt(
                    "AE", str(error.args[0] if error.args else error), control_id=adt.control_id
                )
                continue
            seen[(sender.pk, adt.control_id)] = message
            out[index] = _answer(message, duplicate=False)
    return out


STAY_FIELDS = [
    "kind",
    "status",
    "admitted_at",
    "discharged_at",
    "discharge_disposition",
    "location",
    "updated_at",
]


def _store_bulk(
    group: list[tuple[int, Adt, Incoming, Sender]],
    *,
    by_mbi: dict[str, Beneficiary],
) -> dict[int, Receipt]:
    """The bulk path of `_store_group` (in its transaction): each visit once, no cancel, none
    stored before (else the unique constraint on sender and MSH-10 fails it). Six statements
    whatever the number of messages: the beneficiaries, the stays locked, the stays written
    (one INSERT ... ON CONFLICT DO UPDATE for the new and the changed), the messages, the
    tasks, and the commit."""
    out: dict[int, Receipt] = {}
    pairs = {(g[3].pk, g[1].visit_number or f"msg:{g[1].control_id}"[:60]) for g in group}
    if connection.vendor == "postgresql":
        stays = _stays_locked_sql(pairs)
    else:
        stays = {
            (st.sender_id, st.visit_number): st
            for st in Stay.objects.select_for_update().filter(
                sender_id__in={p[0] for p in pairs}, visit_number__in={p[1] for p in pairs}
            )
        }
    messages: list[tuple[int, AdtMessage, list[rules.Task]]] = []
    written: list[Stay] = []
    now = timezone.now()
    for index, adt, item, sender in group:
        message = _message(adt=adt, item=item, sender=sender, by_mbi=by_mbi)
        tasks: list[rules.Task] = []
        if message.beneficiary is not None:
            try:
                stay, new, tasks = _decide(message, stays.get((sender.pk, _visit(message))))
            except ApplicationError as error:
                out[index] = Receipt(
                    "AE", str(error.args[0] if error.args else error), control_id=adt.control_id
                )
                continue
            stay.updated_at = now
            if not new:
                stay.pk = None  # written by its visit (ON CONFLICT), its id read back
            written.append(stay)
            message.stay = stay
        messages.append((index, message, tasks))
    if connection.vendor == "postgresql":
        _stays_write_sql(written)
    elif written:
        Stay.objects.bulk_create(
            written,
            update_conflicts=True,
            unique_fields=["sender", "visit_number"],
            update_fields=STAY_FIELDS,
        )
    for _, message, _ in messages:
        if message.stay is not None:
            message.stay_id = message.stay.pk
    if connection.vendor == "postgresql":
        _messages_write_sql([m for _, m, _ in messages])
    else:
        AdtMessage.objects.bulk_create([m for _, m, _ in messages])
    items = []
    for index, message, tasks in messages:
        items += _task_specs(message, tasks)
        out[index] = _answer(message, duplicate=False)
    if items:
        worklist_items_raise(items=items)
    return out


# The bulk path's statements on PostgreSQL: hand-written, one text whatever the number of rows
# (the rows passed as one JSON parameter, core.prepared.rows_json), prepared once per
# connection. The ORM built and compiled each batch's statements anew and prepared every value
# field by field, which cost the listener more CPU than reading the messages, and PostgreSQL
# planned each anew; psycopg's dumping of a parameter array per column was dearer than the
# JSON. Other databases (SQLite for `make run`) take the ORM's bulk_create above.

# Every column of the stay, in the model's order (Stay.from_db builds it from the row).
_STAY_NAMES = [f.attname for f in Stay._meta.concrete_fields]
_STAY_COLUMNS = ", ".join(f"s.{f.column}" for f in Stay._meta.concrete_fields)
# Each visit looked up on its own (LATERAL ... LIMIT 1 on the unique (sender, visit) index):
# the generic plan a prepared statement keeps is made once, on a table that may be empty, and
# must not come to read the whole table as it grows.
_STAYS_LOCKED = (
    f"SELECT {_STAY_COLUMNS} "  # noqa: S608 - the model's own column names
    "FROM unnest(%s::bigint[], %s::text[]) AS wanted (sender_id, visit_number) "
    "CROSS JOIN LATERAL (SELECT * FROM events_stay one WHERE one.sender_id = wanted.sender_id "
    "AND one.visit_number = wanted.visit_number LIMIT 1 FOR UPDATE) AS s"
)
_STAY_WRITTEN = (
    "entity_id, beneficiary_id, sender_id, visit_number, kind, status, admitted_at, "
    "discharged_at, discharge_disposition, location, claim_id, updated_at"
)
_STAYS_WRITE = f"""
INSERT INTO events_stay ({_STAY_WRITTEN})
SELECT {_STAY_WRITTEN} FROM json_populate_recordset(NULL::events_stay, %s::json)
ON CONFLICT (sender_id, visit_number) DO UPDATE SET kind = EXCLUDED.kind,
    status = EXCLUDED.status, admitted_at = EXCLUDED.admitted_at,
    discharged_at = EXCLUDED.discharged_at,
    discharge_disposition = EXCLUDED.discharge_disposition, location = EXCLUDED.location,
    updated_at = EXCLUDED.updated_at
RETURNING id, sender_id, visit_number
"""  # noqa: S608 - column names written here
_MESSAGE_WRITTEN = (
    "entity_id, sender_id, control_id, channel, trigger, event_at, received_at, status, "
    "beneficiary_id, stay_id, match_rule, mbi, family_name, given_name, birth_date, sex, "
    "patient_class, visit_number, location, discharge_disposition, admit_at, discharge_at, "
    "outcome, raw"
)
_MESSAGE_NAMES = [name.strip() for name in _MESSAGE_WRITTEN.split(",")]
_STAY_WRITTEN_NAMES = [name.strip() for name in _STAY_WRITTEN.split(",")]
_MESSAGES_WRITE = f"""
INSERT INTO events_adtmessage ({_MESSAGE_WRITTEN})
SELECT {_MESSAGE_WRITTEN} FROM json_populate_recordset(NULL::events_adtmessage, %s::json)
RETURNING id, sender_id, control_id
"""  # noqa: S608 - column names written here


def _stays_locked_sql(pairs: set[tuple[int, str]]) -> dict[tuple[int, str], Stay]:
    """The stays of these visits, locked for the transaction (SELECT ... FOR UPDATE)."""
    with prepared_cursor() as cursor:
        ordered = sorted(pairs)
        cursor.execute(_STAYS_LOCKED, [[p[0] for p in ordered], [p[1] for p in ordered]])
        rows = cursor.fetchall()
    found = {}
    for row in rows:
        stay = Stay.from_db(DEFAULT_DB_ALIAS, _STAY_NAMES, row)
        found[(stay.sender_id, stay.visit_number)] = stay
    return found


def _stays_write_sql(stays: list[Stay]) -> None:
    """New and changed stays, one INSERT ... ON CONFLICT DO UPDATE (a stay's entity, person and
    claim stay as they were); each stay's id read back."""
    if not stays:
        return
    rows = [{name: getattr(st, name) for name in _STAY_WRITTEN_NAMES} for st in stays]
    with prepared_cursor() as cursor:
        cursor.execute(_STAYS_WRITE, [rows_json(rows)])
        ids = {(sender, visit): pk for pk, sender, visit in cursor.fetchall()}
    for st in stays:
        st.pk = ids[(st.sender_id, st.visit_number)]
        st._state.adding = False


def _messages_write_sql(messages: list[AdtMessage]) -> None:
    """The messages, one INSERT; each message's id read back."""
    if not messages:
        return
    rows = [{name: getattr(m, name) for name in _MESSAGE_NAMES} for m in messages]
    with prepared_cursor() as cursor:
        cursor.execute(_MESSAGES_WRITE, [rows_json(rows)])
        ids = {(sender, control): pk for pk, sender, control in cursor.fetchall()}
    for m in messages:
        m.pk = ids[(m.sender_id, m.control_id)]
        m._state.adding = False


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


def _message(
    *, adt: Adt, item: Incoming, sender: Sender, by_mbi: dict[str, Beneficiary]
) -> AdtMessage:
    """The message's row (not saved), matched: status applied, or unmatched with the reason."""
    if adt.mbi and adt.mbi in by_mbi:
        beneficiary: Beneficiary | None = by_mbi[adt.mbi]
        rule, why = str(MatchRule.MBI), ""
    else:
        beneficiary, rule, why = beneficiary_match(entity_id=sender.entity_id, adt=adt)
    message = AdtMessage(
        entity_id=sender.entity_id,
        sender=sender,
        control_id=adt.control_id,
        channel=item.channel,
        trigger=adt.trigger,
        event_at=adt.event_at,
        received_at=item.received_at,
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
        raw=item.text,
        status=MessageStatus.APPLIED if beneficiary is not None else MessageStatus.UNMATCHED,
    )
    if beneficiary is None:
        message.outcome = f"Patient not matched: {why} Queued for a coordinator."[:300]
    return message


def _store_one(
    *, adt: Adt, item: Incoming, sender: Sender, by_mbi: dict[str, Beneficiary]
) -> AdtMessage:
    message = _message(adt=adt, item=item, sender=sender, by_mbi=by_mbi)
    if message.beneficiary is None:
        message.save(force_insert=True)
        return message
    # Read but not applicable (a cancel of a visit never seen): _apply raises before it writes
    # anything, and the message is answered AE and not stored, so that a resend can succeed.
    tasks = _apply(message)
    message.save(force_insert=True)
    _raise(message, tasks)
    return message


BENEFICIARY_FIELDS = (
    "mbi",
    "beneficiary_id",
    "beneficiary__entity_id",
    "beneficiary__merged_into_id",
    "beneficiary__care__as_of",
    "beneficiary__care__risk_tier",
    "beneficiary__care__no_care_work_reason",
)


def _beneficiaries_by_mbi(*, entity_id: int, mbis: list[str]) -> dict[str, Beneficiary]:
    """The entity's beneficiaries holding these MBIs (current or earlier), not merged, with
    their care profile: one query for the messages that arrived together."""
    if not mbis:
        return {}
    if connection.vendor == "postgresql":
        return _beneficiaries_by_mbi_sql(entity_id=entity_id, mbis=mbis)
    found: dict[str, Beneficiary] = {}
    rows = (
        BeneficiaryMbi.objects.filter(
            entity_id=entity_id, mbi__in=set(mbis), beneficiary__isnull=False
        )
        .select_related("beneficiary", "beneficiary__care")
        # What applying an event reads of the person (_decide, _high_risk, _no_care_work):
        # building the two whole rows per message was a fifth of the listener's work.
        .only(*BENEFICIARY_FIELDS)
    )
    for row in rows:
        bene = row.beneficiary
        if bene is not None and bene.merged_into_id is None:
            found[row.mbi] = bene
    return found


# Each MBI looked up on its own (LATERAL ... LIMIT 1: one row an MBI, the unique (entity, MBI)
# index): with `mbi = ANY(...)`, or a join the planner can flatten, the generic plan a prepared
# statement keeps read every MBI of the entity through the entity's index under row security
# (1 ms of PostgreSQL's CPU a batch at 5,000 beneficiaries, growing with the entity).
_BENEFICIARIES_BY_MBI = """
SELECT m.mbi, b.id, b.entity_id, c.beneficiary_id, c.as_of, c.risk_tier, c.no_care_work_reason
FROM unnest(%s::text[]) AS wanted (mbi)
CROSS JOIN LATERAL (
    SELECT one.mbi, one.beneficiary_id FROM beneficiaries_beneficiarymbi one
    WHERE one.entity_id = %s AND one.mbi = wanted.mbi LIMIT 1
) AS m
JOIN beneficiaries_beneficiary b ON b.id = m.beneficiary_id AND b.merged_into_id IS NULL
LEFT JOIN care_careprofile c ON c.beneficiary_id = b.id
"""


def _beneficiaries_by_mbi_sql(*, entity_id: int, mbis: list[str]) -> dict[str, Beneficiary]:
    """`_beneficiaries_by_mbi` on PostgreSQL: one prepared statement, and of each person the
    fields applying an event reads (the rest deferred), the care profile cached on it (none:
    `beneficiary.care` raises, as when select_related found none)."""
    with prepared_cursor() as cursor:
        cursor.execute(_BENEFICIARIES_BY_MBI, [sorted(set(mbis)), entity_id])
        rows = cursor.fetchall()
    care_cache = Beneficiary.care.related
    found: dict[str, Beneficiary] = {}
    for mbi, pk, entity, care_pk, as_of, risk_tier, no_care_work in rows:
        bene = Beneficiary.from_db(DEFAULT_DB_ALIAS, ["id", "entity_id"], [pk, entity])
        bene.merged_into_id = None
        care = None
        if care_pk is not None:
            care = CareProfile.from_db(
                DEFAULT_DB_ALIAS,
                ["beneficiary_id", "as_of", "risk_tier", "no_care_work_reason"],
                [care_pk, as_of, risk_tier, no_care_work],
            )
        care_cache.set_cached_value(bene, care)
        found[mbi] = bene
    return found


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
    base = Beneficiary.objects.filter(entity_id=entity_id).select_related("care")
    if adt.mbi:
        held = (
            BeneficiaryMbi.objects.filter(entity_id=entity_id, mbi=adt.mbi)
            .exclude(beneficiary=None)
            .values_list("beneficiary_id", flat=True)
            .first()
        )
        found = (
            base.filter(pk=held).first()
            if held is not None
            else base.filter(current_mbi=adt.mbi).first()
        )
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
        )
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


def _keys(message_ids: list[int]) -> list[str]:
    return [f"adt:{pk}:{s}" for pk in message_ids for s in TASK_SUFFIXES]


def _task_specs(message: AdtMessage, tasks: list[rules.Task]) -> list[dict[str, Any]]:
    return [
        {
            "entity_id": message.entity_id,
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


def _raise(message: AdtMessage, tasks: list[rules.Task]) -> None:
    if tasks:
        worklist_items_raise(items=_task_specs(message, tasks))


def _stay_kind(message: AdtMessage) -> str:
    if message.sender.facility_kind == FacilityKind.SNF:
        return StayKind.SNF
    if message.patient_class == "E":
        return StayKind.EMERGENCY
    if message.patient_class == "I" or message.trigger == "A01":
        return StayKind.INPATIENT
    return StayKind.OTHER


def _high_risk(beneficiary: Beneficiary) -> bool:
    try:
        return beneficiary.care.risk_tier == "high"
    except CareProfile.DoesNotExist:
        return False


def _apply(message: AdtMessage) -> list[rules.Task]:
    """What the event does to its stay: saves the stay, sets `message.stay` and
    `message.outcome` and returns the tasks to raise once the message is stored. A refusal
    (ApplicationError) comes before any write."""
    stay = (
        Stay.objects.select_for_update()
        .filter(sender=message.sender, visit_number=_visit(message))
        .first()
    )
    stay, new, tasks = _decide(message, stay)
    stay.save(force_insert=new)
    message.stay = stay
    return tasks


def _visit(message: AdtMessage) -> str:
    return message.visit_number or f"msg:{message.control_id}"[:60]


def _decide(message: AdtMessage, stay: Stay | None) -> tuple[Stay, bool, list[rules.Task]]:
    """The stay as the event leaves it (not saved; `new` when it is to be inserted) and the
    tasks to raise. Reads the database only for cancels (which withdraw tasks)."""
    trigger = message.trigger
    visit = _visit(message)
    label = message.sender.name
    when = f"{timezone.localtime(message.event_at):%Y-%m-%d %H:%M}"
    if stay is not None and stay.beneficiary_id != message.beneficiary_id:
        raise ApplicationError(
            f"PV1-19 visit number {visit} belongs to another patient of this sender."
        )
    if trigger in ("A11", "A13"):
        if stay is None or not message.visit_number:
            raise ApplicationError(
                f"{trigger} cancels a visit this service has not seen (PV1-19 visit number "
                f"{message.visit_number or 'empty'})."
            )
        if trigger == "A13" and stay.status != StayStatus.DISCHARGED:
            raise ApplicationError(f"A13 cancels a discharge, but visit {visit} is not discharged.")
        cancelled = ("A01", "A04", "A03") if trigger == "A11" else ("A03",)
        ids = list(
            AdtMessage.objects.filter(stay=stay, trigger__in=cancelled).values_list("pk", flat=True)
        )
        withdrawn = worklist_items_withdraw(
            entity=message.entity,
            source_keys=_keys(ids),
            reason=f"The facility cancelled the {'admission or visit' if trigger == 'A11' else 'discharge'} ({trigger}, {when}).",
        )
        if trigger == "A11":
            stay.status = StayStatus.CANCELLED
            message.outcome = f"Visit {visit} cancelled; {withdrawn} open task(s) withdrawn."
        else:
            stay.status = StayStatus.IN_FACILITY
            stay.discharged_at = None
            stay.discharge_disposition = ""
            message.outcome = (
                f"Discharge of visit {visit} cancelled; {withdrawn} open task(s) withdrawn."
            )
        return stay, False, []
    new = stay is None
    if stay is None:
        stay = Stay(
            entity_id=message.entity_id,
            beneficiary=message.beneficiary,
            sender=message.sender,
            visit_number=visit,
            kind=_stay_kind(message),
            status=StayStatus.IN_FACILITY,
        )
    tasks: list[rules.Task] = []
    if message.location:
        stay.location = message.location
    if trigger == "A01":
        kind = _stay_kind(message)
        fresh = new or stay.status == StayStatus.CANCELLED or stay.kind != kind
        stay.status = StayStatus.IN_FACILITY
        stay.kind = kind
        stay.admitted_at = message.admit_at or message.event_at
        if not fresh:
            message.outcome = f"Admission of visit {visit} received before; updated."
        elif kind == StayKind.SNF:
            task = rules.snf_admission_task(
                admitted=timezone.localtime(stay.admitted_at),
                business_days=rules.TCM_CONTACT_BUSINESS_DAYS,
                facility=label,
            )
            tasks = [rules.Task(task.kind, "snf_admit", task.title, task.detail, task.due)]
            message.outcome = f"Admitted to {label} (skilled nursing) {when}: SNF task opened."
        else:
            message.outcome = f"Admitted to {label} {when}: in hospital."
    elif trigger == "A04":
        fresh = new or stay.status == StayStatus.CANCELLED
        stay.status = StayStatus.IN_FACILITY
        stay.admitted_at = stay.admitted_at or message.admit_at or message.event_at
        if fresh and message.patient_class == "E":
            stay.kind = StayKind.EMERGENCY
            tasks = [
                rules.ed_task(
                    registered=timezone.localtime(message.event_at),
                    business_days=settings.EVENTS_ED_FOLLOW_UP_BUSINESS_DAYS,
                    location=label,
                )
            ]
            message.outcome = (
                f"Emergency department registration at {label} {when}: follow-up task opened."
            )
        else:
            message.outcome = f"Registration at {label} {when} (patient class {message.patient_class or 'not given'}): recorded."
    elif trigger == "A03":
        already = stay.status == StayStatus.DISCHARGED
        stay.admitted_at = stay.admitted_at or message.admit_at
        stay.status = StayStatus.DISCHARGED
        stay.discharged_at = message.discharge_at or message.event_at
        stay.discharge_disposition = message.discharge_disposition
        if new and message.patient_class not in ("I", "E") and stay.kind == StayKind.INPATIENT:
            stay.kind = StayKind.OTHER
        if already:
            message.outcome = (
                f"Discharge of visit {visit} received before (another MSH-10): no new task."
            )
        elif stay.kind in (StayKind.INPATIENT, StayKind.SNF):
            tasks, outcome = rules.discharge_tasks(
                disposition=message.discharge_disposition,
                discharged=timezone.localtime(stay.discharged_at),
                high_risk=message.beneficiary is not None and _high_risk(message.beneficiary),
                stay_label=f"{stay.get_kind_display()} at {label}",
            )
            message.outcome = outcome[:300]
        else:
            message.outcome = (
                f"{stay.get_kind_display()} at {label} ended {when}: no transitional care task."
            )
    else:  # A08
        stay.admitted_at = stay.admitted_at or message.admit_at
        message.outcome = f"Patient or visit information updated for visit {visit}."
    if tasks and message.beneficiary is not None:
        reason = _no_care_work(message.beneficiary)
        if reason:
            # The stay is recorded (the "in hospital" flag, the timeline); the work is not the
            # entity's, as for the tasks claims would raise (care.engine.eligibility).
            tasks = []
            message.outcome = f"{message.outcome} No task: {reason}."[:300]
    return stay, new, tasks


def _no_care_work(beneficiary: Beneficiary) -> str:
    """Why the latest care refresh made no task for the person (deceased, in hospice, not in the
    aligned population), with its date; "" when it did, or before any refresh."""
    try:
        care = beneficiary.care
    except CareProfile.DoesNotExist:
        return ""
    if not care.no_care_work_reason:
        return ""
    return (
        f"{care.get_no_care_work_reason_display()}, as of the care refresh of {care.as_of:%Y-%m-%d}"
    )


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
        tasks = _apply(message)
        message.save()
        _raise(message, tasks)
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
CLAIM_KINDS: dict[str, str] = {
    StayKind.INPATIENT: "Inpatient",
    StayKind.SNF: "SNF",
    StayKind.EMERGENCY: "ED visit",
}
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
