"""The MLLP listener: HL7 v2 ADT over TCP (MLLP framing by python-hl7's asyncio streams), one
process for every sender, each mapped to its entity (`events.Sender`).

Each connection reads one framed message at a time, has it stored and applied in one
transaction (`events.services.adt_v2_receive_many`, on a database thread) and writes the
acknowledgment after the commit: AA, or AE/AR with the reason in MSA-3. A message whose
acknowledgment never arrived is resent by the sender and answered as before, with nothing
stored twice. Stopping (SIGTERM, SIGINT) closes the port and lets the messages in hand finish.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone
from hl7.mllp import InvalidBlockError, start_hl7_server

from events.adt import ack
from events.services import Incoming, Receipt, adt_v2_receive_many

logger = logging.getLogger(__name__)

#: The largest message taken (bytes); a longer one is refused and the connection closed.
LIMIT = 1024 * 1024
SENDER_CACHE_SECONDS = 30.0
#: The most messages committed together (the messages waiting when a database thread is free).
BATCH = 64
#: Database threads: while one waits for PostgreSQL, another prepares the next batch. Messages
#: of one visit arrive on one connection one after the other (each after the previous ACK), so
#: two threads never reorder a visit; two visits that meet on one stay row wait on its lock.
DATABASE_THREADS = 2
#: Group commit: a database thread holding fewer messages than there are senders streaming
#: (connections that sent within ACTIVE_SECONDS, less the messages the other thread holds) waits
#: this long at most for the others' next messages, which follow their ACKs within a moment.
#: Each batch costs a fixed number of statements, so fuller batches cost less CPU a message; a
#: lone sender never waits.
GATHER_SECONDS = 0.005
ACTIVE_SECONDS = 0.5


def decode(block: bytes) -> str:
    """HL7 v2 text is ASCII unless MSH-18 says otherwise; UTF-8 (the common MSH-18 UNICODE
    UTF-8) is tried first and ISO 8859-1 (8859/1) takes any byte."""
    try:
        return block.decode("utf-8")
    except UnicodeDecodeError:
        return block.decode("latin-1")


def _resolve(futures: list[asyncio.Future[Any]], receipts: list[Receipt]) -> None:
    for future, receipt in zip(futures, receipts, strict=True):
        if not future.done():
            future.set_result(receipt)


class Listener:
    """One listening socket. `start()` binds (port 0 picks a free one, read `port`), `stop()`
    closes it and waits for the connections' messages in hand.

    Messages go to the database threads (each with its own connection: Django's are per
    thread); a free thread takes every message waiting and commits them together: each message
    is still all-or-nothing (events.services.adt_v2_receive_many), and each connection gets its
    ACK after the commit that holds its message."""

    def __init__(self, host: str = "127.0.0.1", port: int = 2575) -> None:
        self.host = host
        self.port = port
        self.server: asyncio.Server | None = None
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._senders: dict[Any, Any] = {}
        self._senders_at = 0.0
        self._clients: set[asyncio.Task[Any]] = set()
        self.handled = 0
        self.batches = 0
        self._last_read: dict[Any, float] = {}  # connection -> when it last sent a message
        self._in_hand = 0  # messages in the database threads' batches
        self._lock = threading.Lock()

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        for n in range(DATABASE_THREADS):
            thread = threading.Thread(target=self._database, name=f"adt-db-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)
        self.server = await start_hl7_server(
            self._client, self.host, self.port, limit=LIMIT, reuse_address=True
        )
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
        for task in list(self._clients):
            task.cancel()
        await asyncio.gather(*self._clients, return_exceptions=True)
        self._queue.put(None)  # each thread passes it on to the next
        for thread in self._threads:
            await asyncio.get_running_loop().run_in_executor(None, thread.join)

    def _database(self) -> None:
        """A database thread: batches of waiting messages, one receipt each."""
        try:
            while True:
                first = self._queue.get()
                if first is None:
                    self._queue.put(None)
                    return
                batch = [first]
                deadline = time.monotonic() + GATHER_SECONDS
                while len(batch) < BATCH:
                    try:
                        more = self._queue.get_nowait()
                    except queue.Empty:
                        left = deadline - time.monotonic()
                        if len(batch) >= self._streaming() or left <= 0:
                            break
                        try:
                            more = self._queue.get(timeout=left)
                        except queue.Empty:
                            break
                    if more is None:
                        self._queue.put(None)
                        break
                    batch.append(more)
                with self._lock:
                    self._in_hand += len(batch)
                try:
                    receipts = self._handle([item for item, _ in batch])
                finally:
                    with self._lock:
                        self._in_hand -= len(batch)
                self.batches += 1
                assert self._loop is not None
                # One wake-up of the event loop for the batch, not one a message.
                self._loop.call_soon_threadsafe(_resolve, [f for _, f in batch], receipts)
        finally:
            connection.close()

    def _streaming(self) -> int:
        """How many messages a batch may expect: the connections that sent lately, less the
        messages another database thread holds."""
        recent = time.monotonic() - ACTIVE_SECONDS
        return sum(1 for at in list(self._last_read.values()) if at > recent) - self._in_hand

    def _handle(self, incoming: list[Incoming]) -> list[Receipt]:
        now = time.monotonic()
        if now - self._senders_at > SENDER_CACHE_SECONDS:
            self._senders.clear()
            self._senders_at = now
        try:
            return adt_v2_receive_many(incoming=incoming, senders=self._senders, keep_scope=True)
        except DatabaseError as error:
            # Nothing was committed: the senders keep the messages and resend them.
            logger.warning("ADT messages not stored (database: %s)", type(error).__name__)
            close_old_connections()
            connection.close()
            reason = "The message could not be stored now; send it again."
        except Exception as error:
            logger.exception("ADT messages not stored (%s)", type(error).__name__)
            reason = "The message could not be processed; send it again."
        return [Receipt("AE", reason) for _ in incoming]

    async def _client(self, reader: Any, writer: Any) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._clients.add(task)
        loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    block = await reader.readblock()
                except asyncio.IncompleteReadError:
                    break  # the sender closed the connection
                except (InvalidBlockError, ValueError) as error:
                    text = (
                        "message too long"
                        if isinstance(error, ValueError)
                        else "no <VT> start block"
                    )
                    writer.writeblock(ack("", "AR", f"MLLP framing: {text}.").encode())
                    await writer.drain()
                    if isinstance(error, ValueError):
                        break
                    continue
                received_at = timezone.now()
                self._last_read[task] = time.monotonic()
                text = decode(block)
                future: asyncio.Future[Receipt] = loop.create_future()
                self._queue.put((Incoming(text, received_at), future))
                receipt = await future
                self.handled += 1
                reply = ack(text, receipt.code, receipt.reason, control_id=receipt.control_id)
                writer.writeblock(reply.encode("utf-8"))
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
            self._last_read.pop(task, None)
            if task is not None:
                self._clients.discard(task)


def run(host: str, port: int, *, announce: Callable[[str], None] = print) -> None:
    """Serve until SIGTERM or SIGINT (the management command's body)."""
    import signal

    async def main() -> None:
        listener = Listener(host, port)
        await listener.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        announce(f"ADT listener on {listener.host}:{listener.port} (MLLP)")
        await stop.wait()
        await listener.stop()
        announce(f"ADT listener stopped after {listener.handled} messages")

    asyncio.run(main())
