"""The Redis keys and wire protocol that distributed clients and workers share.

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
- ``{prefix}:{session}:worker:{consumer}`` is each worker's heartbeat (JSON stats, expiring
  after three beats); a client whose worker's heartbeat expired fails its request at once
  instead of waiting ``TALU_CLAIM_IDLE_MS`` for a takeover;
  ``{prefix}:{session}:epoch`` is bumped by ``restart()`` to make workers reload the model.
"""

import contextlib
import json
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import ResponseError

from djtalu.engine import PoolStats

GROUP = "workers"
#: Reply streams of abandoned requests disappear after this long.
REPLY_TTL_SECONDS = 600
#: Longest single blocking Redis read, so cancellation and timeouts are noticed promptly.
BLOCK_MS = 500
#: Seconds a site's Redis call may take to connect or answer (a blocking read: beyond its
#: block) before the request takes its degraded path.
REDIS_TIMEOUT = 2.0


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


def connect(url: str, timeout: float = REDIS_TIMEOUT) -> aioredis.Redis:
    """A client whose every call is bounded by ``timeout`` seconds (a blocking read: plus
    ``BLOCK_MS``), sites and workers alike."""
    return aioredis.Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=timeout,
        socket_timeout=timeout + BLOCK_MS / 1000,
    )


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


def stream_entries(response: Any) -> list[tuple[str, dict[str, str]]]:
    """The (id, fields) entries of an XREAD/XREADGROUP reply, across its streams."""
    return [entry for _stream, entries in response or [] for entry in entries]


def error_event(kind: str, message: str) -> str:
    """The data of an ``error`` reply event (``kind`` "crashed" becomes ``WorkerCrashedError``)."""
    return json.dumps({"kind": kind, "message": message})


def params_from_json(params: dict[str, Any]) -> dict[str, Any]:
    """JSON turns the ``stop`` tuple into a list; give the frozen dataclass its tuple back."""
    return {**params, "stop": tuple(params.get("stop") or ())}
