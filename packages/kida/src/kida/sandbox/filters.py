"""The built-in filters that read attributes by a name the template gives (``sort(attribute=)``,
``map(attribute=)``, ``attr``, ``format``…) or build text and lists of a size it gives
(``center(width)``, ``batch(n)``…), guarded for a sandboxed environment.

Each guarded filter first follows the template's attribute path (or format fields) through the
:class:`~kida.sandbox.guard.Guard` on every item, refusing what the policy forbids, then runs the
unchanged filter, which can only read what the guard has already allowed.
"""

import functools
import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Final

from kida.environment.filters.attributes import PathPart, split_path
from kida.environment.filters.text import text_of
from kida.runtime.undefined import UNDEFINED
from kida.sandbox.guard import Guard

#: Filter → the parameter holding its attribute path; the items are in ``value``.
PATH_FILTERS: Final = {
    "sort": "attribute", "unique": "attribute", "min": "attribute", "max": "attribute",
    "sum": "attribute", "groupby": "attribute", "join": "attribute", "map": "attribute",
    "selectattr": "attribute", "rejectattr": "attribute",
}  # fmt: skip

#: Filter → its parameter that sizes what it builds (padding, groups, indentation, digits).
SIZE_FILTERS: Final = {
    "batch": "linecount", "center": "width", "decimal": "places",
    "format_number": "decimal_places", "indent": "width", "slice": "slices", "tojson": "indent",
}  # fmt: skip


def check_path(guard: Guard, obj: Any, path: str | int) -> None:
    """Follow ``path`` from ``obj`` as the filters do (mapping key; attribute, then item),
    through the guard; a comma separates several paths (``sort(attribute="last,first")``)."""
    if isinstance(path, str) and "," in path:
        for part in path.split(","):
            check_path(guard, obj, part.strip())
        return
    for key in split_path(path):
        obj = _checked_lookup(guard, obj, key)
        if obj is UNDEFINED:
            return


def _checked_lookup(guard: Guard, obj: Any, key: PathPart) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key, UNDEFINED)
    if isinstance(key, str):
        value = guard.read_attribute(obj, key, UNDEFINED)
        if value is not UNDEFINED:
            return value
    guard.check_object(obj)
    try:
        return obj[key]
    except (TypeError, LookupError):
        return UNDEFINED


def _guard_argument(
    func: Callable[..., Any], param: str, check: Callable[[dict[str, Any], Any], None]
) -> Callable[..., Any]:
    """``func`` running ``check(bound arguments, argument)`` first when ``param`` is given."""
    signature = inspect.signature(func)
    names = list(signature.parameters)
    kinds = [p.kind for p in signature.parameters.values()]
    # Where a positional argument would be; None when it can only come as a keyword (map).
    position = (
        names.index(param)
        if param in names and kinds[names.index(param)] is inspect.Parameter.POSITIONAL_OR_KEYWORD
        else None
    )

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if param not in kwargs and (position is None or len(args) <= position):
            return func(*args, **kwargs)  # not given: nothing to check
        bound = signature.bind(*args, **kwargs)
        argument = bound.arguments.get(param, bound.arguments.get("kwargs", {}).get(param))
        if argument is not None:
            check(bound.arguments, argument)
        return func(*bound.args, **bound.kwargs)

    return guarded


def _path_check(guard: Guard) -> Callable[[dict[str, Any], Any], None]:
    def check(arguments: dict[str, Any], path: Any) -> None:
        items: Iterable[Any] = arguments["value"]
        if isinstance(items, Iterator):  # checked once, then handed on
            items = arguments["value"] = list(items)
        for item in items:
            check_path(guard, item, path)

    return check


def _size_check(guard: Guard, name: str) -> Callable[[dict[str, Any], Any], None]:
    def check(arguments: dict[str, Any], size: Any) -> None:
        if isinstance(size, int):
            guard.check_count(size, f"{name}({size})")

    return check


def guarded_filters(filters: Mapping[str, Callable[..., Any]], guard: Guard) -> dict[str, Any]:
    """Guarded versions of the attribute-reading filters among ``filters``."""
    guarded: dict[str, Any] = {
        name: _guard_argument(filters[name], param, _path_check(guard))
        for name, param in PATH_FILTERS.items()
        if name in filters
    }
    guarded.update(
        (name, _guard_argument(filters[name], param, _size_check(guard, name)))
        for name, param in SIZE_FILTERS.items()
        if name in filters
    )
    get, format_ = filters.get("get"), filters.get("format")

    def attr(obj: Any, name: str) -> Any:
        """Only the attribute ``name`` (never a key), or undefined; checked."""
        return guard.read_attribute(obj, name, UNDEFINED)

    guarded["attr"] = attr
    if get is not None:

        @functools.wraps(get)
        def get_checked(value: Any, key: str | int, default: Any = None) -> Any:
            if value is not None and value is not UNDEFINED:
                check_path(guard, value, key)
            return get(value, key, default)

        guarded["get"] = get_checked
    if format_ is not None:

        @functools.wraps(format_)
        def format_checked(value: Any, *args: Any, **kwargs: Any) -> Any:
            guard.check_format(str(text_of(value)), args, kwargs)
            return format_(value, *args, **kwargs)

        guarded["format"] = format_checked
    return guarded
