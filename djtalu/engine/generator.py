"""In-process generation with talu: one loaded model, one generation at a time.

Used by the pool's worker processes and by the distributed Redis worker. Not safe for
concurrent use: talu crashes with several generations in flight on one client (TALU.md).
"""

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from djtalu.engine.compat import NativeCounts, load_talu, take_native_counts
from djtalu.engine.context import prompt_messages
from djtalu.engine.grammar import JsonCloser, constrain, special_token_texts
from djtalu.engine.params import GenerationParams
from djtalu.engine.result import FinishReason, GenerationResult, decode_rate

Message = dict[str, str]


def _never() -> bool:
    return False


class Generator:
    """A talu model loaded once; ``generate()`` streams one reply at a time.

    Example::

        generator = Generator(Path("/models/smollm2"))
        run = generator.generate([{"role": "user", "content": "Hi"}], GenerationParams())
        text = "".join(run)
        print(run.result().completion_tokens)
    """

    def __init__(self, model_path: Path) -> None:
        talu = load_talu()
        started = time.perf_counter()
        self._talu = talu
        self._client = talu.Client(str(model_path))
        self._tokenizer = talu.Tokenizer(str(model_path))
        self.model_path = model_path
        self.stop_token_ids: list[int] = sorted(self._tokenizer.eos_token_ids)
        #: Special tokens as text: under a grammar, seeing one means a dead end (grammar.py).
        self.special_texts = special_token_texts(model_path)
        #: Seconds spent loading the model and tokenizer.
        self.load_seconds = time.perf_counter() - started

    def generate(
        self,
        messages: list[Message],
        params: GenerationParams,
        should_stop: Callable[[], bool] = _never,
    ) -> "Generation":
        """Start a generation; ``should_stop`` is polled before each piece is pulled."""
        return Generation(self, messages, params, should_stop)

    def count_tokens(self, text: str) -> int:
        """Number of tokens ``text`` encodes to (streamed pieces are characters, not tokens)."""
        return int(self._tokenizer.count_tokens(text, special_tokens=False))

    def count_prompt_tokens(self, messages: list[Message], params: GenerationParams) -> int:
        """Tokens of the prompt the chat template renders for ``messages``."""
        prompt = self._tokenizer.apply_chat_template(prompt_messages(messages, params))
        return int(self._tokenizer.count_tokens(prompt))  # as generation sees it, BOS included

    def close(self) -> None:
        """Release the model."""
        self._tokenizer.close()
        self._client.close()

    def _open_stream(self, messages: list[Message], params: GenerationParams) -> tuple[Any, Any]:
        """A talu chat holding the history, and the pull-based token iterator for the reply."""
        *history, last = prompt_messages(messages, params)
        if last["role"] != "user":
            raise ValueError(f"the last message must be from the user, not {last['role']!r}")
        config = self._talu.GenerationConfig(
            max_tokens=params.max_tokens,
            temperature=params.temperature,
            top_k=params.top_k,
            top_p=params.top_p,
            seed=params.seed,
        )
        chat = self._talu.Chat(client=self._client, config=config)
        for message in history:
            chat.append(message["role"], message["content"])
        if params.response_format is not None:
            constrain(chat, params.response_format, self.stop_token_ids)
        return chat, self._client.router.stream(chat, last["content"], config)


