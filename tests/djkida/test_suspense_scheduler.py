"""The scheduler hands out blocks as their keys settle, concurrently, with timeouts and cancel."""

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from djkida.suspense.discovery import DeferredBlock
from djkida.suspense.scheduler import Outcome, _settle, cancel, ready_blocks, start


async def when(event: asyncio.Event, value: Any) -> Any:
    """``value`` once the test sets ``event``."""
    await event.wait()
    return value


async def failing(event: asyncio.Event) -> None:
    await event.wait()
    raise LookupError("no such stats")


def block(name: str, *keys: str) -> DeferredBlock:
    return DeferredBlock(name, name, frozenset(keys))


async def next_ready(
    ready: AsyncIterator[tuple[DeferredBlock, dict[str, Outcome]]],
) -> tuple[str, dict[str, Outcome]]:
    """The next ready block's name and outcomes; 30 s bounds a hang (a failure) only."""
    got, outcomes = await asyncio.wait_for(anext(ready), 30)
    return got.name, outcomes


async def test_each_block_leaves_when_its_own_key_settles() -> None:
    slow, fast = asyncio.Event(), asyncio.Event()
    tasks = start({"slow": when(slow, "S"), "fast": when(fast, "F")}, {})
    ready = ready_blocks([block("slow_block", "slow"), block("fast_block", "fast")], tasks)
    fast.set()
    # It leaves while the slow key is still pending (slow is set only after this).
    assert await next_ready(ready) == ("fast_block", {"fast": Outcome(value="F")})
    slow.set()
    assert (await next_ready(ready))[0] == "slow_block"


async def test_blocks_ready_together_come_in_template_order() -> None:
    a, b = asyncio.Event(), asyncio.Event()
    tasks = start({"a": when(a, 1), "b": when(b, 2)}, {})
    blocks = [block("needs_both", "a", "b"), block("needs_a", "a"), block("needs_b", "b")]
    ready = ready_blocks(blocks, tasks)
    b.set()
    assert (await next_ready(ready))[0] == "needs_b"
    a.set()  # needs_both and needs_a are ready together now
    assert [got.name async for got, _ in ready] == ["needs_both", "needs_a"]


async def test_a_failed_key_makes_its_block_ready_without_waiting_for_the_others() -> None:
    bad, never = asyncio.Event(), asyncio.Event()
    tasks = start({"bad": failing(bad), "slow": when(never, "never")}, {})
    ready = ready_blocks([block("both", "bad", "slow")], tasks)
    bad.set()
    name, outcomes = await next_ready(ready)
    assert name == "both"
    assert isinstance(outcomes["bad"].error, LookupError)
    await ready.aclose()
    await cancel(tasks.values())
    assert tasks["slow"].cancelled()


async def test_per_key_timeout_settles_to_a_timeout_error() -> None:
    never = asyncio.Event()
    # Without its own 0.1 s timeout the source would wait forever (30 s bounds that failure).
    outcome = await asyncio.wait_for(_settle(when(never, "late"), 0.1), 30)
    assert isinstance(outcome.error, TimeoutError)
    on_time = asyncio.Event()
    on_time.set()
    assert await _settle(when(on_time, "on time"), 0.1) == Outcome(value="on time")


async def test_cancel_stops_own_work_but_not_a_shared_future() -> None:
    running, stopped = asyncio.Event(), asyncio.Event()

    async def endless() -> None:
        running.set()
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()

    shared: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    tasks = start({"own": endless(), "shared": shared}, {})
    await running.wait()
    await cancel(tasks.values())
    assert stopped.is_set()
    assert all(task.done() for task in tasks.values())
    assert not shared.cancelled()
    shared.set_result("still usable by others")


async def test_a_source_cancelled_elsewhere_fails_only_its_own_key() -> None:
    shared: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    fine = asyncio.Event()
    tasks = start({"shared": shared, "fine": when(fine, "ok")}, {})
    await asyncio.sleep(0)  # one loop step: both tasks are now waiting for their source
    shared.cancel()
    fine.set()
    got = {
        ready.name: outcomes
        async for ready, outcomes in ready_blocks([block("a", "shared"), block("b", "fine")], tasks)
    }
    assert isinstance(got["a"]["shared"].error, RuntimeError)
    assert got["b"]["fine"] == Outcome(value="ok")


async def test_blocks_waiting_for_a_key_without_a_task_are_refused() -> None:
    with pytest.raises(ValueError, match=r"no task: \['ghost'\]"):
        await anext(ready_blocks([block("b", "ghost")], {}))
