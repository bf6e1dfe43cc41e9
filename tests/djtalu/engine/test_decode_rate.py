"""One tokens-per-second figure everywhere: decode speed, the prompt's prefill left out. A reply
reports it (the chat page shows it) and the pool's stats (the admin's column) sum the same terms,
so both agree."""

from pathlib import Path

import pytest

from djtalu.engine import GenerationParams, WorkerPool
from djtalu.engine.result import decode_rate

USER = [{"role": "user", "content": "Tell me something"}]
GREEDY = GenerationParams(temperature=0.0, max_tokens=30)


@pytest.mark.parametrize(
    ("tokens", "seconds", "rate"), [(43, 2.0, 21.0), (1, 0.5, 0.0), (0, 0.0, 0.0), (5, 0.0, 0.0)]
)
def test_decode_rate_counts_the_tokens_after_the_first(
    tokens: int, seconds: float, rate: float
) -> None:
    assert decode_rate(tokens, seconds) == rate


@pytest.mark.slow
async def test_a_reply_and_the_pool_report_the_same_decode_speed(tiny_model: Path) -> None:
    pool = WorkerPool(tiny_model, workers=1, name="decode-rate")
    try:
        results = [await pool.stream(USER, GREEDY).collect() for _ in range(2)]
        stats = pool.stats()
    finally:
        await pool.shutdown()
    for result in results:
        timings = result.timings
        # Decoding starts with the first piece: the prefill before it is not counted.
        assert timings["decode"] == pytest.approx(timings["generation"] - timings["first_piece"])
        assert 0 < timings["decode"] < timings["generation"]
        assert timings["tokens_per_second"] == pytest.approx(
            (result.completion_tokens - 1) / timings["decode"]
        )
    decoded = sum(result.completion_tokens - 1 for result in results)
    seconds = sum(result.timings["decode"] for result in results)
    assert stats.tokens_per_second == pytest.approx(decoded / seconds)
