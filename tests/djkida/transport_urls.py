"""Views of the transport tests: EventStream sources with known content, timing and closing."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import django_htmx
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.static import serve

from djkida.ai import stream_tokens
from djkida.broadcast import abroadcast
from djkida.fragments import Fragment
from djkida.sse import EventStream, SSEEvent
from tests.djkida.markers import write_marker

HTMX_STATIC = Path(django_htmx.__file__).resolve().parent / "static"
# Pages for the browser test: htmx 2 and its sse/ws extensions as django-htmx ships them.
PAGE = """<!doctype html><html><head>
<script src="/static/django_htmx/htmx-2.js"></script>
<script src="/static/django_htmx/ext/hx-sse-2.js"></script>
<script src="/static/django_htmx/ext/hx-ws-2.js"></script>
</head><body>{body}<script>
for (const name of ["htmx:sseOpen", "htmx:wsOpen"]) {{
  document.body.addEventListener(name, () => {{ document.body.dataset.open = "yes"; }});
}}
</script></body></html>"""
PAGE_BODIES = {
    "sse": '<ul id="messages" hx-ext="sse" sse-connect="/djkida/events/{group}/" '
    'sse-swap="messages" hx-swap="beforeend"><li>first</li></ul>',
    "ws": '<div hx-ext="ws" ws-connect="/djkida/ws/{group}/"></div>'
    '<ul id="messages"><li>first</li></ul>',
    "tokens": '<div id="reply" hx-ext="sse" sse-connect="/sse/tokens/" sse-swap="token" '
    'hx-swap="beforeend" sse-close="done"></div>',
}
TOKENS = ["Hello", " <scr", "ipt>alert(1)</", "script>", " & ", "bye"]

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
            write_marker(marker, "closed")

    return EventStream(source())


async def tokens(request: HttpRequest) -> HttpResponse:
    """An LLM-like answer through ``stream_tokens``, markup split across tokens."""

    async def source() -> AsyncIterator[str]:
        for token in TOKENS:
            await asyncio.sleep(0.02)
            yield token

    return EventStream(stream_tokens(source(), "transport/chat.html", "reply"))


def page(request: HttpRequest, kind: str) -> HttpResponse:
    body = PAGE_BODIES[kind].format(group=request.GET.get("group", ""))
    return HttpResponse(PAGE.format(body=body))


async def send_fragment(request: HttpRequest) -> HttpResponse:
    """Broadcast the board's ``message`` block, appended to ``#messages``."""
    context = {"author": request.GET["author"], "text": request.GET["text"]}
    fragment = Fragment(
        "transport/board.html", "message", context, target="messages", swap="beforeend"
    )
    return HttpResponse(str(await abroadcast(request.GET["group"], fragment)))


async def send(request: HttpRequest) -> HttpResponse:
    """Broadcast ``?html=`` to ``?group=`` from inside this server process."""
    event_id = await abroadcast(request.GET["group"], request.GET["html"])
    return HttpResponse(str(event_id))


urlpatterns = [
    path("sse/lines/", lines),
    path("sse/idle/", idle),
    path("sse/until-closed/", until_closed),
    path("sse/tokens/", tokens),
    path("send/", send),
    path("send-fragment/", send_fragment),
    path("page/<str:kind>/", page),
    path("static/<path:path>", serve, {"document_root": HTMX_STATIC}),
]
