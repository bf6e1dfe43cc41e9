"""Markers that ask the renderer to pass extra state to a filter, test or global.

A plain function receives only its arguments. Mark it with :func:`pass_context` to receive the
render context (current variables, ``autoescape`` and the ``environment``) first, or with
:func:`pass_environment` to receive the :class:`~kida.Environment` first. The compiler reads the
``kida_pass`` attribute once, when the template is compiled, so a marked call costs nothing extra.
"""

from collections.abc import Callable
from typing import Any, Literal

PassKind = Literal["context", "environment"]


def pass_context[F: Callable[..., Any]](func: F) -> F:
    """Give ``func`` the render context as its first argument.

    Example::

        @pass_context
        def nonce(ctx, value):
            return ctx.get("csp_nonce", "")
    """
    func.kida_pass = "context"  # type: ignore[attr-defined]
    return func


def pass_environment[F: Callable[..., Any]](func: F) -> F:
    """Give ``func`` the :class:`~kida.Environment` as its first argument."""
    func.kida_pass = "environment"  # type: ignore[attr-defined]
    return func


def pass_kind(func: Callable[..., Any]) -> PassKind | None:
    """What ``func`` asked to receive first, if anything."""
    kind: PassKind | None = getattr(func, "kida_pass", None)
    return kind
