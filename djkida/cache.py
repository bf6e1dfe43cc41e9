"""Slow values computed once and shared by every worker, for ``suspense`` and streamed pages.

:class:`DeferredCache` sits on a Django cache alias (``RedisCache`` in production, locmem by
default). Single flight, across processes and machines: the caller that wins ``cache.add`` on
the key's lock computes, renewing the lock's expiry while it works; the others poll (with
backoff) for the value. A holder that dies stops renewing, its lock expires and a waiter takes
over. Only successes are stored: a failure reaches the callers waiting on it (in this process:
the exception itself; elsewhere: :class:`DeferredComputationError` with its message) and the
next caller computes again. If the cache is unreachable the factory is simply called.
"""

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, cast

from django.core.cache import BaseCache, caches

logger = logging.getLogger(__name__)


type Factory[T] = Callable[[], Awaitable[T] | T]

_LOCK_TTL = 10.0
_POLL_START = 0.01
_POLL_MAX = 0.25
# A failure marker only has to outlive the waiters' next poll.
_FAILURE_TTL = 30


class DeferredComputationError(RuntimeError):
    """The computation of a key failed in another process; the message is its error."""


class _CacheUnavailable(Exception):
    """The cache backend failed; the caller degrades to computing without it."""


class DeferredCache[T]:
    """Cache of slow values whose misses come back as awaitables (for ``suspense``).

    Example::

        scores = DeferredCache(alias="default", default_ttl=60)

        async def dashboard(request):
            ctx = {"scores": await scores.get_or_defer("scores:today", load_scores)}
            return await suspense(request, "dashboard.html", ctx)
    """

    def __init__(
        self,
        alias: str = "default",
        default_ttl: float | None = 300,
        prefix: str = "djkida:deferred",
        *,
        lock_ttl: float = _LOCK_TTL,
    ) -> None:
        if lock_ttl <= 0:
            raise ValueError(f"lock_ttl must be positive seconds, not {lock_ttl!r}")
        self.alias = alias
        self.default_ttl = default_ttl
        self.prefix = prefix
        self.lock_ttl = lock_ttl
        # Callers in this process share one computation per key and see its real exception.
        self.inflight: dict[str, asyncio.Future[T]] = {}

    @property
    def cache(self) -> BaseCache:
        return caches[self.alias]

    def value_key(self, key: str) -> str:
        return f"{self.prefix}:value:{key}"

    def lock_key(self, key: str) -> str:
        return f"{self.prefix}:lock:{key}"

    def failure_key(self, key: str) -> str:
        return f"{self.prefix}:failed:{key}"

    async def cache_call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """``cache.a<method>(...)``, with any backend error turned into _CacheUnavailable."""
        try:
            return await getattr(self.cache, method)(*args, **kwargs)
        except Exception as exc:
            raise _CacheUnavailable(f"cache {self.alias!r} failed on {method}: {exc}") from exc

    async def lookup(self, key: str) -> tuple[bool, T | None]:
        """(found, value): values are stored boxed in a 1-tuple so None is cacheable."""
        boxed = await self.cache_call("aget", self.value_key(key))
        if boxed is None:
            return False, None
        return True, cast(T, boxed[0])

    async def get(self, key: str, default: T | None = None) -> T | None:
        """The cached value, or ``default`` (also when the cache is unreachable)."""
        try:
            found, value = await self.lookup(key)
        except _CacheUnavailable as exc:
            logger.warning("%s", exc)
            return default
        return value if found else default

    async def delete(self, key: str) -> None:
        """Forget ``key`` (the next caller computes it again)."""
        await self.cache_call("adelete", self.value_key(key))

    async def clear(self) -> None:
        """Empty the whole cache alias (Django caches cannot delete by prefix portably)."""
        await self.cache_call("aclear")

    async def get_or_defer(
        self, key: str, factory: Factory[T], ttl: float | None = None
    ) -> T | Awaitable[T]:
        """The value if cached (not awaitable), else an awaitable computing it once for all.

        Example::

            value = await cache.get_or_defer("report", build_report, ttl=60)
            html = value if not inspect.isawaitable(value) else await value
        """
        if not callable(factory):
            raise TypeError(f"factory must be callable, not {type(factory).__name__}")
        try:
            found, value = await self.lookup(key)
        except _CacheUnavailable as exc:
            logger.warning("%s; computing %r without the cache", exc, key)
            return asyncio.ensure_future(_call(factory))
        if found:
            return cast(T, value)
        return self.shared_computation(key, factory, self.default_ttl if ttl is None else ttl)

    def shared_computation(self, key: str, factory: Factory[T], ttl: float | None) -> Awaitable[T]:
        """One future per key in this process, so local callers never poll the cache."""
        future = self.inflight.get(key)
        if future is None or future.done() or future.get_loop() is not asyncio.get_running_loop():
            future = asyncio.ensure_future(self.compute_once(key, factory, ttl))
            self.inflight[key] = future
            future.add_done_callback(lambda done: self.forget_inflight(key, done))
        return future

    def forget_inflight(self, key: str, future: "asyncio.Future[T]") -> None:
        if self.inflight.get(key) is future:
            del self.inflight[key]
        if not future.cancelled():
            future.exception()  # retrieved here so an unawaited failure is not logged twice

    async def compute_once(self, key: str, factory: Factory[T], ttl: float | None) -> T:
        """Take the lock and compute, or wait for whoever holds it; retry if the holder dies."""
        delay = _POLL_START
        try:
            while True:
                token = uuid.uuid4().hex
                if await self.cache_call("aadd", self.lock_key(key), token, self.lock_ttl):
                    # The last holder may have stored the value and let go since our miss.
                    found, value = await self.lookup(key)
                    if found:
                        await self.release_lock(key, token)
                        return cast(T, value)
                    return await self.compute_holding_lock(key, factory, ttl, token)
                holder = await self.cache_call("aget", self.lock_key(key))
                while holder is not None:
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, _POLL_MAX)
                    found, value = await self.lookup(key)
                    if found:
                        return cast(T, value)
                    failure = await self.cache_call("aget", self.failure_key(key))
                    if failure is not None and failure[0] == holder:
                        raise DeferredComputationError(failure[1])
                    holder = await self.cache_call("aget", self.lock_key(key))
                found, value = await self.lookup(key)
                if found:
                    return cast(T, value)
        except _CacheUnavailable as exc:
            logger.warning("%s; computing %r without the cache", exc, key)
            return await _call(factory)

    async def compute_holding_lock(
        self, key: str, factory: Factory[T], ttl: float | None, token: str
    ) -> T:
        renewal = asyncio.create_task(self.renew_lock(key, token))
        try:
            try:
                value = await _call(factory)
            except Exception as exc:
                await self.store(self.failure_key(key), (token, repr(exc)), _FAILURE_TTL)
                raise
            await self.store(self.value_key(key), (value,), ttl)
            return value
        finally:
            renewal.cancel()
            await asyncio.gather(renewal, return_exceptions=True)
            await self.release_lock(key, token)

    async def store(self, cache_key: str, value: Any, ttl: float | None) -> None:
        """Best effort: a value computed while the cache went away is still returned."""
        try:
            await self.cache_call("aset", cache_key, value, ttl)
        except _CacheUnavailable as exc:
            logger.warning("%s; %r not stored", exc, cache_key)

    async def renew_lock(self, key: str, token: str) -> None:
        """Push the lock's expiry forward while we compute, as long as it is still ours."""
        while True:
            await asyncio.sleep(self.lock_ttl / 3)
            try:
                if await self.cache_call("aget", self.lock_key(key)) == token:
                    await self.cache_call("atouch", self.lock_key(key), self.lock_ttl)
            except _CacheUnavailable as exc:
                logger.warning("%s; lock of %r not renewed", exc, key)

    async def release_lock(self, key: str, token: str) -> None:
        try:
            if await self.cache_call("aget", self.lock_key(key)) == token:
                await self.cache_call("adelete", self.lock_key(key))
        except _CacheUnavailable as exc:
            logger.warning("%s; lock of %r left to expire", exc, key)


async def _call[T](factory: Factory[T]) -> T:
    """Call a sync or async factory and return its value."""
    result = factory()
    if isinstance(result, Awaitable):
        return cast(T, await result)
    return result
