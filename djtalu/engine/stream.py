"""The consumer side of one generation: an async iterator with a bounded buffer.

``RequestState`` is what the pool and the stream share: the pool feeds pieces and the final
result into it, the stream drains it and returns flow-control credit to the worker as it does.
At most ``window`` pieces are ever buffered, because the worker may only run that far ahead
of the credit it got back.
"""

import asyncio
import time
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Self

from djtalu.engine.errors import GenerationError
from djtalu.engine.generator import Message
from djtalu.engine.params import GenerationParams
from djtalu.engine.result import FinishReason, GenerationResult


class RequestState:
    """One request as the pool tracks it: queued, running on a worker, then finished."""

    def __init__(
        self,
        request_id: int,
        messages: list[Message],
        params: GenerationParams,
        *,
        window: int,
        loop: asyncio.AbstractEventLoop,
        send_credit: Callable[["RequestState", int], None],
        request_cancel: Callable[["RequestState"], None],
    ) -> None:
        self.id = request_id
        self.messages = messages
        self.params = params
        self.window = window
        self.loop = loop
        self._send_credit = send_credit
        self._request_cancel = request_cancel
        self.pieces: deque[str] = deque()
        self._text: list[str] = []
        self._unacknowledged = 0
        self.created = time.monotonic()
        self.assigned: float | None = None
        self.cancel_reason: FinishReason | None = None
        self.result: GenerationResult | None = None
        self.error: GenerationError | None = None
        self.timer: asyncio.TimerHandle | None = None
        self.changed = asyncio.Event()
        self.finished = asyncio.Event()

    @property
    def done(self) -> bool:
        """True once a result (or error) is recorded."""
        return self.finished.is_set()

    def deliver(self, piece: str) -> None:
        """A piece arrived from the worker."""
        self.pieces.append(piece)
        self._text.append(piece)
        self.changed.set()

    def take(self) -> str | None:
        """All buffered text as one piece (a slow consumer catches up in one step), or None.

        Credit goes back to the worker once half a window of pieces has been consumed.
        """
        if not self.pieces:
            return None
        self._unacknowledged += len(self.pieces)
        if self._unacknowledged >= max(1, self.window // 2) and not self.done:
            self._send_credit(self, self._unacknowledged)
            self._unacknowledged = 0
        text = "".join(self.pieces)
        self.pieces.clear()
        return text

    def cancel(self, reason: FinishReason) -> None:
        """Stop the generation (idempotent); the result will say ``reason``."""
        if self.done or self.cancel_reason is not None:
            return
        self.cancel_reason = reason
        self._request_cancel(self)
        self.changed.set()

    def complete(self, result: GenerationResult | None) -> None:
        """Record the worker's result (None: it never ran), adding queue and total timings."""
        if self.done:
            return
        now = time.monotonic()
        timings = dict(result.timings) if result else {}
        timings["queue"] = (self.assigned or now) - self.created
        timings["total"] = now - self.created
        self.result = GenerationResult(
            text="".join(self._text),
            prompt_tokens=result.prompt_tokens if result else 0,
            completion_tokens=result.completion_tokens if result else 0,
            finish_reason=self.cancel_reason or (result.finish_reason if result else "error"),
            timings=timings,
        )
        self._finish()

    def fail(self, error: GenerationError) -> None:
        """End the request with ``error``; the stream raises it once the buffer is drained."""
        if self.done:
            return
        self.error = error
        self.cancel_reason = None
        self.complete(None)

    def _finish(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.finished.set()
        self.changed.set()


class AsyncGenerationStream:
    """Pieces of one generation as they are produced; ``pool.stream()`` returns it.

    Cancel, timeout, ``aclose()``, leaving ``async with`` early, the consuming task being
    cancelled (a client disconnect) or the stream being garbage-collected all stop the
    worker's generation within one token. After a cancel or timeout, iteration ends.
    Each piece is the text that arrived since the previous one: a character or so while the
    consumer keeps up, more when it catches up after a pause.

    Example::

        async with pool.stream([{"role": "user", "content": "Hi"}], params) as stream:
            async for piece in stream:
                await send(piece)
        print(stream.result.finish_reason)
    """

    def __init__(self, state: RequestState) -> None:
        self._state = state

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> str:
        state = self._state
        while True:
            if state.cancel_reason is not None:
                raise StopAsyncIteration
            piece = state.take()
            if piece is not None:
                return piece
            if state.done:
                if state.error is not None:
                    raise state.error
                raise StopAsyncIteration
            state.changed.clear()
            try:
                await state.changed.wait()
            except asyncio.CancelledError:
                state.cancel("cancelled")
                raise

    async def collect(self) -> GenerationResult:
        """Consume the rest and return the full result (raises if the generation failed)."""
        try:
            async for _ in self:
                pass
            await self._state.finished.wait()
        except asyncio.CancelledError:
            self._state.cancel("cancelled")
            raise
        if self._state.error is not None:
            raise self._state.error
        assert self._state.result is not None
        return self._state.result

    async def cancel(self) -> None:
        """Stop the generation and wait until the worker has stopped."""
        self._state.cancel("cancelled")
        await self._state.finished.wait()

    async def aclose(self) -> None:
        """Cancel if still running (the async-generator protocol for early exit)."""
        if not self._state.done:
            await self.cancel()

    @property
    def cancelled(self) -> bool:
        """True if the stream was cancelled or abandoned before it finished."""
        return self._state.cancel_reason == "cancelled"

    @property
    def result(self) -> GenerationResult | None:
        """The result once the generation has finished, else None."""
        return self._state.result

    @property
    def buffered(self) -> int:
        """Pieces received from the worker and not yet consumed (at most the window)."""
        return len(self._state.pieces)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __del__(self) -> None:
        state = self._state
        if not state.done and not state.loop.is_closed():
            state.loop.call_soon_threadsafe(state.cancel, "cancelled")
