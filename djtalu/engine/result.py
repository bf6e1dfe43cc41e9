"""The outcome of one generation, as ``AsyncGenerationStream.collect()`` returns it."""

from dataclasses import dataclass, field
from typing import Any, Literal

FinishReason = Literal["stop", "length", "cancelled", "timeout", "error"]


@dataclass(frozen=True)
class GenerationResult:
    """Full text, token counts (from the model's tokenizer) and timings in seconds.

    ``timings`` keys: ``queue`` (waiting for a worker), ``first_piece`` (request start to
    first piece, prefill included), ``generation`` (in the worker), ``decode`` (first piece to
    the end), ``total`` (wall time), ``tokens_per_second`` (:func:`decode_rate`).

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


def decode_rate(completion_tokens: int, decode_seconds: float) -> float:
    """Tokens per second of decoding: the tokens after the first over the time after the first.

    The prompt's prefill (before the first token) is left out, so long prompts and short
    replies do not make the model look slower than it writes. The chat page and the admin
    both report this figure. 0.0 when there is nothing to measure (one token or none).

    Example::

        decode_rate(43, 2.0)  # 21.0
    """
    if completion_tokens < 2 or decode_seconds <= 0:
        return 0.0
    return (completion_tokens - 1) / decode_seconds
