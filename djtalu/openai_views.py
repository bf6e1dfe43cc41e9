"""OpenAI-compatible endpoints, so standard OpenAI clients can talk to model sessions.

``POST /v1/chat/completions`` (streaming SSE chunks or one ``chat.completion``),
``GET /v1/models`` and ``GET /v1/models/{id}``. The ``model`` is a ModelSession's name. Every
``/v1`` answer is JSON, errors in OpenAI's shape (``djtalu.openai.errors``); request fields are
validated in ``djtalu.openai.request``; a client that disconnects cancels its generation.
"""

import logging
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from djkida.sse import EventStream
from djtalu.api import fit_prompt, resolve_session
from djtalu.conf import talu_settings
from djtalu.engine import GenerationError, GenerationResult, StructuredOutputError
from djtalu.engine.context import PromptFit
from djtalu.models import ModelSession
from djtalu.openai.doors import api_view
from djtalu.openai.errors import APIError, from_generation_error
from djtalu.openai.request import CompletionRequest
from djtalu.pools import GenerationBackend, GenerationStream, SessionUnavailableError, pool_for
from djtalu.structured import ResponseFormat, StructuredStream, generate_structured

logger = logging.getLogger(__name__)


@api_view("POST", json_body=True)
async def chat_completions(request: HttpRequest) -> HttpResponseBase:
    """``POST /v1/chat/completions`` in OpenAI's format, streaming with ``"stream": true``."""
    completion = CompletionRequest.parse(request.body)
    try:
        session = await resolve_session(completion.model)
        fit = fit_prompt(
            session,
            completion.messages,
            completion.params(session),
            strict_max_tokens=completion.max_tokens is not None,
        )
        pool = await pool_for(session)
    except SessionUnavailableError as exc:
        raise APIError(404, str(exc), param="model", code="model_not_found") from None
    except GenerationError as exc:
        raise from_generation_error(exc) from None
    reply = _ChatCompletion(completion.model, omitted_messages=fit.omitted_messages)
    timeout = talu_settings().request_timeout
    try:
        if completion.stream:
            stream = pool.stream(fit.messages, fit.params, timeout=timeout)
            if completion.response_format is not None:
                stream = StructuredStream(stream, completion.response_format)
            return await _streaming_response(stream, reply, include_usage=completion.include_usage)
        result = await _whole_reply(pool, fit, completion.response_format, timeout)
    except GenerationError as exc:
        raise from_generation_error(exc) from None
    return JsonResponse(
        reply.completion(
            result.text,
            _finish_reason(result.finish_reason),
            reply.usage(result.prompt_tokens, result.completion_tokens),
        )
    )


async def _whole_reply(
    pool: GenerationBackend,
    fit: PromptFit,
    response_format: ResponseFormat | None,
    timeout: float | None,
) -> GenerationResult:
    """The reply; with a schema, a valid one, or one cut at max_tokens (``finish_reason``
    "length", as OpenAI answers it: its SDK's ``parse()`` then raises LengthFinishReasonError)."""
    if response_format is None:
        async with pool.stream(fit.messages, fit.params, timeout=timeout) as stream:
            return await stream.collect()
    try:
        return await generate_structured(
            pool, fit.messages, fit.params, response_format, timeout=timeout
        )
    except StructuredOutputError as exc:
        if not exc.truncated:
            raise
        return GenerationResult(
            text=exc.text,
            prompt_tokens=fit.prompt_tokens,
            completion_tokens=fit.params.max_tokens,
            finish_reason="length",
        )


async def _streaming_response(
    stream: GenerationStream, reply: "_ChatCompletion", *, include_usage: bool
) -> EventStream:
    """An SSE response; a generation failing before its first piece raises (a JSON error).

    OpenAI's wire format: unnamed ``data: {json}`` events ending with ``data: [DONE]``, no
    heartbeat comments (the chunks are the only lines a client sees).
    """
    pieces = stream.__aiter__()
    try:
        first = await anext(pieces, None)
    except BaseException:
        await stream.cancel()
        raise
    events = _chunk_events(stream, pieces, first, reply, include_usage=include_usage)
    # Cancels the generation however the response ends, a disconnect mid-send included.
    return EventStream(events, heartbeat=None, on_close=stream.cancel)


async def _chunk_events(
    stream: GenerationStream,
    pieces: AsyncIterator[str],
    first: str | None,
    reply: "_ChatCompletion",
    *,
    include_usage: bool,
) -> AsyncIterator[dict[str, Any] | str]:
    """``chat.completion.chunk`` payloads ending with ``[DONE]``; closing it cancels the stream.

    :class:`~djkida.sse.EventStream` sends each dict as compact JSON data, the string as is.
    """
    try:
        yield reply.chunk({"role": "assistant", "content": ""})
        if first is not None:
            yield reply.chunk({"content": first})
            async for piece in pieces:
                yield reply.chunk({"content": piece})
        result = await stream.collect()
        yield reply.chunk({}, finish_reason=_finish_reason(result.finish_reason))
        if include_usage:
            yield reply.usage_chunk(result.prompt_tokens, result.completion_tokens)
    except GenerationError as exc:
        logger.warning("streamed chat completion failed: %s", exc)
        yield {"error": {"message": str(exc), "type": "server_error"}}
    finally:
        await stream.cancel()
    yield "[DONE]"


def _finish_reason(reason: str) -> str:
    """OpenAI knows "stop" and "length"; a cancelled or timed-out reply simply stopped."""
    return "length" if reason == "length" else "stop"


class _ChatCompletion:
    """The ids and envelopes of one completion's response objects."""

    def __init__(self, model: str, *, omitted_messages: int = 0) -> None:
        self.id = f"chatcmpl-{uuid.uuid4().hex}"
        self.model = model
        self.created = int(time.time())
        #: Oldest messages the session's history budget left out of the prompt.
        self.omitted_messages = omitted_messages

    def _envelope(self, kind: str) -> dict[str, Any]:
        return {"id": self.id, "object": kind, "created": self.created, "model": self.model}

    def usage(self, prompt_tokens: int, completion_tokens: int) -> dict[str, int]:
        return {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "omitted_messages": self.omitted_messages,
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


@api_view("GET")
async def models(request: HttpRequest) -> HttpResponse:
    """``GET /v1/models``: every enabled model session."""
    data = [_model(session) async for session in ModelSession.objects.filter(enabled=True)]
    return JsonResponse({"object": "list", "data": data})


@api_view("GET")
async def model(request: HttpRequest, model_id: str) -> HttpResponse:
    """``GET /v1/models/{id}``: one enabled model session."""
    session = await ModelSession.objects.filter(enabled=True, name=model_id).afirst()
    if session is None:
        raise APIError(
            404, f"no model session named {model_id!r}", param="model", code="model_not_found"
        )
    return JsonResponse(_model(session))


@csrf_exempt
async def not_found(request: HttpRequest, path: str) -> HttpResponse:
    """Any other ``/v1`` path: a JSON 404 (OpenAI clients cannot read an HTML page)."""
    return APIError(404, f"no such endpoint: /v1/{path}", code="unknown_url").response()


def _model(session: ModelSession) -> dict[str, Any]:
    return {
        "id": session.name,
        "object": "model",
        "created": int(session.created.timestamp()),
        "owned_by": "djtalu",
    }
