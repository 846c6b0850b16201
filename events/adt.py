"""Reading an ADT message: HL7 v2 text (parsed by python-hl7) or a FHIR R4 `Encounter`
notification (validated by fhir.resources) into one `Adt` record, or a refusal that says why.

A refusal carries the acknowledgment code the sender gets: AR (application reject: the message
cannot be read, is of a kind this service does not take, or comes from an unknown sender) or AE
(application error: it was read but cannot be applied). Pure: no database, no clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import hl7

from core.logging import MBI_PATTERN

#: The trigger events taken (HL7 v2.5.1 chapter 3): admit, discharge, register (an emergency
#: visit when PV1-2 is E), update patient information, cancel admit/visit, cancel discharge.
TRIGGERS = {"A01", "A03", "A04", "A08", "A11", "A13"}
#: PID-3 identifiers that are an MBI: assigned by CMS (by name or by the MBI's OID).
MBI_AUTHORITIES = {"CMS", "2.16.840.1.113883.4.927"}
MBI_TYPES = {"MC", "MB", ""}
_FULL_MBI = re.compile(rf"^(?:{MBI_PATTERN.pattern[2:-2]})$", re.IGNORECASE)  # without its \\b


class AdtRejected(Exception):  # noqa: N818 - a refusal, not a programming error
    """The message is refused: `code` is the acknowledgment code (AR or AE), `reason` the text
    for MSA-3/ERR, naming the segment and field."""

    def __init__(self, code: str, reason: str, *, control_id: str = "") -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.control_id = control_id


@dataclass
class Adt:
    sending_application: str
    sending_facility: str
    control_id: str
    trigger: str
    event_at: datetime
    mbi: str = ""
    family_name: str = ""
    given_name: str = ""
    birth_date: date | None = None
    sex: str = ""
    patient_class: str = ""
    visit_number: str = ""
    location: str = ""
    discharge_disposition: str = ""
    admit_at: datetime | None = None
    discharge_at: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def normalise(text: str) -> str:
    """Segments end with a carriage return (HL7 v2.5.1 section 2.5.1); senders also use LF."""
    return text.replace("\r\n", "\r").replace("\n", "\r").strip("\r \t\x00")


@lru_cache(maxsize=64)
def _path(key: str) -> tuple[Any, ...]:
    """python-hl7's reading of an accessor key ("PV1.F44.R1.C1"), once per key: `message[key]`
    parses the key with a regular expression on every call, a tenth of a message's parse."""
    return tuple(hl7.Accessor.parse_key(key))


def _first_segments(message: Any) -> dict[str, Any]:
    """The first segment of each name, as `Message.segment` finds it (by `segment[0][0]`), read
    once: `message[key]` and `extract_field` walk every segment on each call."""
    found: dict[str, Any] = {}
    for segment in message:
        try:
            name = segment[0][0]
        except (IndexError, TypeError):
            continue
        if isinstance(name, str) and name not in found:
            found[name] = segment
    return found


def _get(segments: dict[str, Any], key: str) -> str:
    """The field at `key` ("PV1.F44.R1.C1"), unescaped, as `Message.extract_field` reads it (the
    segment's own `extract_field`), "" when absent."""
    path = _path(key)
    segment = segments.get(path[0])
    if segment is None:
        return ""
    try:
        return str(segment.extract_field(*path[1:])).strip()
    except (KeyError, IndexError, ValueError, TypeError):
        return ""


def _when(value: str, where: str, tz: ZoneInfo, *, required: bool = False) -> datetime | None:
    if not value:
        if required:
            raise AdtRejected("AR", f"{where} (a date and time) is empty.")
        return None
    try:
        moment = hl7.parse_datetime(value)
    except (ValueError, TypeError, OverflowError):
        raise AdtRejected(
            "AR", f"{where} is not an HL7 date and time (YYYYMMDD[HHMM[SS]]): {value[:40]!r}."
        ) from None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    if not 1900 <= moment.year <= 2200:
        raise AdtRejected("AR", f"{where} is out of range: {value[:40]!r}.")
    return moment


def _point_of_care(segments: dict[str, Any]) -> str:
    """PV1-3 (assigned patient location, a PL: point of care^room^bed^...) whole, first
    repetition: a coordinator looks for the unit, room and bed, not the unit alone."""
    try:
        return str(segments["PV1"](3)(1)).strip()
    except (KeyError, IndexError, TypeError):
        return ""


