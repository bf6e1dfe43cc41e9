"""Server-Sent Events: one event's wire framing and a streaming response built from an iterator.

Framing follows the WHATWG ``EventSource`` parser: every line of ``data`` becomes its own
``data:`` field, and ``\\r\\n``, ``\\r`` and ``\\n`` all count as line breaks (a browser ends a
line at a lone ``\\r``, so sending it raw would cut the event short and drop the rest of the line
as an unknown field). ``event`` and ``id`` may not contain line breaks at all.
"""

import json
import re
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from djkida.fragments import Fragment
from djkida.prefetch import Prefetch
from djkida.responses import AsyncStreamingResponse, aclose_quietly

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
HEARTBEAT = b": ping\n\n"
# Items pulled ahead of the client when a heartbeat is on: bounded, so a fast source waits.
_PREFETCH = 256


@dataclass(slots=True)
class SSEEvent:
    """One Server-Sent Event (built per LLM token, so construction and encoding stay cheap).

    ``append=True`` says the client appends the data to what came before under the same event
    name (an htmx ``hx-swap="beforeend"`` target, a text stream), so :class:`EventStream` may
    send consecutive such events as one, their data joined: the page ends up the same, with
    fewer events to parse and swap. It cannot carry an ``id`` or ``retry``.

    Example::

        SSEEvent("<li>hi</li>", event="message", id=7).encode()
        # b'event: message\\nid: 7\\ndata: <li>hi</li>\\n\\n'
    """

    data: str
    event: str | None = None
    id: str | int | None = None
    retry: int | None = None
    append: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.data, str):
            raise TypeError(f"SSEEvent data must be str, not {type(self.data).__name__}")
        if self.event is not None and ("\n" in self.event or "\r" in self.event):
            raise ValueError(f"SSE event may not contain a line break: {self.event!r}")
        if self.id is not None and (_has_line_break(str(self.id)) or "\0" in str(self.id)):
            raise ValueError(f"SSE id may not contain a line break or NUL: {self.id!r}")
        if self.retry is not None and (not isinstance(self.retry, int) or self.retry < 0):
            raise ValueError(f"SSE retry must be a non-negative int (ms), not {self.retry!r}")
        if self.append and (self.id is not None or self.retry is not None):
            # Joined with its neighbours, an id would no longer mark where a client resumes.
            raise ValueError("an append SSEEvent cannot carry an id or retry")

    def encode(self) -> bytes:
        """The event's bytes on the wire, ending with the blank line that dispatches it."""
        data = self.data
        if "\n" in data or "\r" in data:
            data = _LINE_BREAK.sub("\ndata: ", data)
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


def _has_line_break(text: str) -> bool:
    """Whether an SSE parser would end a line inside ``text`` (faster than the regex)."""
    return "\n" in text or "\r" in text


async def _encode_item(item: Any) -> bytes:
    """The wire bytes of one item of a source (an event, the common case, without a detour)."""
    if type(item) is SSEEvent:
        return item.encode()
    return (await _to_event(item)).encode()


async def _to_event(item: "SSEEvent | Fragment | str | dict[str, Any]") -> SSEEvent:
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


async def _encode_stream(
    source: AsyncIterable[Any], *, heartbeat: float | None, retry: int | None
) -> AsyncGenerator[bytes]:
    """Encoded events of ``source``, with ``: ping`` whenever it is idle for ``heartbeat`` s.

    Without a heartbeat the source is iterated in place. With one, a single task pulls items
    ahead into a small buffer (:class:`~djkida.prefetch.Prefetch`; a task and a timer per item
    would cost more than the event itself), and the events that were ready together leave as
    one write, consecutive ``append`` events as one event; a pending ``__anext__`` survives a
    heartbeat, and closing this generator (client disconnect) cancels it and closes ``source``.
    """
    iterator = aiter(source)
    if retry is not None:
        # A block without data sets the client's reconnection delay and dispatches nothing.
        yield f"retry: {retry}\n\n".encode()
    try:
        if heartbeat is None:
            async for item in iterator:
                yield await _encode_item(item)
            return
        prefetch = Prefetch(iterator, limit=_PREFETCH)
        try:
            while True:
                items = await prefetch.take(heartbeat)
                if items is None:
                    yield HEARTBEAT
                elif not items:
                    return
                else:
                    yield b"".join([await _encode_item(item) for item in _join_appends(items)])
        finally:
            await prefetch.stop()
    finally:
        await aclose_quietly(iterator)


def _join_appends(items: list[Any]) -> list[Any]:
    """``items`` with every run of consecutive ``append`` events of one name joined into one."""
    if len(items) == 1:
        return items
    joined: list[Any] = []
    for _, group in groupby(items, key=_append_run):
        run = list(group)
        if len(run) == 1:
            joined.append(run[0])
        else:
            data = "".join([event.data for event in run])
            joined.append(SSEEvent(data, event=run[0].event, append=True))
    return joined


def _append_run(item: Any) -> object:
    """What consecutive joinable items share: their event name; anything else is alone."""
    if type(item) is SSEEvent and item.append:
        return item.event
    return object()


class EventStream(AsyncStreamingResponse):
    """A ``text/event-stream`` response fed by an async iterable.

    The source may yield :class:`SSEEvent`, :class:`~djkida.fragments.Fragment` (rendered, sent
    as event ``fragment.event_name``), ``str`` (unnamed event) or ``dict`` (JSON data).
    ``on_close`` runs after the source is closed, however the response ends (also when the
    client left before the source was ever started, which its own ``finally`` would miss).

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
        on_close: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        if not isinstance(source, AsyncIterable):
            raise TypeError(f"EventStream needs an async iterable, not {type(source).__name__}")
        if heartbeat is not None and heartbeat <= 0:
            raise ValueError(f"heartbeat must be positive seconds or None, not {heartbeat!r}")
        if retry is not None and (not isinstance(retry, int) or retry < 0):
            raise ValueError(f"retry must be a non-negative int (ms) or None, not {retry!r}")

        async def close() -> None:
            # The source itself, for a response closed before its body ever started.
            try:
                await aclose_quietly(source)
            finally:
                if on_close is not None:
                    await on_close()

        super().__init__(
            _encode_stream(source, heartbeat=heartbeat, retry=retry),
            on_close=close,
            content_type="text/event-stream",
            status=status,
        )
