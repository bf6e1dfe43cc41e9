"""LLM tokens over SSE: re-rendering the block per token vs. ``stream_tokens`` (O(n)).

Both paths serve a 2000-token answer as an ``EventStream`` (default 15 s heartbeat), rendered by
the Kida backend, read the way Django's ASGI handler reads a response (``aiter(response)``, one
ASGI message per part): the bench reports the CPU time of producing every byte the server would
send, the bytes, the SSE events and the writes (ASGI body messages), and the ratios.

Two token sources, because what a server can merge depends on how tokens arrive:

- ``burst``: every token is ready at once (a fast model, a remote API that sends several per
  packet, a worker that buffered tokens for a slow reader);
- ``one by one``: each token arrives on its own turn of the event loop, after the previous one
  was handled (a model slower than the server: nothing can be merged).

Usage: ``.venv/bin/python bench/sse_tokens.py [--quick]``
"""

import argparse
import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.djkida.transport_settings"

import django  # noqa: E402

django.setup()

from djkida.ai import stream_to_fragments, stream_tokens  # noqa: E402
from djkida.sse import EventStream  # noqa: E402

TEMPLATE = "transport/chat.html"
WORDS = ["stream", "the", "<answer>", "token", "by", "token", "&", "escape", "it", "once"]


async def tokens(count: int, one_by_one: bool) -> AsyncIterator[str]:
    for n in range(count):
        if one_by_one:
            await asyncio.sleep(0)
        yield WORDS[n % len(WORDS)] + " "


@dataclass
class Run:
    cpu: float
    sent: int
    events: int
    writes: int


def measure(
    path: Callable[[AsyncIterator[str]], AsyncIterator[Any]],
    *,
    count: int,
    one_by_one: bool,
    repeat: int,
) -> Run:
    """The best CPU time of serving every event of a fresh stream, and what it sent."""

    async def serve() -> Run:
        sent = writes = frames = 0
        async for part in aiter(EventStream(path(tokens(count, one_by_one)))):
            sent += len(part)
            writes += 1
            frames += part.count(b"\n\n")
        return Run(0.0, sent, frames, writes)

    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        run = asyncio.run(serve())
        best = min(best, time.process_time() - started)
    run.cpu = best
    return run


def rerender(tokens: AsyncIterator[str]) -> AsyncIterator[Any]:
    return stream_to_fragments(tokens, TEMPLATE, "answer")


def native(tokens: AsyncIterator[str]) -> AsyncIterator[Any]:
    return stream_tokens(tokens, TEMPLATE, "reply")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 tokens, one repetition")
    args = parser.parse_args()
    count = 500 if args.quick else 2000
    repeat = 1 if args.quick else 7
    print(f"{count} tokens, best of {repeat}")
    print(f"{'source':<11} {'path':<20} {'CPU ms':>8} {'bytes':>11} {'events':>7} {'writes':>7}")
    for label, one_by_one in (("burst", False), ("one by one", True)):
        runs = {
            name: measure(path, count=count, one_by_one=one_by_one, repeat=repeat)
            for name, path in (("re-render per token", rerender), ("stream_tokens", native))
        }
        for name, run in runs.items():
            print(
                f"{label:<11} {name:<20} {run.cpu * 1000:>8.1f} {run.sent:>11,} "
                f"{run.events:>7} {run.writes:>7}"
            )
        slow, fast = runs.values()
        print(
            f"{label:<11} stream_tokens: {slow.cpu / fast.cpu:.0f}x less CPU, "
            f"{slow.sent / fast.sent:.0f}x fewer bytes ({fast.sent / count:.1f} bytes/token)"
        )


if __name__ == "__main__":
    main()