def _mbi_of(segments: dict[str, Any]) -> str:
    """The MBI among PID-3's repetitions: the identifier whose assigning authority (CX-4) is
    CMS, in the MBI's format."""
    try:
        identifiers = segments["PID"](3)
    except (KeyError, IndexError):
        return ""
    for rep in identifiers if isinstance(identifiers, hl7.Field) else []:
        try:
            value = str(rep(1)).strip().upper()
            authority = {s.strip() for s in str(rep(4)).split("&")}
            kind = str(rep(5)).strip().upper() if len(rep) >= 5 else ""
        except (IndexError, TypeError):
            continue
        if authority & MBI_AUTHORITIES and kind in MBI_TYPES and _FULL_MBI.match(value):
            return value
    return ""


def parse_v2(text: str, *, tz: ZoneInfo) -> Adt:
    """Read an HL7 v2 ADT message; `tz` is the zone of times that carry none."""
    text = normalise(text)
    if not text.startswith("MSH"):
        raise AdtRejected("AR", "The message does not begin with an MSH segment.")
    control_id = ""
    try:
        message = hl7.parse(text)
        segments = _first_segments(message)
        control_id = _get(segments, "MSH.F10")
        segment_names = [str(s(0)).strip() for s in message]
    except Exception as error:  # noqa: BLE001 - the library raises many kinds on bad input
        raise AdtRejected(
            "AR", f"The message cannot be parsed as HL7 v2: {type(error).__name__}."
        ) from None
    if not control_id:
        raise AdtRejected("AR", "MSH-10 (message control id) is empty.")
    if len(control_id) > 199:
        raise AdtRejected("AR", "MSH-10 (message control id) is longer than 199 characters.")
    kind = _get(segments, "MSH.F9.R1.C1")
    trigger = _get(segments, "MSH.F9.R1.C2") or _get(segments, "EVN.F1")
    if kind != "ADT":
        raise AdtRejected(
            "AR",
            f"MSH-9 is {kind or 'empty'!r}; only ADT messages are taken.",
            control_id=control_id,
        )
    if trigger not in TRIGGERS:
        raise AdtRejected(
            "AR",
            f"MSH-9 trigger event {trigger or 'empty'!r} is not taken "
            f"(taken: {', '.join(sorted(TRIGGERS))}).",
            control_id=control_id,
        )
    for needed in ("PID", "PV1"):
        if needed not in segment_names:
            raise AdtRejected("AR", f"The {needed} segment is missing.", control_id=control_id)
    try:
        sending_application = _get(segments, "MSH.F3.R1.C1")
        sending_facility = _get(segments, "MSH.F4.R1.C1")
        admit_at = _when(_get(segments, "PV1.F44.R1.C1"), "PV1-44 (admit date/time)", tz)
        discharge_at = _when(_get(segments, "PV1.F45.R1.C1"), "PV1-45 (discharge date/time)", tz)
        recorded = _when(_get(segments, "EVN.F2.R1.C1"), "EVN-2 (recorded date/time)", tz)
        occurred = _when(_get(segments, "EVN.F6.R1.C1"), "EVN-6 (event occurred)", tz)
        sent = _when(_get(segments, "MSH.F7.R1.C1"), "MSH-7 (date/time of message)", tz)
        birth = _when(_get(segments, "PID.F7.R1.C1"), "PID-7 (date of birth)", tz)
    except AdtRejected as refusal:
        refusal.control_id = control_id
        raise
    if not sending_application and not sending_facility:
        raise AdtRejected("AR", "MSH-3 and MSH-4 (the sender) are empty.", control_id=control_id)
    # When the event happened: EVN-6, else the visit's own time for the trigger, else EVN-2,
    # else the message's time.
    own = discharge_at if trigger == "A03" else admit_at if trigger in ("A01", "A04") else None
    event_at = occurred or own or recorded or sent
    if event_at is None:
        raise AdtRejected(
            "AR",
            "No event time: EVN-6, EVN-2, PV1-44/45 and MSH-7 are empty.",
            control_id=control_id,
        )
    return Adt(
        sending_application=sending_application[:180],
        sending_facility=sending_facility[:180],
        control_id=control_id,
        trigger=trigger,
        event_at=event_at,
        mbi=_mbi_of(segments),
        family_name=_get(segments, "PID.F5.R1.C1")[:60],
        given_name=_get(segments, "PID.F5.R1.C2")[:60],
        birth_date=birth.date() if birth else None,
        sex=_get(segments, "PID.F8.R1.C1")[:1].upper(),
        patient_class=_get(segments, "PV1.F2.R1.C1")[:1].upper(),
        visit_number=_get(segments, "PV1.F19.R1.C1")[:60],
        location=_point_of_care(segments)[:120],
        discharge_disposition=_get(segments, "PV1.F36.R1.C1")[:4],
        admit_at=admit_at,
        discharge_at=discharge_at,
    )


