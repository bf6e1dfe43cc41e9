"""Errors in OpenAI's JSON shape, and the HTTP status each djtalu failure maps to."""

import logging

from django.http import JsonResponse

from djtalu.engine import ContextLengthError, GenerationError, NoWorkerError, QueueFullError
from djtalu.engine.errors import StructuredOutputError

logger = logging.getLogger(__name__)

#: Seconds a client refused for a full queue is told to wait before retrying.
RETRY_AFTER_SECONDS = 1


class APIError(Exception):
    """A failure answered as ``{"error": {"message", "type", "param", "code"}}``.

    Example::

        raise APIError(400, "n must be 1", param="n", code="unsupported_value")
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        kind: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.param = param
        self.code = code
        self.headers = headers or {}

    def response(self) -> JsonResponse:
        error = {"message": str(self), "type": self.kind, "param": self.param, "code": self.code}
        response = JsonResponse({"error": error}, status=self.status)
        for name, value in self.headers.items():
            response[name] = value
        return response


def invalid(message: str, param: str | None = None, code: str = "invalid_value") -> APIError:
    """A 400 for a request field with a wrong value."""
    return APIError(400, message, param=param, code=code)


def unsupported(param: str, reason: str) -> APIError:
    """A 400 for a field djtalu cannot honour (it is never silently ignored)."""
    return APIError(
        400, f"{param} is not supported: {reason}", param=param, code="unsupported_parameter"
    )


def from_generation_error(exc: GenerationError) -> APIError:
    """503 (retry later) for a full queue or no worker to take the request, 400 for a prompt
    too long, 500 otherwise."""
    busy = {QueueFullError: "queue_full", NoWorkerError: "no_worker"}
    if (code := busy.get(type(exc))) is not None:
        return APIError(
            503,
            str(exc),
            kind="server_error",
            code=code,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    if isinstance(exc, ContextLengthError):
        return APIError(400, str(exc), param="messages", code="context_length_exceeded")
    logger.warning("chat completion failed: %s", exc)
    code = "invalid_structured_output" if isinstance(exc, StructuredOutputError) else None
    return APIError(500, str(exc), kind="server_error", code=code)
