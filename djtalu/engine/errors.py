"""Errors raised by the engine; each maps to one HTTP status in the Django views."""


class GenerationError(Exception):
    """Base class: a generation could not produce its full output (maps to 500)."""


class QueueFullError(GenerationError):
    """The pool's request queue is at its bound: the caller should answer 503 and retry later."""


class WorkerCrashedError(GenerationError):
    """The worker process running this request died; the pool has already replaced it."""


class NoWorkerError(GenerationError):
    """No worker took the request in time (none running, or none reachable): answer 503."""
