"""Server-Sent Events: one event's wire framing and a streaming response built from an iterator.

Framing follows the WHATWG ``EventSource`` parser: every line of ``data`` becomes its own
``data:`` field, and ``\\r\\n``, ``\\r`` and ``\\n`` all count as line breaks (a browser ends a
line at a lone ``\\r``, so sending it raw would cut the event short and drop the rest of the line
as an unknown field). ``event`` and ``id`` may not contain line breaks at all.
"""

import asyncio
import json
import re
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Any

from django.http import StreamingHttpResponse

from djkida.fragments import Fragment

LINE_BREAK = re.compile(r"\r\n|\r|\n")
HEARTBEAT = b": ping\n\n"
# Items pulled ahead of the client when a heartbeat is on: bounded, so a fast source waits.
PREFETCH = 32
END = object()


@dataclass(slots=True)
class SSEEvent:
    """One Server-Sent Event (built per LLM token, so construction and encoding stay cheap).

    Example::

        SSEEvent("<li>hi</li>", event="message", id=7).encode()
        # b'event: message\\nid: 7\\ndata: <li>hi</li>\\n\\n'
    """

    data: str
    event: str | None = None
    id: str | int | None = None
    retry: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.data, str):
            raise TypeError(f"SSEEvent data must be str, not {type(self.data).__name__}")
        if self.event is not None and ("\n" in self.event or "\r" in self.event):
            raise ValueError(f"SSE event may not contain a line break: {self.event!r}")
        if self.id is not None and (has_line_break(str(self.id)) or "\0" in str(self.id)):
            raise ValueError(f"SSE id may not contain a line break or NUL: {self.id!r}")
        if self.retry is not None and (not isinstance(self.retry, int) or self.retry < 0):
            raise ValueError(f"SSE retry must be a non-negative int (ms), not {self.retry!r}")

    def encode(self) -> bytes:
        """The event's bytes on the wire, ending with the blank line that dispatches it."""
        data = self.data
        if "\n" in data or "\r" in data:
            data = LINE_BREAK.sub("\ndata: ", data)
        if self.id is None and self.retry is None:
            # The per-token case: one f-string, one encode.
            if self.event is None:
                return f"data: {data}\n\n".encode()
            return f"event: {self.event}\ndata: {data}\n\n".encode()
        head = "" if self.event is None else f"event: {self.event}\n"
        if self.id is not None:
            head += f"id: {self.id}\n"
        if self.retry is not None:
            head += f"retry: {self.retry}\n"
        return f"{head}data: {data}\n\n".encode()


def has_line_break(text: str) -> bool:
    """Whether an SSE parser would end a line inside ``text`` (faster than the regex)."""
    return "\n" in text or "\r" in text


async def encode_item(item: Any) -> bytes:
    """The wire bytes of one item of a source (an event, the common case, without a detour)."""
    if type(item) is SSEEvent:
        return item.encode()
    return (await to_event(item)).encode()


async def to_event(item: "SSEEvent | Fragment | str | dict[str, Any]") -> SSEEvent:
    """Turn what a source yields into an event: fragments render, dicts become JSON."""
    if isinstance(item, SSEEvent):
        return item
    if isinstance(item, Fragment):
        return SSEEvent(await item.render_async(), event=item.event_name)
    if isinstance(item, str):
        return SSEEvent(item)
    if isinstance(item, dict):
        return SSEEvent(json.dumps(item, separators=(",", ":")))
    raise TypeError(
        f"an event stream yields SSEEvent, Fragment, str or dict, not {type(item).__name__}"
    )


