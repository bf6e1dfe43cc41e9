"""LLM tokens over SSE: re-rendering the block per token vs. ``stream_tokens`` (O(n)).

Both paths produce the exact SSE bytes a server would send for a 2000-token answer, rendered
by the Kida backend, in this process, through the same encoder ``EventStream`` uses (default
15 s heartbeat); the bench reports the CPU time of producing them (what the server spends) and
the bytes on the wire, and the ratios between the two paths.

Usage: ``.venv/bin/python bench/sse_tokens.py [--quick]``
"""

import argparse
import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.djkida.transport_settings")

import django  # noqa: E402

django.setup()

from djkida.ai import stream_to_fragments, stream_tokens  # noqa: E402
from djkida.sse import SSEEvent, encode_stream  # noqa: E402

TEMPLATE = "transport/chat.html"
HEARTBEAT = 15.0  # EventStream's default
WORDS = ["stream", "the", "<answer>", "token", "by", "token", "&", "escape", "it", "once"]


async def tokens(count: int) -> AsyncIterator[str]:
    for n in range(count):
        yield WORDS[n % len(WORDS)] + " "


def measure(events: Callable[[], AsyncIterator[SSEEvent]], repeat: int) -> tuple[float, int, int]:
    """(best CPU seconds, bytes, events) of encoding every event of a fresh stream."""

    async def drain() -> tuple[int, int]:
        sent = count = 0
        async for frame in encode_stream(events(), heartbeat=HEARTBEAT, retry=None):
            sent += len(frame)
            count += 1
        return sent, count

    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        sent, count = asyncio.run(drain())
        best = min(best, time.process_time() - started)
    return best, sent, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="500 tokens, one repetition")
    args = parser.parse_args()
    count = 500 if args.quick else 2000
    repeat = 1 if args.quick else 5
    rerender = measure(lambda: stream_to_fragments(tokens(count), TEMPLATE, "answer"), repeat)
    native = measure(lambda: stream_tokens(tokens(count), TEMPLATE, "reply"), repeat)
    print(f"{count} tokens, best of {repeat}")
    print(f"{'path':<22} {'CPU ms':>9} {'bytes':>11} {'events':>7}")
    for name, (cpu, sent, events) in (("re-render per token", rerender), ("stream_tokens", native)):
        print(f"{name:<22} {cpu * 1000:>9.1f} {sent:>11,} {events:>7}")
    print(
        f"stream_tokens: {rerender[0] / native[0]:.0f}x less CPU, "
        f"{rerender[1] / native[1]:.0f}x fewer bytes ({native[1] / count:.1f} bytes/token)"
    )


if __name__ == "__main__":
    main()
