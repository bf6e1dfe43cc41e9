"""Filters that transform text: case, trimming, truncation, wrapping, formatting.

Every filter here keeps Markup-ness: a ``Markup`` value comes back as ``Markup`` (markupsafe's
string methods escape their plain arguments), a plain string comes back plain and is escaped on
output as usual.
"""

import re
import textwrap
import unicodedata
from collections.abc import Sized
from numbers import Number
from typing import Any

from markupsafe import Markup, escape

from kida.exceptions import TemplateRuntimeError


def text_of(value: Any) -> str:
    """The string a filter works on: ``None`` is empty (as it renders), ``Markup`` stays Markup."""
    if isinstance(value, str):
        return value
    return "" if value is None else str(value)


def same_kind(original: str, text: str) -> str:
    """Re-mark ``text`` computed from a ``Markup`` ``original`` that added no unescaped content."""
    return Markup(text) if isinstance(original, Markup) else text


def do_string(value: Any) -> str:
    """``x|string``: the text of ``x`` without escaping it (Markup stays Markup)."""
    return text_of(value)


def do_upper(value: Any) -> str:
    """``"ok"|upper`` → ``"OK"``."""
    return text_of(value).upper()


def do_lower(value: Any) -> str:
    """``"OK"|lower`` → ``"ok"``."""
    return text_of(value).lower()


def do_capitalize(value: Any) -> str:
    """First character upper, the rest lower: ``"hELLO"|capitalize`` → ``"Hello"``."""
    return text_of(value).capitalize()


def do_title(value: Any) -> str:
    """Title-case each word; unlike ``str.title`` an apostrophe does not start a word."""
    text = text_of(value)
    return same_kind(
        text, re.sub(r"\w[\w']*", lambda m: m.group(0)[:1].upper() + m.group(0)[1:].lower(), text)
    )


def do_trim(value: Any, chars: str | None = None) -> str:
    """Strip whitespace, or the given ``chars``: ``"--x--"|trim("-")`` → ``"x"``."""
    return text_of(value).strip(chars)


def do_center(value: Any, width: int = 80) -> str:
    """Pad to ``width`` on both sides, for fixed-width text such as ``<pre>``."""
    return text_of(value).center(width)


def do_replace(value: Any, old: str, new: str, count: int | str | None = None) -> str:
    """Replace ``old`` by ``new`` (the first ``count`` times; None or negative: all); into
    Markup, ``new`` is escaped unless it is Markup itself."""
    if count is None:
        return text_of(value).replace(old, new)
    try:
        times = int(count)
    except (TypeError, ValueError) as exc:
        raise TemplateRuntimeError(
            f"replace count expects a number, got {type(count).__name__}: {count!r}",
            hint="pass an integer, e.g. x|replace('a', 'b', 2), or convert it with |int",
        ) from exc
    return text_of(value).replace(old, new, max(times, -1))


def do_truncate(
    value: Any,
    length: int = 255,
    killwords: bool = False,
    end: str = "...",
    leeway: int = 0,
) -> str:
    """Cut to ``length`` characters including ``end``, at a word boundary unless ``killwords``.

    ``leeway`` (Jinja2) lets a text up to ``length + leeway`` through untouched.
    """
    text = text_of(value)
    if len(text) <= length + leeway:
        return text
    room = max(length - len(end), 0)
    cut = text[:room]
    if not killwords and " " in cut:
        cut = cut.rsplit(" ", 1)[0].rstrip()
    return cut + end


def do_wordcount(value: Any) -> int:
    """Number of whitespace-separated words."""
    return len(text_of(value).split())


def do_wordwrap(
    value: Any,
    width: int = 79,
    break_long_words: bool = True,
    wrapstring: str = "\n",
    break_on_hyphens: bool = True,
) -> str:
    """Wrap each paragraph (kept apart by existing newlines) to ``width`` columns."""
    text = text_of(value)
    wrapper = textwrap.TextWrapper(
        width=width,
        break_long_words=break_long_words,
        break_on_hyphens=break_on_hyphens,
        expand_tabs=False,
        replace_whitespace=False,
    )
    separator = str(escape(wrapstring)) if isinstance(text, Markup) else wrapstring
    wrapped = separator.join(separator.join(wrapper.wrap(line)) for line in str(text).splitlines())
    return same_kind(text, wrapped)


def do_indent(value: Any, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    """Indent every line but the first (or also the first); blank lines only with ``blank``."""
    text = text_of(value)
    pad = " " * width if isinstance(width, int) else width
    if isinstance(text, Markup):
        pad = escape(pad)
    lines = text.splitlines()
    out = [
        pad + line if (index or first) and (blank or line.strip()) else line
        for index, line in enumerate(lines)
    ]
    return same_kind(text, "\n".join(out) + ("\n" if text.endswith("\n") else ""))


# A printf-style spec such as %s, %5d or %.2f (not a bare "50%").
_PERCENT_SPEC = re.compile(r"%\d*(?:\.\d+)?[sdfiouxXeEgGcr]")


def do_format(value: Any, *args: Any, **kwargs: Any) -> str:
    """``"{} of {}"|format(a, b)``: ``str.format`` placeholders, as kida defines it."""
    text = text_of(value)
    if (args or kwargs) and "{" not in text and _PERCENT_SPEC.search(text):
        raise TemplateRuntimeError(
            f"format: {text!r} has %-style placeholders; format uses {{}} (str.format)",
            hint='write "{:.2f}"|format(x), or use x|format_number(2) for thousands separators',
        )
    try:
        return text.format(*args, **kwargs)
    except (IndexError, KeyError, ValueError) as exc:
        raise TemplateRuntimeError(
            f"format: {exc!r} while formatting {text!r}",
            hint='format uses {} placeholders (str.format), e.g. "{:.2f}"|format(x); '
            "for thousands separators use format_number",
        ) from exc


def do_slug(value: Any) -> str:
    """URL-safe slug: ASCII, lowercase, runs of anything else become one hyphen."""
    ascii_text = unicodedata.normalize("NFKD", str(text_of(value))).encode("ascii", "ignore")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.decode().lower()).strip("-")


def do_pluralize(value: Any, suffix: str = "s") -> str:
    """Django-style suffix: ``""`` for one, ``"s"`` otherwise; ``"y,ies"`` gives both forms.

    The value is a count (a number, or a string of digits) or, as in Django, a collection
    counted by its length; ``None`` counts as none (plural). Anything else is an error.
    """
    singular, comma, plural = suffix.partition(",")
    if comma:
        singular, plural = singular.strip(), plural.partition(",")[0].strip()
    else:
        singular, plural = "", suffix
    if value is None:
        return plural
    try:
        if isinstance(value, str | Number):
            count = int(value)  # type: ignore[arg-type]
        elif isinstance(value, Sized):
            count = len(value)
        else:
            count = int(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise TemplateRuntimeError(
            f"pluralize expects a number, got {type(value).__name__}: {value!r}",
            hint="pass a count, e.g. {{ n|int|pluralize }} or {{ items|length|pluralize }}",
        ) from exc
    return singular if count == 1 else plural