async def encode_stream(
    source: AsyncIterable[Any], *, heartbeat: float | None, retry: int | None
) -> AsyncGenerator[bytes]:
    """Encoded events of ``source``, with ``: ping`` whenever it is idle for ``heartbeat`` s.

    Without a heartbeat the source is iterated in place. With one, a single task pulls items
    ahead into a small buffer (a task and a timer per item would cost more than the event
    itself); a pending ``__anext__`` survives a heartbeat, and closing this generator (client
    disconnect) cancels it and closes ``source``.
    """
    iterator = aiter(source)
    if retry is not None:
        # A block without data sets the client's reconnection delay and dispatches nothing.
        yield f"retry: {retry}\n\n".encode()
    try:
        if heartbeat is None:
            async for item in iterator:
                yield await encode_item(item)
            return
        ahead = Lookahead(iterator)
        try:
            while True:
                if not ahead.items:
                    try:
                        await ahead.arrival(heartbeat)
                    except TimeoutError:
                        yield HEARTBEAT
                        continue
                item = ahead.take()
                if item is END:
                    return
                if type(item) is SourceFailed:
                    raise item.error
                yield await encode_item(item)
        finally:
            await ahead.close()
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            await aclose()


class Lookahead:
    """A source's items, pulled ahead by one task into a bounded deque, then :data:`END`.

    A deque and two events rather than ``asyncio.Queue``, whose bookkeeping costs more per item
    than encoding an SSE event; the events are only touched when the deque empties or fills.
    """

    def __init__(self, iterator: AsyncIterator[Any]) -> None:
        self.items: deque[Any] = deque()
        self.readable = asyncio.Event()
        self.writable = asyncio.Event()
        self.writable.set()
        self.task = asyncio.ensure_future(self.fill(iterator))

    async def fill(self, iterator: AsyncIterator[Any]) -> None:
        try:
            async for item in iterator:
                self.items.append(item)
                self.readable.set()
                if len(self.items) >= PREFETCH:
                    self.writable.clear()
                    await self.writable.wait()
        except Exception as error:
            self.items.append(SourceFailed(error))
        else:
            self.items.append(END)
        self.readable.set()

    async def arrival(self, timeout: float) -> None:
        """Wait for an item; ``TimeoutError`` if none came in ``timeout`` (it stays pending)."""
        self.readable.clear()
        async with asyncio.timeout(timeout):
            await self.readable.wait()

    def take(self) -> Any:
        """The next item (there is one: the deque is not empty or :meth:`arrival` returned)."""
        self.writable.set()
        return self.items.popleft()

    async def close(self) -> None:
        """Stop pulling: cancels a pending ``__anext__`` (the source sees ``CancelledError``)."""
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


@dataclass(slots=True, frozen=True)
class SourceFailed:
    """Carries the source's exception through the lookahead, to be raised by the consumer."""

    error: Exception


class EventStream(StreamingHttpResponse):
    """A ``text/event-stream`` response fed by an async iterable.

    The source may yield :class:`SSEEvent`, :class:`~djkida.fragments.Fragment` (rendered, sent
    as event ``fragment.event_name``), ``str`` (unnamed event) or ``dict`` (JSON data).

    Example::

        async def clock(request):
            async def ticks():
                while True:
                    yield {"now": time.time()}
                    await asyncio.sleep(1)

            return EventStream(ticks(), heartbeat=15)
    """

    def __init__(
        self,
        source: AsyncIterable[Any],
        *,
        heartbeat: float | None = 15,
        retry: int | None = None,
        status: int = 200,
    ) -> None:
        if not isinstance(source, AsyncIterable):
            raise TypeError(f"EventStream needs an async iterable, not {type(source).__name__}")
        if heartbeat is not None and heartbeat <= 0:
            raise ValueError(f"heartbeat must be positive seconds or None, not {heartbeat!r}")
        if retry is not None and (not isinstance(retry, int) or retry < 0):
            raise ValueError(f"retry must be a non-negative int (ms) or None, not {retry!r}")
        super().__init__(
            encode_stream(source, heartbeat=heartbeat, retry=retry),
            content_type="text/event-stream",
            status=status,
        )
        self["Cache-Control"] = "no-cache"
        self["X-Accel-Buffering"] = "no"
