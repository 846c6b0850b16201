"""The MLLP listener over a real socket (started on port 0 in the test's process): ACK codes,
nothing stored twice, and no message lost or duplicated when it restarts mid-stream."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command

from care.models import WorklistItem
from events.listener import Listener
from events.models import AdtMessage
from synthetic.adt import Stream, ack_code, send, send_all
from tests.events.conftest import adt, at, patient_of

pytestmark = pytest.mark.django_db(transaction=True)


class Running:
    """A listener on its own event loop in a thread, as the command runs it."""

    def __init__(self, port: int = 0) -> None:
        self.loop = asyncio.new_event_loop()
        self.listener = Listener("127.0.0.1", port)
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.listener.start())
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert ready.wait(10)
        self.port = self.listener.port

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.listener.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


@contextmanager
def listening(port: int = 0) -> Iterator[Running]:
    running = Running(port)
    try:
        yield running
    finally:
        running.stop()


def _raw(port: int, payload: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(payload)
        data = b""
        while not data.endswith(b"\x1c\r"):
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data


def test_messages_over_mllp_are_acknowledged_after_they_are_stored(entity_a, sender_a, make_bene):
    bene = make_bene(entity_a)
    stranger = make_bene(entity_a)
    out = at(2026, 12, 4, 10)
    discharge = adt(sender_a, bene, "A03", "L1", event_at=out, discharge_at=out, disposition="01")
    unmatched = adt(sender_a, stranger, "A03", "L2", event_at=out, discharge_at=out)
    unmatched = unmatched.replace(stranger.current_mbi, "9AA9AA9AA99")
    with listening() as running:
        sent = send("127.0.0.1", running.port, [discharge, discharge, unmatched], timeout=30)
        framing = _raw(running.port, b"no start block\x1c\r")
        garbage = _raw(running.port, b"\x0bMSH|^~\\&|broken\x1c\r")
        # The generator, as a user runs it against the running listener.
        printed = StringIO()
        call_command(
            "send_adt", "--entity", entity_a.cms_id, "--discharge", "--port", str(running.port),
            "--seed", "41", stdout=printed,
        )  # fmt: skip
    assert "AA 2" in printed.getvalue()
    assert AdtMessage.objects.filter(control_id__startswith="CLI41").count() == 2
    assert [sent.acks[i] for i in range(3)] == ["AA", "AA", "AE"]
    assert ack_code(framing) == "AR"
    assert b"MLLP framing" in framing
    assert ack_code(garbage) == "AR"
    # The discharge once, the unmatched one in the queue, the generator's admission and discharge.
    assert AdtMessage.objects.count() == 4
    assert AdtMessage.objects.get(control_id="L2").status == "unmatched"
    kinds = WorklistItem.objects.filter(beneficiary=bene).values_list("kind", flat=True)
    assert sorted(kinds) == ["tcm_contact", "tcm_visit"]
    assert WorklistItem.objects.count() == 4  # and the generator's discharge's two


def test_a_restart_mid_stream_loses_and_duplicates_nothing(entity_a, sender_a, make_bene):
    patients = [patient_of(make_bene(entity_a)) for _ in range(5)]
    texts = Stream(
        patients,
        start=at(2026, 11, 1),
        application=sender_a.sending_application,
        facility=sender_a.sending_facility,
        seed=3,
        cancels=False,
    ).messages(60)
    first = Running()
    port = first.port
    result: dict[str, object] = {}

    def sender() -> None:
        result["sent"] = asyncio.run(send_all("127.0.0.1", port, texts, connections=2, timeout=60))

    thread = threading.Thread(target=sender)
    thread.start()
    deadline = time.monotonic() + 30
    while first.listener.handled < 15 and time.monotonic() < deadline:
        time.sleep(0.005)
    first.stop()  # mid-stream: connections drop, what was in hand is committed or not
    with listening(port):
        thread.join(60)
    sent = result["sent"]
    assert sent.reconnects >= 1  # type: ignore[attr-defined]
    assert len(sent.acks) == len(texts)  # type: ignore[attr-defined]
    assert set(sent.acks.values()) == {"AA"}  # type: ignore[attr-defined]
    control_ids = list(AdtMessage.objects.values_list("control_id", flat=True))
    assert len(control_ids) == len(set(control_ids)) == len(texts)
    # One pair of TCM tasks or one other task per discharge, never two.
    keys = list(WorklistItem.objects.values_list("source_key", flat=True))
    assert len(keys) == len(set(keys))
