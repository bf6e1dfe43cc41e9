"""Resolve every deferred key concurrently and hand out each block the moment it can render.

Each awaitable runs in its own task with its own timeout and settles to an :class:`Outcome`
(a value or an error), so one failing source never disturbs the others. A block is ready when
all its keys have settled, or as soon as one of them has failed (it will show an error either
way); blocks that become ready together come out in template order.
"""

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from djkida.suspense.discovery import DeferredBlock


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one deferred key settled to: its value, or the error that replaced it."""

    value: Any = None
    error: Exception | None = None


async def _settle(source: Awaitable[Any], timeout: float | None) -> Outcome:
    """Await ``source`` within ``timeout`` seconds, catching its failure into the outcome.

    A future (maybe shared with other requests) is shielded: cancelling this request's wait,
    on timeout or disconnect, must not cancel it for everyone else. A source cancelled by
    someone else is a failure of that key; this task being cancelled is not caught.
    """
    awaited = asyncio.shield(source) if asyncio.isfuture(source) else source
    try:
        async with asyncio.timeout(timeout):
            value = await awaited
    except asyncio.CancelledError:
        task = asyncio.current_task()
        if task is None or task.cancelling():
            raise
        return Outcome(error=RuntimeError("the awaitable was cancelled elsewhere"))
    except Exception as exc:
        return Outcome(error=exc)
    return Outcome(value=value)


def start(
    sources: Mapping[str, Awaitable[Any]], timeouts: Mapping[str, float | None]
) -> dict[str, "asyncio.Task[Outcome]"]:
    """One running task per deferred key (call it before the shell renders, so both overlap)."""
    return {
        key: asyncio.create_task(_settle(source, timeouts.get(key)), name=f"djkida-suspense:{key}")
        for key, source in sources.items()
    }


async def cancel(tasks: Iterable["asyncio.Task[Outcome]"]) -> None:
    """Cancel the unfinished tasks and wait until they have stopped."""
    pending = [task for task in tasks if not task.done()]
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


async def ready_blocks(
    blocks: Sequence[DeferredBlock], tasks: Mapping[str, "asyncio.Task[Outcome]"]
) -> AsyncGenerator[tuple[DeferredBlock, dict[str, Outcome]]]:
    """Each block with every outcome settled so far, as soon as the block can render.

    Example::

        tasks = start({"stats": load_stats()}, {"stats": 2.0})
        async for block, outcomes in ready_blocks(plan, tasks):
            html = render(block, outcomes)
    """
    missing = {key for block in blocks for key in block.keys} - tasks.keys()
    if missing:
        raise ValueError(f"blocks wait for keys that have no task: {sorted(missing)}")
    keys_of = {task: key for key, task in tasks.items()}
    settled: dict[str, Outcome] = {}
    waiting = list(blocks)
    pending = set(tasks.values())
    while waiting:
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            settled[keys_of[task]] = task.result()
        for block in [block for block in waiting if _is_ready(block, settled)]:
            waiting.remove(block)
            yield block, dict(settled)


def _is_ready(block: DeferredBlock, settled: Mapping[str, Outcome]) -> bool:
    """All of the block's keys have settled, or one of them failed (no point waiting then)."""
    outcomes = [settled[key] for key in block.keys if key in settled]
    return len(outcomes) == len(block.keys) or any(o.error is not None for o in outcomes)
