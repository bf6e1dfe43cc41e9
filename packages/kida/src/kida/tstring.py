"""PEP 750 template-string tags: ``k`` (HTML-escaping) and ``plain`` (no escaping).

On Python 3.14 pass a t-string, ``k(t"<p>{name}</p>")``. Older Pythons have no t-string
syntax; the tags then take any object shaped like ``string.templatelib.Template`` (``strings``
and ``interpolations``), and refuse anything else with a TypeError that says so.
"""

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
