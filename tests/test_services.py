"""Service fixtures skip on a laptop but fail under CI: no skip may hide a missing feature."""

import shutil

import pytest
import redis

from tests import services


def test_missing_service_skips_without_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception):
        services.unavailable("no redis")


def test_missing_service_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "IN_CI", True)
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        services.unavailable("no redis")


def test_unreachable_redis_is_reported_as_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(services, "IN_CI", True)
    monkeypatch.setattr(services, "redis_base_url", lambda: "redis://127.0.0.1:1")
    with pytest.raises(pytest.fail.Exception, match="Redis is not reachable"):
        services.redis_url_or_skip()


def test_each_xdist_worker_gets_its_own_redis_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    first = services.redis_db_for_worker()
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    assert services.redis_db_for_worker() != first
    assert first != 0  # database 0 is left to the demo and to people


def test_redis_tests_get_a_server_of_their_own(monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("redis-server") is None:
        services.unavailable("redis-server is not installed")
    monkeypatch.delenv("TEST_REDIS_URL", raising=False)
    services.redis_base_url.cache_clear()
    try:
        url = services.redis_base_url()
        assert url != services.SHARED_REDIS_URL
        client = redis.Redis.from_url(url + "/0")
        assert client.ping()
        client.close()
    finally:
        services.redis_base_url.cache_clear()
