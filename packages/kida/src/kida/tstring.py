"""PEP 750 template-string tags: ``k`` (HTML-escaping), ``plain`` (no escaping) and ``r``
(regular expressions composed of parts, each kept in a group of its own).

On Python 3.14 pass a t-string, ``k(t"<p>{name}</p>")``. Older Pythons have no t-string
syntax; the tags then take any object shaped like ``string.templatelib.Template`` (``strings``
and ``interpolations``), and refuse anything else with a TypeError that says so.
"""

import re
from typing import Any, Protocol, runtime_checkable

from kida.utils.html import html_escape


@runtime_checkable
class TemplateProtocol(Protocol):
    """What the tags read from a t-string."""

    strings: tuple[str, ...]
    interpolations: tuple[Any, ...]


def _parts(template: object, tag: str) -> tuple[tuple[str, ...], tuple[Any, ...]]:
    if not isinstance(template, TemplateProtocol):
        raise TypeError(
            f'{tag}() takes a t-string (Python 3.14+: {tag}(t"...")) or an object with '
            f"'strings' and 'interpolations'; got {type(template).__name__}"
        )
    return template.strings, template.interpolations


def _formatted(interpolation: Any) -> Any:
    """The interpolated value with its ``!r``/``!s``/``!a`` and ``:spec`` applied."""
    value = getattr(interpolation, "value", interpolation)
    conversion = getattr(interpolation, "conversion", None)
    if conversion == "r":
        value = repr(value)
    elif conversion == "s":
        value = str(value)
    elif conversion == "a":
        value = ascii(value)
    spec = getattr(interpolation, "format_spec", "")
    return format(value, spec) if spec else value


def k(template: TemplateProtocol) -> str:
    """The t-string as HTML: interpolated values escaped unless they are markup.

    Example::

        >>> k(t"<p>{name}</p>")  # name = "<script>"
        '<p>&lt;script&gt;</p>'
    """
    strings, interpolations = _parts(template, "k")
    out = [strings[0]]
    for interpolation, text in zip(interpolations, strings[1:], strict=True):
        out.append(html_escape(_formatted(interpolation)))
        out.append(text)
    return "".join(out)


def plain(template: TemplateProtocol) -> str:
    """The t-string joined without escaping (logs, terminal text, error messages)."""
    strings, interpolations = _parts(template, "plain")
    out = [strings[0]]
    for interpolation, text in zip(interpolations, strings[1:], strict=True):
        out.append(str(_formatted(interpolation)))
        out.append(text)
    return "".join(out)


class PatternError(ValueError):
    """A pattern that does not compile, or whose nesting invites catastrophic backtracking."""


#: Shapes known to backtrack exponentially: a quantified group holding a quantifier, ``(a+)+``.
_EXPONENTIAL = re.compile(r"\((?:[^()\\]|\\.)*[+*](?:[^()\\]|\\.)*\)[+*{]")


class ComposablePattern:
    """A regular expression checked when made and compiled when first used; ``a | b`` joins two
    as alternatives, each in its own non-capturing group so neither changes the other."""

    __slots__ = ("_compiled", "_pattern")

    def __init__(self, pattern: str, *, validate: bool = True) -> None:
        try:
            re.compile(pattern)
        except re.error as error:
            raise PatternError(f"invalid regular expression {pattern!r}: {error}") from error
        if validate and _EXPONENTIAL.search(pattern):
            raise PatternError(
                f"pattern {pattern!r} may be vulnerable to ReDoS (exponential backtracking): "
                "a quantified group holds a quantifier; simplify it, or pass validate=False"
            )
        self._pattern = pattern
        self._compiled: re.Pattern[str] | None = None

    @property
    def pattern(self) -> str:
        """The regular expression's source text."""
        return self._pattern

    def compile(self, flags: int = 0) -> re.Pattern[str]:
        """The compiled expression (kept for reuse when no flags are given)."""
        if flags:
            return re.compile(self._pattern, flags)
        if self._compiled is None:
            self._compiled = re.compile(self._pattern)
        return self._compiled

    def __or__(self, other: "ComposablePattern | str") -> "ComposablePattern":
        right = other.pattern if isinstance(other, ComposablePattern) else other
        return ComposablePattern(f"(?:{self._pattern})|(?:{right})", validate=False)

    def __repr__(self) -> str:
        return f"ComposablePattern({self._pattern!r})"


def r(template: TemplateProtocol) -> ComposablePattern:
    """The t-string as a regular expression, each interpolated part (a string or a
    ComposablePattern) in a non-capturing group: ``r(t"{NAME}|{NUMBER}")``."""
    strings, interpolations = _parts(template, "r")
    out = [strings[0]]
    for interpolation, text in zip(interpolations, strings[1:], strict=True):
        value = getattr(interpolation, "value", interpolation)
        if isinstance(value, ComposablePattern):
            value = value.pattern
        elif not isinstance(value, str):
            raise TypeError(
                f"r() interpolates a str or a ComposablePattern, got {type(value).__name__}"
            )
        out.append(f"(?:{value})")
        out.append(text)
    return ComposablePattern("".join(out))
