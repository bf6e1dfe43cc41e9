"""DeferredCache: warm/cold, single flight in one process and across OS processes, failures,
a dead lock holder, an unreachable cache."""

import asyncio
import inspect
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.core.cache import caches
from django.test import override_settings

from djkida.cache import DeferredCache, DeferredComputationError
from tests.servers import ROOT, free_port


@pytest.fixture
def cache() -> Iterator[DeferredCache[object]]:
    caches["default"].clear()
    yield DeferredCache()
    caches["default"].clear()


async def resolve(result: object) -> object:
    return await result if inspect.isawaitable(result) else result


async def test_cold_key_is_an_awaitable_and_warm_key_a_plain_value(
    cache: DeferredCache[object],
) -> None:
    calls = []

    async def factory() -> dict[str, int]:
        calls.append(1)
        return {"answer": 42}

    cold = await cache.get_or_defer("k", factory)
    assert inspect.isawaitable(cold)
    assert await cold == {"answer": 42}
    warm = await cache.get_or_defer("k", factory)
    assert warm == {"answer": 42}
    assert not inspect.isawaitable(warm)
    assert len(calls) == 1
    assert await cache.get("k") == {"answer": 42}


async def test_concurrent_callers_in_one_process_share_one_computation(
    cache: DeferredCache[object],
) -> None:
    calls = []

    async def factory() -> str:
        calls.append(1)
        await asyncio.sleep(0.1)
        return "v"

    results = [await cache.get_or_defer("k", factory) for _ in range(5)]
    assert await asyncio.gather(*[resolve(r) for r in results]) == ["v"] * 5
    assert len(calls) == 1


async def test_a_caller_whose_miss_the_holder_answered_meanwhile_does_not_compute_again(
    cache: DeferredCache[object],
) -> None:
    """Another process missed the key, then the holder stored the value and released the lock
    before that process asked for the lock: it takes the value instead of computing again."""
    calls = []

    async def factory() -> str:
        calls.append(1)
        return "v"

    assert await resolve(await cache.get_or_defer("k", factory)) == "v"
    other_process = DeferredCache[object]()  # its lookup missed; it goes for the lock now
    assert await other_process.compute_once("k", factory, None) == "v"
    assert len(calls) == 1


async def test_only_successes_are_cached(cache: DeferredCache[object]) -> None:
    attempts = []

    asked = asyncio.Event()

    async def flaky() -> str:
        attempts.append(1)
        await asyncio.wait_for(asked.wait(), 30)  # the first computation outlives 3 callers
        if len(attempts) == 1:
            raise ConnectionError("upstream down")
        return "recovered"

    first = [await cache.get_or_defer("k", flaky) for _ in range(3)]
    asked.set()
    outcomes = await asyncio.gather(*[resolve(r) for r in first], return_exceptions=True)
    assert [type(outcome) for outcome in outcomes] == [ConnectionError] * 3
    assert await cache.get("k", "missing") == "missing"
    assert await resolve(await cache.get_or_defer("k", flaky)) == "recovered"
    assert len(attempts) == 2


async def test_sync_factories_none_values_ttl_and_delete(cache: DeferredCache[object]) -> None:
    calls = []

    def factory() -> None:
        calls.append(1)

    assert await resolve(await cache.get_or_defer("none", factory)) is None
    assert await cache.get_or_defer("none", factory) is None
    assert len(calls) == 1
    await cache.delete("none")
    assert inspect.isawaitable(await cache.get_or_defer("none", factory, ttl=0.05))
    await asyncio.sleep(0.01)
    await asyncio.sleep(0.1)  # past the 0.05 s ttl: a sleep lasts at least that long, load or not
    assert inspect.isawaitable(await cache.get_or_defer("none", factory))
    await cache.clear()
    assert await cache.get("none", "gone") == "gone"


