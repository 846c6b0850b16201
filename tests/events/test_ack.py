"""The acknowledgment written without parsing the MSH again (events.adt._ack_plain) is the one
python-hl7's Message.create_ack builds, for ordinary messages and unusual MSH segments; where it
cannot be sure (a reason to escape, odd separators, a short MSH) it leaves the ACK to
python-hl7. No database."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import hl7
import hl7.containers
import hl7.util
import pytest

from events import adt
from synthetic.adt import Patient, Stream

FIXED = datetime(2026, 12, 5, 11, 30, 15, tzinfo=UTC)


class _Clock:
    @staticmethod
    def utcnow() -> datetime:
        return FIXED.replace(tzinfo=None)  # python-hl7's naive UTC

    @staticmethod
    def now(tz: object = None) -> datetime:
        return FIXED


@pytest.fixture
def fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ACK's own time (MSH-7) and control id (MSH-10) fixed, in both builders."""
    monkeypatch.setattr(hl7.util, "generate_message_control_id", lambda: "ACKID")
    monkeypatch.setattr(hl7.containers, "generate_message_control_id", lambda: "ACKID")
    monkeypatch.setattr(hl7.containers.datetime, "datetime", _Clock)
    monkeypatch.setattr(adt, "datetime", _Clock)


def _library(text: str, code: str, reason: str) -> str:
    """What `ack` answered before it wrote the common case itself."""
    message = hl7.parse(adt.normalise(text).split("\r", 1)[0])
    reply = message.create_ack(ack_code=code, application="OPENVBC", facility="OPENVBC")
    if reason:
        reply.segment("MSA").append(hl7.Field(message.separators[2], [message.escape(reason)]))
    return str(reply)


def test_the_plain_ack_is_python_hl7s(fixed: None) -> None:
    patients = [
        Patient(f"1EG4TE5MK{i % 10}{i % 7}", f"Person{i}", f"Given{i}", date(1950, 1, 1), "F")
        for i in range(20)
    ]
    texts = Stream(
        patients, start=datetime(2026, 11, 1, tzinfo=ZoneInfo("America/New_York")), seed=3
    ).messages(60)
    rng = random.Random(5)
    for text in texts[:40]:  # one character damaged somewhere
        at = rng.randrange(len(text))
        texts.append(text[:at] + rng.choice("|^~\\&\r\nX ") + text[at + 1 :])
    texts += [
        "MSH|^~\\&|APP^1.2.3^ISO|FAC|RCV|RF|20260101||ADT^A01~X^Y|C1^x|P|2.5.1|||",
        "MSH#^~\\&#A#B####ADT^A01#ID7#P#2.5",
        "MSH|^~\\&|A|B|||x||ADT|1|P|2.5",
        "MSH|^~\\|A|B|||x||ADT^A01|1|P|2.5",
        "MSH|^~\\&|A|B|||x||ADT^A03|1|P",
    ]
    reasons = ["", "Admitted to General 2026-11-01 10:00: in hospital.", "A|B", "é", "x^y"]
    written = 0
    for text in texts:
        for reason in reasons:
            for code in ("AA", "AE", "AR"):
                plain = adt._ack_plain(text, code, reason)
                if plain is None:
                    continue
                written += 1
                assert plain == _library(text, code, reason), (text, reason)
                assert adt.ack(text, code, reason) == plain
    assert written > 300  # the common case is written, not left to the library
    # Escaping, odd separators and short segments go to python-hl7.
    assert adt._ack_plain(texts[0], "AR", "MSH-3/MSH-4 A^B is not a registered sender.") is None
    assert adt._ack_plain("MSH|^~\\&|A|B|||x||ADT|1|P|2.5", "AA", "") is None
    assert adt._ack_plain("MSH|^~\\&|A|B|||x||ADT^A03|1|P", "AA", "") is None
