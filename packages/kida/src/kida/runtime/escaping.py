"""Turning values into output text: markupsafe's C escaping plus fast paths for plain values.

``None`` renders as "" (kida semantics); objects with ``__html__`` (``Markup``, Django's
``SafeString``) are trusted as they are.
"""

from collections.abc import Callable
from typing import Any

from markupsafe import Markup, escape


def _escape_plain(value: str) -> str:
    """Escape a plain ``str`` (fallback when markupsafe has no C speedups)."""
    return str(escape(value))


try:
    from markupsafe._speedups import _escape_inner

    escape_str: Callable[[str], str] = _escape_inner
except ImportError:  # pure-Python markupsafe
    escape_str = _escape_plain


def escape_value(value: Any) -> str:
    """The HTML-safe text of ``value``.

    Example::

        >>> escape_value("<b>"), escape_value(None), escape_value(Markup("<i>"))
        ('&lt;b&gt;', '', '<i>')
    """
    kind = type(value)
    if kind is str:
        return escape_str(value)
    if value is None:
        return ""
    if kind is int or kind is float:
        return str(value)
    html = getattr(value, "__html__", None)
    if html is not None:
        return str(html())
    return escape_str(str(value))


def escape_filter(value: Any) -> Markup:
    """``x|escape`` (``x|e``): escaped unless already safe, None as "". Compiled code calls
    this very function (the built-in filter), so profiling counts it like any filter."""
    return Markup(escape_value(value))


def safe_filter(value: Any, reason: str | None = None) -> Markup:
    """``x|safe``: trust ``value`` as HTML, None as "". ``reason`` documents why, for
    reviewers; it is not used. Compiled code calls this very function, as for ``escape``;
    an object with ``__html__`` gives that HTML."""
    return Markup("") if value is None else Markup(value)


def to_str(value: Any) -> str:
    """The text of ``value`` without escaping; ``None`` is ""."""
    if type(value) is str:
        return value
    return "" if value is None else str(value)


def concat(left: Any, right: Any) -> str:
    """``a ~ b``: both sides as text, escaping-aware when either side is markup. As in
    kida, ``str()`` makes the text, so None is "None" here (unlike ``{{ none }}``)."""
    if hasattr(left, "__html__") or hasattr(right, "__html__"):
        return Markup(
            escape_value("None" if left is None else left)
            + escape_value("None" if right is None else right)
        )
    return (left if type(left) is str else str(left)) + (
        right if type(right) is str else str(right)
    )


__all__ = ["Markup", "concat", "escape", "escape_str", "escape_value", "to_str"]
