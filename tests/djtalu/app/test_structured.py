"""Structured output with the tiny model: grammar-constrained, checked with a real validator."""

import json
from typing import Any, Literal

import jsonschema
import pytest
from django.test import AsyncClient
from pydantic import BaseModel
from pytest_django.fixtures import Settings

import djtalu
from djtalu.engine import StructuredOutputError
from djtalu.models import ModelSession
from djtalu.structured import ResponseFormat
from tests.djtalu.app.test_openai_views import post, sse_events

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.urls("tests.djtalu.app.urls"),
    pytest.mark.slow,
]


class Review(BaseModel):
    """Short enough for the random tiny model to finish (its free text never ends)."""

    kind: Literal["book", "film"]
    good: bool


#: The grammar lets the tiny model write digits forever: every reply is cut at max_tokens.
ENDLESS = {
    "type": "object",
    "properties": {"year": {"type": "integer"}},
    "required": ["year"],
}
#: No closed object satisfies it, so every reply the grammar allows is invalid.
UNSATISFIABLE = {
    "type": "object",
    "properties": {"kind": {"enum": ["book"]}},
    "required": ["kind"],
    "minProperties": 2,
}


async def test_replies_validate_across_many_seeds(session: ModelSession) -> None:
    schema = Review.model_json_schema()
    for seed in range(25):
        result = await djtalu.generate_async(
            session, "Review something.", response_format=Review, seed=seed, temperature=1.0,
            max_tokens=200,
        )  # fmt: skip

        jsonschema.validate(json.loads(result.text), schema)
        assert isinstance(result.parsed, Review)
        assert result.finish_reason == "stop"


async def test_a_streamed_reply_is_parsed_when_collected(
    session: ModelSession, settings: Settings
) -> None:
    # A small window paces the tiny model to the reader, so the reply arrives in pieces.
    settings.TALU_STREAM_BUFFER = 2
    stream = await djtalu.stream_async(
        session, "Review something.", response_format=Review.model_json_schema(), max_tokens=200
    )
    pieces = [piece async for piece in stream]
    result = await stream.collect()

    assert len(pieces) > 1
    assert result.parsed == json.loads("".join(pieces))
    jsonschema.validate(result.parsed, Review.model_json_schema())


async def test_a_reply_cut_at_max_tokens_is_an_error_not_a_success(session: ModelSession) -> None:
    with pytest.raises(StructuredOutputError) as caught:
        await djtalu.generate_async(session, "When?", response_format=ENDLESS, max_tokens=20)

    assert caught.value.truncated
    with pytest.raises(json.JSONDecodeError):
        json.loads(caught.value.text)


async def test_an_invalid_reply_is_retried_then_refused(session: ModelSession) -> None:
    with pytest.raises(StructuredOutputError, match="does not match the schema"):
        await djtalu.generate_async(
            session, "Which?", response_format=UNSATISFIABLE, max_tokens=200
        )


def test_the_validator_catches_what_the_grammar_let_through() -> None:
    """The streamed failure TALU.md saw: an object closed without a required key."""
    fmt = ResponseFormat.of(Review)

    with pytest.raises(StructuredOutputError, match="'good' is a required property"):
        fmt.parse('{"kind": "film"}', "stop")
    assert fmt.parse('{"kind": "film", "good": true}', "stop") == Review(kind="film", good=True)


def review_format() -> dict[str, Any]:
    return {
        "type": "json_schema",
        "json_schema": {"name": "Review", "schema": Review.model_json_schema(), "strict": True},
    }


@pytest.mark.parametrize("response_format", [review_format(), {"type": "json_object"}])
async def test_the_api_returns_schema_valid_json(
    session: ModelSession, async_client: AsyncClient, response_format: dict[str, Any]
) -> None:
    body = {
        "model": "tiny",
        "messages": [{"role": "user", "content": "Review something."}],
        "response_format": response_format,
        "max_tokens": 200,
    }

    whole = (await post(async_client, body)).json()["choices"][0]
    streamed = await post(async_client, {**body, "stream": True})
    chunks = [json.loads(event) for event in sse_events(
        b"".join([chunk async for chunk in streamed.streaming_content]))[:-1]]  # fmt: skip

    schema = response_format.get("json_schema", {}).get("schema", {"type": "object"})
    jsonschema.validate(json.loads(whole["message"]["content"]), schema)
    assert whole["finish_reason"] == "stop"
    text = "".join(chunk["choices"][0]["delta"].get("content", "") for chunk in chunks)
    jsonschema.validate(json.loads(text), schema)
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"


async def test_the_api_never_reports_invalid_json_as_a_success(
    session: ModelSession, async_client: AsyncClient
) -> None:
    def body(schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
        spec = {"name": "x", "schema": schema}
        return {
            "model": "tiny",
            "messages": [{"role": "user", "content": "Which?"}],
            "response_format": {"type": "json_schema", "json_schema": spec},
            **extra,
        }

    cut = (await post(async_client, body(ENDLESS, max_tokens=20))).json()
    invalid = await post(async_client, body(UNSATISFIABLE, max_tokens=200))
    streamed = await post(async_client, body(UNSATISFIABLE, stream=True, max_tokens=200))
    events = sse_events(b"".join([chunk async for chunk in streamed.streaming_content]))

    # As OpenAI does: finish_reason "length" (its SDK's parse() raises LengthFinishReasonError).
    assert cut["choices"][0]["finish_reason"] == "length"
    assert invalid.status_code == 500
    assert invalid.json()["error"]["code"] == "invalid_structured_output"
    final = json.loads(events[-2])
    assert "does not match the schema" in final["error"]["message"]
    assert not any('"finish_reason":"stop"' in event for event in events)
