"""Worker side of distributed mode: ``manage.py talu_worker`` serves a session from Redis.

Every Redis call is bounded (:data:`~djtalu.distributed.protocol.REDIS_TIMEOUT`, as on the
site's side): when Redis refuses connections or stops answering, the worker logs it and tries
again with backoff instead of hanging or exiting, and serves again once Redis answers. A reply
that cannot be published stops its generation: the model runs at most :data:`_AHEAD` pieces
ahead of what Redis has taken, and a publish that fails cancels the rest.
"""

import asyncio
import contextlib
import json
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from djtalu.distributed.protocol import (
    BLOCK_MS,
    GROUP,
    REDIS_TIMEOUT,
    REPLY_TTL_SECONDS,
    RedisKeys,
    connect,
    ensure_group,
    error_event,
    params_from_json,
    stream_entries,
)
from djtalu.engine import GenerationError, GenerationParams, GenerationResult, Generator

logger = logging.getLogger(__name__)

#: Redis refusing connections, or not answering within the client's timeout.
_UNREACHABLE = (RedisConnectionError, RedisTimeoutError)
#: Pieces a generation may run ahead of what was published; then it waits for Redis.
_AHEAD = 64
#: First pause before trying an unreachable Redis again; it doubles up to ``retry_max``.
_RETRY_FIRST = 0.25


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
        redis_timeout: float = REDIS_TIMEOUT,
        retry_max: float = 5.0,
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
        #: Seconds any Redis call may take to connect or answer (a blocking read: beyond it).
        self.redis_timeout = redis_timeout
        #: Longest pause between attempts to reach Redis while it is unreachable.
        self.retry_max = retry_max
        self._redis_url = redis_url
        self._epoch: bytes | str | None = None
        self._generator: Generator | None = None

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Take requests until ``stop`` is set (the current one is finished first).

        While Redis is unreachable, log it and try again (backoff up to ``retry_max``).
        """
        stop = stop or asyncio.Event()
        redis = connect(self._redis_url, self.redis_timeout)
        heartbeat: asyncio.Task[None] | None = None
        failures = 0
        try:
            while not stop.is_set():
                try:
                    if self._generator is None:
                        await ensure_group(redis, self.keys)
                        self._epoch = await redis.get(self.keys.epoch)
                        self._generator = await asyncio.to_thread(Generator, self.model_path)
                        heartbeat = asyncio.create_task(self._heartbeat(redis))
                        logger.info("talu worker %s serving %r", self.consumer, self.keys.session)
                    elif failures:
                        await ensure_group(redis, self.keys)  # a restarted Redis lost it
                    if failures:
                        logger.warning(
                            "talu worker %s: Redis at %s answers again",
                            self.consumer,
                            _server(redis),
                        )
                        failures = 0
                    await self._serve_requests(redis, stop)
                except _UNREACHABLE as exc:
                    failures += 1
                    delay = min(_RETRY_FIRST * 2 ** (failures - 1), self.retry_max)
                    logger.warning(
                        "talu worker %s: Redis at %s is unreachable or not answering within "
                        "%g s (%s: %s); trying again in %g s",
                        self.consumer,
                        _server(redis),
                        self.redis_timeout,
                        type(exc).__name__,
                        exc,
                        delay,
                    )
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), delay)
        finally:
            if heartbeat is not None:
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat
            with contextlib.suppress(RedisError):  # it expires by itself otherwise
                await redis.delete(self.keys.worker(self.consumer))
            await redis.aclose()

    async def _serve_requests(self, redis: aioredis.Redis, stop: asyncio.Event) -> None:
        """Take and answer requests until ``stop`` is set; Redis failing ends it (raised)."""
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
        """Answer one request and acknowledge it; a crash before the ack, or Redis failing,
        leaves it pending."""
        request_id = fields["id"]
        reply = self.keys.reply(request_id)
        payload = json.loads(fields["payload"])
        try:
            await self._answer(redis, entry_id, request_id, payload, reclaimed)
        except _UNREACHABLE:
            # Nothing can be sent or acknowledged: the request stays pending, and once Redis
            # answers again it is taken over as a reply that was cut off (its client has
            # failed it meanwhile: the client's Redis calls are bounded too).
            raise
        except Exception as exc:
            logger.exception("request %s failed", request_id)
            self.counters.last_error = f"{type(exc).__name__}: {exc}"
            await self._send(redis, reply, "error", error_event("generation", str(exc)))
        finally:
            self.counters.current_request = self.counters.current_entry = None
        await redis.xack(self.keys.requests, GROUP, entry_id)
        await redis.xdel(self.keys.requests, entry_id)

    async def _answer(
        self,
        redis: aioredis.Redis,
        entry_id: str,
        request_id: str,
        payload: dict[str, Any],
        reclaimed: bool,
    ) -> None:
        """Generate the reply, unless the request expired, was cancelled or was cut off."""
        reply = self.keys.reply(request_id)
        if payload["expires_at"] < time.time() or await redis.exists(self.keys.cancel(request_id)):
            return
        if reclaimed and await redis.exists(reply):
            logger.warning(
                "request %s was cut off mid-reply (its worker died or lost Redis)", request_id
            )
            await self._send(redis, reply, "error", error_event("crashed", "a worker died"))
            return
        self.counters.current_request, self.counters.current_entry = request_id, entry_id
        await self._send(redis, reply, "start", self.consumer)
        await self._generate(redis, request_id, payload)

    async def _generate(
        self, redis: aioredis.Redis, request_id: str, payload: dict[str, Any]
    ) -> None:
        """Run the generation in a thread; forward pieces and watch the cancel flag."""
        if self._generator is None:
            raise GenerationError("worker has no model loaded")
        generator = self._generator
        params = GenerationParams(**params_from_json(payload["params"]))
        stop_flag = threading.Event()
        # One permit per piece that may wait to be published: with none left, the generation
        # waits for Redis to take one instead of running on into a queue nobody drains.
        room = threading.Semaphore(_AHEAD)
        pieces: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def produce() -> GenerationResult:
            try:
                run = generator.generate(payload["messages"], params, stop_flag.is_set)
                try:
                    for piece in run:
                        loop.call_soon_threadsafe(pieces.put_nowait, piece)
                        room.acquire()
                finally:
                    run.close()
                return run.result()
            finally:
                loop.call_soon_threadsafe(pieces.put_nowait, None)

        producer = asyncio.create_task(asyncio.to_thread(produce))
        reply = self.keys.reply(request_id)
        lost: RedisError | None = None
        try:
            while (piece := await pieces.get()) is not None:
                if await self._send(redis, reply, "piece", piece, request_id=request_id):
                    stop_flag.set()
                room.release()
        except _UNREACHABLE as exc:
            lost = exc
            raise
        finally:
            stop_flag.set()
            room.release()  # a generation waiting for room wakes up, sees the flag and ends
            result = await producer
            if lost is not None:
                logger.warning(
                    "talu worker %s: could not publish request %s to Redis (%s: %s); its "
                    "generation was stopped after %d tokens",
                    self.consumer,
                    request_id,
                    type(lost).__name__,
                    lost,
                    result.completion_tokens,
                )
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
            try:
                await self._beat(redis)
            except _UNREACHABLE as exc:  # the serving loop logs the outage and retries
                logger.debug("talu worker %s: heartbeat failed: %s", self.consumer, exc)
            await asyncio.sleep(self.heartbeat_seconds)

    async def _beat(self, redis: aioredis.Redis) -> None:
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

    async def _reload_if_restarted(self, redis: aioredis.Redis) -> None:
        """Reload the model when ``RedisPool.restart()`` bumped the session's epoch."""
        epoch = await redis.get(self.keys.epoch)
        if epoch != self._epoch:
            logger.info("talu worker %s reloading %s", self.consumer, self.model_path)
            self._epoch = epoch
            self._generator = await asyncio.to_thread(Generator, self.model_path)


def _server(redis: aioredis.Redis) -> str:
    """Where ``redis`` connects, for log lines (never with its password)."""
    kwargs = redis.connection_pool.connection_kwargs
    place = kwargs.get("path") or f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"
    return f"{place} db {kwargs.get('db', 0)}"
