"""Views of the transport tests: EventStream sources with known content, timing and closing."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import path

from djkida.broadcast import abroadcast
from djkida.sse import EventStream, SSEEvent

# What /lines/ sends, in order; the tests compare what a strict SSE parser decodes against it.
LINES_EVENTS: list[Any] = [
    SSEEvent("one\ntwo\nthree", event="multi", id=1),
    SSEEvent("cr\rsplit", event="cr", id=2),
    SSEEvent("crlf\r\nsplit\n", event="crlf", id=3),
    "plain <b>string</b>",
    {"json": ["dict", 1]},
    SSEEvent("", event="empty"),
]


async def lines(request: HttpRequest) -> HttpResponse:
    async def source() -> AsyncIterator[Any]:
        for item in LINES_EVENTS:
            yield item

    return EventStream(source(), retry=1500)


async def idle(request: HttpRequest) -> HttpResponse:
    """One event, then silence: only heartbeats follow."""

    async def source() -> AsyncIterator[str]:
        yield "first"
        await asyncio.sleep(3600)

    return EventStream(source(), heartbeat=0.2)


async def until_closed(request: HttpRequest) -> HttpResponse:
    """Ticks forever; writes ``closed`` to the file named by ``?marker=`` when closed."""
    marker = Path(request.GET["marker"])

    async def source() -> AsyncIterator[str]:
        try:
            n = 0
            while True:
                n += 1
                yield f"tick {n}"
                await asyncio.sleep(0.05)
        finally:
            marker.write_text("closed")  # noqa: ASYNC240 - a few bytes, in a test view

    return EventStream(source())


async def send(request: HttpRequest) -> HttpResponse:
    """Broadcast ``?html=`` to ``?group=`` from inside this server process."""
    event_id = await abroadcast(request.GET["group"], request.GET["html"])
    return HttpResponse(str(event_id))


urlpatterns = [
    path("sse/lines/", lines),
    path("sse/idle/", idle),
    path("sse/until-closed/", until_closed),
    path("send/", send),
]
