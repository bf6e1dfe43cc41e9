"""The demo with its production Redis settings while Redis refuses connections or hangs
(SIGSTOP): an announcement is saved once and reported as not sent live; the cache degrades to
computing. Each call is bounded by the settings' 2 s timeouts (10 s below is a failure bound)."""

import asyncio
import runpy
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches
from django.test import AsyncClient, Client, override_settings
from redis.exceptions import TimeoutError as RedisTimeoutError

from demo_project.demo.models import Announcement
from demo_project.demo.views.live import NOT_SENT_LIVE
from djkida.cache import DeferredCache
from tests.servers import free_port
from tests.services import paused_redis

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]

BOUND = 10
SETTINGS = Path(__file__).resolve().parent.parent / "demo_project" / "settings.py"


def demo_redis_settings(monkeypatch: pytest.MonkeyPatch, url: str) -> dict[str, Any]:
    """The demo's settings module as it reads with ``REDIS_URL`` set."""
    monkeypatch.setenv("REDIS_URL", url)
    return runpy.run_path(str(SETTINGS))


@pytest.fixture
def demo_on_redis(monkeypatch: pytest.MonkeyPatch, own_redis_url: str) -> Iterator[str]:
    """This process with the demo's cache and channel layer on a private Redis."""
    demo = demo_redis_settings(monkeypatch, own_redis_url)
    with override_settings(CACHES=demo["CACHES"], CHANNEL_LAYERS=demo["CHANNEL_LAYERS"]):
        yield own_redis_url


def test_every_redis_client_of_the_demo_has_2_second_timeouts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    demo = demo_redis_settings(monkeypatch, "redis://127.0.0.1:6379/0")
    timeouts = {"socket_connect_timeout": 2, "socket_timeout": 2}
    assert timeouts.items() <= demo["CACHES"]["default"]["OPTIONS"].items()
    layer = demo["CHANNEL_LAYERS"]["default"]
    assert layer["BACKEND"] == "djkida.layers.RedisChannelLayer"
    assert timeouts.items() <= layer["CONFIG"]["hosts"][0].items()


async def post_announcement(key: str) -> Any:
    return await asyncio.wait_for(
        AsyncClient().post(
            "/live/announce/", {"text": "Oven is hot", "key": key}, headers={"HX-Request": "true"}
        ),
        BOUND,
    )


async def test_an_announcement_is_saved_once_and_reported_while_redis_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    demo = demo_redis_settings(monkeypatch, f"redis://127.0.0.1:{free_port()}/0")
    with override_settings(CHANNEL_LAYERS=demo["CHANNEL_LAYERS"]):
        first = await post_announcement("k1")
        retried = await post_announcement("k1")
    for response in (first, retried):
        assert (response.status_code, response.content.decode()) == (202, NOT_SENT_LIVE)
    announcement = await Announcement.objects.aget()
    assert (announcement.text, announcement.sent_live) == ("Oven is hot", False)


async def test_an_announcement_made_while_redis_hangs_goes_live_once_on_retry(
    demo_on_redis: str,
) -> None:
    with paused_redis(demo_on_redis):
        assert (await post_announcement("k2")).status_code == 202
    assert (await post_announcement("k2")).status_code == 204
    assert (await post_announcement("k2")).status_code == 204  # not sent a second time
    announcement = await Announcement.objects.aget()
    assert announcement.sent_live


async def test_the_cache_degrades_to_computing_while_redis_hangs(demo_on_redis: str) -> None:
    deferred: DeferredCache[str] = DeferredCache()
    await caches["default"].aset("warm", "connected")
    with paused_redis(demo_on_redis):
        value = await asyncio.wait_for(deferred.get_or_defer("scores", lambda: "computed"), BOUND)
        assert isinstance(value, Awaitable)
        assert await asyncio.wait_for(value, BOUND) == "computed"
        with pytest.raises(RedisTimeoutError):
            await asyncio.wait_for(caches["default"].aget("warm"), BOUND)


def test_the_admin_saves_and_warns_while_redis_refuses(
    monkeypatch: pytest.MonkeyPatch, admin_client: Client
) -> None:
    demo = demo_redis_settings(monkeypatch, f"redis://127.0.0.1:{free_port()}/0")
    with override_settings(CHANNEL_LAYERS=demo["CHANNEL_LAYERS"]):
        added = admin_client.post(
            "/admin/demo/announcement/add/",
            {"text": "Closed Monday", "source": "admin"},
            follow=True,
        )
        again = admin_client.post(
            "/admin/demo/announcement/",
            {"action": "broadcast_again", "_selected_action": [Announcement.objects.get().pk]},
            follow=True,
        )
    assert "Saved, but not sent live" in added.content.decode()
    assert "Not sent: the channel layer is down" in again.content.decode()
    assert not Announcement.objects.get().sent_live
