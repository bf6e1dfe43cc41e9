"""broadcast/abroadcast through the channel layer, group names, ids and the replay buffers."""

import asyncio
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import override_settings

from djkida.broadcast import abroadcast, broadcast, layer_group
from djkida.replay import _MemoryReplayBuffer, _RedisReplayBuffer, replay_buffer
from djkida.sse import SSEEvent
from tests.servers import free_port


def unique(prefix: str = "public") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}"


@pytest.mark.parametrize(
    "group",
    ["room.1", "public.news", "with space", "ünïcode", "a/b", "x" * 200, "djkida.g.room"],
)
def test_any_group_maps_to_a_valid_channel_layer_name(group: str) -> None:
    name = layer_group(group)
    get_channel_layer().require_valid_group_name(name)
    assert len(name) < 100


def test_group_mapping_keeps_readable_names_and_never_collides() -> None:
    assert layer_group("room.1") == "djkida.g.room.1"
    names = ["a b", "a_b", "a-b", "a.b", "A B", "x" * 91, "x" * 92, "djkida.x.abc"]
    assert len({layer_group(name) for name in names}) == len(names)


@pytest.mark.parametrize("group", ["", None, 3])
def test_bad_group_is_refused(group: object) -> None:
    with pytest.raises(ValueError, match="group"):
        layer_group(group)  # type: ignore[arg-type]


async def test_bad_item_is_refused() -> None:
    with pytest.raises(TypeError, match="list"):
        await abroadcast("public.x", [1, 2])  # type: ignore[arg-type]


async def test_abroadcast_reaches_the_group_with_increasing_ids() -> None:
    layer = get_channel_layer()
    group = unique()
    channel = await layer.new_channel()
    await layer.group_add(layer_group(group), channel)
    first = await abroadcast(group, "<li>1</li>")
    second = await abroadcast(group, SSEEvent("two\nlines", event="feed"))
    third = await abroadcast(group, {"n": 3})
    messages = [await layer.receive(channel) for _ in range(3)]
    assert [first, second, third] == [1, 2, 3]
    assert [(m["type"], m["id"], m["event"], m["data"]) for m in messages] == [
        ("djkida.event", 1, None, "<li>1</li>"),
        ("djkida.event", 2, "feed", "two\nlines"),
        ("djkida.event", 3, None, '{"n":3}'),
    ]
    assert messages[0]["html"] == "<li>1</li>"
    assert {m["group"] for m in messages} == {group}


async def test_other_groups_do_not_receive_it() -> None:
    layer = get_channel_layer()
    channel = await layer.new_channel()
    await layer.group_add(layer_group("public.other"), channel)
    await abroadcast(unique(), "not for you")
    await abroadcast("public.other", "for you")
    assert (await layer.receive(channel))["data"] == "for you"


def test_sync_broadcast_from_plain_code_is_recorded_for_replay() -> None:
    group = unique()
    assert [broadcast(group, f"event {n}") for n in range(3)] == [1, 2, 3]
    since = async_to_sync(replay_buffer().since)(layer_group(group), 1)
    assert [(event["id"], event["data"]) for event in since] == [(2, "event 1"), (3, "event 2")]


async def test_memory_replay_is_bounded_and_sorted() -> None:
    buffer = _MemoryReplayBuffer(size=3)
    ids = [await buffer.append("g", {"data": str(n)}) for n in range(5)]
    assert ids == [1, 2, 3, 4, 5]
    assert [event["id"] for event in await buffer.since("g", 0)] == [3, 4, 5]
    assert [event["id"] for event in await buffer.since("g", 4)] == [5]
    assert await buffer.since("other", 0) == []


@pytest.mark.redis
async def test_redis_replay_is_shared_bounded_and_sorted(redis_url: str) -> None:
    first = _RedisReplayBuffer(redis_url, size=3, ttl=60)
    second = _RedisReplayBuffer(redis_url, size=3, ttl=60)  # as if in another process
    ids = [await (first, second)[n % 2].append("g", {"data": f"{n}\n:x"}) for n in range(5)]
    assert ids == [1, 2, 3, 4, 5]
    events = await second.since("g", 0)
    assert [(event["id"], event["data"]) for event in events] == [
        (3, "2\n:x"),
        (4, "3\n:x"),
        (5, "4\n:x"),
    ]
    assert [event["id"] for event in await first.since("g", 4)] == [5]


@pytest.mark.redis
def test_the_setting_selects_the_redis_buffer(redis_url: str) -> None:
    assert isinstance(replay_buffer(), _MemoryReplayBuffer)
    with override_settings(DJKIDA_REPLAY_REDIS_URL=redis_url, DJKIDA_REPLAY_SIZE=7):
        buffer = replay_buffer()
        assert isinstance(buffer, _RedisReplayBuffer)
        assert buffer.size == 7


async def test_broadcast_goes_out_live_when_replay_storage_is_down(
    caplog: pytest.LogCaptureFixture,
) -> None:
    layer = get_channel_layer()
    group = unique()
    channel = await layer.new_channel()
    await layer.group_add(layer_group(group), channel)
    closed = f"redis://127.0.0.1:{free_port()}/0"
    with override_settings(DJKIDA_REPLAY_REDIS_URL=closed), caplog.at_level("WARNING", "djkida"):
        event_id = await abroadcast(group, "<li>still here</li>")
    message = await layer.receive(channel)
    assert event_id is None
    assert (message["id"], message["data"], message["group"]) == (
        None,
        "<li>still here</li>",
        group,
    )
    assert any("not replayable" in record.getMessage() for record in caplog.records)


async def test_a_replay_redis_that_hangs_delays_a_broadcast_only_briefly() -> None:
    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # accepts the connection, reads the commands, answers nothing

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        with override_settings(DJKIDA_REPLAY_REDIS_URL=f"redis://127.0.0.1:{port}/0"):
            # It gives up after its REDIS_TIMEOUT; 30 s only bounds the failure (waiting forever).
            event_id = await asyncio.wait_for(abroadcast(unique(), "<li>live only</li>"), 30)
        assert event_id is None
    finally:
        server.close()


def test_sync_broadcast_survives_replay_storage_being_down() -> None:
    closed = f"redis://127.0.0.1:{free_port()}/0"
    with override_settings(DJKIDA_REPLAY_REDIS_URL=closed):
        assert broadcast(unique(), "live only") is None