class Generation(Iterator[str]):
    """One streaming reply: iterate for str pieces, then ``result()`` for counts and timings."""

    def __init__(
        self,
        generator: Generator,
        messages: list[Message],
        params: GenerationParams,
        should_stop: Callable[[], bool],
    ) -> None:
        self._generator = generator
        self._messages = messages
        self._params = params
        self._should_stop = should_stop
        self._pieces: list[str] = []
        self._started = time.perf_counter()
        self._first_piece: float | None = None
        self._finished: float | None = None
        self._cancelled = False
        self._stops = _StopMatcher(params.stop)
        #: Under a grammar: a special token arriving as text marks a dead end (grammar.py).
        self._dead_end = _StopMatcher(generator.special_texts)
        self._json = JsonCloser() if params.response_format is not None else None
        self._length_cut = False
        self._native: NativeCounts | None = None
        take_native_counts()  # forget a run that ended without being asked for its counts
        self._chat, self._tokens = generator._open_stream(messages, params)

    def __next__(self) -> str:
        while self._finished is None:
            piece = self._pull()
            if piece:
                if self._first_piece is None:
                    self._first_piece = time.perf_counter()
                self._pieces.append(piece)
                return piece
        raise StopIteration

    def _pull(self) -> str:
        """Text ready to emit ('' if none yet); ends the run on cancel, stop match or the end."""
        if self._should_stop():
            self._cancelled = True
            self.close()
            return ""
        try:
            token = next(self._tokens)
        except StopIteration:
            self.close()
            if self._json is not None:
                return self._json.flush(self._dead_end.flush())
            return self._stops.flush()
        except BaseException:
            self.close()
            raise
        text = str(token)
        if self._json is not None:
            text = self._feed_json(self._json, text)
        piece = self._stops.feed(text)
        if self._stops.matched:
            self.close()
        return piece

    def _feed_json(self, closer: JsonCloser, text: str) -> str:
        """Under a grammar: close a dead end as JSON, and stop at ``max_tokens`` (which talu's
        grammar ignores)."""
        safe = self._dead_end.feed(text)
        if self._dead_end.matched:
            self.close()
            return closer.close(safe)
        produced = "".join(self._pieces) + closer.held + safe
        if self._generator.count_tokens(produced) > self._params.max_tokens:
            self._length_cut = True
            self.close()
            return ""
        return closer.feed(safe)

    def close(self) -> None:
        """Stop generating (closing talu's iterator cancels it natively) and free the chat."""
        if self._finished is None:
            self._finished = time.perf_counter()
            self._tokens.close()
            self._native = take_native_counts()
            self._chat.close()

    def result(self) -> GenerationResult:
        """Counts and timings of the text produced so far (call after iteration ends)."""
        text = "".join(self._pieces)
        native = self._native if self._ran_to_its_end() else None
        if native is not None:
            completion_tokens = native.completion_tokens
            prompt_tokens = native.prompt_tokens
        else:  # cut short by us: talu counted nothing, so count the text we kept
            completion_tokens = self._generator.count_tokens(text)
            prompt_tokens = self._generator.count_prompt_tokens(self._messages, self._params)
        end = self._finished if self._finished is not None else time.perf_counter()
        generation = end - self._started
        first_piece = (self._first_piece or end) - self._started
        decode = generation - first_piece
        finish_reason: FinishReason = "stop"
        if self._cancelled:
            finish_reason = "cancelled"
        elif self._stops.matched:
            finish_reason = "stop"
        elif self._length_cut or completion_tokens >= self._params.max_tokens:
            finish_reason = "length"
        return GenerationResult(
            text=text,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            finish_reason=finish_reason,
            timings={
                "first_piece": first_piece,
                "generation": generation,
                "decode": decode,
                "tokens_per_second": decode_rate(completion_tokens, decode),
                **native_timings(native),
            },
        )

    def _ran_to_its_end(self) -> bool:
        """Whether talu's iterator ended by itself (so its counts are real, not zeros)."""
        native = self._native
        return (
            native is not None
            and native.completion_tokens > 0
            and not self._cancelled
            and not self._stops.matched
        )


def native_timings(native: NativeCounts | None) -> dict[str, float]:
    """talu's own prefill and decode seconds, when it measured the run (``decode`` is ours:
    the time after the first piece, what ``tokens_per_second`` divides by)."""
    if native is None:
        return {}
    return {"prefill": native.prefill_ns / 1e9, "talu_decode": native.generation_ns / 1e9}


class _StopMatcher:
    """Stop sequences over streamed text (talu 0.0.3's streaming ignores ``stop_sequences``).

    Text that could be the start of a stop sequence is held back until it is decided, so a
    stop sequence never reaches the client, even split across pieces.
    """

    def __init__(self, stops: tuple[str, ...]) -> None:
        self._stops = tuple(stop for stop in stops if stop)
        self._held = ""
        #: True once a stop sequence was seen; the text from it on is dropped.
        self.matched = False

    def feed(self, piece: str) -> str:
        """The part of ``held + piece`` that is safe to emit now."""
        if not self._stops:
            return piece
        text = self._held + piece
        hits = [index for stop in self._stops if (index := text.find(stop)) >= 0]
        if hits:
            self.matched = True
            self._held = ""
            return text[: min(hits)]
        keep = max(
            (
                size
                for stop in self._stops
                for size in range(1, min(len(stop) - 1, len(text)) + 1)
                if text.endswith(stop[:size])
            ),
            default=0,
        )
        self._held = text[len(text) - keep :]
        return text[: len(text) - keep]

    def flush(self) -> str:
        """Held-back text, released when generation ends without a match."""
        held, self._held = self._held, ""
        return held
