"""SSE and WebSocket consumers: subscription, permission, replay; in-process and over daphne."""

import asyncio
import itertools
import time
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

import httpx
import pytest
import websockets
from asgiref.testing import ApplicationCommunicator
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser, User
from django.test import override_settings
from django.urls import path
from httpx_sse import ServerSentEvent, connect_sse

from djkida.broadcast import abroadcast, broadcast, layer_group
from djkida.consumers import FragmentSSEConsumer
from djkida.routing import http_urlpatterns, websocket_urlpatterns
from djkida.sse import SSEEvent
from tests.servers import LiveServer, free_port, live_server

# Channels consumers call close_old_connections() when they finish; under pytest-django that is
# database access, so in-process consumer tests need the mark (as Channels' testing docs advise).
pytestmark = pytest.mark.django_db(transaction=True)

ASGI = "tests.djkida.transport_asgi:application"
SETTINGS = "tests.djkida.transport_settings"


def with_user(user: Any, app: Any) -> Any:
    """Stand-in for AuthMiddlewareStack: puts ``user`` in the scope."""

    async def middleware(scope: Mapping[str, Any], receive: Any, send: Any) -> Any:
        return await app({**scope, "user": user}, receive, send)

    return middleware


def unique(prefix: str = "public") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}"


async def ws_connect(
    group: str, user: Any = None, query: str = ""
) -> tuple[WebsocketCommunicator, bool, Any]:
    app = with_user(user or AnonymousUser(), URLRouter(websocket_urlpatterns))
    communicator = WebsocketCommunicator(app, f"/djkida/ws/{group}/{query}")
    connected, code = await communicator.connect()
    return communicator, connected, code


async def test_websocket_receives_the_oob_html_of_its_group() -> None:
    group = unique()
    communicator, connected, _ = await ws_connect(group)
    assert connected
    await abroadcast(group, '<div id="a" hx-swap-oob="true">1</div>')
    await abroadcast(unique(), "another group")
    await abroadcast(group, {"n": 2})
    assert await communicator.receive_from() == '<div id="a" hx-swap-oob="true">1</div>'
    assert await communicator.receive_from() == '{"n":2}'
    assert await communicator.receive_nothing()
    await communicator.disconnect()


async def test_websocket_replays_events_after_last_event_id_then_live_ones() -> None:
    group = unique()
    for n in range(1, 4):
        await abroadcast(group, f"<p>missed {n}</p>")
    communicator, connected, _ = await ws_connect(group, query="?last_event_id=1")
    assert connected
    assert await communicator.receive_from() == "<p>missed 2</p>"
    assert await communicator.receive_from() == "<p>missed 3</p>"
    # A live copy of a replayed event (it raced the replay) is dropped, not sent twice.
    duplicate = {"type": "djkida.event", "group": group, "id": 3, "event": None}
    await get_channel_layer().group_send(
        layer_group(group), {**duplicate, "data": "dup", "html": "<p>missed 3</p>"}
    )
    await abroadcast(group, "<p>live 4</p>")
    assert await communicator.receive_from() == "<p>live 4</p>"
    assert await communicator.receive_nothing()
    await communicator.disconnect()


async def test_websocket_without_last_event_id_gets_live_events_only() -> None:
    group = unique()
    await abroadcast(group, "<p>before</p>")
    communicator, connected, _ = await ws_connect(group)
    assert connected
    await abroadcast(group, "<p>after</p>")
    assert await communicator.receive_from() == "<p>after</p>"
    assert await communicator.receive_nothing()
    await communicator.disconnect()


@pytest.mark.parametrize("query", ["?last_event_id=x", "?last_event_id="])
async def test_websocket_with_a_bad_last_event_id_is_refused(query: str) -> None:
    _, connected, code = await ws_connect(unique(), query=query)
    assert (connected, code) == (False, 4400)


async def test_a_huge_last_event_id_is_refused_with_one_short_log_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    value = "7" * 5000  # beyond int()'s digit limit: refused, not parsed
    with caplog.at_level("INFO", "djkida"):
        _, connected, code = await ws_connect(unique(), query=f"?last_event_id={value}")
    assert (connected, code) == (False, 4400)
    [record] = [r for r in caplog.records if r.name == "djkida.consumers"]
    assert record.exc_info is None
    assert value not in record.getMessage()
    assert len(record.getMessage()) < 200


async def test_anonymous_websocket_is_refused_from_private_groups() -> None:
    _, connected, code = await ws_connect(unique("private"))
    assert (connected, code) == (False, 4403)


async def test_groups_listed_in_the_setting_are_open() -> None:
    with override_settings(DJKIDA_PUBLIC_GROUPS=["lobby"]):
        communicator, connected, _ = await ws_connect("lobby")
    assert connected
    await communicator.disconnect()


async def test_authenticated_users_may_join_private_groups() -> None:
    communicator, connected, _ = await ws_connect(unique("private"), User(username="ann"))
    assert connected
    await communicator.disconnect()


