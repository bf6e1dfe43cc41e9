"""Fixtures shared by the whole suite."""

from pathlib import Path

import pytest

from tests.services import chromium_or_skip, redis_url_or_skip


@pytest.fixture
def redis_url() -> str:
    """URL of a real, empty Redis database for this test (skips on a laptop, fails in CI)."""
    return redis_url_or_skip()


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's chromium, for Playwright's ``executable_path`` (skips on a laptop, fails in CI)."""
    return chromium_or_skip()
