"""Helpers of the async renderer: awaiting template values, closing sources, time limits."""

import asyncio
import contextlib
import inspect
from collections.abc import AsyncIterator, Iterable
from typing import Any

from kida.environment.exceptions import TemplateRuntimeError


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


async def with_timeout(
    stream: AsyncIterator[str], timeout: float, name: str | None
) -> AsyncIterator[str]:
    """``stream`` bounded to ``timeout`` seconds in total; on expiry every source is closed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    chunk = await anext(stream)
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise RenderTimeoutError(
                    f"rendering took longer than {timeout} seconds",
                    name=name,
                    hint="a source was too slow; raise timeout= or make the source faster",
                ) from None
            yield chunk
    finally:
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()
