"""Escaping for Python code that builds markup outside templates, one helper per context:
HTML text (``html_escape``, ``format_html``), JavaScript string literals (``js_escape``), CSS
values (``css_escape``), URLs in ``href``/``src`` (``url_is_safe``, ``safe_url``) and attribute
lists (``xmlattr``). Every
escaper drops NUL bytes, which some parsers skip and so let a payload slip past a filter.
"""

import re
import warnings
from collections.abc import Mapping
from typing import Any, Final

from markupsafe import Markup, escape


def html_escape(value: Any) -> str:
    """``value`` as text safe inside HTML: ``& < > " '`` escaped, unless it is markup already
    (has ``__html__``, like ``Markup``), which is kept as it is.

    Example::

        >>> html_escape("<b>")
        '&lt;b&gt;'
    """
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return str(escape(str(value).replace("\x00", "")))


def format_html(format_string: str, *args: Any, **kwargs: Any) -> Markup:
    """``format_string`` (trusted, kept as it is) filled with HTML-escaped arguments.

    Example::

        >>> format_html("<p>{name}</p>", name="<script>")
        Markup('<p>&lt;script&gt;</p>')
    """
    return Markup(format_string).format(*args, **kwargs)


class JSString(str):
    """Text already escaped for a JavaScript string literal (as ``Markup`` is for HTML)."""

    __slots__ = ()


_JS: Final = str.maketrans(
    {
        "\\": "\\\\",
        '"': '\\"',
        "'": "\\'",
        "`": "\\`",
        "$": "\\$",
        "\n": "\\n",
        "\r": "\\r",
        "\t": "\\t",
        "<": "\\x3c",
        ">": "\\x3e",
        "/": "\\/",
        "\u2028": "\\u2028",
        "\u2029": "\\u2029",
        "\x00": None,
    }
)


def js_escape(value: Any) -> str:
    """``value`` safe inside a JavaScript string literal ('…', "…" or `…`): quotes, ``$``,
    backslashes, line breaks and ``< > /`` (no ``</script>`` breakout) escaped. Not for JSON or
    numbers: use ``json.dumps`` / ``int()`` there.

    Example::

        >>> js_escape('say "hi"</script>')
        'say \\\\"hi\\\\"\\\\x3c\\\\/script\\\\x3e'
    """
    return str(value).translate(_JS)


_CSS: Final = str.maketrans(
    {
        "\\": "\\\\",
        '"': '\\"',
        "'": "\\'",
        "(": "\\(",
        ")": "\\)",
        "/": "\\/",
        "<": "\\3c ",
        ">": "\\3e ",
        "&": "\\26 ",
        "\x00": None,
    }
)


def css_escape(value: Any) -> str:
    """``value`` safe inside a CSS property value: no ``url(…)``/``expression(…)`` call, no
    string or ``</style>`` breakout.

    Example::

        >>> css_escape("red; background: url(x)")
        'red; background: url\\\\(x\\\\)'
    """
    return str(value).translate(_CSS)


#: URL schemes that navigate or hand off, but never run code in the page.
SAFE_URL_SCHEMES: Final = frozenset({"http", "https", "mailto", "tel", "ftp", "ftps", "sms"})

#: Characters browsers drop from a URL before reading its scheme ("java\tscript:").
_IGNORED_IN_URL: Final = str.maketrans(dict.fromkeys("\x00\t\n\r"))
#: What browsers trim from a URL's ends: spaces and C0 control characters.
_URL_PADDING: Final = "".join(map(chr, range(0x21)))


def url_is_safe(url: str, *, allow_data: bool = False) -> bool:
    """Whether ``url`` is relative or has a scheme in :data:`SAFE_URL_SCHEMES` (``data:`` too
    with ``allow_data``), so ``javascript:`` and friends never reach an ``href``."""
    text = str(url).translate(_IGNORED_IN_URL).strip(_URL_PADDING)
    scheme, colon, _ = text.partition(":")
    if not colon or any(mark in scheme for mark in "/?#"):
        return True  # no scheme: a relative URL
    scheme = scheme.lower()
    return scheme in SAFE_URL_SCHEMES or (allow_data and scheme == "data")


def safe_url(url: str, *, fallback: str = "#") -> str:
    """``url`` if :func:`url_is_safe`, else ``fallback``."""
    return url if url_is_safe(url) else fallback


