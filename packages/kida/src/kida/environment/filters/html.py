"""Filters that produce or consume HTML, so each must be exact about what is already safe.

Output marked ``Markup`` is trusted by the renderer and written as is; anything else is escaped
on output. A filter returns ``Markup`` only when it escaped every piece of user text itself.
"""

import json
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

from markupsafe import Markup, escape

from kida.environment.filters.text import text_of
from kida.exceptions import TemplateRuntimeError
from kida.passing import pass_context
from kida.runtime.undefined import UNDEFINED
from kida.utils.csp import csp_nonce_filter, csp_nonce_global
from kida.utils.html import INVALID_ATTRIBUTE_NAME

# Characters that would end a <script> element or an attribute if left raw inside JSON.
_JSON_HTML_ESCAPES = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027"})


def do_striptags(value: Any) -> str:
    """Drop tags and comments, unescape entities and collapse whitespace: plain text out."""
    return Markup(text_of(value)).striptags()


def do_urlencode(value: Any) -> str:
    """Percent-encode a string (``/`` too, as kida does), or a mapping / pairs into a query
    string."""
    if isinstance(value, str):
        return quote(value, safe="")
    if isinstance(value, Mapping):
        return urlencode(list(value.items()))
    if isinstance(value, Iterable):
        return urlencode(list(value))
    return quote(text_of(value), safe="")


def do_xmlattr(value: Mapping[str, Any], autospace: bool = True) -> Markup:
    """``{"class": "a", "hidden": none}`` → `` class="a"``; ``None``/undefined values dropped.

    Names that could break out of the tag are refused rather than escaped.
    """
    parts = []
    for name, item in value.items():
        if item is None or item is UNDEFINED:
            continue
        if not name or INVALID_ATTRIBUTE_NAME.search(name):
            raise TemplateRuntimeError(
                f"xmlattr: invalid attribute name {name!r}",
                hint="attribute names cannot contain spaces, quotes, '/', '>' or '='",
            )
        parts.append(f'{escape(name)}="{escape(item)}"')
    text = " ".join(parts)
    return Markup(f" {text}" if autospace and text else text)


def do_tojson(value: Any, indent: int | None = None, *, attr: bool = False) -> Markup:
    """JSON safe to put inside ``<script>`` or a single-quoted attribute; with ``attr=true``
    entity-encoded for a double-quoted attribute (``data-x="{{ d|tojson(attr=true) }}"``)."""
    dumped = json.dumps(value, indent=indent, default=str, ensure_ascii=False)
    if attr:
        return escape(dumped)
    return Markup(dumped.translate(_JSON_HTML_ESCAPES))


def do_classes(value: Any) -> str:
    """A ``class`` attribute value from a list (falsy items dropped, lists nested) or a dict
    (keys whose value is truthy): ``["a", none, {"on": x}]|classes`` → ``"a on"`` when x.
    """
    names: list[str] = []

    def collect(item: Any) -> None:
        if isinstance(item, Mapping):
            names.extend(str(key) for key, on in item.items() if on)
        elif isinstance(item, list | tuple | set | frozenset):
            for sub in item:
                collect(sub)
        elif item:
            names.append(str(item))

    collect(value)
    return " ".join(dict.fromkeys(" ".join(names).split()))


def _nonce_in_scope(ctx: Any) -> Any:
    """The nonce a render offers: a context value, else metadata, else django-csp's request's."""
    nonce = ctx.get("csp_nonce")
    if callable(nonce) or not nonce:  # the csp_nonce() global, or nothing: ask the metadata
        nonce = csp_nonce_global()
    return nonce or getattr(ctx.get("request"), "csp_nonce", None)


@pass_context
def do_csp_nonce(ctx: Any, value: Any = None, nonce: str | None = None) -> Markup:
    """Add ``nonce="…"`` to every ``<script>``/``<style>`` in ``value`` that lacks one.

    The nonce comes from the argument, else the context's ``csp_nonce`` (a value, or the
    ``csp_nonce()`` global), else the render's ``csp_nonce`` metadata, else
    ``request.csp_nonce`` (django-csp). As in kida, the value is trusted HTML and the result
    is always ``Markup``. With an empty value the filter returns the nonce itself, for
    ``<script nonce="{{ none|csp_nonce }}">``; without a nonce the value is unchanged.
    """
    if nonce is None:
        nonce = _nonce_in_scope(ctx)
    text = text_of(value)
    if not text:
        return escape(str(nonce)) if nonce else Markup("")
    return csp_nonce_filter(text, nonce or "")
