"""Generation parameters, one immutable value per request."""

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class GenerationParams:
    """Sampling settings for one generation; ``system`` is used when messages have none.

    Example::

        params = GenerationParams(max_tokens=64, temperature=0.0).replace(seed=7)
    """

    max_tokens: int = 256
    temperature: float = 0.7
    top_k: int = 50
    top_p: float = 0.9
    seed: int | None = None
    stop: tuple[str, ...] = ()
    system: str | None = None
    #: A JSON schema the reply must match, enforced by talu's grammar-constrained decoding.
    response_format: dict[str, Any] | None = None

    def replace(self, **overrides: Any) -> "GenerationParams":
        """A copy with ``overrides`` applied (unknown names raise ``TypeError``)."""
        return dataclasses.replace(self, **overrides)