#: Characters an MSA-3 reason carries as they are (printable ASCII); any other, or one of the
#: message's separators, is escaped by python-hl7 (`_escape`).
_PRINTABLE = frozenset(chr(c) for c in range(0x20, 0x7F))


def ack(text: str, code: str, reason: str = "", *, control_id: str = "") -> str:
    """The acknowledgment (original mode, HL7 v2.5.1 section 2.9.2) of `text`: built by
    python-hl7 from the message's MSH when it parses, else a minimal ACK naming the control id
    we could read. MSA-3 carries the reason."""
    fast = _ack_plain(text, code, reason)
    if fast is not None:
        return fast
    try:
        # The MSH segment alone is all an ACK needs (parsing the whole message again is not).
        message = hl7.parse(normalise(text).split("\r", 1)[0])
        reply = message.create_ack(ack_code=code, application="OPENVBC", facility="OPENVBC")
        if reason:
            msa = reply.segment("MSA")
            msa.append(hl7.Field(message.separators[2], [_escape(reason, message)]))
        return str(reply)
    except Exception:  # noqa: BLE001 - unreadable input still gets its answer
        safe = _escape_default(reason)
        cid = _escape_default(control_id)
        return f"MSH|^~\\&|OPENVBC|OPENVBC|||||ACK|{cid}|P|2.5.1\rMSA|{code}|{cid}|{safe}"


def _ack_plain(text: str, code: str, reason: str) -> str | None:
    """`ack` for the common message, without parsing its MSH again: the fields python-hl7's
    `Message.create_ack` copies (MSH-1 to -6, the trigger of MSH-9, MSH-10 to -12) read as the
    text between their separators, which is what that method copies, and the same ACK written
    out (tests/events/test_ack.py compares the two). None when the MSH is unusual (other
    than four encoding characters, fewer than 12 fields, no trigger in MSH-9) or the reason
    needs escaping: `ack` then asks python-hl7."""
    if reason and not _PRINTABLE.issuperset(reason):
        return None
    head = text.split("\r", 1)[0].strip()
    if "\n" in head or not head.startswith("MSH") or len(head) < 9:
        return None
    sep, encoding = head[3], head[4:8]
    if head[8:9] != sep or len(set(sep + encoding)) != 5 or not _PRINTABLE.issuperset(encoding):
        return None
    if reason and not set(sep + encoding).isdisjoint(reason):
        return None
    fields = head[9:].split(sep)
    if len(fields) < 10:
        return None
    message_type = fields[6].split(encoding[1], 1)[0].split(encoding[0])
    if len(message_type) < 2:
        return None
    now = datetime.now(UTC).strftime("%Y%m%d%H%M%S")
    msh = sep.join(
        (
            "MSH" + sep + encoding,
            "OPENVBC",
            "OPENVBC",
            fields[0],
            fields[1],
            now,
            "",
            f"ACK{encoding[0]}{message_type[1]}{encoding[0]}ACK",
            hl7.util.generate_message_control_id(),
            fields[8],
            fields[9],
        )
    )
    msa = sep.join(("MSA", code, fields[7], reason) if reason else ("MSA", code, fields[7]))
    return f"{msh}\r{msa}\r"


def _escape(text: str, message: Any) -> str:
    try:
        return str(message.escape(text))
    except Exception:  # noqa: BLE001
        return _escape_default(text)


def _escape_default(text: str) -> str:
    out = text.replace("\\", "\\E\\").replace("|", "\\F\\").replace("^", "\\S\\")
    out = out.replace("~", "\\R\\").replace("&", "\\T\\")
    return "".join(ch for ch in out if ch.isprintable())[:300]


# ----------------------------------------------------------------------------------- FHIR


#: FHIR Encounter.class codes (v3 ActCode) and what they are in PV1-2's terms.
FHIR_CLASSES = {"IMP": "I", "ACUTE": "I", "NONAC": "I", "EMER": "E", "AMB": "O", "OBSENC": "O"}


