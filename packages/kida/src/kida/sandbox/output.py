"""``max_output_size``: the output of a sandboxed render is counted as it is produced.

``render()`` and ``render_block()`` collect into a :class:`LimitedBuffer`, so a loop producing
too much stops at the chunk that crosses the limit; the streaming renderers are wrapped by
counting generators (a layer per chunk, paid only by sandboxed templates with a limit).
"""

from collections.abc import AsyncIterator, Iterator

from kida.exceptions import SecurityError
from kida.runtime.async_support import close_source
from kida.sandbox.guard import OUTPUT_LIMIT


def output_limit(limit: int, name: str | None) -> SecurityError:
    error = SecurityError(
        f"the output is over the sandbox limit of {limit} characters",
        code=OUTPUT_LIMIT,
        hint=f"render less, or raise SandboxPolicy(max_output_size={limit})",
    )
    error.locate(name=name)
    return error


class LimitedBuffer(list[str]):
    """The chunk list of ``render()``; ``append`` refuses the chunk that crosses the limit."""

    __slots__ = ("left", "limit", "name")

    def __init__(self, limit: int, name: str | None) -> None:
        super().__init__()
        self.limit = limit
        self.left = limit
        self.name = name

    def append(self, chunk: str) -> None:
        self.left -= len(chunk)
        if self.left < 0:
            raise output_limit(self.limit, self.name)
        super().append(chunk)


def check_size(text: str, limit: int | None, name: str | None) -> str:
    """The whole output, once more: ``{% stack %}`` contents join it only at the end."""
    if limit is not None and len(text) > limit:
        raise output_limit(limit, name)
    return text


def limit_stream(stream: Iterator[str], limit: int, name: str | None) -> Iterator[str]:
    """``stream``'s chunks until they add up to more than ``limit`` characters."""
    left = limit
    try:
        for chunk in stream:
            left -= len(chunk)
            if left < 0:
                raise output_limit(limit, name)
            yield chunk
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()


async def limit_async_stream(
    stream: AsyncIterator[str], limit: int, name: str | None
) -> AsyncIterator[str]:
    """The async version of :func:`limit_stream`; closing it closes ``stream``."""
    left = limit
    try:
        async for chunk in stream:
            left -= len(chunk)
            if left < 0:
                raise output_limit(limit, name)
            yield chunk
    finally:
        await close_source(stream)
