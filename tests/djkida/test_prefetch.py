"""Prefetch and coalesce: what is ready together leaves together, nothing waits, bounds hold."""

import asyncio
from collections.abc import AsyncIterator

import pytest

from djkida.prefetch import Prefetch, coalesce
from tests.djkida.sources import first_then_forever


async def burst(*chunks: str) -> AsyncIterator[str]:
    for chunk in chunks:
        yield chunk


async def collect(batches: AsyncIterator[str]) -> list[str]:
    return [batch async for batch in batches]


async def test_chunks_ready_together_leave_as_one_batch() -> None:
    assert await collect(coalesce(burst("<p>", "a", "</p>"))) == ["<p>a</p>"]


async def test_a_chunk_that_arrives_alone_leaves_alone_without_waiting() -> None:
    received = asyncio.Event()

    async def paced() -> AsyncIterator[str]:
        for chunk in ("one", "two", "three"):
            yield chunk
            await received.wait()
            received.clear()

    batches = []
    async with asyncio.timeout(30):  # bounds a hang (a failure) only
        async for batch in coalesce(paced()):
            batches.append(batch)
            received.set()
    assert batches == ["one", "two", "three"]


async def test_an_error_is_raised_after_the_chunks_before_it() -> None:
    async def failing() -> AsyncIterator[str]:
        yield "shell"
        yield " and more"
        raise LookupError("source went away")

    batches = coalesce(failing())
    assert await anext(batches) == "shell and more"
    with pytest.raises(LookupError, match="went away"):
        await anext(batches)


async def test_pulling_stops_at_the_limit_until_the_consumer_takes() -> None:
    pulled = 0

    async def endless() -> AsyncIterator[str]:
        nonlocal pulled
        while True:
            pulled += 1
            yield "x"
            await asyncio.sleep(0)

    batches = coalesce(endless(), limit=10)
    first = await anext(batches)
    assert 1 <= len(first) <= 10
    await asyncio.sleep(0.02)  # the consumer is busy: the source must wait, not run on
    assert pulled <= len(first) + 10
    assert len(await anext(batches)) <= 10
    await batches.aclose()


async def test_closing_cancels_the_pending_item_and_closes_the_source() -> None:
    events: list[str] = []
    batches = coalesce(first_then_forever("first", events))
    assert await anext(batches) == "first"
    await batches.aclose()
    assert events == ["cancelled", "closed"]


async def test_a_cancelled_consumer_stays_cancelled_and_the_source_is_closed() -> None:
    events: list[str] = []

    consuming = asyncio.Event()

    async def consume() -> None:
        async for _batch in coalesce(first_then_forever("first", events)):
            consuming.set()

    task = asyncio.create_task(consume())
    await consuming.wait()  # it has its first batch and waits for the next one
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert events == ["cancelled", "closed"]


async def test_take_with_a_timeout_keeps_the_pending_item() -> None:
    ready = asyncio.Event()

    async def late() -> AsyncIterator[str]:
        await ready.wait()
        yield "late"

    prefetch = Prefetch(late(), limit=4)
    try:
        assert await prefetch.take(0.01) is None
        ready.set()
        assert await prefetch.take(30) == ["late"]
        assert await prefetch.take(2) == []
    finally:
        await prefetch.stop()


async def test_a_source_raising_timeout_error_is_not_mistaken_for_a_timeout() -> None:
    async def timing_out() -> AsyncIterator[str]:
        raise TimeoutError("upstream timed out")
        yield "unreachable"

    prefetch = Prefetch(timing_out(), limit=4)
    try:
        with pytest.raises(TimeoutError, match="upstream"):
            await prefetch.take(1)
    finally:
        await prefetch.stop()
