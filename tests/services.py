"""Access to real services (Redis, Chromium) that skip on a laptop and fail under CI.

With ``CI`` set, a missing service is a failure: a skipped test must never hide a missing feature.
"""

import os
import shutil
from pathlib import Path

import pytest
import redis

IN_CI = bool(os.environ.get("CI"))
REDIS_BASE_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def unavailable(reason: str) -> None:
    """Skip the test, or fail it under CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)")
    pytest.skip(reason)


def redis_db_for_worker() -> int:
    """One Redis database per pytest-xdist worker, so parallel workers never see each other."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return 1 + int(worker.removeprefix("gw") or 0) % 15


def redis_url_or_skip() -> str:
    """A URL of a reachable, freshly flushed Redis database."""
    url = f"{REDIS_BASE_URL}/{redis_db_for_worker()}"
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
        client.flushdb()
    except redis.RedisError as exc:
        unavailable(f"Redis is not reachable at {url}: {exc}")
    finally:
        client.close()
    return url


def chromium_or_skip() -> Path:
    """The path of Debian's chromium binary."""
    for candidate in CHROMIUM_CANDIDATES:
        if Path(candidate).exists():
            return Path(candidate)
    found = shutil.which("chromium")
    if found:
        return Path(found)
    unavailable("Debian's chromium is not installed (apt-get install chromium)")
    raise AssertionError("unreachable")
