"""Time to first byte of ``djkida.stream()`` through a real daphne, with a one-second source.

Three views serve the same page whose only data takes 1 s: ``djkida.stream()`` (the shell
leaves at once), a hand-written async generator in ``StreamingHttpResponse`` (the floor) and
the usual await-then-``render()`` (the first byte waits for the data). For each, the time from
sending the request to the first body byte is measured over fresh connections; streamed
requests are dropped after the first chunk. Goal: djkida's median TTFB < 50 ms.

    .venv/bin/python bench/djkida_ttfb.py [--quick]
"""

import argparse
import statistics
import time

import httpx

from tests.servers import live_server

GOAL_MS = 50.0
VIEWS = {"djkida": "/ttfb/stream/", "raw": "/ttfb/raw/", "buffered": "/ttfb/buffered/"}


def first_byte_ms(url: str) -> float:
    """Milliseconds until the first body chunk arrives (the connection is then dropped)."""
    with httpx.Client(timeout=10) as client:
        start = time.perf_counter()
        with client.stream("GET", url) as response:
            response.raise_for_status()
            first = next(response.iter_raw())
            elapsed = (time.perf_counter() - start) * 1000
    if b"<h1>TTFB</h1>" not in first:
        raise SystemExit(f"unexpected first chunk from {url}: {first!r}")
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
            first_byte_ms(server.url + path)  # warm up: imports, template compilation
            results[name] = [first_byte_ms(server.url + path) for _ in range(counts[name])]

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
