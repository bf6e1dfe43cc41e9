"""The streaming body on its own, fed by plain async generators (no template involved)."""

import asyncio
import logging
from collections.abc import AsyncGenerator

import pytest

from djkida.streaming import PRODUCTION_FALLBACK, close_sources, error_fallback, stream_body


async def chunks_then_error(*chunks: str) -> AsyncGenerator[str]:
    for chunk in chunks:
        yield chunk
    raise RuntimeError("<script>alert(1)</script>")


async def collect(body: AsyncGenerator[str]) -> list[str]:
    return [chunk async for chunk in body]


async def test_body_sends_first_chunk_then_the_rest() -> None:
    async def rest() -> AsyncGenerator[str]:
        yield "b"
        yield "c"

    assert await collect(stream_body("a", rest(), {}, False, "t.html")) == ["a", "b", "c"]


async def test_error_after_first_chunk_ends_body_with_comment_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="djkida"):
        sent = await collect(stream_body("a", chunks_then_error("b"), {}, False, "page.html"))
    assert sent == ["a", "b", PRODUCTION_FALLBACK]
    assert "alert" not in "".join(sent)
    [record] = caplog.records
    assert "page.html" in record.getMessage()
    assert record.exc_info is not None


async def test_error_detail_is_escaped_in_debug() -> None:
    sent = await collect(stream_body("a", chunks_then_error(), {}, True, "page.html"))
    assert sent[-1] == error_fallback(RuntimeError("<script>alert(1)</script>"), True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in sent[-1]
    assert "<script>" not in sent[-1]


async def test_closing_the_body_closes_render_and_unused_sources() -> None:
    closed: list[str] = []

    async def render() -> AsyncGenerator[str]:
        try:
            while True:
                yield "row"
                await asyncio.sleep(0)
        finally:
            closed.append("render")

    async def unused_source() -> AsyncGenerator[int]:
        try:
            yield 1
        finally:
            closed.append("source")

    source = unused_source()
    await anext(source)  # started, then never consumed again by the template
    never_awaited = asyncio.sleep(10)
    body = stream_body("first", render(), {"rows": source, "slow": never_awaited}, False, None)
    assert await anext(body) == "first"
    assert await anext(body) == "row"
    await body.aclose()
    assert closed == ["render", "source"]
    assert never_awaited.cr_frame is None  # closed: no "never awaited" warning, no work


async def test_cancelling_the_consumer_closes_the_render() -> None:
    closed = asyncio.Event()

    async def render() -> AsyncGenerator[str]:
        try:
            yield "shell"
            await asyncio.sleep(3600)
            yield "never"
        finally:
            closed.set()

    async def consume() -> None:
        async for _chunk in stream_body("", render(), {}, False, None):
            pass

    task = asyncio.create_task(consume())
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert closed.is_set()


async def test_close_sources_leaves_tasks_alone() -> None:
    task = asyncio.create_task(asyncio.sleep(0.01, "shared"))
    await close_sources([task, "plain", 3])
    assert await task == "shared"
