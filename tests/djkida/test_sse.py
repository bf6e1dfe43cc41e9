"""SSE framing, heartbeats and disconnects: unit level and through real daphne and uvicorn."""

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from httpx_sse import connect_sse

from djkida.sse import _PREFETCH, HEARTBEAT, EventStream, SSEEvent, _encode_stream
from tests.djkida.sources import first_then_forever
from tests.servers import LiveServer, live_server


def test_multi_line_data_gets_one_data_field_per_line() -> None:
    assert SSEEvent("a\nb", event="e", id=3, retry=10).encode() == (
        b"event: e\nid: 3\nretry: 10\ndata: a\ndata: b\n\n"
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("a\rb", b"data: a\ndata: b\n\n"),
        ("a\r\nb", b"data: a\ndata: b\n\n"),
        ("a\r\n\rb", b"data: a\ndata: \ndata: b\n\n"),
        ("end\n", b"data: end\ndata: \n\n"),
        ("", b"data: \n\n"),
    ],
)
def test_carriage_returns_never_survive_inside_a_data_line(data: str, expected: bytes) -> None:
    assert SSEEvent(data).encode() == expected


def test_line_separators_that_sse_does_not_know_stay_in_the_data() -> None:
    assert SSEEvent("a\u2028b\x0cc").encode() == "data: a\u2028b\x0cc\n\n".encode()


@pytest.mark.parametrize("field", ["event", "id"])
@pytest.mark.parametrize("value", ["a\nb", "a\rb"])
def test_line_breaks_in_event_or_id_are_refused(field: str, value: str) -> None:
    with pytest.raises(ValueError, match=field):
        SSEEvent("x", **{field: value})  # type: ignore[arg-type]


