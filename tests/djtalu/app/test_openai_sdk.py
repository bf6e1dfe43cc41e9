"""The official ``openai`` SDK against djtalu on real daphne: structured output and each error."""

from collections.abc import Iterator
from typing import Any, Literal

import jsonschema
import openai
import pytest
from pydantic import BaseModel

from tests.djtalu.app.conftest import SETTINGS
from tests.servers import LiveServer, live_server

pytestmark = pytest.mark.slow

MESSAGES: Any = [{"role": "user", "content": "Review something."}]


class Review(BaseModel):
    kind: Literal["book", "film"]
    good: bool


@pytest.fixture(scope="module")
def server(site_env: dict[str, str]) -> Iterator[LiveServer]:
    with live_server(
        settings=SETTINGS, app="tests.djtalu.app.asgi:application", env=site_env
    ) as server:
        yield server


@pytest.fixture
def client(server: LiveServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{server.url}/v1", api_key="unused", max_retries=0)


def test_parse_returns_the_pydantic_model(client: openai.OpenAI) -> None:
    for seed in range(5):
        completion = client.chat.completions.parse(
            model="tiny", messages=MESSAGES, response_format=Review, seed=seed, max_tokens=200
        )
        message = completion.choices[0].message
        assert isinstance(message.parsed, Review)
        jsonschema.validate(message.parsed.model_dump(), Review.model_json_schema())


def test_stream_with_a_response_format_returns_the_parsed_model(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(
        model="tiny", messages=MESSAGES, response_format=Review, max_tokens=200
    ) as stream:
        deltas = [event.delta for event in stream if event.type == "content.delta"]
        final = stream.get_final_completion()

    assert len(deltas) > 1
    assert isinstance(final.choices[0].message.parsed, Review)
    assert final.choices[0].message.content == "".join(deltas)


def test_json_object_mode(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="tiny", messages=MESSAGES, response_format={"type": "json_object"}, max_tokens=300
    )

    content = completion.choices[0].message.content
    assert content is not None
    assert content.lstrip().startswith("{")


@pytest.mark.parametrize(
    ("arguments", "param", "code"),
    [
        ({"logprobs": True}, "logprobs", "unsupported_parameter"),
        ({"logprobs": True, "top_logprobs": 3}, "logprobs", "unsupported_parameter"),
        ({"presence_penalty": 0.5}, "presence_penalty", "unsupported_parameter"),
        (
            {"tools": [{"type": "function", "function": {"name": "weather", "parameters": {}}}]},
            "tools",
            "unsupported_parameter",
        ),
        ({"max_tokens": 100_000}, "messages", "context_length_exceeded"),
        ({"temperature": 5}, "temperature", "invalid_value"),
    ],
)
def test_each_refusal_is_a_bad_request_the_sdk_understands(
    client: openai.OpenAI, arguments: dict[str, Any], param: str, code: str
) -> None:
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="tiny", messages=MESSAGES, **arguments)

    assert caught.value.code == code
    assert caught.value.param == param


def test_unknown_models_and_paths_are_json_404s(client: openai.OpenAI) -> None:
    assert client.models.retrieve("tiny").id == "tiny"
    with pytest.raises(openai.NotFoundError) as model:
        client.models.retrieve("nope")
    with pytest.raises(openai.NotFoundError) as path:
        client.embeddings.create(model="tiny", input="hi")

    assert model.value.code == "model_not_found"
    assert path.value.code == "unknown_url"


def test_the_api_key_is_checked_whatever_the_case_of_bearer(site_env: dict[str, str]) -> None:
    env = {**site_env, "TALU_API_KEY": "sekrit"}
    with live_server(settings=SETTINGS, app="tests.djtalu.app.asgi:application", env=env) as server:
        keyed = openai.OpenAI(base_url=f"{server.url}/v1", api_key="sekrit", max_retries=0)
        wrong = openai.OpenAI(base_url=f"{server.url}/v1", api_key="nope", max_retries=0)
        lowercase = openai.OpenAI(
            base_url=f"{server.url}/v1",
            api_key="unused",
            max_retries=0,
            default_headers={"Authorization": "bearer sekrit"},
        )

        assert [model.id for model in keyed.models.list()] == ["tiny"]
        assert [model.id for model in lowercase.models.list()] == ["tiny"]
        with pytest.raises(openai.AuthenticationError) as denied:
            wrong.chat.completions.create(model="tiny", messages=MESSAGES)

    assert denied.value.code == "invalid_api_key"


def test_an_invalid_streamed_reply_raises_in_the_sdk(client: openai.OpenAI) -> None:
    """No closed object satisfies the schema: the stream ends with an error, not a success."""
    schema = {
        "type": "object",
        "properties": {"kind": {"enum": ["book"]}},
        "required": ["kind"],
        "minProperties": 2,
    }
    stream = client.chat.completions.create(
        model="tiny",
        messages=MESSAGES,
        stream=True,
        max_tokens=200,
        response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": schema}},
    )

    with pytest.raises(openai.APIError, match="does not match the schema"):
        for _ in stream:
            pass
