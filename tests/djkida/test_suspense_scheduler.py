"""The scheduler hands out blocks as their keys settle, concurrently, with timeouts and cancel."""

import asyncio
import time
from typing import Any

import pytest

from djkida.suspense.discovery import DeferredBlock
from djkida.suspense.scheduler import Outcome, _settle, cancel, ready_blocks, start


async def after(seconds: float, value: Any) -> Any:
    await asyncio.sleep(seconds)
    return value


async def failing(seconds: float) -> None:
    await asyncio.sleep(seconds)
    raise LookupError("no such stats")


def block(name: str, *keys: str) -> DeferredBlock:
    return DeferredBlock(name, name, frozenset(keys))


async def arrivals(
    blocks: list[DeferredBlock], tasks: dict[str, "asyncio.Task[Outcome]"]
) -> list[tuple[str, float, dict[str, Outcome]]]:
    began = time.monotonic()
    return [
        (ready.name, time.monotonic() - began, outcomes)
        async for ready, outcomes in ready_blocks(blocks, tasks)
    ]


async def test_each_block_leaves_when_its_own_key_settles() -> None:
    tasks = start({"slow": after(0.6, "S"), "fast": after(0.1, "F")}, {})
    got = await arrivals([block("slow_block", "slow"), block("fast_block", "fast")], tasks)
    (first, first_at, first_outcomes), (second, second_at, _) = got
    assert (first, second) == ("fast_block", "slow_block")
    assert 0.08 < first_at < 0.4 < 0.55 < second_at < 1.2
    assert first_outcomes == {"fast": Outcome(value="F")}


async def test_blocks_ready_together_come_in_template_order() -> None:
    tasks = start({"a": after(0.05, 1), "b": after(0.01, 2)}, {})
    blocks = [block("needs_both", "a", "b"), block("needs_a", "a"), block("needs_b", "b")]
    names = [name for name, _, _ in await arrivals(blocks, tasks)]
    assert names == ["needs_b", "needs_both", "needs_a"]


async def test_a_failed_key_makes_its_block_ready_without_waiting_for_the_others() -> None:
    tasks = start({"bad": failing(0.05), "slow": after(5, "never")}, {})
    ready = ready_blocks([block("both", "bad", "slow")], tasks)
    began = time.monotonic()
    name, outcomes = await anext(ready)
    assert time.monotonic() - began < 1
    assert name.name == "both"
    assert isinstance(outcomes["bad"].error, LookupError)
    await ready.aclose()
    await cancel(tasks.values())
    assert tasks["slow"].cancelled()


async def test_per_key_timeout_settles_to_a_timeout_error() -> None:
    began = time.monotonic()
    outcome = await _settle(after(5, "late"), 0.1)
    assert time.monotonic() - began < 1
    assert isinstance(outcome.error, TimeoutError)
    assert await _settle(after(0, "on time"), 0.1) == Outcome(value="on time")


async def test_cancel_stops_own_work_but_not_a_shared_future() -> None:
    stopped = asyncio.Event()

    async def endless() -> None:
        try:
            await asyncio.sleep(60)
        finally:
            stopped.set()

    shared: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    tasks = start({"own": endless(), "shared": shared}, {})
    await asyncio.sleep(0.01)
    await cancel(tasks.values())
    assert stopped.is_set()
    assert all(task.done() for task in tasks.values())
    assert not shared.cancelled()
    shared.set_result("still usable by others")


async def test_a_source_cancelled_elsewhere_fails_only_its_own_key() -> None:
    shared: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    tasks = start({"shared": shared, "fine": after(0.05, "ok")}, {})
    asyncio.get_running_loop().call_later(0.01, shared.cancel)
    got = {
        ready.name: outcomes
        async for ready, outcomes in ready_blocks([block("a", "shared"), block("b", "fine")], tasks)
    }
    assert isinstance(got["a"]["shared"].error, RuntimeError)
    assert got["b"]["fine"] == Outcome(value="ok")


async def test_blocks_waiting_for_a_key_without_a_task_are_refused() -> None:
    with pytest.raises(ValueError, match=r"no task: \['ghost'\]"):
        await anext(ready_blocks([block("b", "ghost")], {}))
