"""Clients (the official ``openai`` SDK, a WebSocket) against djtalu served by real daphne."""

import json

import openai
import pytest
from websockets.sync.client import connect

from tests.djtalu.app.conftest import SETTINGS
from tests.servers import live_server

pytestmark = pytest.mark.slow

MESSAGES = [{"role": "user", "content": "hello"}]


def test_openai_sdk_streams_and_completes_against_daphne(site_env: dict[str, str]) -> None:
    with live_server(
        settings=SETTINGS, app="tests.djtalu.app.asgi:application", env=site_env
    ) as server:
        client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0)

        model_ids = [model.id for model in client.models.list()]
        # Also starts the session's workers.
        completion = client.chat.completions.create(
            model="tiny",
            messages=MESSAGES,  # type: ignore[arg-type]
            max_tokens=1500,
            temperature=0,
            seed=3,
        )
        stream = client.chat.completions.create(
            model="tiny",
            messages=MESSAGES,  # type: ignore[arg-type]
            stream=True,
            max_tokens=1500,
            temperature=0,
            seed=3,
            stream_options={"include_usage": True},
        )
        chunks = list(stream)
        with pytest.raises(openai.NotFoundError, match="no model session named 'nope'"):
            client.chat.completions.create(model="nope", messages=MESSAGES)  # type: ignore[arg-type]

    assert model_ids == ["tiny"]
    text = "".join(chunk.choices[0].delta.content or "" for chunk in chunks if chunk.choices)
    assert text == completion.choices[0].message.content
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == completion.usage.completion_tokens  # type: ignore[union-attr]
    # A chunk per piece: the site's 2-piece credit window keeps the worker from running
    # ahead, so pieces cannot pile up into a few big ones however the processes interleave.
    assert len(chunks) > 100


def test_websocket_chat_streams_over_daphne(site_env: dict[str, str]) -> None:
    with (
        live_server(
            settings=SETTINGS, app="tests.djtalu.app.asgi:application", env=site_env
        ) as server,
        connect(f"{server.ws_url}/ws/talu/tiny/") as socket,
    ):
        socket.send(json.dumps({"type": "message", "content": "hello"}))
        frames = [json.loads(socket.recv(timeout=60))]
        while frames[-1]["type"] not in {"done", "error"}:
            frames.append(json.loads(socket.recv(timeout=30)))

    start, *tokens, done = frames
    assert start["type"] == "start"
    assert len(tokens) > 1
    assert {frame["type"] for frame in tokens} == {"token"}
    assert done["type"] == "done"
    assert done["status"] == "complete"
