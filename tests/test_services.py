"""Service fixtures skip on a laptop but fail under CI: no skip may hide a missing feature."""

import pytest

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
    monkeypatch.setattr(services, "REDIS_BASE_URL", "redis://127.0.0.1:1")
    with pytest.raises(pytest.fail.Exception, match="Redis is not reachable"):
        services.redis_url_or_skip()


def test_each_xdist_worker_gets_its_own_redis_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    first = services.redis_db_for_worker()
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw1")
    assert services.redis_db_for_worker() != first
    assert first != 0  # database 0 is left to the demo and to people
