"""The OpenAI-compatible endpoints through Django's async test client (real worker processes)."""

import asyncio
import json
from typing import Any

import pytest
from django.core.handlers.asgi import ASGIHandler
from django.test import AsyncClient

import djtalu
from djtalu import pools
from djtalu.models import ModelSession

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.djtalu.app.urls"),
    pytest.mark.slow,
]


async def post(client: AsyncClient, body: Any) -> Any:
    return await client.post(
        "/v1/chat/completions",
        data=body if isinstance(body, str) else json.dumps(body),
        content_type="application/json",
    )


def sse_events(body: bytes) -> list[str]:
    """The ``data:`` payloads of an SSE body, checking the blank-line framing."""
    assert body.endswith(b"\n\n")
    frames = body.decode().split("\n\n")[:-1]
    assert all(frame.startswith("data: ") for frame in frames)
    return [frame.removeprefix("data: ") for frame in frames]


async def test_completion_returns_message_and_usage(
    session: ModelSession, async_client: AsyncClient
) -> None:
    response = await post(
        async_client,
        {"model": "tiny", "messages": [{"role": "user", "content": "hello"}], "max_tokens": 5},
    )

    assert response.status_code == 200
    data = response.json()
    assert data["object"] == "chat.completion"
    assert data["model"] == "tiny"
    assert data["id"].startswith("chatcmpl-")
    [choice] = data["choices"]
    assert choice["message"]["role"] == "assistant"
    assert choice["message"]["content"]
    assert choice["finish_reason"] == "length"
    usage = data["usage"]
    assert usage["completion_tokens"] == 5
    assert usage["total_tokens"] == usage["prompt_tokens"] + 5