async def test_bad_arguments_are_refused(cache: DeferredCache[object]) -> None:
    with pytest.raises(TypeError, match="callable"):
        await cache.get_or_defer("k", "not callable")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="lock_ttl"):
        DeferredCache(lock_ttl=0)


async def test_an_unreachable_cache_degrades_to_computing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    closed = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
        }
    }
    with override_settings(CACHES=closed), caplog.at_level(logging.WARNING, "djkida.cache"):
        result = await DeferredCache().get_or_defer("k", lambda: "computed anyway")
        assert await resolve(result) == "computed anyway"
        assert await DeferredCache().get("k", "default") == "default"
    assert "computing 'k' without the cache" in caplog.text


def start_worker(
    redis_url: str, key: str, parties: int, mode: str, lock_ttl: float
) -> subprocess.Popen[str]:
    command = ["tests.djkida.transport_cache_worker", key, str(parties), mode, str(lock_ttl)]
    return subprocess.Popen(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.djkida.transport_settings",
            "TRANSPORT_REDIS_URL": redis_url,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.slow
@pytest.mark.redis
def test_two_processes_on_one_cold_key_compute_it_once(redis_url: str) -> None:
    workers = [start_worker(redis_url, "report", 2, "compute", 5.0) for _ in range(2)]
    outputs = [worker.communicate(timeout=60)[0].strip() for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0], outputs
    # Both found the key cold, so one of them waited for the other's computation.
    assert [output.split(" ", 1)[0] for output in outputs] == ["cold", "cold"]
    assert outputs[0] == outputs[1]
    assert outputs[0].endswith("(call 1)")
    assert int(redis.Redis.from_url(redis_url).get("report:calls") or 0) == 1


@pytest.mark.slow
@pytest.mark.redis
async def test_a_dead_lock_holder_is_replaced_after_the_lock_expires(redis_url: str) -> None:
    holder = start_worker(redis_url, "report", 1, "hang", 1.0)
    assert holder.stdout is not None
    assert holder.stdout.readline().strip() == "holding"
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
        }
    }
    client = redis.Redis.from_url(redis_url)
    [lock] = client.keys("*lock:report")
    with override_settings(CACHES=redis_cache):
        started = time.monotonic()
        expires_in = max(client.pttl(lock), 0) / 1000  # the dead holder's lock, still there
        result = await DeferredCache[str](lock_ttl=1.0).get_or_defer("report", lambda: "mine")
        # Not forever: 30 s bounds a failure only.
        assert await asyncio.wait_for(resolve(result), 30) == "mine"
        waited = time.monotonic() - started
    # It waited for the lock to expire (Redis's millisecond clock: 10 ms of slack).
    assert waited >= expires_in - 0.01
    assert int(redis.Redis.from_url(redis_url).get("report:calls") or 0) == 1


@pytest.mark.redis
async def test_waiters_in_another_process_see_the_failure(redis_url: str) -> None:
    redis_cache = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
        }
    }
    computing, lock_seen = asyncio.Event(), asyncio.Event()

    class Waiter(DeferredCache[str]):
        """Notes when it found the lock held, so the holder fails only after that."""

        async def cache_call(self, method: str, *args: Any, **kwargs: Any) -> Any:
            result = await super().cache_call(method, *args, **kwargs)
            if method == "aget" and args[0] == self.lock_key("k") and result is not None:
                lock_seen.set()
            return result

    with override_settings(CACHES=redis_cache):
        holder, waiter = DeferredCache[str](), Waiter()  # separate in-flight maps

        async def failing() -> str:
            computing.set()
            await lock_seen.wait()
            raise KeyError("no such report")

        first = await holder.get_or_defer("k", failing)
        await computing.wait()  # the holder has the lock
        second = await waiter.get_or_defer("k", failing)
        outcomes = await asyncio.gather(resolve(first), resolve(second), return_exceptions=True)
    assert isinstance(outcomes[0], KeyError)
    assert isinstance(outcomes[1], DeferredComputationError)
    assert "no such report" in str(outcomes[1])
