"""Time to first byte of ``djkida.stream()`` through a real daphne, with a one-second source.

Three views serve the same page whose only data takes 1 s: ``djkida.stream()`` (the shell
leaves at once), a hand-written async generator in ``StreamingHttpResponse`` (the floor) and
the usual await-then-``render()`` (the first byte waits for the data). For each, the time from
sending the request to the page's first bytes is measured over fresh connections, which are
dropped right after (the server then cancels the render). Goal: djkida's median TTFB < 50 ms.

    .venv/bin/python bench/djkida_ttfb.py [--quick]
"""

import argparse
import socket
import statistics
import time

from tests.servers import live_server

GOAL_MS = 50.0
VIEWS = {"djkida": "/ttfb/stream/", "raw": "/ttfb/raw/", "buffered": "/ttfb/buffered/"}


def first_byte_ms(host: str, port: int, path: str) -> float:
    """Milliseconds from sending the request to the first body bytes; then the client leaves.

    A bare socket, so the client's own overhead (an HTTP library builds TLS contexts, parses
    headers) does not count as server time.
    """
    with socket.create_connection((host, port), timeout=10) as sock:
        start = time.perf_counter()
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
        received = b""
        while b"<h1>TTFB</h1>" not in received:
            data = sock.recv(65536)
            if not data:
                raise SystemExit(f"{path} closed without the page's heading: {received!r}")
            received += data
        elapsed = (time.perf_counter() - start) * 1000
    if not received.startswith(b"HTTP/1.1 200"):
        raise SystemExit(f"{path} answered {received[:40]!r}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer requests, for CI smoke runs")
    args = parser.parse_args()
    counts = {"djkida": 5, "raw": 5, "buffered": 2} if args.quick else {
        "djkida": 30, "raw": 30, "buffered": 5,
    }  # fmt: skip

    results: dict[str, list[float]] = {}
    with live_server(
        settings="tests.djkida.stream_settings", app="tests.djkida.stream_asgi:application"
    ) as server:
        for name, path in VIEWS.items():
            first_byte_ms(server.host, server.port, path)  # warm up: imports, compilation
            results[name] = [
                first_byte_ms(server.host, server.port, path) for _ in range(counts[name])
            ]

    print(f"{'view':<9} {'n':>3} {'min ms':>8} {'median ms':>10} {'max ms':>8}")
    for name, runs in results.items():
        print(
            f"{name:<9} {len(runs):>3} {min(runs):>8.1f} {statistics.median(runs):>10.1f} "
            f"{max(runs):>8.1f}"
        )
    djkida = statistics.median(results["djkida"])
    print(f"buffered/djkida: {statistics.median(results['buffered']) / djkida:.0f}x sooner")
    print(f"djkida/raw: {djkida / statistics.median(results['raw']):.2f}x the hand-written floor")
    print(f"goal (median < {GOAL_MS:.0f} ms):", "met" if djkida < GOAL_MS else "NOT met")


if __name__ == "__main__":
    main()
