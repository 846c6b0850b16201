"""Synthetic HL7 v2 ADT messages and a sender that streams them to the MLLP listener (for the
demo, the tests and `bench/adt`).

A stream follows patients through realistic visits: an emergency registration (A04) that is
sent home or admitted, an admission (A01), an update (A08), a discharge (A03) with a NUBC
discharge status drawn from a plausible mix, and now and then a cancelled admission (A11) or
discharge (A13) followed by its correction. The sender keeps each message until its
acknowledgment arrives and resends what was not acknowledged after a lost connection, so a
listener restart loses and duplicates nothing.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import random
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from hl7.mllp import open_hl7_connection

#: Discharge statuses (NUBC) and how often they occur in the stream.
DISPOSITIONS = [
    ("01", 55),
    ("06", 20),
    ("03", 12),
    ("02", 4),
    ("62", 3),
    ("07", 2),
    ("20", 2),
    ("50", 2),
]


@dataclass(frozen=True)
class Patient:
    mbi: str
    family: str
    given: str
    birth_date: date | None
    sex: str  # F, M or U


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y%m%d%H%M%S") + (moment.strftime("%z") if moment.tzinfo else "")


def _esc(text: str) -> str:
    out = text.replace("\\", "\\E\\").replace("|", "\\F\\").replace("^", "\\S\\")
    return out.replace("~", "\\R\\").replace("&", "\\T\\")


def message(
    *,
    trigger: str,
    control_id: str,
    patient: Patient,
    visit: str,
    event_at: datetime,
    application: str = "SYNTH_EHR",
    facility: str = "SYNTH_HOSP",
    patient_class: str = "I",
    disposition: str = "",
    admit_at: datetime | None = None,
    discharge_at: datetime | None = None,
    with_mbi: bool = True,
    location: str = "4W^401^A",
) -> str:
    """One ADT message (HL7 v2.5.1), segments separated by carriage returns."""
    pid3 = (
        f"{patient.mbi}^^^CMS^MC~MRN{visit[-6:]}^^^{facility}^MR"
        if with_mbi
        else f"MRN{visit[-6:]}^^^{facility}^MR"
    )
    birth = patient.birth_date.strftime("%Y%m%d") if patient.birth_date else ""
    pv1 = [""] * 46
    pv1[0] = "PV1"
    pv1[1] = "1"
    pv1[2] = patient_class
    pv1[3] = location
    pv1[19] = visit
    pv1[36] = disposition
    pv1[44] = _ts(admit_at) if admit_at else ""
    pv1[45] = _ts(discharge_at) if discharge_at else ""
    structure = {"A01": "ADT_A01", "A03": "ADT_A03", "A04": "ADT_A01", "A08": "ADT_A01"}.get(
        trigger, "ADT_A09"
    )
    segments = [
        f"MSH|^~\\&|{application}|{facility}|OPENVBC|OPENVBC|{_ts(event_at)}||ADT^{trigger}^{structure}|{control_id}|P|2.5.1",
        f"EVN|{trigger}|{_ts(event_at)}|||||{_ts(event_at)}",
        f"PID|1||{pid3}||{_esc(patient.family)}^{_esc(patient.given)}||{birth}|{patient.sex}",
        "|".join(pv1),
    ]
    return "\r".join(segments)


@dataclass
class Stream:
    """Visits for `patients`, in time order from `start`, `count` messages in all."""

    patients: list[Patient]
    start: datetime
    application: str = "SYNTH_EHR"
    facility: str = "SYNTH_HOSP"
    seed: int = 17
    prefix: str = "SYN"
    cancels: bool = True
    _n: int = field(default=0, init=False)

    def _id(self) -> str:
        self._n += 1
        return f"{self.prefix}{self._n:09d}"

    def _msg(self, **kw: Any) -> str:
        return message(
            application=self.application, facility=self.facility, control_id=self._id(), **kw
        )

    def visits(self) -> Iterator[str]:
        rng = random.Random(self.seed)  # noqa: S311 - synthetic data
        now = self.start
        visit_no = 0
        while True:
            patient = rng.choice(self.patients)
            visit_no += 1
            visit = f"V{self.seed:03d}{visit_no:08d}"
            now += timedelta(seconds=rng.randint(20, 300))
            if rng.random() < 0.3:  # an emergency visit, treated and released
                yield self._msg(
                    trigger="A04",
                    patient=patient,
                    visit=visit,
                    event_at=now,
                    patient_class="E",
                    admit_at=now,
                    location="ED^12^1",
                )
                end = now + timedelta(hours=rng.randint(2, 8))
                yield self._msg(
                    trigger="A03",
                    patient=patient,
                    visit=visit,
                    event_at=end,
                    patient_class="E",
                    admit_at=now,
                    discharge_at=end,
                    disposition="01",
                    location="ED^12^1",
                )
                continue
            admit = now
            yield self._msg(
                trigger="A01", patient=patient, visit=visit, event_at=admit, admit_at=admit
            )
            if self.cancels and rng.random() < 0.03:
                yield self._msg(
                    trigger="A11",
                    patient=patient,
                    visit=visit,
                    event_at=admit + timedelta(minutes=20),
                    admit_at=admit,
                )
                continue
            yield self._msg(
                trigger="A08",
                patient=patient,
                visit=visit,
                event_at=admit + timedelta(hours=2),
                admit_at=admit,
                location="5E^510^B",
            )
            codes, weights = zip(*DISPOSITIONS, strict=True)
            end = admit + timedelta(days=rng.randint(1, 7), hours=rng.randint(0, 12))
            disposition = rng.choices(codes, weights)[0]
            yield self._msg(
                trigger="A03",
                patient=patient,
                visit=visit,
                event_at=end,
                admit_at=admit,
                discharge_at=end,
                disposition=disposition,
                location="5E^510^B",
            )
            if self.cancels and rng.random() < 0.03:
                yield self._msg(
                    trigger="A13",
                    patient=patient,
                    visit=visit,
                    event_at=end + timedelta(minutes=30),
                    admit_at=admit,
                )
                later = end + timedelta(days=1)
                yield self._msg(
                    trigger="A03",
                    patient=patient,
                    visit=visit,
                    event_at=later,
                    admit_at=admit,
                    discharge_at=later,
                    disposition="01",
                    location="5E^510^B",
                )

    def messages(self, count: int) -> list[str]:
        out: list[str] = []
        for text in self.visits():
            out.append(text)
            if len(out) >= count:
                return out
        return out


# ---------------------------------------------------------------------------------- sender


@dataclass
class Sent:
    acks: dict[int, str] = field(default_factory=dict)  # message index -> MSA-1
    latencies: list[float] = field(default_factory=list)  # seconds from send to its ACK
    resent: int = 0
    reconnects: int = 0


def ack_code(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    for segment in text.split("\r"):
        if segment.startswith("MSA|"):
            return segment.split("|")[1]
    return ""


def visit_of(text: str) -> str:
    """PV1-19 of a message this module made (or the whole text when it has none)."""
    for segment in text.split("\r"):
        if segment.startswith("PV1|"):
            fields = segment.split("|")
            return fields[19] if len(fields) > 19 else ""
    return text


async def _lane(
    host: str, port: int, items: list[tuple[int, str]], sent: Sent, deadline: float
) -> None:
    """Send `items` in order on one connection, each after the previous one's ACK; on a lost
    connection reconnect and resend the one not acknowledged."""
    position = 0
    while position < len(items):
        try:
            reader, writer = await open_hl7_connection(host, port, encoding="utf-8")
        except OSError:
            if time.monotonic() > deadline:
                raise
            sent.reconnects += 1
            await asyncio.sleep(0.05)
            continue
        try:
            while position < len(items):
                index, text = items[position]
                started = time.perf_counter()
                writer.writeblock(text.encode("utf-8"))
                await writer.drain()
                reply = await reader.readblock()
                sent.latencies.append(time.perf_counter() - started)
                if index in sent.acks:
                    sent.resent += 1
                sent.acks[index] = ack_code(reply)
                position += 1
        except (OSError, asyncio.IncompleteReadError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            sent.reconnects += 1
            sent.resent += 1 if position < len(items) else 0
            await asyncio.sleep(0.05)
        finally:
            writer.close()


async def send_all(
    host: str,
    port: int,
    texts: Iterable[str],
    *,
    connections: int = 1,
    timeout: float = 600.0,
    sent: Sent | None = None,
) -> Sent:
    """Send every message, spread over `connections` connections by visit,
    resending after a lost connection until acknowledged or `timeout` passes."""
    sent = sent if sent is not None else Sent()
    lanes: list[list[tuple[int, str]]] = [[] for _ in range(max(1, connections))]
    for index, text in enumerate(texts):
        # One visit's messages go on one connection, in order (an A03 never overtakes its A01).
        lanes[hash(visit_of(text)) % len(lanes)].append((index, text))
    deadline = time.monotonic() + timeout
    await asyncio.gather(*(_lane(host, port, lane, sent, deadline) for lane in lanes if lane))
    return sent


def send(
    host: str, port: int, texts: Iterable[str], *, connections: int = 1, timeout: float = 600.0
) -> Sent:
    def run() -> Sent:
        return asyncio.run(send_all(host, port, texts, connections=connections, timeout=timeout))

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run()
    # Called where this thread already runs an event loop (Playwright's sync API, a notebook):
    # the sender gets a loop of its own in a thread.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
