"""A separate OS process calling DeferredCache.get_or_defer, for the single-flight tests.

Usage: ``python -m tests.djkida.transport_cache_worker KEY START_AT MODE LOCK_TTL`` with
``TRANSPORT_REDIS_URL`` set. At wall-clock ``START_AT`` it asks for ``KEY``; the factory counts
its calls with Redis ``INCR KEY:calls``, and either returns after 0.5 s (``MODE=compute``) or
hangs forever (``MODE=hang``, to be killed while holding the lock). Prints the value it got.
"""

import asyncio
import os
import sys
import time

import django
import redis


async def main(key: str, start_at: float, mode: str, lock_ttl: float) -> None:
    from djkida.cache import DeferredCache

    counter = redis.Redis.from_url(os.environ["TRANSPORT_REDIS_URL"])

    async def factory() -> str:
        calls = counter.incr(f"{key}:calls")
        if mode == "hang":
            print("holding", flush=True)
            await asyncio.sleep(3600)
        await asyncio.sleep(0.5)
        return f"value from pid {os.getpid()} (call {calls})"

    cache: DeferredCache[str] = DeferredCache(lock_ttl=lock_ttl)
    await asyncio.sleep(max(0.0, start_at - time.time()))
    result = await cache.get_or_defer(key, factory)
    value = result if isinstance(result, str) else await result
    print(value, flush=True)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.djkida.transport_settings")
    django.setup()
    asyncio.run(main(sys.argv[1], float(sys.argv[2]), sys.argv[3], float(sys.argv[4])))
