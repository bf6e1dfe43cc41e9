"""A streaming response whose async body, and the sources behind it, are closed however it ends.

Django's ASGI handler reads a streaming response through ``aiter(response)`` and closes that
iterator when the client disconnects, but that iterator is only a wrapper around the body: when
the disconnect cancels the handler while it awaits ``send()`` (uvicorn waits there for a slow
socket), the body generator is left suspended and closed only whenever the garbage collector
reaches it — seconds later, or never — with its LLM generation or database cursor still running.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, cast

from django.http import StreamingHttpResponse

__all__ = ["STREAMING_HEADERS", "AsyncStreamingResponse"]

#: Sent with every streaming response (HTML, SSE, OpenAI chunks): no cache may hold a stream
#: back, and nginx must not buffer it, which would undo the streaming.
STREAMING_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


async def aclose_quietly(iterator: object) -> None:
    """``iterator.aclose()`` when it has one (a finished generator makes it a no-op)."""
    aclose = getattr(iterator, "aclose", None)
    if aclose is not None:
        await aclose()


class AsyncStreamingResponse(StreamingHttpResponse):
    """``StreamingHttpResponse`` over an async body that it closes, with ``on_close``, once.

    It carries :data:`STREAMING_HEADERS` unless the caller's ``headers`` set them.

    That happens when the server stops reading (end of body, error or client disconnect) and,
    for a response closed without ever being read (the client left before the first byte), on
    the event loop it was created on. A WSGI server gets a clear error instead of a body that
    Django would have buffered whole.

    Example::

        async def rows(request):
            cursor = open_cursor()
            return AsyncStreamingResponse(render_rows(cursor), on_close=cursor.aclose)
    """

    def __init__(
        self,
        body: AsyncIterator[bytes | str],
        *args: Any,
        on_close: Callable[[], Awaitable[None]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(body, *args, **kwargs)
        for header, value in STREAMING_HEADERS.items():
            self.setdefault(header, value)
        self.body = body
        self.on_close = on_close
        self.released = False
        try:
            self.loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            self.loop = None
        self.release_task: asyncio.Future[None] | None = None

    def __iter__(self) -> Iterator[bytes]:
        """What a WSGI server calls: refused, because Django would buffer the whole body."""
        raise RuntimeError(
            "djkida streams need an ASGI server (daphne, uvicorn): under WSGI Django would "
            "buffer the whole body before sending it, and an endless event stream never"
        )

    async def __aiter__(self) -> AsyncIterator[bytes]:
        # streaming_content, not the body: middleware (GZip) may have wrapped it.
        content = cast(AsyncIterator[bytes], self.streaming_content)
        try:
            async for part in content:
                yield part
        finally:
            await aclose_quietly(content)
            await self.release()

    async def release(self) -> None:
        """Close the body, then run ``on_close`` (only the first call does anything)."""
        if self.released:
            return
        self.released = True
        try:
            await aclose_quietly(self.body)
        finally:
            if self.on_close is not None:
                await self.on_close()

    def close(self) -> None:
        """Django's end of the response (on any thread): release a body nobody read."""
        try:
            if not self.released and self.loop is not None and not self.loop.is_closed():
                self.loop.call_soon_threadsafe(self.schedule_release)
        finally:
            super().close()

    def schedule_release(self) -> None:
        if not self.released and self.release_task is None:
            self.release_task = asyncio.ensure_future(self.release())
