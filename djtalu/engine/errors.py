"""Errors raised by the engine; each maps to one HTTP status in the Django views."""


class GenerationError(Exception):
    """Base class: a generation could not produce its full output (maps to 500)."""


class QueueFullError(GenerationError):
    """The pool's request queue is at its bound: the caller should answer 503 and retry later."""


class WorkerCrashedError(GenerationError):
    """The worker process running this request died; the pool has already replaced it."""


class ContextLengthError(GenerationError):
    """The prompt plus the requested completion does not fit the model's context window."""

    def __init__(self, prompt_tokens: int, max_tokens: int, context_length: int) -> None:
        self.prompt_tokens = prompt_tokens
        self.max_tokens = max_tokens
        self.context_length = context_length
        super().__init__(
            f"this model's context is {context_length} tokens, but the prompt has "
            f"{prompt_tokens} tokens and max_tokens asks for {max_tokens} more "
            f"({prompt_tokens + max_tokens} in all)"
        )


class StructuredOutputError(GenerationError):
    """A reply that should match a JSON schema does not (the grammar let it through), or was
    cut at ``max_tokens`` (``truncated``) before its JSON was complete."""

    def __init__(self, message: str, text: str, *, truncated: bool = False) -> None:
        super().__init__(message)
        #: The reply as generated.
        self.text = text
        self.truncated = truncated


class NoWorkerError(GenerationError):
    """No worker took the request in time (none running, or none reachable): answer 503."""
