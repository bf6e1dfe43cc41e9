"""Client side of distributed mode: queue requests in Redis and read their replies."""

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict
from types import TracebackType
from typing import Any, Self

import redis.asyncio as aioredis
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError

from djtalu.distributed.protocol import (
    BLOCK_MS,
    REPLY_TTL_SECONDS,
    RedisKeys,
    connect,
    ensure_group,
    fetch_stats,
    stream_entries,
)
from djtalu.engine import (
    GenerationError,
    GenerationParams,
    GenerationResult,
    NoWorkerError,
    PoolStats,
    QueueFullError,
    WorkerCrashedError,
)
from djtalu.engine.result import FinishReason

logger = logging.getLogger(__name__)


async def read_stats(redis_url: str, prefix: str, session: str) -> PoolStats:
    """Stats of a distributed session, from its workers' heartbeats and its request stream."""
    redis = connect(redis_url)
    try:
        return await fetch_stats(redis, RedisKeys(prefix, session))
    finally:
        await redis.aclose()


async def request_restart(redis_url: str, prefix: str, session: str) -> None:
    """Tell every worker of ``session`` to reload its model after its current request."""
    redis = connect(redis_url)
    try:
        await redis.incr(RedisKeys(prefix, session).epoch)
    finally:
        await redis.aclose()


class RedisPool:
    """Client side of distributed mode, with the interface of the engine's ``WorkerPool``.

    Example::

        pool = RedisPool("default", redis_url="redis://127.0.0.1:6379/0")
        await pool.start()
        async for piece in pool.stream([{"role": "user", "content": "Hi"}], params):
            print(piece, end="")
    """

    def __init__(
        self,
        name: str,
        *,
        redis_url: str,
        prefix: str = "djtalu",
        queue_size: int = 16,
        refresh_seconds: float = 2.0,
        worker_wait: float = 30.0,
    ) -> None:
        self.keys = RedisKeys(prefix, name)
        self.queue_size = queue_size
        #: Seconds a request may wait for a worker to take it before it fails (``NoWorkerError``).
        self.worker_wait = worker_wait
        self._redis_url = redis_url
        self._refresh_seconds = refresh_seconds
        self._redis: aioredis.Redis | None = None
        self._refresher: asyncio.Task[None] | None = None
        self._stats = PoolStats("starting", 0, 0, 0, 0, 0.0, "")

    @property
    def redis(self) -> aioredis.Redis:
        if self._redis is None:
            raise GenerationError(f"RedisPool {self.keys.session!r} is not started")
        return self._redis

    async def start(self) -> None:
        """Connect, make sure the request stream exists and keep stats fresh."""
        redis = connect(self._redis_url)
        try:
            await ensure_group(redis, self.keys)
            self._stats = await fetch_stats(redis, self.keys)
        except RedisError as exc:
            await redis.aclose()
            raise NoWorkerError(f"cannot reach the workers' Redis: {exc}") from exc
        self._redis = redis
        self._refresher = asyncio.create_task(self._refresh_stats())

    def stream(
        self,
        messages: list[dict[str, str]],
        params: GenerationParams,
        *,
        timeout: float | None = None,
    ) -> "RedisGenerationStream":
        """Queue a generation for any worker of this session; pieces arrive as it runs."""
        return RedisGenerationStream(self, messages, params, timeout=timeout)

    def stats(self) -> PoolStats:
        """The latest stats (refreshed every ``refresh_seconds`` and after each request)."""
        return self._stats

    async def restart(self) -> None:
        """Make every worker of this session reload its model after its current request."""
        await self.redis.incr(self.keys.epoch)

    async def shutdown(self) -> None:
        """Stop refreshing stats and close the connection; workers keep running."""
        if self._refresher is not None:
            self._refresher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._refresher
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    async def submit(self, request_id: str, payload: dict[str, Any]) -> str:
        """Add a request to the stream and return its entry id, refusing it when it would wait
        beyond ``queue_size`` (idle workers take requests at once, as in ``WorkerPool``)."""
        try:
            stats = self._stats = await fetch_stats(self.redis, self.keys)
            idle = max(0, stats.workers_alive - stats.in_flight)
            if stats.queued >= self.queue_size + idle:
                raise QueueFullError(
                    f"{stats.queued} requests already wait for session {self.keys.session!r}"
                )
            entry = await self.redis.xadd(
                self.keys.requests, {"id": request_id, "payload": json.dumps(payload)}
            )
            return str(entry)
        except RedisError as exc:
            raise NoWorkerError(f"cannot reach the workers' Redis: {exc}") from exc

    async def _refresh_stats(self) -> None:
        while True:
            await asyncio.sleep(self._refresh_seconds)
            try:
                self._stats = await fetch_stats(self.redis, self.keys)
            except Exception as exc:
                logger.warning("could not read stats of %r from Redis: %s", self.keys.session, exc)


