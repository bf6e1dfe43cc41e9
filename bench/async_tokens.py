"""Streaming LLM tokens through a template: kida's ``{% async for %}`` against Jinja2's async
``generate_async`` and against the re-render pattern, measured in the same run.

- native: ``render_stream_async`` over one async generator of tokens; each token leaves as its
  own chunk (O(n)). Compared with Jinja2 ``Environment(enable_async=True)`` + ``generate_async``
  over the same generator (goal: kida/jinja2 <= 0.80).
- re-render: for every token, the reply block is rendered again with all the text so far, which
  is what a client that replaces the element needs (O(n^2)); done with the sync
  ``render_block``, the cheapest way, so the comparison flatters it. Goal: the native path
  uses >= 50x less CPU at 2000 tokens; the growth table shows how each scales from 250 to 4000
  tokens.

CPU time is ``time.process_time`` so other processes on the machine do not count.

    .venv/bin/python bench/async_tokens.py [--quick]
"""

import argparse
import asyncio
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import jinja2

import kida

RATIO_GOAL = 0.80
RERENDER_GOAL = 50.0
GROWTH_SIZES = (250, 500, 1000, 2000, 4000)

# The same markup in both languages; kida closes with {% end %}, Jinja2 has no async for tag
# (its for loop accepts async iterables when enable_async is on).
KIDA_STREAM = (
    '<div id="reply" class="{{ css }}">{% async for token in tokens %}{{ token }}{% end %}</div>'
)
JINJA_STREAM = (
    '<div id="reply" class="{{ css }}">{% for token in tokens %}{{ token }}{% endfor %}</div>'
)
KIDA_BLOCK = '{% block reply %}<div id="reply" class="{{ css }}">{{ text }}</div>{% endblock %}'


async def token_source(count: int) -> AsyncIterator[str]:
    """``count`` short tokens, some needing escaping, as fast as the consumer takes them."""
    for i in range(count):
        yield f" tok<{i % 10}>" if i % 17 == 0 else f" word{i % 100}"


async def drain(chunks: AsyncIterator[str]) -> str:
    """Consume a render stream the way a streaming response does, keeping the text."""
    return "".join([chunk async for chunk in chunks])


def kida_native(template: Any) -> Callable[[int], Awaitable[str]]:
    def run(count: int) -> Awaitable[str]:
        return drain(template.render_stream_async(css="msg", tokens=token_source(count)))

    return run


def jinja_native(template: jinja2.Template) -> Callable[[int], Awaitable[str]]:
    def run(count: int) -> Awaitable[str]:
        return drain(template.generate_async(css="msg", tokens=token_source(count)))

    return run


def kida_rerender(template: Any) -> Callable[[int], Awaitable[str]]:
    """Every token: render the whole reply block again with the accumulated text."""

    async def run(count: int) -> str:
        text = ""
        sent = []
        async for token in token_source(count):
            text += token
            sent.append(template.render_block("reply", css="msg", text=text))
        return sent[-1] if sent else ""

    return run


Run = Callable[[int], Awaitable[str]]


SAMPLE_SECONDS = 0.05


def cpu_seconds(runs: dict[str, Run], count: int, repeat: int) -> dict[str, list[float]]:
    """CPU seconds per complete run over ``count`` tokens, ``repeat`` samples for each of
    ``runs``. Like ``timeit``, a sample repeats a short run until it lasts ``SAMPLE_SECONDS``
    so clock noise stays small; samples are interleaved so a busy neighbour slows all alike,
    and everything shares one event loop so its start-up is not counted."""

    async def cpu_of(run: Run, number: int) -> float:
        start = time.process_time()
        for _ in range(number):
            await run(count)
        return (time.process_time() - start) / number

    async def timed() -> dict[str, list[float]]:
        numbers = {
            name: max(1, int(SAMPLE_SECONDS / max(await cpu_of(run, 1), 1e-6)))
            for name, run in runs.items()
        }
        times: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(repeat):
            for name, run in runs.items():
                times[name].append(await cpu_of(run, numbers[name]))
        return times

    return asyncio.run(timed())


def squeeze(text: str) -> str:
    return "".join(text.split())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few repeats, small sizes (smoke)")
    args = parser.parse_args()
    repeat = 2 if args.quick else 5
    sizes = GROWTH_SIZES[:3] if args.quick else GROWTH_SIZES
    tokens = 2000

    kida_env = kida.Environment(autoescape=True)
    jinja_env = jinja2.Environment(autoescape=True, enable_async=True)
    native = kida_native(kida_env.from_string(KIDA_STREAM))
    jinja = jinja_native(jinja_env.from_string(JINJA_STREAM))
    rerender = kida_rerender(kida_env.from_string(KIDA_BLOCK))

    outputs = [asyncio.run(run(50)) for run in (native, jinja, rerender)]
    if len({squeeze(out) for out in outputs}) != 1:
        print("OUTPUTS DIFFER:", *outputs, sep="\n")
        return 1

    print(f"{tokens} tokens, CPU ms per stream (min, median over {repeat} runs)")
    runs = {"kida async for": native, "jinja2 generate_async": jinja, "re-render": rerender}
    results = {
        name: (min(times), statistics.median(times))
        for name, times in cpu_seconds(runs, tokens, repeat).items()
    }
    for name, (best, median) in results.items():
        print(f"{name:<26} {best * 1e3:>9.2f} {median * 1e3:>9.2f}", flush=True)

    kida_best, kida_median = results["kida async for"]
    jinja_best, jinja_median = results["jinja2 generate_async"]
    ratio = kida_best / jinja_best
    verdict = "ok" if ratio <= RATIO_GOAL else f"SLOW (goal <= {RATIO_GOAL:.2f})"
    print(f"kida/jinja2 ratio {ratio:.2f} (median {kida_median / jinja_median:.2f}) {verdict}")
    rerender_best, rerender_median = results["re-render"]
    saving = rerender_best / kida_best
    verdict = "ok" if saving >= RERENDER_GOAL else f"LOW (goal >= {RERENDER_GOAL:.0f}x)"
    print(
        f"re-render/native CPU ratio {saving:.1f}x (median "
        f"{rerender_median / kida_median:.1f}x) {verdict}"
    )

    print("\ngrowth: CPU ms (min) by token count; x = time relative to the smallest size")
    print(f"{'tokens':>7} {'native':>9} {'x':>6} {'re-render':>11} {'x':>7} {'ratio':>8}")
    first: tuple[float, float] | None = None
    for count in sizes:
        times = cpu_seconds({"native": native, "re-render": rerender}, count, repeat)
        native_time, rerender_time = min(times["native"]), min(times["re-render"])
        first = first or (native_time, rerender_time)
        print(
            f"{count:>7} {native_time * 1e3:>9.2f} {native_time / first[0]:>6.1f} "
            f"{rerender_time * 1e3:>11.2f} {rerender_time / first[1]:>7.1f} "
            f"ratio {rerender_time / native_time:>6.1f}x",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
