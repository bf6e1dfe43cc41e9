"""LLM helpers: stream_tokens is O(n) and escapes every piece; the re-render helpers are
compatible; a closed stream closes the token source."""

from collections.abc import AsyncIterator

import pytest
from markupsafe import escape
from pytest_django.fixtures import Settings

from djkida.ai import stream_to_fragments, stream_tokens, stream_with_sources
from djkida.sse import SSEEvent
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


async def test_each_token_is_its_own_escaped_event_then_done() -> None:
    pieces = ["<scr", "ipt>alert(1)</", "script>", " & ", "\"'"]
    events = await collect(stream_tokens(tokens_of(pieces), "transport/chat.html", "reply"))
    assert [event.event for event in events] == ["token"] * len(pieces) + ["done"]
    assert [event.data for event in events[:-1]] == [str(escape(piece)) for piece in pieces]
    assert "".join(event.data for event in events) == str(escape("".join(pieces)))
    assert events[-1].data == ""


async def test_stream_tokens_is_linear_in_events_and_bytes() -> None:
    pieces = [f"tok{n} " for n in range(2000)]
    events = await collect(stream_tokens(tokens_of(pieces), "transport/chat.html", "reply"))
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
    tokens = tokens_of(["a", "b", "c"], closed)
    streams = {
        "tokens": lambda: stream_tokens(tokens, "transport/chat.html", "reply"),
        "fragments": lambda: stream_to_fragments(tokens, "transport/chat.html", "answer"),
        "sources": lambda: stream_with_sources(
            tokens, "transport/chat.html", sources=[], response_block="answer"
        ),
    }
    stream = streams[helper]()
    await anext(stream)
    await anext(stream)
    await stream.aclose()
    assert closed == ["closed"]
