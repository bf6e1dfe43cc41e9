"""Fixtures shared by the whole suite."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from hypothesis import settings

from tests.services import chromium_or_skip, redis_server, redis_url_or_skip, unavailable

# Property tests: no per-example deadline (a loaded machine is slow, not wrong), and in CI the
# same examples every run, so a red build is a bug anyone can reproduce, not a draw.
settings.register_profile("suite", deadline=None, derandomize=bool(os.environ.get("CI")))
settings.load_profile("suite")


@pytest.fixture
def redis_url() -> str:
    """URL of a real, empty Redis database for this test (skips on a laptop, fails in CI)."""
    return redis_url_or_skip()


@pytest.fixture
def own_redis_url() -> Iterator[str]:
    """URL of a redis-server of this test's own, which it may pause (``paused_redis``)."""
    try:
        server = redis_server()
        url = server.__enter__()
    except (OSError, redis.RedisError) as exc:
        unavailable(f"no private redis-server could be started: {exc}")
    try:
        yield url
    finally:
        server.__exit__(None, None, None)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's chromium, for Playwright's ``executable_path`` (skips on a laptop, fails in CI)."""
    return chromium_or_skip()
