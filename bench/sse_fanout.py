"""Broadcast fan-out: N SSE clients on one daphne process, delivery latency of a broadcast.

N clients subscribe to one group through ``FragmentSSEConsumer``; the bench then asks the
server to ``abroadcast`` a timestamped event (a view in the same process, in-memory channel
layer) and measures, per client, the time from the request to the event's arrival. Clients are
raw asyncio sockets so the client side costs as little CPU as possible on a shared machine.

Usage: ``.venv/bin/python bench/sse_fanout.py [--quick] [--server daphne|uvicorn] [--redis URL]``
"""

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import LiveServer, live_server  # noqa: E402

SETTINGS = "tests.djkida.transport_settings"
APP = "tests.djkida.transport_asgi:application"


class Client:
    """One SSE connection, read as raw bytes: enough to spot a marker in the event data."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.buffer = b""

    @classmethod
    async def connect(cls, server: LiveServer, group: str) -> "Client":
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(
            f"GET /djkida/events/{group}/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Accept: text/event-stream\r\n\r\n".encode()
        )
        client = cls(reader, writer)
        await client.wait_for(b": connected")
        return client

    async def wait_for(self, marker: bytes) -> float:
        """Read until ``marker`` arrives; return the arrival time."""
        while marker not in self.buffer:
            chunk = await self.reader.read(65536)
            if not chunk:
                raise ConnectionError("server closed the stream")
            self.buffer += chunk
        self.buffer = self.buffer[self.buffer.index(marker) + len(marker) :]
        return time.perf_counter()

    def close(self) -> None:
        self.writer.close()


async def send(server: LiveServer, group: str, html: str) -> None:
    """GET /send/ on the server: it broadcasts from inside its own process."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(
        f"GET /send/?group={group}&html={html} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Connection: close\r\n\r\n".encode()
    )
    await writer.drain()
    await reader.read()
    writer.close()


async def measure(server: LiveServer, clients_count: int, rounds: int) -> list[float]:
    group = f"public.bench-{uuid.uuid4().hex[:8]}"
    clients = []
    for start in range(0, clients_count, 100):  # connect in waves: daphne's accept backlog
        batch = min(100, clients_count - start)
        clients += await asyncio.gather(*[Client.connect(server, group) for _ in range(batch)])
    latencies: list[float] = []
    try:
        for round_number in range(rounds):
            marker = f"tick-{round_number}-end"
            sent = time.perf_counter()
            arrivals, _ = await asyncio.gather(
                asyncio.gather(*[client.wait_for(marker.encode()) for client in clients]),
                send(server, group, marker),
            )
            latencies += [(arrived - sent) * 1000 for arrived in arrivals]
    finally:
        for client in clients:
            client.close()
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, N=100 and 300")
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="daphne")
    parser.add_argument("--redis", metavar="URL", help="channels_redis on this Redis database")
    args = parser.parse_args()
    sizes = (100, 300) if args.quick else (100, 1000)
    rounds = 3 if args.quick else 10
    env = {"TRANSPORT_REDIS_URL": args.redis} if args.redis else {}
    with live_server(settings=SETTINGS, app=APP, kind=args.server, env=env) as server:
        print(f"{'clients':>8} {'rounds':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
        for size in sizes:
            latencies = asyncio.run(measure(server, size, rounds))
            print(
                f"{size:>8} {rounds:>6} {statistics.median(latencies):>8.1f} "
                f"{percentile(latencies, 0.99):>8.1f} {max(latencies):>8.1f}"
            )


if __name__ == "__main__":
    main()