def parse_fhir_encounter(resource: dict[str, Any], *, tz: ZoneInfo) -> Adt:
    """Read a FHIR R4 Encounter notification (validated by fhir.resources' R4B models, R4B
    being R4 with its errata). The trigger follows its status: in-progress is
    an admission (an emergency visit when its class is EMER), finished a discharge,
    entered-in-error a cancel. The sender is the Encounter's serviceProvider identifier, the
    message id its `id` plus `meta.versionId`; the patient an MBI in `subject.identifier`
    (system http://terminology.hl7.org/NamingSystem/cmsMBI) or the contained Patient."""
    from fhir.resources.R4B.encounter import Encounter
    from pydantic import ValidationError

    if not isinstance(resource, dict) or resource.get("resourceType") != "Encounter":
        raise AdtRejected("AR", "The body is not a FHIR Encounter resource (resourceType).")
    try:
        encounter = Encounter.model_validate(resource)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise AdtRejected("AR", f"Encounter.{where}: {first.get('msg', 'invalid')}.") from None
    if not encounter.id:
        raise AdtRejected("AR", "Encounter.id is empty.")
    version = encounter.meta.versionId if encounter.meta and encounter.meta.versionId else "1"
    control_id = f"Encounter/{encounter.id}/_history/{version}"
    klass = (encounter.class_fhir.code or "") if encounter.class_fhir else ""
    patient_class = FHIR_CLASSES.get(klass.upper(), "")
    status = encounter.status
    if status == "in-progress":
        trigger = "A04" if patient_class in ("E", "O") else "A01"
    elif status == "finished":
        trigger = "A03"
    elif status == "entered-in-error":
        trigger = "A11"
    else:
        raise AdtRejected(
            "AR",
            f"Encounter.status {status!r} is not taken (in-progress, finished, entered-in-error).",
            control_id=control_id,
        )
    provider = encounter.serviceProvider
    facility = ""
    if provider is not None and provider.identifier is not None:
        facility = provider.identifier.value or ""
    if not facility:
        raise AdtRejected(
            "AR",
            "Encounter.serviceProvider.identifier.value (the sender) is empty.",
            control_id=control_id,
        )
    start = encounter.period.start if encounter.period else None
    end = encounter.period.end if encounter.period else None

    def aware(moment: Any) -> datetime | None:
        if moment is None:
            return None
        if isinstance(moment, datetime):
            return moment if moment.tzinfo else moment.replace(tzinfo=tz)
        return datetime(moment.year, moment.month, moment.day, tzinfo=tz)

    admit_at, discharge_at = aware(start), aware(end)
    event_at = (discharge_at if trigger == "A03" else admit_at) or admit_at
    if event_at is None:
        raise AdtRejected("AR", "Encounter.period is empty.", control_id=control_id)
    mbi = ""
    subject = encounter.subject
    if subject is not None and subject.identifier is not None:
        ident = subject.identifier
        if (ident.system or "").endswith("cmsMBI") and _FULL_MBI.match((ident.value or "").upper()):
            mbi = (ident.value or "").upper()
    family = given = sex = ""
    birth: date | None = None
    for contained in resource.get("contained") or []:
        if isinstance(contained, dict) and contained.get("resourceType") == "Patient":
            names = contained.get("name") or [{}]
            family = str(names[0].get("family") or "")[:60]
            given = str((names[0].get("given") or [""])[0])[:60]
            sex = {"female": "F", "male": "M"}.get(str(contained.get("gender")), "U")
            try:
                birth = date.fromisoformat(str(contained.get("birthDate") or ""))
            except ValueError:
                birth = None
    disposition = ""
    hosp = encounter.hospitalization
    if hosp is not None and hosp.dischargeDisposition is not None:
        codings = hosp.dischargeDisposition.coding or []
        disposition = (codings[0].code or "")[:4] if codings else ""
    app = "FHIR"
    return Adt(
        sending_application=app,
        sending_facility=facility[:180],
        control_id=control_id[:199],
        trigger=trigger,
        event_at=event_at,
        mbi=mbi,
        family_name=family,
        given_name=given,
        birth_date=birth,
        sex=sex,
        patient_class=patient_class,
        visit_number=str(encounter.id)[:60],
        discharge_disposition=disposition,
        admit_at=admit_at,
        discharge_at=discharge_at,
    )
