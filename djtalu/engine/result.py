"""The outcome of one generation, as ``AsyncGenerationStream.collect()`` returns it."""

from dataclasses import dataclass, field
from typing import Any, Literal

FinishReason = Literal["stop", "length", "cancelled", "timeout", "error"]


@dataclass(frozen=True)
class GenerationResult:
    """Full text, token counts (from the model's tokenizer) and timings in seconds.

    ``timings`` keys: ``queue`` (waiting for a worker), ``first_piece`` (request start to
    first piece, prefill included), ``generation`` (in the worker), ``total`` (wall time),
    ``tokens_per_second`` (completion tokens over generation time).

    Example::

        result = await pool.stream(messages, params).collect()
        print(result.text, result.completion_tokens, result.finish_reason)
    """

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: FinishReason
    timings: dict[str, float] = field(default_factory=dict)
    #: With a ``response_format``: the reply parsed (a Pydantic model instance, or plain JSON).
    parsed: Any = None
