"""Content Security Policy nonces: ``nonce="…"`` added to inline ``<script>`` and ``<style>``
tags, so a page served with ``script-src 'nonce-…'`` keeps its own inline code running.

Three ways in, as advanced/csp.md describes: :func:`inject_csp_nonce` on any HTML string, the
``csp_nonce`` filter inside a template, and the nonce set once per render with
``render_context().set_meta("csp_nonce", nonce)``, which the filter and the ``csp_nonce()``
global read.

Example::

    >>> inject_csp_nonce('<script>go()</script>', "r4nd0m")
    '<script nonce="r4nd0m">go()</script>'
"""

import re
from typing import Any

from markupsafe import Markup, escape

from kida.render_context import get_render_context

#: An opening ``<script>``/``<style>`` tag: its name (with ``<``), attributes, and ``>``.
_OPENING_TAG = re.compile(r"(<\s*(?:script|style))(\s[^>]*)?(>)", re.IGNORECASE)
_HAS_NONCE = re.compile(r"\bnonce\s*=", re.IGNORECASE)


def inject_csp_nonce(html_content: str, nonce: str | None) -> str:
    """``html_content`` with ``nonce="…"`` (escaped) added to every opening ``<script>`` and
    ``<style>`` tag that has none, after its other attributes; tags are matched in any case.

    An empty or None nonce returns the input as it is. ``Markup`` in gives ``Markup`` out, so
    an autoescaped template does not escape the result again.
    """
    if not nonce:
        return html_content
    attribute = f' nonce="{escape(str(nonce))}"'

    def add(match: re.Match[str]) -> str:
        attributes = match.group(2) or ""
        if _HAS_NONCE.search(attributes):
            return match.group(0)
        return f"{match.group(1)}{attributes}{attribute}{match.group(3)}"

    injected = _OPENING_TAG.sub(add, str(html_content))
    return Markup(injected) if isinstance(html_content, Markup) else injected


def csp_nonce_global() -> str:
    """The nonce set as ``csp_nonce`` metadata of the current render or render scope, else
    "" (the ``csp_nonce()`` global)."""
    ctx = get_render_context()
    nonce = None if ctx is None else ctx.get_meta("csp_nonce")
    return str(nonce) if nonce else ""


def csp_nonce_filter(value: Any, nonce: str | None = None) -> Markup:
    """``{{ html | csp_nonce }}`` / ``{{ html | csp_nonce("n") }}``: the nonce added to the
    value's script and style tags, from the argument or else the render's metadata.

    The value is HTML the application produced (that is what nonces are for), so the result
    is always ``Markup``; never pass user text through it.
    """
    if nonce is None:
        nonce = csp_nonce_global()
    text = value if isinstance(value, Markup) else Markup(str(value))
    return Markup(inject_csp_nonce(text, nonce))
