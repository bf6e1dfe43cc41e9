"""The built-in filters that read attributes by a name the template gives (``sort(attribute=)``,
``map(attribute=)``, ``attr``, ``format``…), guarded for a sandboxed environment.

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


def _guard_path_filter(func: Callable[..., Any], param: str, guard: Guard) -> Callable[..., Any]:
    signature = inspect.signature(func)
    names = list(signature.parameters)
    kinds = [p.kind for p in signature.parameters.values()]
    # Where a positional path would be; None when it can only come as a keyword (map).
    position = (
        names.index(param)
        if param in names and kinds[names.index(param)] is inspect.Parameter.POSITIONAL_OR_KEYWORD
        else None
    )

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        if param not in kwargs and (position is None or len(args) <= position):
            return func(*args, **kwargs)  # no path given: nothing read by name
        bound = signature.bind(*args, **kwargs)
        path = bound.arguments.get(param, bound.arguments.get("kwargs", {}).get(param))
        if path is not None:
            items: Iterable[Any] = bound.arguments["value"]
            if isinstance(items, Iterator):  # checked once, then handed on
                items = bound.arguments["value"] = list(items)
            for item in items:
                check_path(guard, item, path)
        return func(*bound.args, **bound.kwargs)

    return guarded


def guarded_filters(filters: Mapping[str, Callable[..., Any]], guard: Guard) -> dict[str, Any]:
    """Guarded versions of the attribute-reading filters among ``filters``."""
    guarded: dict[str, Any] = {
        name: _guard_path_filter(filters[name], param, guard)
        for name, param in PATH_FILTERS.items()
        if name in filters
    }
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
