"""Streamed bodies and their sources are closed however Django's ASGI handler stops reading.

Driven through Django's own ASGIHandler with a fake server, and with the garbage collector off:
what these tests check must happen by itself, not whenever a collection finds the generators.
"""

import asyncio
import gc
from collections.abc import AsyncGenerator, AsyncIterator, Coroutine, Iterator
from typing import Any

import pytest
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory
from django.urls import path
from pytest_django.fixtures import Settings

from djkida import EventStream, stream
from djkida.responses import STREAMING_HEADERS, AsyncStreamingResponse
from tests.djkida import stream_settings

pytestmark = pytest.mark.urls(__name__)

closed: list[str] = []
event_sources: list[AsyncGenerator[str]] = []
page_awaitables: list[Coroutine[Any, Any, None]] = []


async def ticks(name: str) -> AsyncIterator[str]:
    try:
        n = 0
        while True:
            n += 1
            yield f"tick {n}"
            await asyncio.sleep(0.001)
    finally:
        closed.append(name)


async def events(request: HttpRequest) -> HttpResponse:
    source = ticks("events")
    event_sources.append(source)
    return EventStream(source)


async def page(request: HttpRequest) -> HttpResponse:
    unused = ticks("source the page never reads")
    await anext(unused)
    never_awaited = asyncio.sleep(10)
    page_awaitables.append(never_awaited)
    context = {"rows": ticks("page rows"), "unused": unused, "slow": never_awaited}
    return await stream(request, "stream/endless.html", context)


urlpatterns = [path("events/", events), path("page/", page)]


@pytest.fixture(autouse=True)
def no_garbage_collection(settings: Settings) -> Iterator[None]:
    settings.TEMPLATES = stream_settings.TEMPLATES
    closed.clear()
    event_sources.clear()
    page_awaitables.clear()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class FakeServer:
    """Serves one GET; the client disconnects once ``body_messages`` bodies were sent, while
    the handler is still inside ``send()`` (as uvicorn is while a slow socket drains)."""

    def __init__(self, path: str, body_messages: int, headers: list[tuple[bytes, bytes]]) -> None:
        self.scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"testserver"), *headers],
            "client": ("127.0.0.1", 1),
            "server": ("testserver", 80),
        }
        self.body_messages = body_messages
        self.sent: list[dict[str, Any]] = []
        self.disconnected = asyncio.Event()
        self.requested = False

    async def receive(self) -> dict[str, Any]:
        if not self.requested:
            self.requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self.disconnected.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)
        bodies = sum(m["type"] == "http.response.body" for m in self.sent)
        if message["type"] == "http.response.start" and self.body_messages == 0:
            self.disconnected.set()
            await asyncio.Event().wait()  # cancelled here, before any body is read
        if message["type"] == "http.response.body" and bodies == self.body_messages:
            self.disconnected.set()
            await asyncio.Event().wait()  # cancelled here

    async def serve(self) -> None:
        async with asyncio.timeout(30):  # bounds a hang (a failure) only
            await ASGIHandler()(self.scope, self.receive, self.send)


async def serve(path: str, body_messages: int, headers: list[tuple[bytes, bytes]] = []) -> None:  # noqa: B006
    server = FakeServer(path, body_messages, headers)
    await server.serve()
    for _ in range(3):  # a response closed unread releases its body on the loop
        await asyncio.sleep(0)


async def test_a_disconnect_during_send_closes_the_event_source_at_once() -> None:
    await serve("/events/", body_messages=3)
    assert closed == ["events"]


async def test_a_disconnect_during_send_closes_the_page_render_and_its_sources() -> None:
    await serve("/page/", body_messages=2)
    assert closed == ["page rows", "source the page never reads"]
    [never_awaited] = page_awaitables
    assert never_awaited.cr_frame is None  # closed: no "never awaited" warning, no work


async def test_a_disconnect_before_the_first_byte_still_closes_the_event_source() -> None:
    await serve("/events/", body_messages=0)
    [source] = event_sources
    assert source.ag_frame is None  # closed before it ever ran: it never will


async def test_a_disconnect_before_the_first_byte_closes_the_started_page_render() -> None:
    await serve("/page/", body_messages=0)
    assert closed == ["page rows", "source the page never reads"]


@pytest.mark.parametrize("path", ["/events/", "/page/"])
async def test_a_body_wrapped_by_middleware_is_closed_too(settings: Settings, path: str) -> None:
    settings.MIDDLEWARE = ["django.middleware.gzip.GZipMiddleware"]
    await serve(path, body_messages=3, headers=[(b"accept-encoding", b"gzip")])
    assert closed[0] in {"events", "page rows"}


async def test_release_closes_the_body_and_runs_on_close_once() -> None:
    calls: list[str] = []

    async def on_close() -> None:
        calls.append("on_close")

    body = ticks("body")
    response = AsyncStreamingResponse(body, on_close=on_close)
    assert await anext(aiter(response)) == b"tick 1"
    await response.release()
    await response.release()
    response.close()
    await asyncio.sleep(0)
    assert closed == ["body"]
    assert calls == ["on_close"]


def test_streaming_headers_are_set_unless_the_caller_sets_them() -> None:
    response = AsyncStreamingResponse(ticks("body"))
    for header, value in STREAMING_HEADERS.items():
        assert response[header] == value
    cached = AsyncStreamingResponse(ticks("body"), headers={"Cache-Control": "max-age=60"})
    assert cached["Cache-Control"] == "max-age=60"
    assert cached["X-Accel-Buffering"] == "no"


@pytest.mark.django_db  # the WSGI handler's request signals close old database connections
def test_a_wsgi_server_gets_a_clear_error_instead_of_a_buffered_stream() -> None:
    environ = RequestFactory().get("/events/").environ
    result = WSGIHandler()(environ, lambda status, headers: None)
    with pytest.raises(RuntimeError, match="ASGI server"):
        list(result)
