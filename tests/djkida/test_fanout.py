"""The per-process fan-out: one layer message per broadcast, membership, slow clients, failures."""

import asyncio
import types
from collections.abc import Iterator
from typing import Any

import channels.layers
import channels_redis.core
import pytest
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.routing import URLRouter
from channels_redis.core import RedisChannelLayer
from django.contrib.auth.models import AnonymousUser
from django.test import override_settings

from djkida.broadcast import abroadcast, layer_group
from djkida.fanout import SubscriptionEnded, subscribe
from djkida.replay import EventMessage
from djkida.routing import http_urlpatterns
from tests.djkida.test_consumers import sse_open, unique, with_user


class CountingLayer(InMemoryChannelLayer):
    """The in-memory layer, counting the messages it queues (one per channel of a group_send)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.queued = 0
        self.added = 0

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        self.queued += 1
        await super().send(channel, message)

    async def group_add(self, group: str, channel: str) -> None:
        self.added += 1
        await super().group_add(group, channel)


class FlakyLayer(InMemoryChannelLayer):
    """The in-memory layer; once ``broken``, receiving fails as with Redis gone."""

    broken = False

    async def receive(self, channel: str) -> dict[str, Any]:
        message: dict[str, Any] = await super().receive(channel)
        if self.broken:
            raise ConnectionError("Redis went away")
        return message


COUNTING = {"default": {"BACKEND": "tests.djkida.test_fanout.CountingLayer"}}


def event(group: str, n: int) -> EventMessage:
    return {
        "type": "djkida.event",
        "group": group,
        "id": n,
        "event": None,
        "data": str(n),
        "html": "",
    }


@pytest.fixture
def counting_layer() -> Iterator[CountingLayer]:
    with override_settings(CHANNEL_LAYERS=COUNTING):
        layer = get_channel_layer()
        assert isinstance(layer, CountingLayer)
        yield layer


async def open_streams(group: str, count: int) -> list[Any]:
    """``count`` SSE consumers of ``group``, each subscribed (past ``: connected``)."""
    streams = await asyncio.gather(*[sse_open(group, []) for _ in range(count)])
    for stream in streams:
        assert (await stream.receive_output(10))["status"] == 200
        assert (await stream.receive_output(10))["body"] == b": connected\n\n"
    return streams


async def close_streams(streams: list[Any]) -> None:
    for stream in streams:
        await stream.send_input({"type": "http.disconnect"})
        await stream.wait(2)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("clients", [1, 40])
async def test_a_broadcast_is_one_layer_message_per_process_whatever_the_clients(
    counting_layer: CountingLayer, clients: int
) -> None:
    group = unique()
    streams = await open_streams(group, clients)
    await abroadcast(group, "<p>hi</p>")
    bodies = [(await stream.receive_output(10))["body"] for stream in streams]
    assert bodies == [b"id: 1\ndata: <p>hi</p>\n\n"] * clients
    assert (counting_layer.queued, counting_layer.added) == (1, 1)
    await close_streams(streams)


async def test_the_hub_leaves_the_layer_group_with_its_last_local_subscriber() -> None:
    layer = InMemoryChannelLayer()
    news, other = layer_group("public.news"), layer_group("public.other")
    first, second = [await subscribe(layer, "public.news", inbox_size=10) for _ in range(2)]
    kept = await subscribe(layer, "public.other", inbox_size=10)
    hub = first.hub
    assert second.hub is hub
    assert kept.hub is hub
    assert list(layer.groups[news]) == [hub.channel]
    await first.close()
    assert list(layer.groups[news]) == [hub.channel]
    await second.close()
    assert news not in layer.groups
    assert list(layer.groups[other]) == [hub.channel]
    assert not any(task.done() for task in hub.tasks)
    await kept.close()
    assert layer.groups == {}
    await asyncio.sleep(0)
    assert all(task.cancelled() for task in hub.tasks)
    again = await subscribe(layer, "public.news", inbox_size=10)
    assert again.hub is not hub
    assert list(layer.groups[news]) == [again.hub.channel]
    await again.close()


async def test_concurrent_subscribers_all_return_joined() -> None:
    layer = InMemoryChannelLayer()
    subscriptions = await asyncio.gather(
        *[subscribe(layer, "public.rush", inbox_size=10) for _ in range(20)]
    )
    await layer.group_send(layer_group("public.rush"), event("public.rush", 1))
    received = [await subscription.get(timeout=10) for subscription in subscriptions]
    assert [message["id"] for message in received] == [1] * 20
    assert len(layer.groups[layer_group("public.rush")]) == 1
    for subscription in subscriptions:
        await subscription.close()


class StuckClient:
    """An SSE client that stops reading at its first event: like uvicorn, send waits for it."""

    def __init__(self) -> None:
        self.requested = False
        self.reading = asyncio.Event()
        self.connected = asyncio.Event()
        self.blocked = asyncio.Event()
        self.sent: list[dict[str, Any]] = []

    async def receive(self) -> dict[str, Any]:
        if not self.requested:
            self.requested = True
            return {"type": "http.request", "body": b""}
        await asyncio.Event().wait()  # never disconnects by itself
        raise AssertionError("unreachable")

    async def send(self, message: dict[str, Any]) -> None:
        if b"data:" in message.get("body", b""):
            self.blocked.set()
            await self.reading.wait()
        self.sent.append(message)
        if message.get("body") == b": connected\n\n":
            self.connected.set()


@pytest.mark.django_db(transaction=True)
async def test_a_stuck_client_delays_no_other_and_is_closed_when_its_inbox_overflows(
    caplog: pytest.LogCaptureFixture,
) -> None:
    group = unique()
    stuck = StuckClient()
    scope = {"type": "http", "method": "GET", "path": f"/djkida/events/{group}/", "headers": []}
    with override_settings(DJKIDA_INBOX_SIZE=4), caplog.at_level("WARNING", "djkida"):
        app = with_user(AnonymousUser(), URLRouter(http_urlpatterns))
        stuck_task = asyncio.create_task(app(scope, stuck.receive, stuck.send))
        await asyncio.wait_for(stuck.connected.wait(), 2)
        others = await open_streams(group, 3)
        await abroadcast(group, "event 1")
        await asyncio.wait_for(stuck.blocked.wait(), 2)
        # 2-5 fill its inbox, 6 overflows it, 7 is no longer queued for it.
        for n in range(2, 8):
            await abroadcast(group, f"event {n}")
        for stream in others:
            bodies = [(await stream.receive_output(10))["body"] for _ in range(7)]
            assert bodies == [f"id: {n}\ndata: event {n}\n\n".encode() for n in range(1, 8)]
        assert not stuck_task.done()
    assert any("closing a subscriber" in record.getMessage() for record in caplog.records)
    # Its client reads again: the event it was stuck on, then the end of the stream.
    stuck.reading.set()
    await asyncio.wait_for(stuck_task, 2)
    assert [message.get("body") for message in stuck.sent[1:]] == [
        b": connected\n\n",
        b"id: 1\ndata: event 1\n\n",
        b"",
    ]
    assert stuck.sent[-1].get("more_body", False) is False
    await close_streams(others)


class LayerClock:
    """The channel layers' wall clock, moved by the test: both layers stamp a group member
    with ``time.time()`` and forget it ``group_expiry`` seconds later by that clock. Every
    ``group_add`` is noted with the clock's time, so the test can wait for the hub's next one."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = 1_000_000.0
        self.adds: list[float] = []
        self.added = asyncio.Condition()
        clock = types.SimpleNamespace(time=lambda: self.now)
        monkeypatch.setattr(channels.layers, "time", clock)
        monkeypatch.setattr(channels_redis.core, "time", clock)

    def watch(self, layer: Any) -> Any:
        """``layer``, its ``group_add`` noted."""
        group_add = layer.group_add

        async def noted_group_add(group: str, channel: str) -> None:
            stamped = self.now  # what the layer reads before its first await
            await group_add(group, channel)
            async with self.added:
                self.adds.append(stamped)
                self.added.notify_all()

        layer.group_add = noted_group_add
        return layer

    async def advance(self, seconds: float) -> None:
        """Move the clock on, then wait until the hub joined again at the new time (its real
        refresh period is 1/3 s; the 10 s bound is only reached when it never does)."""
        self.now += seconds
        async with asyncio.timeout(10), self.added:
            await self.added.wait_for(lambda: self.adds[-1] >= self.now)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def short_expiry_layer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A layer that forgets group members 1 s after they joined, by a :class:`LayerClock`
    (``layer.clock``). Redis also lets the group's key lapse after 1 real second without an
    add: that only a stall longer than that between the hub's last add and the test's
    ``group_send`` reaches."""
    clock = LayerClock(monkeypatch)
    if request.param == "redis":
        layer: Any = RedisChannelLayer(hosts=[request.getfixturevalue("redis_url")], group_expiry=1)
    else:
        layer = InMemoryChannelLayer(group_expiry=1)
    layer.clock = clock
    return clock.watch(layer)


async def test_membership_is_refreshed_before_the_layer_forgets_it(short_expiry_layer: Any) -> None:
    clock: LayerClock = short_expiry_layer.clock
    subscription = await subscribe(short_expiry_layer, "public.long", inbox_size=10)
    assert subscription.hub.refresh_every == pytest.approx(1 / 3)
    for _ in range(3):  # 2.7 s by the layer's clock: it forgot the first add long ago
        await clock.advance(0.9)
    await short_expiry_layer.group_send(layer_group("public.long"), event("public.long", 1))
    assert (await subscription.get(timeout=10))["id"] == 1
    await subscription.close()


async def test_a_failing_receive_loop_ends_every_subscription(
    caplog: pytest.LogCaptureFixture,
) -> None:
    layer = FlakyLayer()
    news = await subscribe(layer, "public.news", inbox_size=10)
    other = await subscribe(layer, "public.other", inbox_size=10)
    layer.broken = True
    with caplog.at_level("ERROR", "djkida"):
        await layer.group_send(layer_group("public.news"), event("public.news", 1))
        for subscription in (news, other):
            with pytest.raises(SubscriptionEnded, match="channel layer failed"):
                await subscription.get(timeout=10)
    failures = [record for record in caplog.records if "fan-out" in record.getMessage()]
    assert len(failures) == 1
    assert "Redis went away" in str(failures[0].exc_info)
    await news.close()
    await other.close()
    # The next subscriber starts a fresh hub.
    layer.broken = False
    again = await subscribe(layer, "public.news", inbox_size=10)
    assert again.hub is not news.hub
    await layer.group_send(layer_group("public.news"), event("public.news", 2))
    assert (await again.get(timeout=10))["id"] == 2
    await again.close()


async def test_other_message_types_are_dropped_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    layer = InMemoryChannelLayer()
    subscription = await subscribe(layer, "public.news", inbox_size=10)
    with caplog.at_level("WARNING", "djkida"):
        await layer.group_send(layer_group("public.news"), {"type": "chat.message"})
        await layer.group_send(layer_group("public.news"), event("public.news", 1))
        assert (await subscription.get(timeout=10))["id"] == 1
    assert any("'chat.message'" in record.getMessage() for record in caplog.records)
    await subscription.close()


def test_each_event_loop_gets_its_own_hub() -> None:
    layer = InMemoryChannelLayer()
    first_loop = asyncio.new_event_loop()
    try:
        first = first_loop.run_until_complete(subscribe(layer, "public.loops", inbox_size=10))

        async def in_a_second_loop() -> tuple[Any, EventMessage]:
            second = await subscribe(layer, "public.loops", inbox_size=10)
            await layer.group_send(layer_group("public.loops"), event("public.loops", 1))
            received = await second.get(timeout=10)
            await second.close()
            return second.hub, received

        # While the first loop's hub still has its subscriber.
        second_hub, received = asyncio.run(in_a_second_loop())
        assert second_hub is not first.hub
        assert second_hub.channel != first.hub.channel
        assert received["id"] == 1
        assert first_loop.run_until_complete(first.get(timeout=10))["id"] == 1
        first_loop.run_until_complete(first.close())
    finally:
        first_loop.close()