class RedisGenerationStream:
    """One generation served through Redis, with the interface of ``AsyncGenerationStream``.

    Nothing is sent before the first ``async for`` step (or ``collect()``), so a full queue
    raises ``QueueFullError`` there rather than from ``RedisPool.stream()``. Like the engine's
    stream, a timeout ends iteration with ``finish_reason == "timeout"``.
    """

    def __init__(
        self,
        pool: RedisPool,
        messages: list[dict[str, str]],
        params: GenerationParams,
        *,
        timeout: float | None,
    ) -> None:
        self.request_id = uuid.uuid4().hex
        self._pool = pool
        self._messages = messages
        self._params = params
        self._timeout = timeout
        self._deadline: float | None = None
        self._submitted = False
        self._last_id = "0-0"
        self._buffer: list[str] = []
        self._text: list[str] = []
        self._result: GenerationResult | None = None
        self._error: GenerationError | None = None
        self._cancelled = False
        self._started_at = 0.0
        self._queue_seconds = 0.0
        self._entry_id: str | None = None
        #: The worker serving the request (from its ``start`` event), whose heartbeat we watch.
        self._worker: str | None = None

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def __aiter__(self) -> AsyncIterator[str]:
        return self

    async def __anext__(self) -> str:
        if not self._submitted and self._result is None:  # not cancelled before it began
            await self._submit()
        try:
            while not self._buffer:
                if self._error is not None:
                    raise self._error
                if self._result is not None:
                    raise StopAsyncIteration
                await self._read_events()
        except asyncio.CancelledError:
            await asyncio.shield(self._stop("cancelled"))
            raise
        piece = self._buffer.pop(0)
        self._text.append(piece)
        return piece

    async def collect(self) -> GenerationResult:
        """Wait for the whole reply and return it with token counts and timings."""
        async for _ in self:
            pass
        assert self._result is not None
        return self._result

    async def cancel(self) -> None:
        """Stop the worker's generation; iteration ends, ``collect()`` returns what came."""
        await self._stop("cancelled")

    async def _stop(self, reason: FinishReason) -> None:
        """End the stream locally with ``reason`` and tell the worker to stop generating."""
        if self._result is not None or self._error is not None:
            return
        self._cancelled = reason == "cancelled"
        self._buffer.clear()
        self._result = GenerationResult(
            text="".join(self._text),
            prompt_tokens=0,
            completion_tokens=0,
            finish_reason=reason,
            timings={"total": time.monotonic() - self._started_at},
        )
        if self._submitted:
            await self._withdraw()

    async def _withdraw(self) -> None:
        """Tell any worker to drop the request (or stop generating it) and forget its reply;
        best effort, since it may be Redis that failed."""
        keys = self._pool.keys
        try:
            async with self._pool.redis.pipeline(transaction=False) as pipe:
                pipe.set(keys.cancel(self.request_id), "1", ex=REPLY_TTL_SECONDS)
                pipe.delete(keys.reply(self.request_id))
                if self._worker is None and self._entry_id is not None:
                    pipe.xdel(keys.requests, self._entry_id)  # still queued: unqueue it
                await pipe.execute()
        except RedisError as exc:
            logger.warning("could not withdraw request %s: %s", self.request_id, exc)

    async def _fail(self, error: GenerationError) -> None:
        """End the stream with ``error`` and withdraw the request."""
        self._error = error
        self._buffer.clear()
        await self._withdraw()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await asyncio.shield(self.cancel())

    async def _submit(self) -> None:
        self._submitted = True
        self._started_at = time.monotonic()
        if self._timeout is not None:
            self._deadline = self._started_at + self._timeout
        expires_at = time.time() + (self._timeout if self._timeout is not None else 3600)
        payload = {
            "messages": self._messages,
            "params": asdict(self._params),
            "expires_at": expires_at,
        }
        self._entry_id = await self._pool.submit(self.request_id, payload)

    async def _read_events(self) -> None:
        """Block (briefly) for the next reply events and apply them; fail the request if no
        worker took it within ``worker_wait`` or its worker stopped heartbeating."""
        block_ms = BLOCK_MS
        if self._deadline is not None:
            remaining = self._deadline - time.monotonic()
            if remaining <= 0:
                await self._stop("timeout")
                return
            block_ms = max(1, min(block_ms, int(remaining * 1000)))
        key = self._pool.keys.reply(self.request_id)
        try:
            response = await self._pool.redis.xread({key: self._last_id}, count=256, block=block_ms)
            if not response:
                await self._check_worker()
        except RedisTimeoutError as exc:  # Redis hangs: telling the worker would hang too
            # Before a worker took the request, it is as if there were none: retry later (503).
            kind = NoWorkerError if self._worker is None else GenerationError
            self._error = kind(f"the workers' Redis stopped answering: {exc}")
            return
        except RedisError as exc:
            raise GenerationError(f"lost the connection to Redis: {exc}") from exc
        for entry_id, fields in stream_entries(response):
            self._last_id = entry_id
            self._apply(fields)
        if self._result is not None or self._error is not None:
            await self._pool.redis.delete(key)  # the reply is complete: nothing will read it

    async def _check_worker(self) -> None:
        """While nothing arrives: has a worker taken the request in time, is it still alive?"""
        if self._error is not None:
            return
        if self._worker is None:
            waited = time.monotonic() - self._started_at
            if waited >= self._pool.worker_wait:
                alive = self._pool.stats().workers_alive
                await self._fail(
                    NoWorkerError(
                        f"no talu_worker took the request within {self._pool.worker_wait:g} s "
                        f"({alive} alive for session {self._pool.keys.session!r})"
                    )
                )
        elif not await self._pool.redis.exists(self._pool.keys.worker(self._worker)):
            await self._fail(
                WorkerCrashedError(f"a worker died: {self._worker} stopped sending heartbeats")
            )

    def _apply(self, fields: dict[str, str]) -> None:
        event = fields["event"]
        if event == "piece":
            self._buffer.append(fields["data"])
        elif event == "start":
            self._worker = fields["data"]
            self._queue_seconds = time.monotonic() - self._started_at
        elif event == "done":
            done = json.loads(fields["data"])
            self._result = GenerationResult(
                text="".join(self._text + self._buffer),
                prompt_tokens=done["prompt_tokens"],
                completion_tokens=done["completion_tokens"],
                finish_reason=done["finish_reason"],
                timings={
                    **done["timings"],
                    "queue": self._queue_seconds,
                    "total": time.monotonic() - self._started_at,
                },
            )
        elif event == "error":
            error = json.loads(fields["data"])
            kind = WorkerCrashedError if error["kind"] == "crashed" else GenerationError
            self._error = kind(error["message"])
