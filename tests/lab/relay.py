"""A delaying TCP relay for the lab (the kernel here has no netem).

Runs in the dialling host's namespace: for each route `PORT=HOST:TPORT=DELAY` it listens on
127.0.0.1:PORT and forwards every accepted connection to HOST:TPORT, connecting from --source
(the host's own lab address), so the peer sees the dialler's address and netgroup. Bytes are
held DELAY seconds in each direction (one-way delay; the round trip is twice that). Buffers are
bounded (a full queue stops reading, so TCP back-pressure reaches the sender), as are the
connections per route. Prints "ready" once every listener is bound; runs until killed.

Usage: relay.py --source 10.1.0.1 18001=10.2.0.1:18444=0.150 [...]
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import time

CHUNK = 64 * 1024           # bytes per read
QUEUE_CHUNKS = 64           # at most 4 MiB in flight per direction
MAX_CONNECTIONS = 32        # per route


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    queue: asyncio.Queue = asyncio.Queue(QUEUE_CHUNKS)

    async def read_side() -> None:
        while True:
            data = await reader.read(CHUNK)
            await queue.put((time.monotonic() + delay, data))
            if not data:
                return

    async def write_side() -> None:
        while True:
            due, data = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if not data:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()

    tasks = [asyncio.ensure_future(read_side()), asyncio.ensure_future(write_side())]
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in tasks:
            task.cancel()


class Route:
    def __init__(self, spec: str, source: str):
        port, target, delay = spec.split("=")
        self.port = int(port)
        self.host, tport = target.rsplit(":", 1)
        self.tport = int(tport)
        self.delay = float(delay)
        self.source = source
        self.open = 0

    async def handle(self, client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        if self.open >= MAX_CONNECTIONS:
            client_w.close()
            return
        self.open += 1
        server_w = None
        try:
            server_r, server_w = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.tport, local_addr=(self.source, 0)), 10)
            await asyncio.gather(_pump(client_r, server_w, self.delay),
                                 _pump(server_r, client_w, self.delay))
        except (OSError, asyncio.TimeoutError):
            pass
        finally:
            self.open -= 1
            for w in (client_w, server_w):
                if w is not None:
                    w.close()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", required=True)
    parser.add_argument("routes", nargs="+")
    args = parser.parse_args()
    servers = []
    for spec in args.routes:
        route = Route(spec, args.source)
        servers.append(await asyncio.start_server(route.handle, "127.0.0.1", route.port))
    print("ready", flush=True)
    await asyncio.gather(*(server.serve_forever() for server in servers))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
