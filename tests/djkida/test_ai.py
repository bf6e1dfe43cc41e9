"""LLM helpers: stream_tokens is O(n) and escapes every piece; the re-render helpers are
compatible; a closed stream closes the token source."""

import asyncio
from collections.abc import AsyncIterator

import pytest
from markupsafe import escape
from pytest_django.fixtures import Settings

from djkida.ai import stream_to_fragments, stream_tokens, stream_with_sources
from djkida.sse import SSEEvent, _encode_stream
from tests.djkida import transport_settings


@pytest.fixture(autouse=True)
def kida_templates(settings: Settings) -> None:
    settings.TEMPLATES = transport_settings.TEMPLATES


async def tokens_of(pieces: list[str], closed: list[str] | None = None) -> AsyncIterator[str]:
    try:
        for piece in pieces:
            yield piece
    finally:
        if closed is not None:
            closed.append("closed")


async def collect(events: AsyncIterator[SSEEvent]) -> list[SSEEvent]:
    return [event async for event in events]


async def one_at_a_time(pieces: list[str], received: asyncio.Event) -> AsyncIterator[str]:
    """Each piece once the previous event reached the consumer: the pace of a slow model."""
    for piece in pieces:
        yield piece
        await received.wait()
        received.clear()


async def collect_paced(pieces: list[str]) -> list[SSEEvent]:
    received = asyncio.Event()
    events = []
    async for event in stream_tokens(
        one_at_a_time(pieces, received), "transport/chat.html", "reply"
    ):
        events.append(event)
        received.set()
    return events


async def test_each_token_that_arrives_alone_is_its_own_escaped_event_then_done() -> None:
    pieces = ["<scr", "ipt>alert(1)</", "script>", " & ", "\"'"]
    events = await collect_paced(pieces)
    assert [event.event for event in events] == ["token"] * len(pieces) + ["done"]
    assert [event.data for event in events[:-1]] == [str(escape(piece)) for piece in pieces]
    assert events[-1].data == ""


async def test_tokens_ready_together_leave_an_event_stream_as_one_event() -> None:
    pieces = ["<scr", "ipt>alert(1)</", "script>", " & ", "\"'"] * 40
    events = stream_tokens(tokens_of(pieces), "transport/chat.html", "reply")
    frames = [frame async for frame in _encode_stream(events, heartbeat=15, retry=None)]
    text = str(escape("".join(pieces)))
    assert b"".join(frames) == f"event: token\ndata: {text}\n\nevent: done\ndata: \n\n".encode()


async def test_stream_tokens_is_linear_in_events_and_bytes() -> None:
    pieces = [f"tok{n} " for n in range(2000)]
    events = await collect_paced(pieces)
    assert len(events) == len(pieces) + 1
    payload = sum(len(event.encode()) for event in events)
    assert payload < 30 * len(pieces)


async def test_the_re_render_pattern_sends_the_whole_text_each_time() -> None:
    pieces = ["a", "<", "b"]
    events = await collect(
        stream_to_fragments(tokens_of(pieces), "transport/chat.html", "answer", name="answer")
    )
    assert [(event.event, event.data) for event in events] == [
        ("answer", "<p>a</p>"),
        ("answer", "<p>a&lt;</p>"),
        ("answer", "<p>a&lt;b</p>"),
        ("done", ""),
    ]


async def test_sources_come_first_then_the_answer() -> None:
    events = await collect(
        stream_with_sources(
            tokens_of(["x", "y"]),
            "transport/chat.html",
            sources=["doc <1>", "doc 2"],
            response_block="answer",
        )
    )
    assert [(event.event, event.data) for event in events] == [
        ("sources", "<li>doc &lt;1&gt;</li><li>doc 2</li>"),
        ("token", "<p>x</p>"),
        ("token", "<p>xy</p>"),
        ("done", ""),
    ]


@pytest.mark.parametrize("helper", ["tokens", "fragments", "sources"])
async def test_closing_the_stream_early_closes_the_token_source(helper: str) -> None:
    closed: list[str] = []

    async def tokens() -> AsyncIterator[str]:
        try:
            yield "a"
            await asyncio.Event().wait()  # a model that never finishes
        finally:
            closed.append("closed")

    streams = {
        "tokens": lambda: stream_tokens(tokens(), "transport/chat.html", "reply"),
        "fragments": lambda: stream_to_fragments(tokens(), "transport/chat.html", "answer"),
        "sources": lambda: stream_with_sources(
            tokens(), "transport/chat.html", sources=[], response_block="answer"
        ),
    }
    stream = streams[helper]()
    for _ in range(2 if helper == "sources" else 1):  # the sources' event comes first
        await anext(stream)
    await stream.aclose()
    assert closed == ["closed"]
