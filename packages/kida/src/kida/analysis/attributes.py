"""``extract_literal_attributes()``: the HTML attributes a template writes literally, with
where, for framework adapters and CI reports (an ``hx-post`` URL, an ``id`` an ``hx-target``
points at) that should not walk kida's tree themselves.

Only what the template text shows: an attribute whose value comes from ``{{ }}``, and
attributes produced by ``{{ attrs }}``, ``xmlattr`` or helpers, are not reported.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kida.analysis.markup import static_tags
from kida.analysis.targets import name_of, tree_of


@dataclass(frozen=True, slots=True)
class LiteralAttribute:
    """One literal attribute: ``value`` None for a value-less one (``hidden``); ``lineno``
    1-based and ``col_offset`` 0-based, where its name starts."""

    name: str
    value: str | None
    tag: str
    template_name: str | None = None
    lineno: int | None = None
    col_offset: int | None = None


def extract_literal_attributes(
    template_or_ast: Any,
    *,
    names: Iterable[str] | None = None,
    prefixes: Iterable[str] | None = None,
) -> list[LiteralAttribute]:
    """The literal attributes of a template (or tree) in source order; ``names`` keeps only
    those names, ``prefixes`` only names starting with one of them (``("data-", "hx-")``).

    Example::

        >>> [(a.tag, a.name, a.value) for a in extract_literal_attributes(
        ...     env.from_string('<button hx-post="/save">'), prefixes=("hx-",))]
        [('button', 'hx-post', '/save')]
    """
    tree = tree_of(template_or_ast)
    if tree is None:
        return []
    wanted = set(names) if names is not None else None
    starts = tuple(prefixes or ())
    template_name = name_of(template_or_ast)
    return [
        LiteralAttribute(
            attribute.name,
            attribute.value,
            tag.name,
            template_name,
            attribute.lineno,
            attribute.col_offset,
        )
        for tag in static_tags(tree)
        for attribute in tag.attributes
        if not attribute.dynamic
        and (wanted is None or attribute.name in wanted)
        and (not starts or attribute.name.startswith(starts))
    ]
