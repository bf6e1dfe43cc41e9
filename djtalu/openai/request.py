"""A ``/v1/chat/completions`` body, validated: every field is honoured or refused with a 400.

Fields djtalu cannot honour are accepted only at their neutral value (``n: 1``,
``logprobs: false``, ``presence_penalty: 0``...), so an OpenAI client never gets a reply that
quietly ignored what it asked for. Why each one is refused is in ``REFUSED``.
"""

import json
from dataclasses import dataclass
from typing import Any

from djtalu.api import session_params, to_messages
from djtalu.engine import GenerationParams
from djtalu.models import ModelSession
from djtalu.openai.errors import invalid, unsupported
from djtalu.structured import ResponseFormat

#: OpenAI's "developer" role is its newer name for "system".
ROLE_ALIASES = {"developer": "system"}

_NO_LOGPROBS = "talu 0.0.3 does not report token log probabilities"
_NO_TOOLS = (
    "talu's tool calls with this model ignore the function's parameters (measured), "
    "so djtalu does not offer tool calling"
)
_NO_PENALTY = "talu has no additive penalties (only a multiplicative repetition penalty)"

#: Field -> (its neutral value, accepted as a no-op; why any other value is refused).
REFUSED: dict[str, tuple[Any, str]] = {
    "n": (1, "djtalu generates one choice per request"),
    "logprobs": (False, _NO_LOGPROBS),
    "top_logprobs": (0, _NO_LOGPROBS),
    "tools": ([], _NO_TOOLS),
    "tool_choice": ("none", _NO_TOOLS),
    "parallel_tool_calls": (None, _NO_TOOLS),
    "functions": ([], _NO_TOOLS),
    "function_call": ("none", _NO_TOOLS),
    "presence_penalty": (0, _NO_PENALTY),
    "frequency_penalty": (0, _NO_PENALTY),
    "logit_bias": ({}, "djtalu does not pass token biases to talu"),
}
#: Fields djtalu honours (``top_k`` is an extension OpenAI does not have).
HONOURED = frozenset(
    {
        "model",
        "messages",
        "stream",
        "stream_options",
        "max_tokens",
        "max_completion_tokens",
        "temperature",
        "top_p",
        "top_k",
        "seed",
        "stop",
        "response_format",
    }
)


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
    response_format: ResponseFormat | None

    @classmethod
    def parse(cls, body: bytes) -> "CompletionRequest":
        """Validate a request body, raising a 400 ``APIError`` naming the bad field."""
        try:
            data = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise invalid(f"the body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise invalid("the body must be a JSON object")
        data = {name: value for name, value in data.items() if value is not None}
        _refuse_unsupported(data)
        model = data.get("model")
        if not isinstance(model, str) or not model:
            raise invalid("model is required (the name of a model session)", "model")
        return cls(
            model=model,
            messages=_messages(data.get("messages")),
            stream=_typed(data, "stream", bool) or False,
            include_usage=_include_usage(data.get("stream_options")),
            max_tokens=_max_tokens(data),
            temperature=_number(data, "temperature", 0.0, 2.0),
            top_p=_number(data, "top_p", 0.0, 1.0),
            top_k=_typed(data, "top_k", int),
            seed=_typed(data, "seed", int),
            stop=_stop(data.get("stop")),
            response_format=_response_format(data.get("response_format")),
        )

    def params(self, session: ModelSession) -> GenerationParams:
        """The session's defaults with this request's settings applied."""
        params = session_params(
            session,
            max_tokens=self.max_tokens,
            temperature=self.temperature,
            top_p=self.top_p,
            top_k=self.top_k,
            seed=self.seed,
            stop=self.stop,
        )
        return self.response_format.apply(params) if self.response_format else params


def _refuse_unsupported(data: dict[str, Any]) -> None:
    for name, value in data.items():
        if name in HONOURED:
            continue
        if name not in REFUSED:
            raise unsupported(name, "djtalu does not know this field")
        neutral, reason = REFUSED[name]
        if value != neutral:
            raise unsupported(name, reason)


def _typed[T](data: dict[str, Any], name: str, kind: type[T]) -> T | None:
    value = data.get(name)
    # bool is an int subclass: refuse it where a number is expected.
    if value is None or (isinstance(value, kind) and not (kind is int and isinstance(value, bool))):
        return value
    raise invalid(f"{name} must be {kind.__name__}", name, "invalid_type")


def _number(data: dict[str, Any], name: str, low: float, high: float) -> float | None:
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise invalid(f"{name} must be a number from {low} to {high}", name)
    return float(value)


def _max_tokens(data: dict[str, Any]) -> int | None:
    name = "max_completion_tokens" if "max_completion_tokens" in data else "max_tokens"
    value = _typed(data, name, int)
    if value is not None and value < 1:
        raise invalid(f"{name} must be at least 1", name)
    return value


def _include_usage(options: Any) -> bool:
    if options is None:
        return False
    if not isinstance(options, dict):
        raise invalid("stream_options must be an object", "stream_options")
    for name in options:
        if name != "include_usage":
            raise unsupported(f"stream_options.{name}", "djtalu only knows include_usage")
    return bool(options.get("include_usage"))


def _stop(value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    stops = [value] if isinstance(value, str) else value
    if not isinstance(stops, list) or not all(isinstance(stop, str) for stop in stops):
        raise invalid("stop must be a string or a list of strings", "stop")
    if len(stops) > 4:
        raise invalid("stop takes at most 4 sequences", "stop")
    return tuple(stops)


def _response_format(value: Any) -> ResponseFormat | None:
    """``text`` (None), ``json_object`` or ``json_schema`` with a checked schema."""
    if value is None:
        return None
    kind = value.get("type") if isinstance(value, dict) else None
    if kind == "text":
        return None
    if kind == "json_object":
        return ResponseFormat.json_object()
    if kind != "json_schema":
        raise invalid(
            "response_format.type must be text, json_object or json_schema", "response_format"
        )
    spec = value.get("json_schema")
    if not isinstance(spec, dict) or not isinstance(spec.get("schema"), dict):
        raise invalid(
            "response_format.json_schema.schema must be a JSON schema object", "response_format"
        )
    try:
        return ResponseFormat.from_schema(spec["schema"], str(spec.get("name") or "response"))
    except ValueError as exc:
        raise invalid(str(exc), "response_format") from None


def _messages(value: Any) -> list[dict[str, str]]:
    """Chat messages; text content parts (``[{"type": "text", ...}]``) are joined."""
    if not isinstance(value, list) or not value:
        raise invalid("messages must be a non-empty list", "messages")
    messages: list[dict[str, Any]] = []
    for index, message in enumerate(value):
        if not isinstance(message, dict):
            raise invalid(f"messages[{index}] must be an object", "messages")
        extra = sorted(set(message) - {"role", "content"})
        if extra:
            raise unsupported(f"messages[{index}].{extra[0]}", "djtalu takes text messages only")
        role = message.get("role")
        role = ROLE_ALIASES.get(role, role) if isinstance(role, str) else role
        content = message.get("content")
        if isinstance(content, list):
            if not all(isinstance(part, dict) and part.get("type") == "text" for part in content):
                raise invalid(f"messages[{index}]: only text content is supported", "messages")
            content = "".join(str(part.get("text", "")) for part in content)
        messages.append({"role": role, "content": content})
    try:
        return to_messages(messages)
    except ValueError as exc:
        raise invalid(str(exc), "messages") from None
