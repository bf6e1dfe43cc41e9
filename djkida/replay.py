"""Event ids and the bounded replay buffer behind ``Last-Event-ID``.

Every broadcast event gets an id, monotonic per group, and is kept in a buffer of the group's
last ``DJKIDA_REPLAY_SIZE`` events (default 100) so an SSE client that reconnects with
``Last-Event-ID: n`` receives the events after ``n`` it missed.

Where the buffer lives is a setting:

- ``DJKIDA_REPLAY_REDIS_URL`` unset (default): in the memory of the process that broadcasts.
  Right for one server process (with the in-memory channel layer that is all there is).
- ``DJKIDA_REPLAY_REDIS_URL = "redis://host:6379/0"``: in Redis, one sorted set per group
  scored by id, the id counter and the set updated atomically by one Lua script, expiring after
  ``DJKIDA_REPLAY_TTL`` seconds (default 3600) without events. Needed as soon as senders and SSE
  consumers are different processes.

When the Redis buffer cannot be reached or does not answer within :data:`_REDIS_TIMEOUT`,
:meth:`_RedisReplayBuffer.append` raises
:class:`ReplayUnavailable`; :mod:`djkida.broadcast` then still delivers the event live, without
an id (see there).
"""

import asyncio
import json
import threading
import weakref
from collections import deque
from collections.abc import Sequence
from typing import Any, Protocol, TypedDict, cast

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from djkida.conf import djkida_settings


class ReplayUnavailable(Exception):
    """The replay storage could not record an event (Redis down or unreachable)."""


class EventMessage(TypedDict):
    """A broadcast event as it travels through the channel layer to consumers.

    ``id`` is None for an event the replay buffer could not record: it cannot be replayed, so
    it is sent without an SSE ``id`` and clients keep their last real one.
    """

    type: str
    group: str
    id: int | None
    event: str | None
    data: str
    html: str


class ReplayBuffer(Protocol):
    """Assigns ids and remembers a group's recent events."""

    async def append(self, group: str, message: dict[str, Any]) -> int:
        """Store ``message`` (without id) under the next id of ``group``; return that id."""
        ...

    async def since(self, group: str, last_id: int) -> list[EventMessage]:
        """The stored events of ``group`` with an id above ``last_id``, sorted by id."""
        ...


class _MemoryReplayBuffer:
    """Per-process buffer; a lock because sync ``broadcast`` runs on other threads' loops."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.lock = threading.Lock()
        self.counters: dict[str, int] = {}
        self.events: dict[str, deque[EventMessage]] = {}

    async def append(self, group: str, message: dict[str, Any]) -> int:
        with self.lock:
            event_id = self.counters.get(group, 0) + 1
            self.counters[group] = event_id
            stored = cast(EventMessage, {**message, "id": event_id})
            self.events.setdefault(group, deque(maxlen=self.size)).append(stored)
        return event_id

    async def since(self, group: str, last_id: int) -> list[EventMessage]:
        with self.lock:
            events = self.events.get(group, ())
            return [event for event in events if event["id"] is not None and event["id"] > last_id]


#: Seconds a replay Redis may take to connect or answer before an event goes out unrecorded.
_REDIS_TIMEOUT = 2.0

# KEYS: counter, sorted set. ARGV: payload JSON, size, ttl. Returns the new id.
_APPEND_SCRIPT = """
local id = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], id, id .. ':' .. ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -tonumber(ARGV[2]) - 1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
return id
"""


class _RedisReplayBuffer:
    """Buffer shared by every process; one client per event loop (redis.asyncio is loop-bound)."""

    def __init__(self, url: str, size: int, ttl: int, prefix: str = "djkida:replay") -> None:
        self.url = url
        self.size = size
        self.ttl = ttl
        self.prefix = prefix
        self.clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis] = (
            weakref.WeakKeyDictionary()
        )

    def client(self) -> aioredis.Redis:
        loop = asyncio.get_running_loop()
        if loop not in self.clients:
            # Blocking pool: a burst of reconnecting clients waits for a connection instead
            # of failing once redis-py's default pool (100) is exhausted. Timeouts: a Redis
            # host that hangs rather than refuses must not hold broadcasts up for long.
            pool = aioredis.BlockingConnectionPool.from_url(
                self.url,
                max_connections=50,
                socket_connect_timeout=_REDIS_TIMEOUT,
                socket_timeout=_REDIS_TIMEOUT,
            )
            self.clients[loop] = aioredis.Redis(connection_pool=pool)
        return self.clients[loop]

    def keys(self, group: str) -> Sequence[str]:
        return (f"{self.prefix}:{group}:seq", f"{self.prefix}:{group}:events")

    async def append(self, group: str, message: dict[str, Any]) -> int:
        payload = json.dumps(message, separators=(",", ":"))
        client = self.client()
        try:
            event_id = await client.eval(
                _APPEND_SCRIPT, 2, *self.keys(group), payload, self.size, self.ttl
            )
        except RedisError as error:
            raise ReplayUnavailable(f"replay storage unavailable: {error}") from error
        return int(event_id)

    async def since(self, group: str, last_id: int) -> list[EventMessage]:
        members = cast(
            list[bytes],
            await self.client().zrangebyscore(self.keys(group)[1], f"({last_id}", "+inf"),
        )
        events = []
        for member in members:
            event_id, _, payload = member.decode().partition(":")
            events.append(cast(EventMessage, {**json.loads(payload), "id": int(event_id)}))
        return events


# Keyed by (redis_url, size, ttl): a test that overrides the settings gets its own buffer.
_buffers: dict[tuple[str | None, int, int], ReplayBuffer] = {}
_buffers_lock = threading.Lock()


def replay_buffer() -> ReplayBuffer:
    """The process's buffer for the current settings."""
    conf = djkida_settings()
    key = (conf.replay_redis_url, conf.replay_size, conf.replay_ttl)
    with _buffers_lock:
        if key not in _buffers:
            _buffers[key] = (
                _RedisReplayBuffer(conf.replay_redis_url, conf.replay_size, conf.replay_ttl)
                if conf.replay_redis_url
                else _MemoryReplayBuffer(conf.replay_size)
            )
        return _buffers[key]
