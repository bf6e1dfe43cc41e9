"""Fitting a prompt to a model's context window before it reaches a worker.

talu prefills the whole conversation on every turn (no KV reuse, TALU.md), and a prompt plus
``max_tokens`` past the context ends in a native error. So the web process counts the rendered
prompt with the model's own tokenizer and chat template, leaves out the oldest turns beyond a
budget, and sizes ``max_tokens`` to what fits, before anything is queued.
"""

import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from djtalu.engine.compat import load_talu
from djtalu.engine.errors import ContextLengthError
from djtalu.engine.grammar import schema_prompt
from djtalu.engine.params import GenerationParams

Message = dict[str, str]
#: Used when a model's config.json does not say (llama's classic window).
DEFAULT_CONTEXT_LENGTH = 2048


@dataclass(frozen=True)
class PromptFit:
    """The messages and ``max_tokens`` a request will really run with.

    ``omitted_messages`` counts the oldest turns left out to stay within the budget (the
    system prompt is always kept).
    """

    messages: list[Message]
    params: GenerationParams
    prompt_tokens: int
    omitted_messages: int
    context_length: int


class PromptBudget:
    """A model's tokenizer and context length.

    Example::

        fit = prompt_budget(Path("/models/smollm2")).fit(messages, params, max_prompt_tokens=1024)
        pool.stream(fit.messages, fit.params)
    """

    def __init__(self, model_path: Path) -> None:
        self._tokenizer = load_talu().Tokenizer(str(model_path))
        self.context_length = _context_length(model_path / "config.json")

    def count(self, messages: list[Message], params: GenerationParams) -> int:
        """Tokens of the prompt the chat template renders (generation prompt and BOS included)."""
        prompt = self._tokenizer.apply_chat_template(prompt_messages(messages, params))
        return int(self._tokenizer.count_tokens(prompt))

    def fit(
        self,
        messages: list[Message],
        params: GenerationParams,
        *,
        max_prompt_tokens: int | None = None,
        strict_max_tokens: bool = False,
    ) -> PromptFit:
        """Leave out the oldest turns beyond ``max_prompt_tokens``, then size ``max_tokens``.

        With ``strict_max_tokens`` (the caller asked for that many tokens) a completion that
        cannot fit raises ``ContextLengthError``; otherwise ``max_tokens`` shrinks to what fits.
        A prompt that leaves no room at all always raises.
        """
        kept = list(messages)
        omitted = 0
        prompt_tokens = self.count(kept, params)
        while max_prompt_tokens and prompt_tokens > max_prompt_tokens:
            dropped = _drop_oldest_turn(kept)
            if not dropped:
                break
            omitted += dropped
            prompt_tokens = self.count(kept, params)
        room = self.context_length - prompt_tokens
        if room < 1 or (strict_max_tokens and params.max_tokens > room):
            raise ContextLengthError(prompt_tokens, params.max_tokens, self.context_length)
        return PromptFit(
            messages=kept,
            params=params.replace(max_tokens=min(params.max_tokens, room)),
            prompt_tokens=prompt_tokens,
            omitted_messages=omitted,
            context_length=self.context_length,
        )


@functools.cache
def prompt_budget(model_path: Path) -> PromptBudget:
    """The budget of ``model_path``, loaded once per process."""
    return PromptBudget(model_path)


def prompt_messages(messages: list[Message], params: GenerationParams) -> list[Message]:
    """The messages the model sees: ``params.system`` first unless the conversation has its own
    system message, and the schema's description in the system message for structured output.
    """
    rendered = list(messages)
    if params.system is not None and not (rendered and rendered[0]["role"] == "system"):
        rendered.insert(0, {"role": "system", "content": params.system})
    if params.response_format is not None:
        description = schema_prompt(params.response_format)
        if rendered and rendered[0]["role"] == "system":
            system = rendered[0]["content"]
            rendered[0] = {"role": "system", "content": f"{system}\n\n{description}".strip()}
        else:
            rendered.insert(0, {"role": "system", "content": description})
    return rendered


def _drop_oldest_turn(messages: list[Message]) -> int:
    """Remove the oldest user turn and the replies to it; 0 when only the last turn is left."""
    start = 1 if messages and messages[0]["role"] == "system" else 0
    users = [index for index in range(start, len(messages)) if messages[index]["role"] == "user"]
    if len(users) < 2:
        return 0
    end = users[1]
    del messages[start:end]
    return end - start


def _context_length(config_path: Path) -> int:
    config: dict[str, Any] = json.loads(config_path.read_text())
    for key in ("max_position_embeddings", "n_positions", "max_sequence_length"):
        if isinstance(config.get(key), int):
            return int(config[key])
    return DEFAULT_CONTEXT_LENGTH
