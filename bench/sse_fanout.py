"""Broadcast fan-out: N SSE clients on one daphne process, delivery latency of a broadcast.

N clients subscribe to one group through ``FragmentSSEConsumer``; the bench then asks the
server to ``abroadcast`` an event (a Django view in the same process; in-memory channel layer,
or ``channels_redis`` with ``--redis``) and measures, per client, the time from the request to
the event's arrival. Its peer, in the same server and interleaved round by round, is the floor:
N more clients of a hand-written ASGI endpoint that writes the frame straight to each open
response (no Django view, Channels consumer, channel layer or djkida). Clients are raw asyncio
sockets so the client side costs as little CPU as possible on a shared machine.

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
# Per path measured: where clients listen, and where the broadcast is asked for.
PATHS = {
    "djkida": ("/djkida/events/{group}/", "/send/"),
    "floor": ("/floor/events/{group}/", "/floor/send/"),
}


class Client:
    """One SSE connection, read as raw bytes: enough to spot a marker in the event data."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.buffer = b""

    @classmethod
    async def connect(cls, server: LiveServer, events_path: str) -> "Client":
        reader, writer = await asyncio.open_connection(server.host, server.port)
        writer.write(
            f"GET {events_path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
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


async def send(server: LiveServer, send_path: str, group: str, html: str) -> None:
    """GET ``send_path`` on the server: it broadcasts from inside its own process."""
    reader, writer = await asyncio.open_connection(server.host, server.port)
    writer.write(
        f"GET {send_path}?group={group}&html={html} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Connection: close\r\n\r\n".encode()
    )
    await writer.drain()
    await reader.read()
    writer.close()


async def connect_clients(server: LiveServer, events_path: str, count: int) -> list[Client]:
    clients: list[Client] = []
    for start in range(0, count, 100):  # connect in waves: daphne's accept backlog
        batch = min(100, count - start)
        clients += await asyncio.gather(
            *[Client.connect(server, events_path) for _ in range(batch)]
        )
    return clients


async def measure(server: LiveServer, clients_count: int, rounds: int) -> dict[str, list[float]]:
    """Latencies (ms) per path, the paths taking turns round by round."""
    group = f"public.bench-{uuid.uuid4().hex[:8]}"
    clients = {
        name: await connect_clients(server, events.format(group=group), clients_count)
        for name, (events, _) in PATHS.items()
    }
    latencies: dict[str, list[float]] = {name: [] for name in PATHS}
    try:
        for round_number in range(rounds):
            for name, (_, send_path) in PATHS.items():
                marker = f"tick-{round_number}-end"
                sent = time.perf_counter()
                arrivals, _ = await asyncio.gather(
                    asyncio.gather(*[client.wait_for(marker.encode()) for client in clients[name]]),
                    send(server, send_path, group, marker),
                )
                latencies[name] += [(arrived - sent) * 1000 for arrived in arrivals]
    finally:
        for group_clients in clients.values():
            for client in group_clients:
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
        print(f"{'clients':>8} {'path':>7} {'rounds':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
        ratios = []
        for size in sizes:
            latencies = asyncio.run(measure(server, size, rounds))
            for name, values in latencies.items():
                print(
                    f"{size:>8} {name:>7} {rounds:>6} {statistics.median(values):>8.1f} "
                    f"{percentile(values, 0.99):>8.1f} {max(values):>8.1f}"
                )
            ratio = statistics.median(latencies["djkida"]) / statistics.median(latencies["floor"])
            ratios.append(f"N={size} {ratio:.1f}x")
        print("djkida/floor p50:", ", ".join(ratios))


if __name__ == "__main__":
    main()
