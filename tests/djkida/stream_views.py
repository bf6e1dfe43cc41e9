"""Streamed pages for the tests: slow sources, an endless source, a mid-stream error."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from djkida import StreamingTemplateView, stream, stream_block
from tests.djkida.gates import When, wait, when
from tests.djkida.markers import write_marker


async def after(until: When, value: str) -> str:
    await wait(until)
    return value


async def fail_after(seconds: float, message: str) -> str:
    await asyncio.sleep(seconds)
    raise RuntimeError(message)


async def endless_rows(marker: Path | None) -> AsyncIterator[int]:
    """Yields forever; writes ``marker`` when it is closed."""
    count = 0
    try:
        while True:
            yield count
            count += 1
            await asyncio.sleep(0.02)
    finally:
        if marker is not None:
            # A tiny write, done before returning: awaiting while being closed is fragile.
            write_marker(marker, "closed")


async def progressive(request: HttpRequest) -> StreamingHttpResponse:
    return await stream(
        request,
        "stream/progressive.html",
        {
            "fast": after(when(request, "fast", 0.5), "fast done"),
            "slow": after(when(request, "slow", 1.0), "slow done"),
        },
    )


async def endless(request: HttpRequest) -> StreamingHttpResponse:
    marker = request.GET.get("marker")
    return await stream(
        request, "stream/endless.html", {"rows": endless_rows(Path(marker) if marker else None)}
    )


async def midstream_error(request: HttpRequest) -> StreamingHttpResponse:
    return await stream(
        request, "stream/midstream_error.html", {"boom": fail_after(0.05, "<script>bad</script>")}
    )


async def early_error(request: HttpRequest) -> StreamingHttpResponse:
    return await stream(request, "stream/early_error.html")


async def rows_block(request: HttpRequest) -> StreamingHttpResponse:
    return await stream_block(
        request, "stream/blocks.html", "rows", {"rows": endless_rows(None)}, status=203
    )


class FormPage(StreamingTemplateView):
    template_name = "stream/form.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(greeting=after(0.01, "hello"), **kwargs)


async def ttfb_stream(request: HttpRequest) -> StreamingHttpResponse:
    """bench/djkida_ttfb.py: a page whose one source takes a second, streamed."""
    return await stream(request, "stream/ttfb.html", {"source": after(1.0, "done")})


async def ttfb_raw(request: HttpRequest) -> StreamingHttpResponse:
    """The floor: the same bytes from a hand-written async generator, no template."""

    async def body() -> AsyncIterator[str]:
        yield "<!doctype html>\n<h1>TTFB</h1>\n"
        yield f"<p>{await after(1.0, 'done')}</p>\n"

    return StreamingHttpResponse(body(), content_type="text/html; charset=utf-8")


async def ttfb_buffered(request: HttpRequest) -> HttpResponse:
    """The usual way: await the data, then render the whole page."""
    return render(request, "stream/ttfb_buffered.html", {"source": await after(1.0, "done")})


class RowsBlock(StreamingTemplateView):
    template_name = "stream/blocks.html"
    block_name = "rows"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(rows=endless_rows(None), **kwargs)
