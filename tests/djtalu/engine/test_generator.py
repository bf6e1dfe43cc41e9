"""The in-process Generator on the tiny model, the stop-sequence matcher and the params."""

import time
from pathlib import Path

import pytest

from djtalu.engine import GenerationParams, Generator, build_tiny_model
from djtalu.engine.generator import _StopMatcher

USER = [{"role": "user", "content": "Hello there"}]
GREEDY = GenerationParams(max_tokens=60, temperature=0.0)


@pytest.fixture(scope="module")
def generator(tiny_model: Path) -> Generator:
    return Generator(tiny_model)


def test_tiny_model_builds_fast(tmp_path: Path) -> None:
    started = time.process_time()  # CPU time: what other processes do does not count
    path = build_tiny_model(tmp_path / "tiny")
    assert time.process_time() - started < 1.0
    assert {"config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors"} <= {
        child.name for child in path.iterdir()
    }


def test_generates_until_max_tokens_with_counts_and_timings(generator: Generator) -> None:
    run = generator.generate(USER, GREEDY)
    pieces = list(run)
    result = run.result()
    assert len(pieces) > 1
    assert result.text == "".join(pieces)
    assert result.completion_tokens == GREEDY.max_tokens
    assert result.finish_reason == "length"
    assert result.prompt_tokens > 2
    assert 0 < result.timings["first_piece"] <= result.timings["generation"]
    assert result.timings["tokens_per_second"] > 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counts_are_talus_own_not_the_text_tokenised_again(generator: Generator, seed: int) -> None:
    # Sampled text tokenised again counts 63 or 65 for these seeds; talu generated 64.
    params = GenerationParams(max_tokens=64, temperature=1.0, seed=seed)
    run = generator.generate(USER, params)
    text = "".join(run)
    result = run.result()
    assert (result.completion_tokens, result.finish_reason) == (64, "length")
    assert result.prompt_tokens == generator.count_prompt_tokens(USER, params)
    assert result.text == text
    assert result.timings["prefill"] > 0
    assert result.timings["talu_decode"] > 0


def test_greedy_and_seeded_generation_are_reproducible(generator: Generator) -> None:
    assert "".join(generator.generate(USER, GREEDY)) == "".join(generator.generate(USER, GREEDY))
    seeded = GenerationParams(max_tokens=40, temperature=1.0, seed=11)
    first = "".join(generator.generate(USER, seeded))
    assert first == "".join(generator.generate(USER, seeded))
    assert first != "".join(generator.generate(USER, seeded.replace(seed=12)))


def test_history_and_system_prompt_change_the_prompt(generator: Generator) -> None:
    history = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        *USER,
    ]
    plain = generator.count_prompt_tokens(USER, GREEDY)
    assert generator.count_prompt_tokens(history, GREEDY) > plain
    with_system = GREEDY.replace(system="Answer briefly.")
    assert generator.count_prompt_tokens(USER, with_system) != plain
    result = generator.generate(history, with_system)
    assert len("".join(result)) > 0


def test_should_stop_ends_the_run_as_cancelled(generator: Generator) -> None:
    pulled = 0

    def should_stop() -> bool:
        return pulled >= 5

    run = generator.generate(USER, GenerationParams(max_tokens=5000), should_stop)
    for _ in run:
        pulled += 1
    assert pulled == 5
    assert run.result().finish_reason == "cancelled"


def test_stop_sequence_truncates_the_reply(generator: Generator) -> None:
    full = "".join(generator.generate(USER, GREEDY))
    stop = full[20:23]
    run = generator.generate(USER, GREEDY.replace(stop=(stop,)))
    text = "".join(run)
    assert text == full[: full.index(stop)]
    assert run.result().finish_reason == "stop"


def test_last_message_must_be_from_the_user(generator: Generator) -> None:
    with pytest.raises(ValueError, match="last message"):
        generator.generate([*USER, {"role": "assistant", "content": "Hi"}], GREEDY)


@pytest.mark.parametrize(
    ("pieces", "stops", "emitted", "matched"),
    [
        (["ab", "cd", "ef"], ("x",), "abcdef", False),
        (["ab", "c", "de"], ("cd",), "ab", True),
        (["a", "b", "c"], ("bc",), "a", True),
        (["ab", "c"], ("cd",), "abc", False),  # held-back "c" is released at the end
        (["hello wor", "ld"], ("world", "lo w"), "hel", True),
    ],
)
def test_stop_matcher(
    pieces: list[str], stops: tuple[str, ...], emitted: str, matched: bool
) -> None:
    matcher = _StopMatcher(stops)
    out = ""
    for piece in pieces:
        out += matcher.feed(piece)
        if matcher.matched:
            break
    else:
        out += matcher.flush()
    assert (out, matcher.matched) == (emitted, matched)


def test_params_replace_keeps_the_rest() -> None:
    params = GenerationParams(max_tokens=10, stop=("\n",))
    changed = params.replace(seed=3)
    assert (changed.seed, changed.max_tokens, changed.stop) == (3, 10, ("\n",))
    assert params.seed is None
    with pytest.raises(TypeError):
        params.replace(colour="red")
