"""A TCP relay that adds a round-trip delay, for the kernel-shaped link of
``bench/sync_backlog.py --kernel-delay-ms`` (this machine has no ``tc netem``).

Run inside the link's namespace (``ip netns exec NS python bench/delay_relay.py --bind IP
--delay-ms 100 --to IP:PORT [--to IP:PORT ...]``): for each ``--to`` it listens on a port
of ``IP`` chosen by the kernel and prints the ports as one JSON line; every connection
accepted is relayed to its target, each chunk read held ``delay/2`` before it is written on,
in each direction, order kept.

What it models: every application round trip (a request and its answer, TLS's handshake)
takes ``delay`` longer, as over 4G. What it does not: the TCP connections on either side of
it have the veth's own sub-millisecond round trip, so TCP's window growth, slow start after
idle and loss recovery all run at LAN speed; on a real long link they take round trips of
their own and a real window caps what one connection carries. It relays bytes, not packets:
TLS passes through untouched.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time

CHUNK = 1 << 16


async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
               delay: float) -> None:
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def read() -> None:
        while True:
            try:
                data = await reader.read(CHUNK)
            except (ConnectionError, OSError):
                data = b""
            await queue.put((time.monotonic() + delay, data))
            if not data:
                return

    async def write() -> None:
        while True:
            due, data = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            try:
                if not data:
                    if writer.can_write_eof():
                        writer.write_eof()
                    return
                writer.write(data)
                await writer.drain()
            except (ConnectionError, OSError):
                return

    await asyncio.gather(read(), write())


async def relay(target: tuple[str, int], delay: float, reader: asyncio.StreamReader,
                writer: asyncio.StreamWriter) -> None:
    try:
        up_reader, up_writer = await asyncio.open_connection(*target)
    except OSError:
        writer.close()
        return
    try:
        await asyncio.gather(pump(reader, up_writer, delay / 2),
                             pump(up_reader, writer, delay / 2))
    finally:
        for w in (writer, up_writer):
            w.close()


async def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--bind", required=True)
    p.add_argument("--delay-ms", type=float, required=True, help="added round trip")
    p.add_argument("--to", action="append", required=True, help="HOST:PORT")
    args = p.parse_args()
    delay = args.delay_ms / 1000
    ports = []
    servers = []
    for spec in args.to:
        host, port = spec.rsplit(":", 1)
        target = (host, int(port))
        server = await asyncio.start_server(
            lambda r, w, t=target: relay(t, delay, r, w), args.bind, 0, backlog=512)
        servers.append(server)
        ports.append(server.sockets[0].getsockname()[1])
    print(json.dumps({"ports": ports}), flush=True)
    # Until the bench closes our stdin.
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)
    os._exit(0)  # connections still open die with the process, no teardown to wait for


if __name__ == "__main__":
    asyncio.run(main())
