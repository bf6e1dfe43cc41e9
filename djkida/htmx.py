"""The htmx facts of a request, handed to kida's ``hx_request()``, ``hx_target()``,
``hx_trigger()`` and ``hx_boosted()`` globals as render metadata.

The values come from django-htmx's ``request.htmx`` when its middleware ran, else straight
from the ``HX-Request``, ``HX-Target``, ``HX-Trigger`` and ``HX-Boosted`` headers.
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.http import HttpRequest

from kida.render_context import get_render_context, render_context


def htmx_metadata(request: HttpRequest | None) -> dict[str, Any]:
    """``{"hx_request": True, "hx_target": ..., ...}`` for an htmx request; empty otherwise
    (the globals' defaults already say "not htmx")."""
    if request is None:
        return {}
    details = getattr(request, "htmx", None)
    if details is not None:
        if not details:
            return {}
        return {
            "hx_request": True,
            "hx_target": details.target,
            "hx_trigger": details.trigger,
            "hx_boosted": bool(details.boosted),
        }
    headers = request.headers
    if headers.get("HX-Request", "").lower() != "true":
        return {}
    return {
        "hx_request": True,
        "hx_target": headers.get("HX-Target"),
        "hx_trigger": headers.get("HX-Trigger"),
        "hx_boosted": headers.get("HX-Boosted", "").lower() == "true",
    }


@contextmanager
def htmx_scope(request: HttpRequest | None) -> Iterator[None]:
    """Renders started in the ``with`` body see the request's htmx metadata (see
    :func:`metadata_scope`)."""
    with metadata_scope(htmx_metadata(request)):
        yield


@contextmanager
def metadata_scope(metadata: Mapping[str, Any]) -> Iterator[None]:
    """Renders started in the ``with`` body see ``metadata`` as their render metadata (a render
    keeps it after the body ends, so a stream started inside may be consumed later). An
    enclosing ``render_context()`` gets the metadata added rather than hidden by a new scope.

    Example::

        metadata = htmx_metadata(request)  # while the request is at hand
        ...
        with metadata_scope(metadata):  # later, in the task that starts a render
            chunks = template.render_stream_async(**variables)
    """
    if not metadata:
        yield
        return
    outer = get_render_context()
    if outer is not None:
        for key, value in metadata.items():
            outer.set_meta(key, value)
        yield
        return
    with render_context() as scope:
        for key, value in metadata.items():
            scope.set_meta(key, value)
        yield
