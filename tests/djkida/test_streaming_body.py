"""The streaming body on its own, fed by plain async generators (no template involved).

Closing it, and the sources behind it, is the response's job: see test_responses.py.
"""

import asyncio
import logging
from collections.abc import AsyncGenerator

import pytest

from djkida.streaming import _PRODUCTION_FALLBACK, _error_fallback, _stream_body, close_sources


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

    assert await collect(_stream_body("a", rest(), False, "t.html")) == ["a", "b", "c"]


@pytest.mark.parametrize("debug", [False, True])
async def test_error_after_first_chunk_ends_body_with_a_fallback_and_one_log_line(
    caplog: pytest.LogCaptureFixture, debug: bool
) -> None:
    with caplog.at_level(logging.ERROR, logger="djkida"):
        sent = await collect(_stream_body("a", chunks_then_error("b"), debug, "page.html"))
    assert sent[:2] == ["a", "b"]
    if not debug:
        assert sent[2] == _PRODUCTION_FALLBACK
        assert "alert" not in "".join(sent)
    [record] = caplog.records
    assert "page.html" in record.getMessage()
    assert "RuntimeError" in record.getMessage()
    # The page shows the failure: its traceback is logged only with debug.
    assert (record.exc_info is not None) is debug


async def test_error_detail_is_escaped_in_debug() -> None:
    sent = await collect(_stream_body("a", chunks_then_error(), True, "page.html"))
    assert sent[-1] == _error_fallback(RuntimeError("<script>alert(1)</script>"), True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in sent[-1]
    assert "<script>" not in sent[-1]


async def test_close_sources_leaves_tasks_alone() -> None:
    task = asyncio.create_task(asyncio.sleep(0.01, "shared"))
    await close_sources([task, "plain", 3])
    assert await task == "shared"