#: The event handler content attributes of the WHATWG HTML standard (global, window and
#: document handlers) and of the pointer, touch, animation and transition specifications:
#: their value runs as JavaScript. A list rather than an ``on`` prefix, so ``open``, ``one``
#: or ``only`` are plain attributes.
EVENT_HANDLER_ATTRIBUTES: Final = frozenset(
    {
        "onabort", "onafterprint", "onanimationcancel", "onanimationend", "onanimationiteration",
        "onanimationstart", "onauxclick", "onbeforeinput", "onbeforematch", "onbeforeprint",
        "onbeforetoggle", "onbeforeunload", "onblur", "oncancel", "oncanplay", "oncanplaythrough",
        "onchange", "onclick", "onclose", "oncommand", "oncontextlost", "oncontextmenu",
        "oncontextrestored", "oncopy", "oncuechange", "oncut", "ondblclick", "ondrag", "ondragend",
        "ondragenter", "ondragleave", "ondragover", "ondragstart", "ondrop", "ondurationchange",
        "onemptied", "onended", "onerror", "onfocus", "onfocusin", "onfocusout", "onformdata",
        "ongotpointercapture", "onhashchange", "oninput", "oninvalid", "onkeydown", "onkeypress",
        "onkeyup", "onlanguagechange", "onload", "onloadeddata", "onloadedmetadata", "onloadstart",
        "onlostpointercapture", "onmessage", "onmessageerror", "onmousedown", "onmouseenter",
        "onmouseleave", "onmousemove", "onmouseout", "onmouseover", "onmouseup", "onoffline",
        "ononline", "onpagehide", "onpagereveal", "onpageshow", "onpageswap", "onpaste", "onpause",
        "onplay", "onplaying", "onpointercancel", "onpointerdown", "onpointerenter",
        "onpointerleave", "onpointermove", "onpointerout", "onpointerover", "onpointerrawupdate",
        "onpointerup", "onpopstate", "onprogress", "onratechange", "onrejectionhandled", "onreset",
        "onresize", "onscroll", "onscrollend", "onsecuritypolicyviolation", "onseeked", "onseeking",
        "onselect", "onselectionchange", "onselectstart", "onslotchange", "onstalled", "onstorage",
        "onsubmit", "onsuspend", "ontimeupdate", "ontoggle", "ontouchcancel", "ontouchend",
        "ontouchmove", "ontouchstart", "ontransitioncancel", "ontransitionend", "ontransitionrun",
        "ontransitionstart", "onunhandledrejection", "onunload", "onvolumechange", "onwaiting",
        "onwebkitanimationend", "onwebkitanimationiteration", "onwebkitanimationstart",
        "onwebkittransitionend", "onwheel",
    }
)  # fmt: skip

#: What an HTML attribute name cannot contain (it would end the name or the tag).
INVALID_ATTRIBUTE_NAME: Final = re.compile(r"[\s\x00/>=\"']")


def xmlattr(
    value: Mapping[str, Any],
    *,
    allow_events: bool = False,
    strip_events: bool = False,
    strict: bool = True,
) -> Markup:
    """``{"class": "btn", "id": None}`` as ``class="btn"``: values escaped, ``None`` dropped.

    Event handlers (:data:`EVENT_HANDLER_ATTRIBUTES`: their value runs JavaScript) warn
    unless ``allow_events``, or are dropped with ``strip_events``. An invalid name raises
    ValueError, or with ``strict=False`` is dropped with a warning.
    """
    parts = []
    for name, item in value.items():
        if item is None:
            continue
        if not name or INVALID_ATTRIBUTE_NAME.search(name):
            if strict:
                raise ValueError(f"invalid HTML attribute name {name!r}")
            warnings.warn(f"xmlattr: skipped invalid attribute name {name!r}", stacklevel=2)
            continue
        if name.lower() in EVENT_HANDLER_ATTRIBUTES:
            if strip_events:
                continue
            if not allow_events:
                warnings.warn(
                    f"Event handler attribute {name!r} can execute JavaScript "
                    "(allow_events=True if it is trusted, strip_events=True to drop it)",
                    UserWarning,
                    stacklevel=2,
                )
        parts.append(f'{escape(name)}="{escape(item)}"')
    return Markup(" ".join(parts))
