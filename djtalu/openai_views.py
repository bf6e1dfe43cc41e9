"""OpenAI-compatible endpoints, so standard OpenAI clients can talk to model sessions.

``POST /v1/chat/completions`` (streaming SSE chunks or one ``chat.completion``) and
``GET /v1/models``. The ``model`` is a ModelSession's name. Errors use OpenAI's JSON error shape;
a client that disconnects cancels its generation.
"""

import json
import logging
import secrets
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from djkida.responses import AsyncStreamingResponse
from djtalu.api import resolve_session, session_params, to_messages
from djtalu.conf import talu_settings
from djtalu.engine import GenerationError, GenerationParams, NoWorkerError, QueueFullError
from djtalu.models import ModelSession
from djtalu.pools import GenerationStream, SessionUnavailableError, pool_for

logger = logging.getLogger(__name__)

#: OpenAI's "developer" role is its newer name for "system".
ROLE_ALIASES = {"developer": "system"}


class InvalidRequest(ValueError):
    """A request OpenAI would reject with 400; ``param`` names the offending field."""

    def __init__(self, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class CompletionRequest:
    """A validated ``/v1/chat/completions`` body."""

    model: str
    messages: list[dict[str, str]]
    stream: bool
    include_usage: bool
    max_tokens: int | None
    temperature: float | None
    top_p: float | None
    top_k: int | None
    seed: int | None
    stop: tuple[str, ...] | None

    @classmethod
    def parse(cls, body: bytes) -> "CompletionRequest":
        """Validate a request body, raising ``InvalidRequest`` naming the bad field."""
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidRequest(f"the body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise InvalidRequest("the body must be a JSON object")
        model = data.get("model")
        if not isinstance(model, str) or not model:
            raise InvalidRequest("model is required (the name of a model session)", "model")
        if data.get("n", 1) != 1:
            raise InvalidRequest("only n=1 is supported", "n")
        stream_options = data.get("stream_options") or {}
        return cls(
            model=model,
            messages=_messages(data.get("messages")),
            stream=_typed(data, "stream", bool) or False,
            include_usage=bool(
                isinstance(stream_options, dict) and stream_options.get("include_usage")
            ),
            max_tokens=_max_tokens(data),
            temperature=_number(data, "temperature", 0.0, 2.0),
            top_p=_number(data, "top_p", 0.0, 1.0),
            top_k=_typed(data, "top_k", int),
            seed=_typed(data, "seed", int),
            stop=_stop(data.get("stop")),
        )

    def params(self, session: ModelSession) -> GenerationParams:
        return session_params(
            session,
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            top_p=self.top_p,
            top_k=self.top_k,
            seed=self.seed,
            stop=self.stop,
        )


def _typed[T](data: dict[str, Any], name: str, kind: type[T]) -> T | None:
    value = data.get(name)
    # bool is an int subclass: refuse it where a number is expected.
    if value is None or (isinstance(value, kind) and not (kind is int and isinstance(value, bool))):
        return value
    raise InvalidRequest(f"{name} must be {kind.__name__}", name)


def _number(data: dict[str, Any], name: str, low: float, high: float) -> float | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise InvalidRequest(f"{name} must be a number from {low} to {high}", name)
    return float(value)


def _max_tokens(data: dict[str, Any]) -> int | None:
    name = "max_completion_tokens" if "max_completion_tokens" in data else "max_tokens"
    value = _typed(data, name, int)
    if value is not None and value < 1:
        raise InvalidRequest(f"{name} must be at least 1", name)
    return value


def _stop(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    stops = [value] if isinstance(value, str) else value
    if not isinstance(stops, list) or not all(isinstance(stop, str) for stop in stops):
        raise InvalidRequest("stop must be a string or a list of strings", "stop")
    if len(stops) > 4:
        raise InvalidRequest("stop takes at most 4 sequences", "stop")
    return tuple(stops)


def _messages(value: Any) -> list[dict[str, str]]:
    """Chat messages; text content parts (``[{"type": "text", ...}]``) are joined."""
    if not isinstance(value, list) or not value:
        raise InvalidRequest("messages must be a non-empty list", "messages")
    messages: list[dict[str, Any]] = []
    for index, message in enumerate(value):
        if not isinstance(message, dict):
            raise InvalidRequest(f"messages[{index}] must be an object", "messages")
        role = message.get("role")
        role = ROLE_ALIASES.get(role, role) if isinstance(role, str) else role
        content = message.get("content")
        if isinstance(content, list):
            if not all(isinstance(part, dict) and part.get("type") == "text" for part in content):
                raise InvalidRequest(f"messages[{index}]: only text content is supported")
            content = "".join(str(part.get("text", "")) for part in content)
        messages.append({"role": role, "content": content})
    try:
        return to_messages(messages)
    except ValueError as exc:
        raise InvalidRequest(str(exc), "messages") from None


def error_response(
    status: int, message: str, *, kind: str, param: str | None = None, code: str | None = None
) -> JsonResponse:
    """An error in the shape OpenAI clients parse (``error.message``, ``type``, ...)."""
    error = {"message": message, "type": kind, "param": param, "code": code}
    return JsonResponse({"error": error}, status=status)


def _unauthorized(request: HttpRequest) -> JsonResponse | None:
    """A 401 unless ``TALU_API_KEY`` is unset or the bearer token matches it."""
    api_key = talu_settings().api_key
    if not api_key:
        return None
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if secrets.compare_digest(given.encode(), api_key.encode()):
        return None
    return error_response(
        401, "invalid API key", kind="invalid_request_error", code="invalid_api_key"
    )


@csrf_exempt
@require_POST
async def chat_completions(request: HttpRequest) -> HttpResponseBase:
    """``POST /v1/chat/completions`` in OpenAI's format, streaming with ``"stream": true``."""
    if (denied := _unauthorized(request)) is not None:
        return denied
    try:
        completion = CompletionRequest.parse(request.body)
        session = await resolve_session(completion.model)
        pool = await pool_for(session)
    except InvalidRequest as exc:
        return error_response(400, str(exc), kind="invalid_request_error", param=exc.param)
    except SessionUnavailableError as exc:
        return error_response(
            404, str(exc), kind="invalid_request_error", param="model", code="model_not_found"
        )
    reply = ChatCompletion(completion.model)
    try:
        stream = pool.stream(
            completion.messages, completion.params(session), timeout=talu_settings().request_timeout
        )
        if completion.stream:
            return await _streaming_response(stream, reply, include_usage=completion.include_usage)
        async with stream:
            result = await stream.collect()
    except GenerationError as exc:
        return _generation_error(exc)
    return JsonResponse(
        reply.completion(
            result.text,
            _finish_reason(result.finish_reason),
            reply.usage(result.prompt_tokens, result.completion_tokens),
        )
    )


async def _streaming_response(
    stream: GenerationStream, reply: "ChatCompletion", *, include_usage: bool
) -> StreamingHttpResponse:
    """An SSE response; a generation failing before its first piece raises (a JSON error)."""
    pieces = stream.__aiter__()
    try:
        first = await anext(pieces, None)
    except BaseException:
        await stream.cancel()
        raise
    events = _chunk_events(stream, pieces, first, reply, include_usage=include_usage)
    # Cancels the generation however the response ends, a disconnect mid-send included.
    response = AsyncStreamingResponse(
        events, on_close=stream.cancel, content_type="text/event-stream"
    )
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


async def _chunk_events(
    stream: GenerationStream,
    pieces: AsyncIterator[str],
    first: str | None,
    reply: "ChatCompletion",
    *,
    include_usage: bool,
) -> AsyncIterator[bytes]:
    """``chat.completion.chunk`` events ending with ``[DONE]``; closing it cancels the stream."""
    try:
        yield _sse(reply.chunk({"role": "assistant", "content": ""}))
        if first is not None:
            yield _sse(reply.chunk({"content": first}))
            async for piece in pieces:
                yield _sse(reply.chunk({"content": piece}))
        result = await stream.collect()
        yield _sse(reply.chunk({}, finish_reason=_finish_reason(result.finish_reason)))
        if include_usage:
            yield _sse(reply.usage_chunk(result.prompt_tokens, result.completion_tokens))
    except GenerationError as exc:
        logger.warning("streamed chat completion failed: %s", exc)
        yield _sse({"error": {"message": str(exc), "type": "server_error"}})
    finally:
        await stream.cancel()
    yield b"data: [DONE]\n\n"


def _generation_error(exc: GenerationError) -> JsonResponse:
    """503 when the queue is full or no worker takes the request (retry later), 500 for a
    failed generation."""
    if isinstance(exc, QueueFullError):
        return error_response(503, str(exc), kind="server_error", code="queue_full")
    if isinstance(exc, NoWorkerError):
        return error_response(503, str(exc), kind="server_error", code="no_worker")
    logger.warning("chat completion failed: %s", exc)
    return error_response(500, str(exc), kind="server_error")


def _sse(payload: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()


def _finish_reason(reason: str) -> str:
    """OpenAI knows "stop" and "length"; a cancelled or timed-out reply simply stopped."""
    return "length" if reason == "length" else "stop"


class ChatCompletion:
    """The ids and envelopes of one completion's response objects."""

    def __init__(self, model: str) -> None:
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.model = model
        self.created = int(time.time())

    def _envelope(self, kind: str) -> dict[str, Any]:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}

    @staticmethod
    def usage(prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
        return {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }

    def completion(self, text: str, finish_reason: str, usage: dict[str, int]) -> dict[str, Any]:
        message = {"role": "assistant", "content": text}
        choice = {"index": 0, "message": message, "finish_reason": finish_reason, "logprobs": None}
        return {**self._envelope("chat.completion"), "choices": [choice], "usage": usage}

    def chunk(self, delta: dict[str, str], finish_reason: str | None = None) -> dict[str, Any]:
        choice = {"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}
        return {**self._envelope("chat.completion.chunk"), "choices": [choice]}

    def usage_chunk(self, prompt_tokens: int, completion_tokens: int) -> dict[str, Any]:
        usage = self.usage(prompt_tokens, completion_tokens)
        return {**self._envelope("chat.completion.chunk"), "choices": [], "usage": usage}


@require_GET
async def models(request: HttpRequest) -> HttpResponse:
    """``GET /v1/models``: every enabled model session."""
    if (denied := _unauthorized(request)) is not None:
        return denied
    data = [
        {
            "id": session.name,
            "object": "model",
            "created": int(session.created.timestamp()),
            "owned_by": "djtalu",
        }
        async for session in ModelSession.objects.filter(enabled=True)
    ]
    return JsonResponse({"object": "list", "data": data})
