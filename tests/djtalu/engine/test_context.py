"""Fitting prompts to the context window and the history budget, with the tiny model's tokenizer."""

import json
from pathlib import Path

import pytest

from djtalu.engine import ContextLengthError, GenerationParams
from djtalu.engine.context import PromptBudget
from djtalu.engine.grammar import JsonCloser, closed_schema

TURN = "word " * 20


def conversation(turns: int) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": "Be brief."}]
    for index in range(turns):
        messages += [
            {"role": "user", "content": f"question {index} {TURN}"},
            {"role": "assistant", "content": f"answer {index} {TURN}"},
        ]
    return [*messages, {"role": "user", "content": "last question"}]


@pytest.fixture(scope="module")
def budget(tiny_model: Path) -> PromptBudget:
    return PromptBudget(tiny_model)


def test_context_length_comes_from_the_model_config(budget: PromptBudget) -> None:
    assert budget.context_length == 8192


def test_without_max_tokens_the_reply_gets_what_fits(budget: PromptBudget) -> None:
    messages = conversation(2)
    prompt_tokens = budget.count(messages, GenerationParams())

    fit = budget.fit(messages, GenerationParams(max_tokens=100_000))

    assert fit.prompt_tokens == prompt_tokens
    assert fit.params.max_tokens == 8192 - prompt_tokens
    assert fit.omitted_messages == 0


def test_an_explicit_max_tokens_beyond_the_context_raises_with_the_numbers(
    budget: PromptBudget,
) -> None:
    messages = conversation(1)
    prompt_tokens = budget.count(messages, GenerationParams())

    with pytest.raises(ContextLengthError) as caught:
        budget.fit(messages, GenerationParams(max_tokens=8192), strict_max_tokens=True)

    error = caught.value
    assert (error.prompt_tokens, error.max_tokens, error.context_length) == (
        prompt_tokens,
        8192,
        8192,
    )
    assert f"the prompt has {prompt_tokens} tokens" in str(error)


def test_the_budget_leaves_out_the_oldest_turns_and_keeps_the_system_prompt(
    budget: PromptBudget,
) -> None:
    messages = conversation(6)
    two_turns = budget.count(conversation(2), GenerationParams())

    fit = budget.fit(messages, GenerationParams(), max_prompt_tokens=two_turns)

    assert fit.omitted_messages == 8
    assert fit.messages[0] == {"role": "system", "content": "Be brief."}
    assert fit.messages[1]["content"].startswith("question 4 ")
    assert fit.messages[-1] == messages[-1]
    assert fit.prompt_tokens <= two_turns
    assert len(messages) == 14  # the caller's list is untouched


def test_the_last_turn_is_kept_even_over_budget(budget: PromptBudget) -> None:
    fit = budget.fit(conversation(3), GenerationParams(), max_prompt_tokens=1)

    assert [message["role"] for message in fit.messages] == ["system", "user"]


def test_closed_schema_forbids_extra_keys_everywhere_without_touching_the_original() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"type": "object", "properties": {"b": {"type": "string"}}}},
        "$defs": {"C": {"type": "object", "properties": {}, "additionalProperties": True}},
    }

    closed = closed_schema(schema)

    assert closed["additionalProperties"] is False
    assert closed["properties"]["a"]["additionalProperties"] is False
    assert closed["$defs"]["C"]["additionalProperties"] is True  # stated: kept
    assert "additionalProperties" not in schema


@pytest.mark.parametrize(
    ("pieces", "dead_end_piece", "expected"),
    [
        # The dead end SmolLM2 reached: a comma after the last key the closed schema allows.
        (['{"a": {"b": "x"', ",", "\n  "], "", '{"a": {"b": "x"}}'),
        (['{"tags": ["x", "y"', ","], "", '{"tags": ["x", "y"]}'),
        (['{"a": "1, 2,', '"'], "", '{"a": "1, 2,"}'),
        # The model stopped inside a string: it is closed too (the validator still decides).
        (['{"a": "unfinished'], "", '{"a": "unfinished"}'),
        (['{"a": ["x\\'], "", '{"a": ["x\\\\"]}'),
    ],
)
def test_a_dead_end_is_closed_as_json_where_it_can_be(
    pieces: list[str], dead_end_piece: str, expected: str
) -> None:
    closer = JsonCloser()

    text = "".join(closer.feed(piece) for piece in pieces) + closer.close(dead_end_piece)

    assert text == expected


def test_a_held_comma_is_released_when_more_follows() -> None:
    closer = JsonCloser()

    emitted = [closer.feed(piece) for piece in ['{"a": 1', ",", ' "b": 2}']]

    assert emitted == ['{"a": 1', "", ', "b": 2}']
    assert closer.flush() == ""


def test_a_raw_control_character_in_a_string_is_escaped() -> None:
    """The grammar let a raw newline into a string: it is sent escaped, so the JSON parses."""
    closer = JsonCloser()
    raw = '{"a": "two\nlines, a quote \\" and a backslash \\\\"' + "\n}"

    text = closer.feed(raw) + closer.flush()

    assert json.loads(text) == {"a": 'two\nlines, a quote " and a backslash \\'}
    assert text.endswith("\n}")  # whitespace outside strings is left alone
