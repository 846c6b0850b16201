"""The MLLP listener: HL7 v2 ADT over TCP (MLLP framing by python-hl7's asyncio streams), one
process for every sender, each mapped to its entity (`events.Sender`).

Each connection reads one framed message at a time, has it stored and applied in one
transaction (`events.services.adt_v2_receive`, on the process's database thread) and writes the
acknowledgment after the commit: AA, or AE/AR with the reason in MSA-3. A message whose
acknowledgment never arrived is resent by the sender and answered as before, with nothing
stored twice. Stopping (SIGTERM, SIGINT) closes the port and lets the messages in hand finish.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from django.db import DatabaseError, close_old_connections, connection
from django.utils import timezone
from hl7.mllp import InvalidBlockError, start_hl7_server

from events.adt import ack
from events.services import Receipt, adt_v2_receive

logger = logging.getLogger(__name__)

#: The largest message taken (bytes); a longer one is refused and the connection closed.
LIMIT = 1024 * 1024
SENDER_CACHE_SECONDS = 30.0


def decode(block: bytes) -> str:
    """HL7 v2 text is ASCII unless MSH-18 says otherwise; UTF-8 (the common MSH-18 UNICODE
    UTF-8) is tried first and ISO 8859-1 (8859/1) takes any byte."""
    try:
        return block.decode("utf-8")
    except UnicodeDecodeError:
        return block.decode("latin-1")


class Listener:
    """One listening socket. `start()` binds (port 0 picks a free one, read `port`), `stop()`
    closes it and waits for the connections' messages in hand."""

    def __init__(self, host: str = "127.0.0.1", port: int = 2575) -> None:
        self.host = host
        self.port = port
        self.server: asyncio.Server | None = None
        # One database thread: Django's connection is per thread, and one connection keeps the
        # per-message transactions in order.
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="adt-db")
        self._senders: dict[Any, Any] = {}
        self._senders_at = 0.0
        self._clients: set[asyncio.Task[Any]] = set()
        self.handled = 0

    async def start(self) -> None:
        self.server = await start_hl7_server(
            self._client, self.host, self.port, limit=LIMIT, reuse_address=True
        )
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        for task in list(self._clients):
            task.cancel()
        await asyncio.gather(*self._clients, return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(self.executor, connection.close)
        self.executor.shutdown(wait=True)

    def _handle(self, text: str, received_at: Any) -> Receipt:
        """On the database thread: one message, one transaction."""
        now = time.monotonic()
        if now - self._senders_at > SENDER_CACHE_SECONDS:
            self._senders.clear()
            self._senders_at = now
        try:
            return adt_v2_receive(
                text=text, channel="mllp", received_at=received_at, senders=self._senders
            )
        except DatabaseError as error:
            # Nothing was committed: the sender keeps the message and resends it.
            logger.warning("ADT message not stored (database: %s)", type(error).__name__)
            close_old_connections()
            connection.close()
            return Receipt("AE", "The message could not be stored now; send it again.")
        except Exception as error:
            logger.exception("ADT message not stored (%s)", type(error).__name__)
            return Receipt("AE", "The message could not be processed; send it again.")

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
                text = decode(block)
                receipt = await loop.run_in_executor(self.executor, self._handle, text, received_at)
                self.handled += 1
                reply = ack(text, receipt.code, receipt.reason, control_id=receipt.control_id)
                writer.writeblock(reply.encode("utf-8"))
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()
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
