"""Distributed mode: ``manage.py talu_worker`` processes on any machine serve requests via Redis.

Wire protocol (every key starts with ``TALU_REDIS_PREFIX``, "djtalu" by default):

- ``{prefix}:{session}:requests`` is a stream read by the consumer group ``workers``; each entry
  is one request (``payload``: JSON messages, params and expiry). A worker acknowledges it only
  after the reply is finished, so the request of a worker that died stays pending and another
  worker takes it over with XAUTOCLAIM once it has been idle ``TALU_CLAIM_IDLE_MS``. A live
  worker keeps its request's idle time low with XCLAIM on every heartbeat.
- ``{prefix}:reply:{request_id}`` is a per-request stream of events: ``start`` (a worker took
  it), ``piece`` (text), then ``done`` (token counts) or ``error``. A taken-over request whose
  reply had already started fails cleanly (the client saw part of it) instead of repeating.
- ``{prefix}:cancel:{request_id}`` is set by a client that cancels; the worker checks it with
  every piece it sends and stops generating.
- ``{prefix}:{session}:worker:{consumer}`` is each worker's heartbeat (JSON stats, expiring);
  ``{prefix}:{session}:epoch`` is bumped by ``restart()`` to make workers reload the model.
"""

import asyncio
import contextlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import redis.asyncio as aioredis
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from djtalu.engine import (
    GenerationError,
    GenerationParams,
    GenerationResult,
    Generator,
    PoolStats,
    QueueFullError,
    WorkerCrashedError,
)
from djtalu.engine.result import FinishReason

logger = logging.getLogger(__name__)

GROUP = "workers"
#: Reply streams of abandoned requests disappear after this long.
REPLY_TTL_SECONDS = 600
#: Longest single blocking Redis read, so cancellation and timeouts are noticed promptly.
BLOCK_MS = 1000


@dataclass(frozen=True)
class RedisKeys:
    """The Redis keys of one session."""

    prefix: str
    session: str

    @property
    def requests(self) -> str:
        return f"{self.prefix}:{self.session}:requests"

    @property
    def epoch(self) -> str:
        return f"{self.prefix}:{self.session}:epoch"

    def worker(self, consumer: str) -> str:
        return f"{self.prefix}:{self.session}:worker:{consumer}"

    def reply(self, request_id: str) -> str:
        return f"{self.prefix}:reply:{request_id}"

    def cancel(self, request_id: str) -> str:
        return f"{self.prefix}:cancel:{request_id}"


async def ensure_group(redis: aioredis.Redis, keys: RedisKeys) -> None:
    """Create the request stream and its consumer group unless they exist.

    The group starts at the beginning of the stream so requests sent before the first worker
    came up are still served (expired ones are skipped by the worker).
    """
    try:
        await redis.xgroup_create(keys.requests, GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def read_stats(redis_url: str, prefix: str, session: str) -> PoolStats:
    """Stats of a distributed session, from its workers' heartbeats and its request stream."""
    redis = aioredis.Redis.from_url(redis_url, decode_responses=True)
    try:
        return await fetch_stats(redis, RedisKeys(prefix, session))
    finally:
        await redis.aclose()


async def fetch_stats(redis: aioredis.Redis, keys: RedisKeys) -> PoolStats:
    """Aggregate the heartbeats of live workers and the queue of ``keys.session``."""
    beats = [
        json.loads(raw)
        for raw in await redis.mget(
            [key async for key in redis.scan_iter(match=keys.worker("*"), count=100)] or ["-"]
        )
        if raw
    ]
    # Workers delete what they acknowledge, so the stream holds exactly the requests in flight
    # (pending) and those still queued.
    in_flight = 0
    with contextlib.suppress(ResponseError):  # no stream or group yet
        in_flight = int((await redis.xpending(keys.requests, GROUP))["pending"])
    queued = max(0, int(await redis.xlen(keys.requests)) - in_flight)
    errors = [beat["last_error"] for beat in beats if beat.get("last_error")]
    return PoolStats(
        state="running" if beats else "no workers",
        workers_alive=len(beats),
        workers_total=len(beats),
        in_flight=in_flight,
        queued=queued,
        tokens_per_second=sum(float(beat["tokens_per_second"]) for beat in beats),
        last_error=errors[-1] if errors else "",
    )


async def request_restart(redis_url: str, prefix: str, session: str) -> None:
    """Tell every worker of ``session`` to reload its model after its current request."""
    redis = aioredis.Redis.from_url(redis_url, decode_responses=True)
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
    ) -> None:
        self.keys = RedisKeys(prefix, name)
        self.queue_size = queue_size
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
        self._redis = aioredis.Redis.from_url(self._redis_url, decode_responses=True)
        await ensure_group(self._redis, self.keys)
        self._stats = await fetch_stats(self._redis, self.keys)
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

    async def submit(self, request_id: str, payload: dict[str, Any]) -> None:
        """Add a request to the stream, refusing it when it would wait beyond ``queue_size``
        (idle workers take requests at once, as in ``WorkerPool``)."""
        stats = self._stats = await fetch_stats(self.redis, self.keys)
        idle = max(0, stats.workers_alive - stats.in_flight)
        if stats.queued >= self.queue_size + idle:
            raise QueueFullError(
                f"{stats.queued} requests already wait for session {self.keys.session!r}"
            )
        await self.redis.xadd(
            self.keys.requests, {"id": request_id, "payload": json.dumps(payload)}
        )

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
            redis = self._pool.redis
            await redis.set(self._pool.keys.cancel(self.request_id), "1", ex=REPLY_TTL_SECONDS)
            await redis.delete(self._pool.keys.reply(self.request_id))

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
        await self._pool.submit(self.request_id, payload)

    async def _read_events(self) -> None:
        """Block (briefly) for the next reply events and apply them."""
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
        except RedisTimeoutError:  # a slow read is not a failed generation: read again
            return
        except RedisError as exc:
            raise GenerationError(f"lost the connection to Redis: {exc}") from exc
        for entry_id, fields in stream_entries(response):
            self._last_id = entry_id
            self._apply(fields)
        if self._result is not None or self._error is not None:
            await self._pool.redis.delete(key)  # the reply is complete: nothing will read it

    def _apply(self, fields: dict[str, str]) -> None:
        event = fields["event"]
        if event == "piece":
            self._buffer.append(fields["data"])
        elif event == "start":
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


