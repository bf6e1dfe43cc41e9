"""The framework helpers ``enable_htmx_helpers=True`` adds to the globals: ``hx_request()``,
``hx_target()``, ``hx_trigger()``, ``hx_boosted()``, ``csrf_token()`` and ``csp_nonce()``.

They read the metadata a framework attaches to the render with
``render_context().set_meta(...)`` (djkida does so from the request), under the same keys as
kida-templates: ``hx_request``, ``hx_target``, ``hx_trigger``, ``hx_boosted``, ``csrf_token``,
``csp_nonce``. Outside such a scope they answer "not htmx", None, or empty.

Example::

    with render_context() as rc:
        rc.set_meta("hx_request", True)
        html = env.from_string("{{ 'part' if hx_request() else 'page' }}").render()
"""

import warnings
from html import escape
from typing import Any, Final

from markupsafe import Markup

from kida.render_context import get_render_context
from kida.utils.csp import csp_nonce_global


def _meta(key: str, default: Any) -> Any:
    """Metadata ``key`` of the running render (or of the ``render_context()`` scope)."""
    ctx = get_render_context()
    return default if ctx is None else ctx.get_meta(key, default)


def hx_request() -> bool:
    """Whether htmx made the request (``HX-Request: true``): render a fragment, not a page."""
    return bool(_meta("hx_request", False))


def hx_target() -> str | None:
    """The id of the element htmx swaps the response into (``HX-Target``), if any."""
    target: str | None = _meta("hx_target", None)
    return target


def hx_trigger() -> str | None:
    """The id of the element that triggered the request (``HX-Trigger``), if any."""
    trigger: str | None = _meta("hx_trigger", None)
    return trigger


def hx_boosted() -> bool:
    """Whether the request comes from an ``hx-boost`` link or form (``HX-Boosted: true``)."""
    return bool(_meta("hx_boosted", False))


def csrf_token() -> Markup:
    """A hidden ``csrf_token`` input holding the token set as metadata; without a token, empty
    and a ``UserWarning`` (the form would fail its CSRF check)."""
    token = _meta("csrf_token", "")
    if not token:
        warnings.warn(
            "csrf_token() has no token: the framework sets it with "
            "render_context().set_meta('csrf_token', token) before rendering",
            UserWarning,
            stacklevel=2,
        )
        return Markup("")
    return Markup(f'<input type="hidden" name="csrf_token" value="{escape(str(token))}">')


#: Name → global, added to an Environment's globals when ``enable_htmx_helpers`` is True.
HTMX_GLOBALS: Final[dict[str, Any]] = {
    "hx_request": hx_request,
    "hx_target": hx_target,
    "hx_trigger": hx_trigger,
    "hx_boosted": hx_boosted,
    "csrf_token": csrf_token,
    "csp_nonce": csp_nonce_global,
}
