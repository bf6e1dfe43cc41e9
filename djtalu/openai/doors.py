"""Who and what gets into the API: allowed methods, the API key, JSON-only bodies.

Every ``/v1`` view is wrapped by ``api_view``, so each refusal is a JSON error an OpenAI
client can read, never an HTML page. Requiring ``application/json`` keeps out cross-site
"simple" requests (an HTML form or a ``text/plain`` fetch from any web page can reach a local
port without a CORS preflight; a JSON content type cannot).
"""

import functools
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt

from djtalu.conf import talu_settings
from djtalu.openai.errors import APIError

View = Callable[..., Awaitable[HttpResponseBase]]


def api_view(*methods: str, json_body: bool = False) -> Callable[[View], Any]:
    """Wrap a ``/v1`` view: 405 for other methods, 401 without the key, 415 for a body that
    is not JSON, and any ``APIError`` the view raises as its JSON response."""

    def decorate(view: View) -> View:
        @csrf_exempt
        @functools.wraps(view)
        async def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            try:
                if request.method not in methods:
                    raise APIError(
                        405,
                        f"{request.method} is not allowed here; use {' or '.join(methods)}",
                        code="method_not_allowed",
                        headers={"Allow": ", ".join(methods)},
                    )
                authenticate(request)
                if json_body:
                    require_json(request)
                return await view(request, *args, **kwargs)
            except APIError as exc:
                return exc.response()

        return wrapper

    return decorate


def bearer_token(header: str) -> str:
    """The token of an ``Authorization: Bearer <token>`` header (scheme case-insensitive)."""
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def key_matches(given: str) -> bool:
    """True when ``TALU_API_KEY`` is unset or ``given`` equals it (in constant time)."""
    api_key = talu_settings().api_key
    return not api_key or secrets.compare_digest(given.encode(), api_key.encode())


def authenticate(request: HttpRequest) -> None:
    """Raise a 401 unless the request carries ``TALU_API_KEY`` (when one is set)."""
    if not key_matches(bearer_token(request.headers.get("Authorization", ""))):
        raise APIError(
            401,
            "invalid API key: send 'Authorization: Bearer <TALU_API_KEY>'",
            code="invalid_api_key",
        )


def require_json(request: HttpRequest) -> None:
    """Raise a 415 unless the body is declared ``application/json``."""
    content_type = request.content_type or ""
    if content_type.lower() != "application/json":
        raise APIError(
            415,
            f"the body must be application/json, not {content_type or 'undeclared'}",
            code="unsupported_media_type",
        )