async def sse_open(group: str, headers: list[tuple[bytes, bytes]]) -> ApplicationCommunicator:
    app = with_user(AnonymousUser(), URLRouter(http_urlpatterns))
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "path": f"/djkida/events/{group}/",
        "query_string": b"",
        "headers": headers,
    }
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    return communicator


async def test_sse_consumer_replays_missed_events_then_streams_live_ones() -> None:
    group = unique()
    for n in range(1, 4):
        await abroadcast(group, SSEEvent(f"missed {n}", event="feed"))
    communicator = await sse_open(group, [(b"last-event-id", b"1")])
    start = await communicator.receive_output(10)
    assert start["status"] == 200
    assert (b"Content-Type", b"text/event-stream") in start["headers"]
    assert (await communicator.receive_output(10))["body"] == b": connected\n\n"
    replayed = [(await communicator.receive_output(10))["body"] for _ in range(2)]
    assert replayed == [
        b"event: feed\nid: 2\ndata: missed 2\n\n",
        b"event: feed\nid: 3\ndata: missed 3\n\n",
    ]
    # A live copy of a replayed event (it raced the replay) is dropped, not sent twice.
    duplicate = {"type": "djkida.event", "group": group, "id": 3, "event": "feed"}
    await get_channel_layer().group_send(
        layer_group(group), {**duplicate, "data": "missed 3", "html": "missed 3"}
    )
    await abroadcast(group, "live\nevent")
    assert (await communicator.receive_output(10))["body"] == b"id: 4\ndata: live\ndata: event\n\n"
    await communicator.send_input({"type": "http.disconnect"})
    await communicator.wait(2)


async def test_sse_consumer_refuses_anonymous_clients_from_private_groups() -> None:
    communicator = await sse_open(unique("private"), [])
    start = await communicator.receive_output(10)
    body = await communicator.receive_output(10)
    assert (start["status"], body["body"]) == (403, b"Forbidden")
    assert not body.get("more_body", False)


# Through real daphne processes.


def take(events: Iterator[ServerSentEvent], count: int) -> list[tuple[str, str]]:
    return [(event.id, event.data) for event in itertools.islice(events, count)]


@pytest.mark.slow
async def test_real_websocket_client_receives_a_broadcast_from_a_view() -> None:
    group = unique()
    with live_server(settings=SETTINGS, app=ASGI) as server:
        async with websockets.connect(f"{server.ws_url}/djkida/ws/{group}/") as ws:
            async with httpx.AsyncClient(timeout=10) as client:
                sent = await client.get(
                    server.url + "/send/", params={"group": group, "html": "<p id='x'>hi</p>"}
                )
            assert sent.text == "1"
            assert await asyncio.wait_for(ws.recv(), 5) == "<p id='x'>hi</p>"
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with websockets.connect(f"{server.ws_url}/djkida/ws/{unique('private')}/"):
                pass
        assert refused.value.response.status_code == 403


@pytest.mark.slow
def test_sse_consumer_sends_heartbeats_over_daphne() -> None:
    with (
        live_server(settings=SETTINGS, app=ASGI) as server,
        httpx.Client(timeout=10) as client,
        client.stream("GET", f"{server.url}/quick/events/{unique()}/") as response,
    ):
        lines = []
        for line in response.iter_lines():
            lines.append(line)
            if len(lines) == 6:
                break
    assert response.headers["content-type"] == "text/event-stream"
    assert lines == [": connected", "", ": ping", "", ": ping", ""]


@pytest.fixture
def two_servers(redis_url: str) -> Iterator[tuple[LiveServer, LiveServer]]:
    env = {"TRANSPORT_REDIS_URL": redis_url}
    with (
        live_server(settings=SETTINGS, app=ASGI, env=env) as first,
        live_server(settings=SETTINGS, app=ASGI, env=env) as second,
    ):
        yield first, second


@pytest.mark.slow
@pytest.mark.redis
def test_broadcasts_cross_processes_and_reconnects_replay_from_redis(
    two_servers: tuple[LiveServer, LiveServer], redis_url: str
) -> None:
    first, second = two_servers
    group = unique()
    redis_layer = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [redis_url]},
        }
    }
    with httpx.Client(timeout=10) as client:
        # Event 1 is sent by the second server before anyone listens: only replay can deliver it.
        client.get(second.url + "/send/", params={"group": group, "html": "one"})
        with connect_sse(
            client, "GET", f"{first.url}/djkida/events/{group}/", headers={"Last-Event-ID": "0"}
        ) as source:
            events = source.iter_sse()
            assert take(events, 1) == [("1", "one")]
            # Subscribed now (replay comes after joining). Idle past redis-py's default 5 s
            # socket timeout first: the layer's blocking read must survive it.
            time.sleep(6)
            client.get(second.url + "/send/", params={"group": group, "html": "two"})
            with override_settings(CHANNEL_LAYERS=redis_layer, DJKIDA_REPLAY_REDIS_URL=redis_url):
                assert broadcast(group, "three\nlines") == 3
            assert take(events, 2) == [("2", "two"), ("3", "three\nlines")]
        with connect_sse(
            client, "GET", f"{second.url}/djkida/events/{group}/", headers={"Last-Event-ID": "1"}
        ) as source:
            assert take(source.iter_sse(), 2) == [("2", "two"), ("3", "three\nlines")]


