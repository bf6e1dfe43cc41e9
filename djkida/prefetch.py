"""Pulling an async source ahead of its consumer, so what is ready together leaves together.

A kida render yields a chunk at every statement boundary, and an LLM answer one per token; sent
one by one, every chunk costs an ASGI message, an HTTP chunk, often a syscall and, for SSE, an
event the page parses and swaps. :class:`Prefetch` lets one task pull the source while the
consumer is busy (sending the previous batch, or not scheduled yet) and hands over everything
pulled so far at once. Nothing waits for a batch to fill: an item that arrives alone leaves
alone, as early as it would have; a burst (the sync part of a template, tokens a worker buffered
for a slow reader) leaves as one write. :func:`coalesce` is that for text.
"""

import asyncio
from collections.abc import AsyncGenerator, AsyncIterable, Callable

from djkida.responses import aclose_quietly

#: Characters :func:`coalesce` pulls ahead of its consumer before the pulling waits.
_LIMIT = 64 * 1024


class Prefetch[T]:
    """One task pulling ``source`` into a list until ``limit`` waits to be taken.

    ``limit`` counts items, or what ``weigh`` says each weighs. The source's error is raised by
    :meth:`take` after the items that came before it. :meth:`stop` cancels a pending
    ``__anext__`` (the source sees ``CancelledError``) and closes the source in the task that
    iterated it.
    """

    def __init__(
        self, source: AsyncIterable[T], *, limit: int, weigh: Callable[[T], int] | None = None
    ) -> None:
        self.limit = limit
        self.weigh = weigh
        self.pending: list[T] = []
        self.size = 0
        self.done = False
        self.error: Exception | None = None
        self.arrived = asyncio.Event()
        self.taken = asyncio.Event()
        self.task = asyncio.create_task(self.pull(source))

    async def pull(self, source: AsyncIterable[T]) -> None:
        weigh = self.weigh
        try:
            async for item in source:
                self.pending.append(item)
                self.size += 1 if weigh is None else weigh(item)
                self.arrived.set()
                if self.size >= self.limit:
                    self.taken.clear()
                    await self.taken.wait()
        except Exception as error:
            self.error = error
        finally:
            self.done = True
            self.arrived.set()
            await aclose_quietly(source)

    async def take(self, timeout: float | None = None) -> list[T] | None:
        """Everything pulled so far, waiting for a first item: ``[]`` at the end, None when
        nothing came within ``timeout`` seconds (the pending item stays pending)."""
        if not self.pending and not self.done:
            self.arrived.clear()
            try:
                async with asyncio.timeout(timeout):
                    await self.arrived.wait()
            except TimeoutError:
                return None
        if self.pending:
            items, self.pending, self.size = self.pending, [], 0
            self.taken.set()
            return items
        if self.error is not None:
            raise self.error
        return []

    async def stop(self) -> None:
        """Stop pulling (a no-op once the source ended) and wait until the source is closed."""
        self.task.cancel()
        # wait(), not await: a cancellation of the consumer itself must still propagate.
        await asyncio.wait([self.task])


async def coalesce(chunks: AsyncIterable[str], *, limit: int = _LIMIT) -> AsyncGenerator[str]:
    """``chunks`` joined into one string per batch of those ready together.

    Closing the batches (client disconnect) stops the pulling and closes ``chunks``.

    Example::

        async for batch in coalesce(template.render_stream_async(**context)):
            await send(batch)
    """
    prefetch = Prefetch(chunks, limit=limit, weigh=len)
    try:
        while batch := await prefetch.take():
            yield "".join(batch)
    finally:
        await prefetch.stop()
