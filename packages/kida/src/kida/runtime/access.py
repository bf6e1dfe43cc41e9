"""Reading names, attributes and items the way templates do.

``d.key`` tries the dict key first, then the attribute, then the item; missing lookups raise
:class:`UndefinedError` (strict) or return ``UNDEFINED`` (soft, for ``??``/``default``/``is
defined``). The hit path never raises and catches: ``getattr`` with a default is a C-level miss.
"""

from collections.abc import Mapping
from typing import Any, Final

from kida.exceptions import UndefinedError
from kida.runtime.undefined import UNDEFINED
from kida.spelling import suggest

_MISSING: Final = object()


def _missing_attr(obj: Any, name: Any, item: bool = False) -> UndefinedError:
    error = _missing_attr_error(obj, name, item)
    error.kind = "key" if item else "attribute"
    return error


def _missing_attr_error(obj: Any, name: Any, item: bool) -> UndefinedError:
    if obj is None:
        return UndefinedError(
            f"cannot read {name!r} of None",
            hint=f"attribute access on a missing value: use ?.{name} for optional access, "
            "or check it first with 'is none' / 'is defined'",
        )
    if obj is UNDEFINED:
        return UndefinedError(f"cannot read {name!r} of an undefined value")
    candidates: list[Any] = list(obj.keys()) if isinstance(obj, dict) else dir(obj)
    fallback = f"write ?? fallback or | default(...) if {name!r} may be missing"
    if item and isinstance(obj, Mapping):
        fallback = f"key {name!r} is missing: use ?[{name!r}] or .get({name!r}) for safe access"
    hint = suggest(str(name), candidates) or fallback
    return UndefinedError(
        f"{type(obj).__name__} object has no attribute or key {name!r}", hint=hint
    )


def _item_or_missing(obj: Any, name: Any) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, _MISSING)
    if hasattr(type(obj), "__getitem__") and not isinstance(obj, str | bytes):
        try:
            return obj[name]
        except (KeyError, IndexError, TypeError, AttributeError):
            return _MISSING
    return _MISSING


def get_attr(obj: Any, name: str) -> Any:
    """``obj.name``: dict key, then attribute, then item; raises UndefinedError when missing."""
    if type(obj) is dict:
        value = obj.get(name, _MISSING)
        if value is not _MISSING:
            return value
        value = getattr(obj, name, _MISSING)
    else:
        value = getattr(obj, name, _MISSING)
        if value is _MISSING:
            value = _item_or_missing(obj, name)
    if value is _MISSING:
        raise _missing_attr(obj, name)
    return value


def get_attr_soft(obj: Any, name: str) -> Any:
    """``obj.name`` for soft lookups: ``UNDEFINED`` instead of an error."""
    if type(obj) is dict:
        value = obj.get(name, _MISSING)
        if value is not _MISSING:
            return value
        return getattr(obj, name, UNDEFINED)
    if obj is None or obj is UNDEFINED:
        return UNDEFINED
    value = getattr(obj, name, _MISSING)
    if value is _MISSING:
        value = _item_or_missing(obj, name)
    return UNDEFINED if value is _MISSING else value


_UNDEFINED_METHODS: Final = {
    name: getattr(UNDEFINED, name) for name in ("get", "keys", "values", "items")
}


def get_attr_resilient(obj: Any, name: str) -> Any:
    """``obj.name`` with ``strict_undefined=False``: the soft read, where the undefined value's
    ``get``/``keys``/``values``/``items`` stay callable (``missing.items()`` is empty)."""
    if obj is UNDEFINED:
        return _UNDEFINED_METHODS.get(name, UNDEFINED)
    return get_attr_soft(obj, name)


def get_attr_optional(obj: Any, name: str) -> Any:
    """``obj?.name`` (obj not None) in strict mode: a key missing from a Mapping is None, as
    ``dict.get`` would say; a missing attribute of any other object still raises (a typo)."""
    if isinstance(obj, Mapping):
        value = obj.get(name, _MISSING)
        if value is _MISSING:
            value = getattr(obj, name, None)
        return value
    return get_attr(obj, name)


def get_item_optional(obj: Any, key: Any) -> Any:
    """``obj?[key]`` (obj not None) in strict mode: None for a key missing from a Mapping; an
    index out of range of a sequence still raises."""
    if isinstance(obj, Mapping):
        return obj.get(key)
    return get_item(obj, key)


def get_item(obj: Any, key: Any) -> Any:
    """``obj[key]``; a string key falls back to the attribute."""
    try:
        return obj[key]
    except (KeyError, IndexError, TypeError) as error:
        if isinstance(key, str):
            value = getattr(obj, key, _MISSING)
            if value is not _MISSING:
                return value
        if isinstance(error, TypeError) and hasattr(type(obj), "__getitem__"):
            raise
        raise _missing_attr(obj, key, item=True) from None


def get_item_soft(obj: Any, key: Any) -> Any:
    """``obj[key]`` for soft lookups."""
    if obj is None or obj is UNDEFINED:
        return UNDEFINED
    try:
        return obj[key]
    except (KeyError, IndexError, TypeError):
        if isinstance(key, str):
            return getattr(obj, key, UNDEFINED)
        return UNDEFINED


def is_missing(value: Any) -> bool:
    """True for None and UNDEFINED: what ``??`` and ``??=`` replace."""
    return value is None or value is UNDEFINED


def add(left: Any, right: Any) -> Any:
    """``a + b``: numbers add, anything else concatenates as text."""
    try:
        return left + right
    except TypeError:
        if isinstance(left, str) or isinstance(right, str):
            return ("" if left is None else str(left)) + ("" if right is None else str(right))
        raise


def make_range(start: int, stop: int, step: int | None, inclusive: bool) -> range:
    """``a..b``/``a...b [by s]``; an inclusive range counts towards ``stop`` in either direction."""
    if step is None:
        step = 1 if stop >= start else -1
    if step == 0:
        raise ValueError("a range step cannot be 0")
    if inclusive:
        stop = stop + (1 if step > 0 else -1)
    return range(start, stop, step)


def call_global(ctx: Any, name: str, func: Any, passed: Any, /, *args: Any, **kwargs: Any) -> Any:
    """A call to the name of a ``pass_context``/``pass_environment`` global: ``passed`` (the
    render context or environment) goes to that global only, never to a value the template or
    its data put under the same name."""
    if ctx.environment.globals.get(name) is func:
        return func(passed, *args, **kwargs)
    return func(*args, **kwargs)
