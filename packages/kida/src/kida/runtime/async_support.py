"""Helpers of the async renderer: awaiting template values, closing sources, time limits."""

import asyncio
import contextlib
import inspect
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

from kida.exceptions import TemplateRuntimeError


class RenderTimeoutError(TemplateRuntimeError, TimeoutError):
    """A ``render_stream_async(timeout=...)`` ran out of time; the sources were closed."""


async def await_value(value: Any, expression: str, lineno: int) -> Any:
    """``await expr``; a non-awaitable raises a TemplateRuntimeError naming the expression."""
    if inspect.isawaitable(value):
        return await value
    raise TemplateRuntimeError(
        f"cannot await {expression!r}: it is a {type(value).__name__}, not an awaitable",
        lineno=lineno,
        hint=f"pass a coroutine or task for it, or drop 'await' and write {{{{ {expression} }}}}",
    )


def async_only(what: str, lineno: int) -> TemplateRuntimeError:
    """The error a sync renderer raises when it reaches async template code."""
    return TemplateRuntimeError(
        f"{what} needs the async renderer",
        lineno=lineno,
        hint="render with render_stream_async() or render_async()",
    )


async def _from_sync(items: Iterable[Any]) -> AsyncIterator[Any]:
    for item in items:
        yield item


def async_iterator(source: Any) -> AsyncIterator[Any]:
    """The async iterator of an ``async for`` source (sync iterables are accepted too)."""
    if hasattr(source, "__aiter__"):
        iterator: AsyncIterator[Any] = source.__aiter__()
        return iterator
    if source is None:
        raise TemplateRuntimeError("{% async for %} over None", hint="pass an async iterable")
    return _from_sync(source)


async def close_source(iterator: Any) -> None:
    """Close an async source the template stopped consuming (cancel, error, break)."""
    aclose = getattr(iterator, "aclose", None)
    if aclose is None:
        return
    # RuntimeError: still running, because the task that drove it is being cancelled.
    with contextlib.suppress(RuntimeError):
        await aclose()


class _Deadline:
    """The time limit of a whole render: one timer for all its chunks (``asyncio.timeout``
    around each chunk schedules and cancels a timer per chunk). When it fires while the
    consumer's task waits inside the stream, it cancels that task as ``asyncio.timeout``
    does; between chunks it only marks the render expired."""

    __slots__ = ("_cancelled", "_cancelling", "_handle", "expired", "waiting")

    def __init__(self, when: float) -> None:
        self.expired = False
        self.waiting: asyncio.Task[Any] | None = None
        self._cancelled: asyncio.Task[Any] | None = None
        self._cancelling = 0
        self._handle = asyncio.get_running_loop().call_at(when, self._expire)

    def _expire(self) -> None:
        self.expired = True
        task = self.waiting
        if task is not None:
            self._cancelled, self._cancelling = task, task.cancelling()
            task.cancel()

    def withdraw(self) -> bool:
        """Take back this deadline's cancel; whether no other cancel is pending, so the
        CancelledError it caused is a timeout and not a cancellation to pass on."""
        task, self._cancelled = self._cancelled, None
        return task is not None and task.uncancel() <= self._cancelling

    def stop(self) -> None:
        """End of the render: drop the timer, and a cancel that a source swallowed."""
        self._handle.cancel()
        self.withdraw()


async def with_timeout(
    stream: AsyncIterator[str], timeout: float, name: str | None
) -> AsyncIterator[str]:
    """``stream`` bounded to ``timeout`` seconds in total; on expiry every source is closed.

    Once the time is up, a source being waited on is interrupted and the next request for a
    chunk raises ``RenderTimeoutError``; a render that keeps the CPU busy without awaiting
    (so the timer cannot fire) is caught by the clock read as each chunk is produced.
    """
    # The per-chunk check reads the clock directly (a C call, no loop.time() frame).
    now = time.monotonic
    when = now() + timeout
    deadline = _Deadline(asyncio.get_running_loop().time() + timeout)
    try:
        while not deadline.expired:
            deadline.waiting = asyncio.current_task()
            try:
                chunk = await anext(stream)
            except StopAsyncIteration:
                return
            except asyncio.CancelledError:
                if not deadline.withdraw():
                    raise
                break
            finally:
                deadline.waiting = None
            # A CPU-bound render never lets the loop run the timer: read the clock per chunk.
            if now() >= when:
                break
            yield chunk
        raise RenderTimeoutError(
            f"rendering took longer than {timeout} seconds",
            name=name,
            hint="a source was too slow or the template does too much work; raise timeout=, "
            "or make the source faster",
        )
    finally:
        deadline.stop()
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()