def test_bad_data_and_retry_are_refused() -> None:
    with pytest.raises(TypeError, match="str"):
        SSEEvent(b"bytes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="retry"):
        SSEEvent("x", retry=-1)
    with pytest.raises(TypeError, match="async iterable"):
        EventStream(["not", "async"])  # type: ignore[arg-type]


async def test_unknown_items_fail_with_a_clear_error() -> None:
    async def source() -> AsyncIterator[object]:
        yield 42

    with pytest.raises(TypeError, match="int"):
        async for _ in _encode_stream(source(), heartbeat=None, retry=None):
            pass


async def test_idle_source_gets_heartbeats_without_losing_its_pending_item() -> None:
    ready = asyncio.Event()

    async def source() -> AsyncIterator[str]:
        await ready.wait()
        yield "late"

    stream = _encode_stream(source(), heartbeat=0.05, retry=None)
    assert [await anext(stream) for _ in range(2)] == [HEARTBEAT] * 2  # while the source idles
    ready.set()
    chunks = [chunk async for chunk in stream]
    assert chunks[-1] == b"data: late\n\n"
    assert chunks[:-1] == [HEARTBEAT] * len(chunks[:-1])


async def test_closing_the_stream_cancels_the_pending_item_and_closes_the_source() -> None:
    events: list[str] = []
    stream = _encode_stream(first_then_forever("one", events), heartbeat=0.05, retry=None)
    assert await anext(stream) == b"data: one\n\n"
    assert await anext(stream) == HEARTBEAT
    await stream.aclose()
    assert events == ["cancelled", "closed"]


async def test_events_ready_together_leave_in_one_write() -> None:
    async def source() -> AsyncIterator[object]:
        yield "a"
        yield SSEEvent("b", event="e")
        yield {"c": 1}

    chunks = [chunk async for chunk in _encode_stream(source(), heartbeat=10, retry=None)]
    assert chunks == [b'data: a\n\nevent: e\ndata: b\n\ndata: {"c":1}\n\n']


async def test_consecutive_append_events_of_one_name_leave_as_one_event() -> None:
    async def source() -> AsyncIterator[SSEEvent]:
        for item in [
            SSEEvent("a", event="token", append=True),
            SSEEvent("b", event="token", append=True),
            SSEEvent("x", event="other", append=True),
            SSEEvent("c", event="token", append=True),
            SSEEvent("not appended", event="token"),
            SSEEvent("d", event="token", append=True),
            SSEEvent("e", event="token", append=True),
        ]:
            yield item

    frames = [chunk async for chunk in _encode_stream(source(), heartbeat=10, retry=None)]
    assert frames == [
        b"event: token\ndata: ab\n\nevent: other\ndata: x\n\nevent: token\ndata: c\n\n"
        b"event: token\ndata: not appended\n\nevent: token\ndata: de\n\n"
    ]


def test_append_events_cannot_carry_an_id_or_retry() -> None:
    with pytest.raises(ValueError, match="append"):
        SSEEvent("x", id=1, append=True)
    with pytest.raises(ValueError, match="append"):
        SSEEvent("x", retry=10, append=True)


def test_response_headers() -> None:
    async def source() -> AsyncIterator[str]:
        yield "x"

    response = EventStream(source())
    assert response["Content-Type"] == "text/event-stream"
    assert response["Cache-Control"] == "no-cache"
    assert response["X-Accel-Buffering"] == "no"


async def test_on_close_runs_after_the_source_closes_even_if_it_never_started() -> None:
    calls: list[str] = []

    async def source() -> AsyncIterator[str]:
        try:
            yield "x"
        finally:
            calls.append("source")

    async def on_close() -> None:
        calls.append("on_close")

    started = source()
    await anext(started)  # a started source runs its finally when closed
    await EventStream(started, on_close=on_close).release()
    assert calls == ["source", "on_close"]
    calls.clear()
    await EventStream(source(), heartbeat=None, on_close=on_close).release()
    assert calls == ["on_close"]  # a never-started generator has no finally to run


@pytest.fixture(scope="module", params=["daphne", "uvicorn"])
def server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    with live_server(
        settings="tests.djkida.transport_settings",
        app="tests.djkida.transport_asgi:application",
        kind=request.param,
    ) as live:
        yield live


@pytest.mark.slow
def test_a_strict_sse_parser_reads_every_event_back(server: LiveServer) -> None:
    with (
        httpx.Client(timeout=10) as client,
        connect_sse(client, "GET", server.url + "/sse/lines/") as source,
    ):
        assert source.response.headers["content-type"].startswith("text/event-stream")
        assert source.response.headers["cache-control"] == "no-cache"
        assert source.response.headers["x-accel-buffering"] == "no"
        events = [(sse.event, sse.data, sse.id, sse.retry) for sse in source.iter_sse()]
    # httpx-sse reports the leading retry-only block as an empty event; browsers dispatch none.
    assert events == [
        ("message", "", "", 1500),
        ("multi", "one\ntwo\nthree", "1", None),
        ("cr", "cr\nsplit", "2", None),
        ("crlf", "crlf\nsplit\n", "3", None),
        ("message", "plain <b>string</b>", "3", None),
        ("message", '{"json":["dict",1]}', "3", None),
        ("empty", "", "3", None),
    ]


@pytest.mark.slow
def test_an_idle_stream_sends_ping_comments(server: LiveServer) -> None:
    lines = []
    with (
        httpx.Client(timeout=10) as client,
        client.stream("GET", server.url + "/sse/idle/") as response,
    ):
        for line in response.iter_lines():
            lines.append(line)
            if lines.count(": ping") == 3:
                break
    assert lines[:2] == ["data: first", ""]
    assert lines[2:] == [": ping", "", ": ping", "", ": ping"]


@pytest.mark.slow
def test_client_disconnect_closes_the_source(server: LiveServer, tmp_path: Path) -> None:
    marker = tmp_path / "closed"
    with (
        httpx.Client(timeout=10) as client,
        connect_sse(client, "GET", f"{server.url}/sse/until-closed/?marker={marker}") as source,
    ):
        events = source.iter_sse()
        assert [next(events).data for _ in range(2)] == ["tick 1", "tick 2"]
        assert not marker.exists()
    deadline = time.monotonic() + 30  # bounds a failure only
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.read_text() == "closed"


async def test_a_failing_source_raises_its_error_through_the_heartbeat_buffer() -> None:
    async def source() -> AsyncIterator[str]:
        yield "one"
        raise LookupError("model went away")

    stream = _encode_stream(source(), heartbeat=0.05, retry=None)
    async with asyncio.timeout(30):  # bounds a hang (a failure) only
        assert await anext(stream) == b"data: one\n\n"
        with pytest.raises(LookupError, match="model went away"):
            await anext(stream)


async def test_a_fast_source_is_pulled_ahead_only_a_bounded_amount() -> None:
    pulled = 0

    async def source() -> AsyncIterator[str]:
        nonlocal pulled
        while True:
            pulled += 1
            yield "x"
            await asyncio.sleep(0)  # ready at once, but lets the loop run the reader too

    stream = _encode_stream(source(), heartbeat=0.05, retry=None)
    assert await anext(stream) == b"data: x\n\n"
    await asyncio.sleep(0.01)  # a negative check: gives a source that runs ahead time to show it
    assert pulled <= _PREFETCH + 2
    await stream.aclose()
