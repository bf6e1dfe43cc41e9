"""Which running pool serves which ModelSession in this server process.

A pool is started lazily by the first request for its session and belongs to the event loop
that started it (its pipes and tasks live there). Changing a session's model path, worker count
or the distributed setting replaces its pool on the next request. Sync code (the admin) reads
stats directly and runs ``restart``/``shutdown`` on the owning loop.

Nothing needs doing when the server exits (ASGI servers give Django no shutdown hook): worker
processes are daemonic children that ``multiprocessing`` terminates at exit, and they exit by
themselves when their pipe closes if the server is killed.
"""

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol, Self

from asgiref.sync import async_to_sync

from djtalu.conf import talu_settings
from djtalu.engine import GenerationParams, GenerationResult, PoolStats, WorkerPool
from djtalu.models import ModelSession

logger = logging.getLogger(__name__)


class SessionUnavailableError(LookupError):
    """The named session does not exist or is disabled."""


class GenerationStream(Protocol):
    """What every pool's ``stream()`` returns: the engine's ``AsyncGenerationStream`` or a
    stream fed through Redis."""

    @property
    def cancelled(self) -> bool: ...

    def __aiter__(self) -> AsyncIterator[str]: ...

    async def collect(self) -> GenerationResult: ...

    async def cancel(self) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


class GenerationBackend(Protocol):
    """The interface of ``WorkerPool`` that both local and distributed pools offer."""

    async def start(self) -> None: ...

    def stream(
        self,
        messages: list[dict[str, str]],
        params: GenerationParams,
        *,
        timeout: float | None = None,
    ) -> GenerationStream: ...

    def stats(self) -> PoolStats: ...

    async def restart(self) -> None: ...

    async def shutdown(self) -> None: ...


@dataclass(frozen=True)
class _PoolConfig:
    """What a running pool was built from; a different config means a new pool."""

    model_path: str
    workers: int
    queue_size: int
    stream_buffer: int
    health_timeout: float
    distributed: bool

    @classmethod
    def of(cls, session: ModelSession) -> "_PoolConfig":
        conf = talu_settings()
        return cls(
            session.model_path,
            session.workers,
            conf.queue_size,
            conf.stream_buffer,
            conf.health_timeout,
            conf.distributed,
        )


@dataclass
class _RunningPool:
    """A started pool, its config and the loop that owns it."""

    backend: GenerationBackend
    config: _PoolConfig
    loop: asyncio.AbstractEventLoop


_running: dict[tuple[asyncio.AbstractEventLoop, str], _RunningPool] = {}
_start_locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}


async def pool_for(session: ModelSession) -> GenerationBackend:
    """The started pool serving ``session`` on this event loop, starting it if needed.

    Example::

        pool = await pool_for(await ModelSession.objects.aget(name="default"))
        print(pool.stats().workers_alive)
    """
    if not session.enabled:
        raise SessionUnavailableError(f"model session {session.name!r} is disabled")
    loop = asyncio.get_running_loop()
    _forget_closed_loops()
    config = _PoolConfig.of(session)
    async with _start_locks.setdefault(loop, asyncio.Lock()):
        running = _running.get((loop, session.name))
        if running is not None and running.config == config:
            return running.backend
        if running is not None:
            del _running[(loop, session.name)]
            await running.backend.shutdown()
        backend = _build(session.name, config)
        await backend.start()
        _running[(loop, session.name)] = _RunningPool(backend, config, loop)
        logger.info("started %s pool for session %r", type(backend).__name__, session.name)
        return backend


def _build(name: str, config: _PoolConfig) -> GenerationBackend:
    """A new, unstarted pool for ``config``."""
    if config.distributed:
        from djtalu.distributed import RedisPool  # only distributed sites need redis.asyncio

        conf = talu_settings()
        return RedisPool(
            name,
            redis_url=conf.redis_url,
            prefix=conf.redis_prefix,
            queue_size=config.queue_size,
            refresh_seconds=conf.heartbeat_seconds,
            worker_wait=conf.worker_wait,
        )
    return WorkerPool(
        Path(config.model_path),
        workers=config.workers,
        queue_size=config.queue_size,
        buffer_size=config.stream_buffer,
        health_timeout=config.health_timeout,
        name=name,
    )


def _forget_closed_loops() -> None:
    """Drop pools whose loop is gone (tests run one loop per test)."""
    for key, running in list(_running.items()):
        if running.loop.is_closed():
            del _running[key]
    for loop in [loop for loop in _start_locks if loop.is_closed()]:
        del _start_locks[loop]


def _running_pool(name: str) -> _RunningPool | None:
    """The pool serving session ``name`` in this process, if one was started."""
    for (loop, pool_name), running in _running.items():
        if pool_name == name and not loop.is_closed():
            return running
    return None


def stats_for(name: str) -> PoolStats | None:
    """Live stats of session ``name`` for sync code, or None when nothing serves it here.

    In distributed mode the workers' own heartbeats in Redis answer even when this process has
    not sent a request yet.
    """
    running = _running_pool(name)
    if running is not None:
        return running.backend.stats()
    conf = talu_settings()
    if not conf.distributed:
        return None
    from djtalu.distributed import read_stats

    return async_to_sync(read_stats)(conf.redis_url, conf.redis_prefix, name)


async def restart(name: str) -> bool:
    """Restart the workers of session ``name``; False if none run for it in this process.

    In distributed mode the workers live elsewhere: they are always told to reload.
    """
    running = _running_pool(name)
    if running is not None:
        await _on_loop(running.loop, running.backend.restart)
        return True
    conf = talu_settings()
    if not conf.distributed:
        return False
    from djtalu.distributed import request_restart

    await request_restart(conf.redis_url, conf.redis_prefix, name)
    return True


async def shutdown(name: str) -> None:
    """Stop the pool of session ``name`` (if any); the next request starts a fresh one."""
    for key, running in list(_running.items()):
        if key[1] == name:
            del _running[key]
            await _on_loop(running.loop, running.backend.shutdown)


async def _shutdown_all() -> None:
    """Stop every pool of this process (end of a test, a management command)."""
    for name in {name for _, name in _running}:
        await shutdown(name)


async def _on_loop(
    loop: asyncio.AbstractEventLoop, operation: Callable[[], Coroutine[Any, Any, None]]
) -> None:
    """Run ``operation`` on ``loop``, which owns the pool, from whatever loop we are on."""
    if loop is asyncio.get_running_loop():
        await operation()
        return
    future = asyncio.run_coroutine_threadsafe(operation(), loop)
    await asyncio.wrap_future(future)
