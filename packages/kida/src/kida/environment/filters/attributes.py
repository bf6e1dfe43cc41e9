"""Dotted attribute paths (``"author.name"``, ``"items.0"``) as filters like ``sort`` take them.

Lookup follows the template language: a mapping's key, otherwise an object's attribute, then a
subscript (for sequences and other containers). A missing step yields ``UNDEFINED`` (never an
exception), so ``default=`` and the ``defined`` test work on the result.
"""

from collections.abc import Callable, Mapping
from typing import Any

from kida.runtime.undefined import UNDEFINED

PathPart = str | int


def split_path(path: str | int) -> tuple[PathPart, ...]:
    """``"a.0.b"`` → ``("a", 0, "b")``; digit segments index sequences like Jinja2 does."""
    if isinstance(path, int):
        return (path,)
    return tuple(int(part) if part.isdigit() else part for part in path.split("."))


def lookup(obj: Any, key: PathPart) -> Any:
    """One step of a path: a mapping's key; an object's attribute, then subscript."""
    if isinstance(obj, Mapping):
        # keys only: a path like "items" must never find dict.items
        return obj.get(key, UNDEFINED)
    if isinstance(key, str):
        value = getattr(obj, key, UNDEFINED)
        if value is not UNDEFINED:
            return value
    try:
        return obj[key]
    except (TypeError, LookupError):
        return UNDEFINED


def resolve(obj: Any, parts: tuple[PathPart, ...]) -> Any:
    """Follow ``parts`` from ``obj``; ``UNDEFINED`` as soon as a step is missing."""
    for part in parts:
        obj = lookup(obj, part)
        if obj is UNDEFINED:
            break
    return obj


def attribute_getter(
    path: str | int | None,
    *,
    default: Any = UNDEFINED,
    fold_case: bool = False,
) -> Callable[[Any], Any]:
    """A key function for ``path`` (``None`` = the item itself), parsed once per filter call.

    ``fold_case`` lowercases string results, which is how the ``case_sensitive=False`` filters
    compare. A comma in ``path`` (``"last,first"``) makes the key a tuple, as ``sort`` allows.
    """
    if isinstance(path, str) and "," in path:
        getters = [
            attribute_getter(part.strip(), default=default, fold_case=fold_case)
            for part in path.split(",")
        ]
        return lambda item: tuple(getter(item) for getter in getters)
    parts = () if path is None else split_path(path)

    def get(item: Any) -> Any:
        value = resolve(item, parts)
        if value is UNDEFINED:
            value = default
        if fold_case and isinstance(value, str):
            return value.lower()
        return value

    return get
