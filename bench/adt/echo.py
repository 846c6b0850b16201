"""The peer of bench/adt: python-hl7's asyncio MLLP server answering every framed message with a
fixed acknowledgment, no parsing, no database: the rate the library and the machine give."""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from hl7.mllp import start_hl7_server

REPLY = b"MSH|^~\\&|ECHO|ECHO|||||ACK|1|P|2.5.1\rMSA|AA|1"


async def client(reader: Any, writer: Any) -> None:
    try:
        while True:
            await reader.readblock()
            writer.writeblock(REPLY)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main() -> None:
    server = await start_hl7_server(client, "127.0.0.1", 0)
    print(f"echo on 127.0.0.1:{server.sockets[0].getsockname()[1]}", flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
