"""Structured output: replies that match a JSON schema (or a Pydantic model), checked.

The worker constrains generation with talu's grammar (``djtalu/engine/grammar.py``); that
grammar is not airtight, so every reply is validated here against the caller's schema with
``jsonschema``. An invalid reply is never returned as a success: a whole reply is generated
again (up to ``ATTEMPTS`` times, each with another seed), and a streamed one, already sent,
ends with ``StructuredOutputError``.
"""

import dataclasses
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

import jsonschema
from pydantic import BaseModel, ValidationError

from djtalu.engine import GenerationParams, GenerationResult
from djtalu.engine.errors import StructuredOutputError
from djtalu.engine.grammar import ANY_OBJECT

if TYPE_CHECKING:
    from djtalu.pools import GenerationBackend, GenerationStream

#: Whole replies generated per request before giving up on a valid one.
ATTEMPTS = 3


@dataclass(frozen=True)
class ResponseFormat:
    """The schema a reply must match, and the Pydantic model to parse it into, if any.

    Example::

        fmt = ResponseFormat.of(Person)  # or a JSON schema dict
        person = fmt.parse('{"name": "Ada", "age": 36}', "stop")
    """

    schema: dict[str, Any]
    name: str = "response"
    model: type[BaseModel] | None = None

    @classmethod
    def of(cls, value: "type[BaseModel] | dict[str, Any] | ResponseFormat") -> "ResponseFormat":
        """From a Pydantic model class or a JSON schema (``ValueError`` for anything else)."""
        if isinstance(value, ResponseFormat):
            return value
        if isinstance(value, type) and issubclass(value, BaseModel):
            return cls(value.model_json_schema(), value.__name__, value)
        if isinstance(value, dict):
            return cls.from_schema(value)
        raise ValueError(
            f"response_format must be a Pydantic model or a JSON schema, not {value!r}"
        )

    @classmethod
    def from_schema(cls, schema: dict[str, Any], name: str = "response") -> "ResponseFormat":
        """A checked JSON schema; ``ValueError`` says what is wrong with it."""
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise ValueError(f"invalid JSON schema: {exc.message}") from None
        return cls(schema, name)

    @classmethod
    def json_object(cls) -> "ResponseFormat":
        """Any JSON object (OpenAI's ``{"type": "json_object"}``)."""
        return cls(ANY_OBJECT, "json_object")

    def parse(self, text: str, finish_reason: str) -> Any:
        """The reply as Python data (a model instance with ``model``), or StructuredOutputError."""
        if finish_reason == "length":
            raise StructuredOutputError(
                "the reply reached max_tokens before its JSON was complete", text, truncated=True
            )
        try:
            data = json.loads(text)
            jsonschema.validate(data, self.schema)
        except json.JSONDecodeError as exc:
            raise StructuredOutputError(f"the reply is not valid JSON: {exc}", text) from None
        except jsonschema.ValidationError as exc:
            raise StructuredOutputError(
                f"the reply does not match the schema: {exc.message}", text
            ) from None
        if self.model is None:
            return data
        try:
            return self.model.model_validate(data)
        except ValidationError as exc:
            raise StructuredOutputError(f"the reply does not validate: {exc}", text) from None

    def apply(self, params: GenerationParams) -> GenerationParams:
        """``params`` with this schema for the worker's grammar."""
        return params.replace(response_format=self.schema)


class StructuredStream:
    """A generation stream whose ``collect()`` checks the reply and fills ``result.parsed``.

    Pieces stream unchanged; a reply that ends invalid makes ``collect()`` raise
    ``StructuredOutputError`` (a ``GenerationError``), so SSE and WebSocket senders report an
    error instead of finishing normally. A cancelled or timed-out reply is returned unparsed.
    """

    def __init__(self, stream: "GenerationStream", response_format: ResponseFormat) -> None:
        self._stream = stream
        self.response_format = response_format

    @property
    def cancelled(self) -> bool:
        return self._stream.cancelled

    def __aiter__(self) -> AsyncIterator[str]:
        return self._stream.__aiter__()

    async def collect(self) -> GenerationResult:
        result = await self._stream.collect()
        if result.finish_reason in ("cancelled", "timeout"):
            return result
        parsed = self.response_format.parse(result.text, result.finish_reason)
        return dataclasses.replace(result, parsed=parsed)

    async def cancel(self) -> None:
        await self._stream.cancel()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stream.__aexit__(exc_type, exc, tb)


async def generate_structured(
    pool: "GenerationBackend",
    messages: list[dict[str, str]],
    params: GenerationParams,
    response_format: ResponseFormat,
    *,
    timeout: float | None,
) -> GenerationResult:
    """A whole reply that matches ``response_format``, trying up to ``ATTEMPTS`` seeds.

    A reply cut at ``max_tokens`` is not retried (another try would be cut too): it raises.
    """
    error: StructuredOutputError | None = None
    for attempt in range(ATTEMPTS):
        seed = None if params.seed is None else params.seed + attempt
        tried = response_format.apply(params).replace(seed=seed)
        async with StructuredStream(
            pool.stream(messages, tried, timeout=timeout), response_format
        ) as stream:
            try:
                return await stream.collect()
            except StructuredOutputError as exc:
                if exc.truncated:
                    raise
                error = exc
    assert error is not None
    raise error
