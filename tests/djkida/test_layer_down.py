"""The channel layer's Redis refusing connections or hung (SIGSTOP): broadcasts say they were not
sent, new subscriptions get "try again later", open streams end so clients reconnect; all within
the hosts' 2 s socket timeouts (10 s below is a failure bound, not a measurement)."""

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.testing import ApplicationCommunicator
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings

from djkida.broadcast import ChannelLayerUnavailable, abroadcast
from djkida.consumers import FragmentWebSocketConsumer
from djkida.routing import http_urlpatterns, websocket_urlpatterns
from tests.servers import free_port
from tests.services import paused_redis

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]

#: A failure bound: what used to take 30 s (or forever) must end well before this.
BOUND = 10


def layer_settings(url: str) -> dict[str, Any]:
    """The channel layer as the README's production settings configure it."""
    host = {"address": url, "socket_connect_timeout": 2, "socket_timeout": 2}
    return {"default": {"BACKEND": "djkida.layers.RedisChannelLayer", "CONFIG": {"hosts": [host]}}}


@pytest.fixture
def refused() -> Iterator[None]:
    """A layer whose Redis port is closed."""
    with override_settings(CHANNEL_LAYERS=layer_settings(f"redis://127.0.0.1:{free_port()}/0")):
        yield


@pytest.fixture
def layer_url(own_redis_url: str) -> Iterator[str]:
    """A layer on a private redis-server, which the test may pause."""
    with override_settings(CHANNEL_LAYERS=layer_settings(own_redis_url)):
        yield own_redis_url


def sse_scope(group: str) -> dict[str, Any]:
    path = f"/djkida/events/{group}/"
    return {"type": "http", "method": "GET", "path": path, "headers": [], "query_string": b""}


async def sse_open(group: str) -> ApplicationCommunicator:
    app = URLRouter(http_urlpatterns)
    communicator = ApplicationCommunicator(app, {**sse_scope(group), "user": AnonymousUser()})
    await communicator.send_input({"type": "http.request", "body": b""})
    return communicator


async def assert_unavailable(communicator: ApplicationCommunicator) -> None:
    start = await communicator.receive_output(BOUND)
    body = await communicator.receive_output(BOUND)
    assert start["status"] == 503
    assert (b"Retry-After", b"5") in start["headers"]
    assert b"unavailable" in body["body"]


@pytest.mark.usefixtures("refused")
async def test_a_broadcast_says_it_was_not_sent() -> None:
    with pytest.raises(ChannelLayerUnavailable, match="not sent"):
        await abroadcast("public.news", "<li>hi</li>")


@pytest.mark.usefixtures("refused")
async def test_an_sse_subscription_gets_503_with_retry_after() -> None:
    await assert_unavailable(await sse_open("public.news"))


@pytest.mark.usefixtures("refused")
async def test_a_websocket_is_closed_with_try_again_later() -> None:
    app = URLRouter(websocket_urlpatterns)
    communicator = WebsocketCommunicator(app, "/djkida/ws/public.news/")
    communicator.scope["user"] = AnonymousUser()
    connected, _ = await communicator.connect(BOUND)
    assert connected
    closing = await communicator.receive_output(BOUND)
    assert (closing["type"], closing["code"]) == ("websocket.close", 1013)


@pytest.mark.usefixtures("refused")
async def test_a_websocket_gets_503_where_the_server_can_deny_a_handshake() -> None:
    scope = {
        "type": "websocket",
        "path": "/ws/",
        "headers": [],
        "query_string": b"",
        "subprotocols": [],
        "extensions": {"websocket.http.response": {}},
        "user": AnonymousUser(),
        "url_route": {"args": (), "kwargs": {"group": "public.news"}},
    }
    communicator = ApplicationCommunicator(FragmentWebSocketConsumer.as_asgi(), scope)
    await communicator.send_input({"type": "websocket.connect"})
    start = await communicator.receive_output(BOUND)
    body = await communicator.receive_output(BOUND)
    assert (start["type"], start["status"]) == ("websocket.http.response.start", 503)
    assert (b"Retry-After", b"5") in start["headers"]
    assert b"unavailable" in body["body"]
    await communicator.send_input({"type": "websocket.disconnect", "code": 1006})
    await communicator.wait(BOUND)


async def test_a_hung_layer_fails_a_broadcast_and_a_new_subscription_fast(
    layer_url: str,
) -> None:
    await abroadcast("public.news", "<li>warm-up: connected</li>")
    with paused_redis(layer_url):
        with pytest.raises(ChannelLayerUnavailable):
            await asyncio.wait_for(abroadcast("public.news", "<li>hi</li>"), BOUND)
        await assert_unavailable(await sse_open("public.news"))


async def test_a_hung_layer_ends_open_streams_so_clients_reconnect(layer_url: str) -> None:
    communicator = await sse_open("public.news")
    assert (await communicator.receive_output(BOUND))["status"] == 200
    assert (await communicator.receive_output(BOUND))["body"] == b": connected\n\n"
    with paused_redis(layer_url):
        ending = await communicator.receive_output(BOUND)
        while ending.get("more_body"):  # pings may come before the end
            ending = await communicator.receive_output(BOUND)
    assert ending["type"] == "http.response.body"
    assert not ending.get("more_body")


async def test_a_layer_back_from_a_hang_takes_subscriptions_again(layer_url: str) -> None:
    with paused_redis(layer_url):
        await assert_unavailable(await sse_open("public.news"))
    communicator = await sse_open("public.news")
    assert (await communicator.receive_output(BOUND))["status"] == 200
    assert (await communicator.receive_output(BOUND))["body"] == b": connected\n\n"
    await abroadcast("public.news", "<li>back</li>")
    assert b"<li>back</li>" in (await communicator.receive_output(BOUND))["body"]
    await communicator.send_input({"type": "http.disconnect"})
    await communicator.wait(BOUND)
