"""A separate OS process calling DeferredCache.get_or_defer, for the single-flight tests.

Usage: ``python -m tests.djkida.transport_cache_worker KEY PARTIES MODE LOCK_TTL`` with
``TRANSPORT_REDIS_URL`` set. Once ``PARTIES`` workers are ready (a Redis counter as barrier, so
slow start-ups still overlap) it asks for ``KEY``; the factory counts its calls with Redis
``INCR KEY:calls``, and either returns once every worker has had its answer from
``get_or_defer`` (``MODE=compute``: so each one found the key cold, however slowly it started)
or hangs forever (``MODE=hang``, to be killed while holding the lock). Prints ``cold``/``warm``
and the value.
"""

import asyncio
import os
import sys
import time

import django
import redis


def barrier(key: str, parties: int) -> None:
    """Return once ``parties`` workers reached this point."""
    counter = redis.Redis.from_url(os.environ["TRANSPORT_REDIS_URL"])
    counter.incr(f"{key}:ready")
    while int(counter.get(f"{key}:ready") or 0) < parties:
        time.sleep(0.005)


async def main(key: str, parties: int, mode: str, lock_ttl: float) -> None:
    from djkida.cache import DeferredCache

    counter = redis.Redis.from_url(os.environ["TRANSPORT_REDIS_URL"])

    async def factory() -> str:
        calls = counter.incr(f"{key}:calls")
        if mode == "hang":
            print("holding", flush=True)
            await asyncio.sleep(3600)
        while int(counter.get(f"{key}:asked") or 0) < parties:  # noqa: ASYNC110 - other processes
            await asyncio.sleep(0.005)
        return f"value from pid {os.getpid()} (call {calls})"

    cache: DeferredCache[str] = DeferredCache(lock_ttl=lock_ttl)
    result = await cache.get_or_defer(key, factory)
    counter.incr(f"{key}:asked")
    if isinstance(result, str):
        print("warm", result, flush=True)
    else:
        print("cold", await result, flush=True)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.djkida.transport_settings")
    django.setup()
    barrier(sys.argv[1], int(sys.argv[2]))
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4])))