@dataclass
class WorkerCounters:
    """What a worker reports in its heartbeat."""

    requests_done: int = 0
    tokens_per_second: float = 0.0
    last_error: str | None = None
    current_request: str | None = None
    current_entry: str | None = None


class RedisWorker:
    """Serve one session's requests from Redis with the engine's in-process ``Generator``.

    One generation at a time per worker; start more ``talu_worker`` processes (on any machine)
    for more throughput.

    Example::

        await RedisWorker("default", "/models/smollm2", redis_url="redis://10.0.0.5/0").run()
    """

    def __init__(
        self,
        session: str,
        model_path: Path | str,
        *,
        redis_url: str,
        prefix: str = "djtalu",
        claim_idle_ms: int = 30_000,
        heartbeat_seconds: float = 2.0,
        consumer: str | None = None,
    ) -> None:
        if claim_idle_ms < heartbeat_seconds * 1000 * 3:
            raise ValueError(
                f"TALU_CLAIM_IDLE_MS ({claim_idle_ms}) must be at least three heartbeats "
                f"({heartbeat_seconds}s each), or live workers' requests get taken over"
            )
        self.keys = RedisKeys(prefix, session)
        self.model_path = Path(model_path)
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}"
        self.claim_idle_ms = claim_idle_ms
        self.heartbeat_seconds = heartbeat_seconds
        self.counters = WorkerCounters()
        self._redis_url = redis_url
        self._epoch: bytes | str | None = None
        self._generator: Generator | None = None

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Take requests until ``stop`` is set (the current one is finished first)."""
        stop = stop or asyncio.Event()
        redis = aioredis.Redis.from_url(self._redis_url, decode_responses=True)
        try:
            await ensure_group(redis, self.keys)
            self._epoch = await redis.get(self.keys.epoch)
            self._generator = await asyncio.to_thread(Generator, self.model_path)
            heartbeat = asyncio.create_task(self._heartbeat(redis))
            logger.info("talu worker %s serving %r", self.consumer, self.keys.session)
            try:
                while not stop.is_set():
                    try:
                        entry = await self._next_request(redis)
                    except ResponseError as exc:
                        # The stream or group vanished (a Redis restart, a flush): recreate it.
                        if "NOGROUP" not in str(exc) and "no longer exists" not in str(exc):
                            raise
                        logger.warning("request stream of %r was reset: %s", self.keys.session, exc)
                        await ensure_group(redis, self.keys)
                        continue
                    if entry is not None:
                        await self._serve(redis, *entry)
                    await self._reload_if_restarted(redis)
            finally:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat
                await redis.delete(self.keys.worker(self.consumer))
        finally:
            await redis.aclose()

    async def _next_request(self, redis: aioredis.Redis) -> tuple[str, dict[str, str], bool] | None:
        """A request taken over from a dead worker, else a new one: (entry id, fields,
        reclaimed)."""
        claim: Any = await redis.xautoclaim(
            self.keys.requests, GROUP, self.consumer, self.claim_idle_ms, "0-0", count=1
        )
        for entry_id, fields in claim[1]:  # [next start id, entries, deleted ids]
            return entry_id, fields, True
        response = await redis.xreadgroup(
            GROUP, self.consumer, {self.keys.requests: ">"}, count=1, block=BLOCK_MS
        )
        for entry_id, fields in stream_entries(response):
            return entry_id, fields, False
        return None

    async def _serve(
        self, redis: aioredis.Redis, entry_id: str, fields: dict[str, str], reclaimed: bool
    ) -> None:
        """Answer one request and acknowledge it; a crash before the ack leaves it pending."""
        request_id = fields["id"]
        reply = self.keys.reply(request_id)
        payload = json.loads(fields["payload"])
        try:
            if payload["expires_at"] < time.time() or await redis.exists(
                self.keys.cancel(request_id)
            ):
                return
            if reclaimed and await redis.exists(reply):
                logger.warning("request %s was cut off by a dead worker", request_id)
                await self._send(redis, reply, "error", _error("crashed", "a worker died"))
                return
            self.counters.current_request, self.counters.current_entry = request_id, entry_id
            await self._send(redis, reply, "start", self.consumer)
            await self._generate(redis, request_id, payload)
        except Exception as exc:
            logger.exception("request %s failed", request_id)
            self.counters.last_error = f"{type(exc).__name__}: {exc}"
            await self._send(redis, reply, "error", _error("generation", str(exc)))
        finally:
            self.counters.current_request = self.counters.current_entry = None
            await redis.xack(self.keys.requests, GROUP, entry_id)
            await redis.xdel(self.keys.requests, entry_id)

    async def _generate(
        self, redis: aioredis.Redis, request_id: str, payload: dict[str, Any]
    ) -> None:
        """Run the generation in a thread; forward pieces and watch the cancel flag."""
        if self._generator is None:
            raise GenerationError("worker has no model loaded")
        generator = self._generator
        params = GenerationParams(**_params_from_json(payload["params"]))
        stop_flag = threading.Event()
        pieces: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def produce() -> GenerationResult:
            try:
                run = generator.generate(payload["messages"], params, stop_flag.is_set)
                try:
                    for piece in run:
                        loop.call_soon_threadsafe(pieces.put_nowait, piece)
                finally:
                    run.close()
                return run.result()
            finally:
                loop.call_soon_threadsafe(pieces.put_nowait, None)

        producer = asyncio.create_task(asyncio.to_thread(produce))
        reply = self.keys.reply(request_id)
        try:
            while (piece := await pieces.get()) is not None:
                if await self._send(redis, reply, "piece", piece, request_id=request_id):
                    stop_flag.set()
        finally:
            stop_flag.set()
            result = await producer
        self.counters.requests_done += 1
        self.counters.tokens_per_second = result.timings.get("tokens_per_second", 0.0)
        done = {
            "prompt_tokens": result.prompt_tokens,
            "completion_tokens": result.completion_tokens,
            "finish_reason": result.finish_reason,
            "timings": result.timings,
        }
        await self._send(redis, reply, "done", json.dumps(done))

    async def _send(
        self,
        redis: aioredis.Redis,
        reply: str,
        event: str,
        data: str,
        *,
        request_id: str | None = None,
    ) -> bool:
        """Append a reply event; with ``request_id``, also say whether it was cancelled."""
        async with redis.pipeline(transaction=False) as pipe:
            pipe.xadd(reply, {"event": event, "data": data})
            pipe.expire(reply, REPLY_TTL_SECONDS)
            if request_id is not None:
                pipe.exists(self.keys.cancel(request_id))
            results = await pipe.execute()
        return request_id is not None and bool(results[-1])

    async def _heartbeat(self, redis: aioredis.Redis) -> None:
        """Say we are alive and keep our in-flight request from being taken over."""
        while True:
            counters = self.counters
            beat = {
                "state": "busy" if counters.current_request else "idle",
                "model_path": str(self.model_path),
                "requests_done": counters.requests_done,
                "tokens_per_second": counters.tokens_per_second,
                "last_error": counters.last_error,
                "epoch": self._epoch,
            }
            ttl = max(1, int(self.heartbeat_seconds * 3))
            await redis.set(self.keys.worker(self.consumer), json.dumps(beat), ex=ttl)
            if counters.current_entry is not None:
                await redis.xclaim(
                    self.keys.requests,
                    GROUP,
                    self.consumer,
                    0,
                    [counters.current_entry],
                    justid=True,
                )
            await asyncio.sleep(self.heartbeat_seconds)

    async def _reload_if_restarted(self, redis: aioredis.Redis) -> None:
        """Reload the model when ``RedisPool.restart()`` bumped the session's epoch."""
        epoch = await redis.get(self.keys.epoch)
        if epoch != self._epoch:
            logger.info("talu worker %s reloading %s", self.consumer, self.model_path)
            self._epoch = epoch
            self._generator = await asyncio.to_thread(Generator, self.model_path)


def stream_entries(response: Any) -> list[tuple[str, dict[str, str]]]:
    """The (id, fields) entries of an XREAD/XREADGROUP reply, across its streams."""
    return [entry for _stream, entries in response or [] for entry in entries]


def _error(kind: str, message: str) -> str:
    return json.dumps({"kind": kind, "message": message})


def _params_from_json(params: dict[str, Any]) -> dict[str, Any]:
    """JSON turns the ``stop`` tuple into a list; give the frozen dataclass its tuple back."""
    return {**params, "stop": tuple(params.get("stop") or ())}