async def test_sse_consumer_streams_live_events_when_replay_storage_is_down() -> None:
    group = unique()
    closed = f"redis://127.0.0.1:{free_port()}/0"
    with override_settings(DJKIDA_REPLAY_REDIS_URL=closed):
        communicator = await sse_open(group, [(b"last-event-id", b"0")])
        assert (await communicator.receive_output(5))["status"] == 200
        assert (await communicator.receive_output(5))["body"] == b": connected\n\n"
    live = {"type": "djkida.event", "group": group, "id": 9, "event": None}
    await get_channel_layer().group_send(layer_group(group), {**live, "data": "x", "html": "x"})
    assert (await communicator.receive_output(10))["body"] == b"id: 9\ndata: x\n\n"
    await communicator.send_input({"type": "http.disconnect"})
    await communicator.wait(2)


class QuickSSEConsumer(FragmentSSEConsumer):
    heartbeat = 0.05


class FailingSSEConsumer(QuickSSEConsumer):
    async def djkida_event(self, event: Any) -> None:
        raise ValueError("handler failed")


async def quick_sse_open(
    consumer: type[FragmentSSEConsumer], group: str
) -> ApplicationCommunicator:
    """``consumer`` on ``group``, past its response start, ``: connected`` and a first ping."""
    app = with_user(AnonymousUser(), URLRouter([path("events/<str:group>/", consumer.as_asgi())]))
    scope = {"type": "http", "method": "GET", "path": f"/events/{group}/", "headers": []}
    communicator = ApplicationCommunicator(app, scope)
    await communicator.send_input({"type": "http.request", "body": b""})
    await communicator.receive_output(10)  # response start
    assert (await communicator.receive_output(10))["body"] == b": connected\n\n"
    assert (await communicator.receive_output(10))["body"] == b": ping\n\n"
    return communicator


async def pings_after(communicator: ApplicationCommunicator) -> list[Any]:
    """What the consumer still sends a while after it ended: nothing, or a last ping."""
    await asyncio.sleep(0.2)
    output = []
    while not communicator.output_queue.empty():
        output.append(communicator.output_queue.get_nowait())
    return output


async def test_a_crashed_sse_consumer_stops_pinging_so_the_client_reconnects() -> None:
    group = unique()
    communicator = await quick_sse_open(FailingSSEConsumer, group)
    await abroadcast(group, "<p>makes the handler fail</p>")
    with pytest.raises(ValueError, match="handler failed"):
        await communicator.wait(2)
    assert await pings_after(communicator) in (
        [],
        [{"type": "http.response.body", "body": b": ping\n\n", "more_body": True}],
    )


async def test_sse_and_websocket_end_when_the_channel_layer_fails(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    layer = get_channel_layer()
    receive = layer.receive

    async def receive_then_fail(channel: str) -> Any:
        await receive(channel)
        raise ConnectionError("Redis went away")

    # From the fan-out's first receive on: this loop's fan-out starts with these consumers.
    monkeypatch.setattr(layer, "receive", receive_then_fail)
    group = unique()
    communicator = await quick_sse_open(QuickSSEConsumer, group)
    ws, connected, _ = await ws_connect(group)
    assert connected
    with caplog.at_level("ERROR", "djkida"):
        await abroadcast(group, "<p>never delivered</p>")
        ended = await communicator.receive_output(10)
        while ended["body"] == b": ping\n\n":
            ended = await communicator.receive_output(10)
        # The end of the stream, not an exception: the client reconnects with Last-Event-ID.
        assert (ended["body"], ended.get("more_body", False)) == (b"", False)
        await communicator.wait(2)
        assert await ws.receive_output(10) == {"type": "websocket.close", "code": 1013}
    assert await pings_after(communicator) == []
    assert [r.getMessage() for r in caplog.records if r.levelname == "ERROR"] == [
        "fan-out from the channel layer failed; closing 2 subscriptions"
    ]


async def test_sse_and_websocket_get_unrecorded_broadcasts_without_an_id() -> None:
    group = unique()
    communicator = await sse_open(group, [])
    await communicator.receive_output(10)  # response start
    assert (await communicator.receive_output(10))["body"] == b": connected\n\n"
    ws, connected, _ = await ws_connect(group)
    assert connected
    closed = f"redis://127.0.0.1:{free_port()}/0"
    with override_settings(DJKIDA_REPLAY_REDIS_URL=closed):
        assert await abroadcast(group, "<p>live</p>") is None
    # No ``id:`` field: the browser keeps its Last-Event-ID at the last recorded event.
    assert (await communicator.receive_output(10))["body"] == b"data: <p>live</p>\n\n"
    assert await ws.receive_from() == "<p>live</p>"
    await ws.disconnect()
    await communicator.send_input({"type": "http.disconnect"})
    await communicator.wait(2)
