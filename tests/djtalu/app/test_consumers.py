"""The WebSocket chat consumer, through Channels' WebsocketCommunicator."""

from typing import Any

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from pytest_django.fixtures import Settings

from djtalu.models import Message, ModelSession
from djtalu.routing import websocket_urlpatterns

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def communicator(session_name: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/talu/{session_name}/")


async def receive_until_done(ws: WebsocketCommunicator) -> list[dict[str, Any]]:
    frames = [await ws.receive_json_from(timeout=60)]
    while frames[-1]["type"] not in {"done", "error"}:
        frames.append(await ws.receive_json_from(timeout=60))
    return frames


async def test_reply_streams_token_by_token_and_is_stored(
    session: ModelSession, settings: Settings
) -> None:
    # A small window paces the tiny model to the reader, so the reply cannot arrive in one piece.
    settings.TALU_STREAM_BUFFER = 2
    ws = communicator("tiny")
    connected, _ = await ws.connect()
    assert connected

    await ws.send_json_to({"type": "message", "content": "hello"})
    first = await receive_until_done(ws)
    await ws.send_json_to({"type": "message", "content": "again"})
    second = await receive_until_done(ws)
    await ws.disconnect()

    start, *tokens, done = first
    assert start["type"] == "start"
    assert len(tokens) > 1
    assert {frame["type"] for frame in tokens} == {"token"}
    assert done["type"] == "done"
    assert done["status"] == "complete"
    reply = await Message.objects.aget(pk=done["message"])
    assert reply.content == "".join(frame["text"] for frame in tokens)
    assert reply.completion_tokens == done["completion_tokens"]
    assert second[0] == start  # same conversation
    assert await Message.objects.filter(conversation_id=start["conversation"]).acount() == 4


async def test_disconnect_mid_reply_keeps_the_partial_text(session: ModelSession) -> None:
    session.max_tokens = 5000
    await session.asave()
    ws = communicator("tiny")
    await ws.connect()
    await ws.send_json_to({"type": "message", "content": "hello"})

    frames = [await ws.receive_json_from(timeout=60) for _ in range(4)]
    await ws.disconnect()

    assert frames[0]["type"] == "start"
    reply = await Message.objects.aget(role="assistant")
    assert reply.status == Message.Status.CANCELLED
    assert reply.content.startswith("".join(frame["text"] for frame in frames[1:]))
    assert len(reply.content) < 5000


async def test_cancel_message_stops_the_reply(session: ModelSession) -> None:
    session.max_tokens = 5000
    await session.asave()
    ws = communicator("tiny")
    await ws.connect()
    await ws.send_json_to({"type": "message", "content": "hello"})
    await ws.receive_json_from(timeout=60)
    await ws.send_json_to({"type": "cancel"})

    frames = await receive_until_done(ws)
    await ws.disconnect()

    assert frames[-1]["type"] == "done"
    assert frames[-1]["status"] == "cancelled"
    assert len(frames) < 5000


async def test_bad_messages_get_errors(session: ModelSession) -> None:
    ws = communicator("tiny")
    await ws.connect()

    await ws.send_json_to({"type": "dance"})
    unknown = await ws.receive_json_from(timeout=60)
    await ws.send_json_to({"type": "message", "content": ""})
    empty = await ws.receive_json_from(timeout=60)
    await ws.send_json_to({"type": "message", "content": "hi", "conversation": 999})
    missing = await ws.receive_json_from(timeout=60)
    await ws.disconnect()

    assert unknown == {"type": "error", "message": "unknown message type 'dance'"}
    assert empty == {"type": "error", "message": "a chat message cannot be empty"}
    assert missing == {"type": "error", "message": "no conversation 999 in this session"}


async def test_unknown_session_is_refused(session: ModelSession) -> None:
    ws = communicator("nope")

    connected, code = await ws.connect()

    assert not connected
    assert code == 4404


async def test_api_key_guards_the_chat(session: ModelSession, settings: Settings) -> None:
    """With TALU_API_KEY set, an anonymous socket is closed before any reply is generated."""
    settings.TALU_API_KEY = "sekrit"
    app = URLRouter(websocket_urlpatterns)
    anonymous = WebsocketCommunicator(app, "/ws/talu/tiny/")
    wrong = WebsocketCommunicator(app, "/ws/talu/tiny/", subprotocols=["djtalu-key.nope"])
    keyed = WebsocketCommunicator(
        app, "/ws/talu/tiny/", subprotocols=["djtalu", "djtalu-key.sekrit"]
    )

    refused = [await anonymous.connect(), await wrong.connect()]
    connected, protocol = await keyed.connect()
    await keyed.send_json_to({"type": "message", "content": "hello"})
    frames = await receive_until_done(keyed)
    await keyed.disconnect()

    assert refused == [(False, 4401), (False, 4401)]
    assert connected
    # The browser must get back one of the protocols it offered, and never the key.
    assert protocol == "djtalu"
    assert frames[-1]["type"] == "done"


async def test_history_budget_leaves_out_the_oldest_turns(session: ModelSession) -> None:
    """Stored messages stay; the prompt drops the oldest turns and the start frame says so."""
    session.max_prompt_tokens = 60
    await session.asave()
    ws = communicator("tiny")
    await ws.connect()
    starts = []
    for turn in range(4):
        await ws.send_json_to({"type": "message", "content": f"turn {turn} " + "word " * 10})
        frames = await receive_until_done(ws)
        starts.append(frames[0])
    await ws.disconnect()

    omitted = [start["omitted"] for start in starts]
    assert omitted[0] == 0
    assert omitted[-1] > 0
    assert omitted == sorted(omitted)
    conversation = starts[0]["conversation"]
    assert await Message.objects.filter(conversation_id=conversation).acount() == 8