async def test_streaming_sends_chunks_then_done(
    session: ModelSession, async_client: AsyncClient
) -> None:
    response = await post(
        async_client,
        {
            "model": "tiny",
            "messages": [{"role": "user", "content": [{"type": "text", "text": "hello"}]}],
            "stream": True,
            "stream_options": {"include_usage": True},
        },
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    events = sse_events(b"".join([chunk async for chunk in response.streaming_content]))
    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    assert {chunk["object"] for chunk in chunks} == {"chat.completion.chunk"}
    assert len({chunk["id"] for chunk in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    text = "".join(chunk["choices"][0]["delta"].get("content", "") for chunk in chunks[:-1])
    assert chunks[-2]["choices"][0]["finish_reason"] in {"stop", "length"}
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] > 0
    # The same request without streaming gives the same text (greedy, seeded session).
    plain = await post(
        async_client, {"model": "tiny", "messages": [{"role": "user", "content": "hello"}]}
    )
    assert plain.json()["choices"][0]["message"]["content"] == text


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ("{not json", 400, "not valid JSON"),
        ({"messages": [{"role": "user", "content": "hi"}]}, 400, "model is required"),
        ({"model": "tiny", "messages": []}, 400, "messages must be a non-empty list"),
        ({"model": "tiny", "messages": [{"role": "x", "content": "hi"}]}, 400, "role"),
        ({"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "temperature": 9}, 400,
         "temperature must be a number"),
        ({"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 0}, 400,
         "max_tokens must be at least 1"),
        ({"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "stop": [1]}, 400,
         "stop must be"),
        ({"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "n": 2}, 400,
         "n is not supported"),
        ({"model": "nope", "messages": [{"role": "user", "content": "hi"}]}, 404,
         "no model session named 'nope'"),
    ],
)  # fmt: skip
async def test_bad_requests_get_openai_errors(
    session: ModelSession, async_client: AsyncClient, body: Any, status: int, message: str
) -> None:
    response = await post(async_client, body)

    assert response.status_code == status
    error = response.json()["error"]
    assert message in error["message"]
    assert error["type"] == "invalid_request_error"


async def test_full_queue_answers_503(
    session: ModelSession, async_client: AsyncClient, settings: Any
) -> None:
    """With no waiting room, a request finding the only worker busy is refused."""
    settings.TALU_QUEUE_SIZE = 0
    busy = await djtalu.stream_async(session, "hello", max_tokens=5000)
    await anext(busy.__aiter__())

    refused = await post(
        async_client, {"model": "tiny", "messages": [{"role": "user", "content": "hi"}]}
    )
    await busy.cancel()
    served = await post(
        async_client, {"model": "tiny", "messages": [{"role": "user", "content": "hi"}]}
    )

    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "queue_full"
    assert refused["Retry-After"] == "1"
    assert served.status_code == 200


async def test_models_lists_enabled_sessions(
    session: ModelSession, async_client: AsyncClient
) -> None:
    await ModelSession.objects.acreate(name="off", model_path="/nowhere", enabled=False)

    response = await async_client.get("/v1/models")

    assert response.status_code == 200
    assert [model["id"] for model in response.json()["data"]] == ["tiny"]


async def test_api_key_is_required_when_configured(
    session: ModelSession, async_client: AsyncClient, settings: Any
) -> None:
    settings.TALU_API_KEY = "sekrit"

    denied = await async_client.get("/v1/models")
    wrong = await async_client.get("/v1/models", headers={"Authorization": "Bearer nope"})
    allowed = await async_client.get("/v1/models", headers={"Authorization": "Bearer sekrit"})
    lowercase = await async_client.get("/v1/models", headers={"Authorization": "bearer sekrit"})
    posted = await async_client.post(
        "/v1/chat/completions", data="{}", content_type="application/json"
    )

    assert [denied.status_code, wrong.status_code, posted.status_code] == [401, 401, 401]
    assert denied.json()["error"]["code"] == "invalid_api_key"
    assert allowed.status_code == lowercase.status_code == 200


async def test_client_disconnect_cancels_the_generation(session: ModelSession) -> None:
    """Drive Django's ASGI handler directly so the client can vanish mid-stream."""
    body = json.dumps(
        {
            "model": "tiny",
            "messages": [{"role": "user", "content": "hello"}],
            "stream": True,
            "max_tokens": 8000,
        }
    ).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/chat/completions",
        "raw_path": b"/v1/chat/completions",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    requests = [{"type": "http.request", "body": body, "more_body": False}]
    gone = asyncio.Event()
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        if requests:
            return requests.pop()
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.body" and message.get("body"):
            chunks.append(message["body"])
            if len(chunks) == 5:
                gone.set()

    await asyncio.wait_for(ASGIHandler()(scope, receive, send), timeout=10)

    running = pools._running_pool("tiny")
    assert running is not None
    stats = running.backend.stats()
    assert (stats.in_flight, stats.queued) == (0, 0)
    assert 5 <= len(chunks) < 100
    assert b"[DONE]" not in b"".join(chunks)


MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize(
    ("field", "value", "param"),
    [
        ("logprobs", True, "logprobs"),
        ("top_logprobs", 2, "top_logprobs"),
        ("tools", [{"type": "function", "function": {"name": "f"}}], "tools"),
        ("tool_choice", "auto", "tool_choice"),
        ("presence_penalty", 0.5, "presence_penalty"),
        ("frequency_penalty", 1, "frequency_penalty"),
        ("logit_bias", {"42": 5}, "logit_bias"),
        ("user", "me", "user"),
        ("made_up", 1, "made_up"),
        ("stream_options", {"include_obfuscation": True}, "stream_options.include_obfuscation"),
        ("messages", [{"role": "user", "content": "hi", "name": "bob"}], "messages[0].name"),
    ],
)
async def test_unsupported_fields_are_refused_never_ignored(
    session: ModelSession, async_client: AsyncClient, field: str, value: Any, param: str
) -> None:
    response = await post(async_client, {"model": "tiny", "messages": MESSAGES, field: value})

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["type"], error["param"], error["code"]) == (
        "invalid_request_error",
        param,
        "unsupported_parameter",
    )
    assert error["message"].startswith(f"{param} is not supported: ")


async def test_neutral_values_of_unsupported_fields_are_accepted(
    session: ModelSession, async_client: AsyncClient
) -> None:
    neutral = {"n": 1, "logprobs": False, "presence_penalty": 0, "tools": [], "top_logprobs": None}
    response = await post(
        async_client, {"model": "tiny", "messages": MESSAGES, "max_tokens": 3, **neutral}
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("format_", "message"),
    [
        ({"type": "xml"}, "response_format.type must be"),
        ({"type": "json_schema"}, "json_schema.schema must be"),
        ({"type": "json_schema", "json_schema": {"schema": {"type": 5}}}, "invalid JSON schema"),
    ],
)
async def test_bad_response_formats_are_refused(
    session: ModelSession, async_client: AsyncClient, format_: Any, message: str
) -> None:
    response = await post(
        async_client, {"model": "tiny", "messages": MESSAGES, "response_format": format_}
    )

    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert response.json()["error"]["param"] == "response_format"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("get", "/v1/chat/completions", 405, "method_not_allowed"),
        ("put", "/v1/models", 405, "method_not_allowed"),
        ("get", "/v1/completions", 404, "unknown_url"),
        ("post", "/v1/embeddings", 404, "unknown_url"),
        ("get", "/v1/models/nope", 404, "model_not_found"),
    ],
)
async def test_every_v1_path_answers_json(
    session: ModelSession, async_client: AsyncClient, method: str, path: str, status: int, code: str
) -> None:
    response = await getattr(async_client, method)(path)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == code


async def test_405_says_which_methods_are_allowed(
    session: ModelSession, async_client: AsyncClient
) -> None:
    response = await async_client.get("/v1/chat/completions")

    assert response["Allow"] == "POST"


async def test_one_model_by_id(session: ModelSession, async_client: AsyncClient) -> None:
    response = await async_client.get("/v1/models/tiny")

    assert response.status_code == 200
    assert response.json()["id"] == "tiny"
    assert response.json()["object"] == "model"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
async def test_only_json_bodies_are_accepted(
    session: ModelSession, async_client: AsyncClient, content_type: str
) -> None:
    """What a cross-site HTML form or simple fetch can send is refused before generating."""
    body = json.dumps({"model": "tiny", "messages": MESSAGES})

    response = await async_client.post("/v1/chat/completions", data=body, content_type=content_type)

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    assert pools._running_pool("tiny") is None


async def test_max_tokens_beyond_the_context_is_a_400_with_the_numbers(
    session: ModelSession, async_client: AsyncClient
) -> None:
    response = await post(
        async_client, {"model": "tiny", "messages": MESSAGES, "max_tokens": 100_000}
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "context_length_exceeded"
    assert "context is 8192 tokens" in error["message"]
    assert "max_tokens asks for 100000" in error["message"]
    assert pools._running_pool("tiny") is None


async def test_history_budget_is_reported_in_usage(
    session: ModelSession, async_client: AsyncClient
) -> None:
    session.max_prompt_tokens = 40
    await session.asave()
    long_turn = "word " * 12
    history = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": long_turn},
        {"role": "assistant", "content": long_turn},
        {"role": "user", "content": long_turn},
        {"role": "assistant", "content": long_turn},
        {"role": "user", "content": "hi"},
    ]

    response = await post(async_client, {"model": "tiny", "messages": history, "max_tokens": 3})

    usage = response.json()["usage"]
    assert usage["omitted_messages"] == 4
    assert usage["prompt_tokens"] <= 40
