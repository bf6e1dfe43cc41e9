"""Filters about a single value: fallbacks, lookups, assertions, inspection and dates."""

import sys
from datetime import date, datetime, time
from itertools import islice
from pathlib import PurePath
from pprint import pformat
from typing import Any

from kida.environment.filters.attributes import lookup, resolve, split_path
from kida.exceptions import RequiredValueError, TemplateRuntimeError
from kida.runtime.undefined import UNDEFINED


def do_default(
    value: Any, default: Any = "", boolean: bool = False, *, default_value: Any = UNDEFINED
) -> Any:
    """``value`` unless it is missing: undefined, ``None`` or ``""`` (kida semantics); with
    ``boolean=True`` any falsy value (``0``, ``[]``) counts as missing too. The fallback's
    keyword is ``default=`` (kida) or ``default_value=`` (Jinja2)."""
    if value is UNDEFINED or value is None or value == "" or (boolean and not value):
        return default if default_value is UNDEFINED else default_value
    return value


def do_attr(obj: Any, name: str) -> Any:
    """Only the attribute ``name`` (never a key), or undefined when there is none."""
    return getattr(obj, name, UNDEFINED)


def do_get(value: Any, key: str | int, default: Any = None) -> Any:
    """``config|get("timeout", 30)``: a key or attribute, even one named like a dict method
    (``data|get("items")`` is the key, not ``dict.items``); dotted paths allowed."""
    if value is None or value is UNDEFINED:
        return default
    found = lookup(value, key)
    if found is UNDEFINED and isinstance(key, str) and "." in key:
        found = resolve(value, split_path(key))
    return default if found is UNDEFINED else found


def do_require(value: Any, message: str | None = None, field_name: str | None = None) -> Any:
    """Pass ``value`` through, or stop the render when it is undefined or ``None``.

    ``{{ user.email|require("a user without email cannot be invited") }}``
    """
    if value is UNDEFINED or value is None:
        what = f"{field_name!r} is" if field_name else "a required value is"
        raise RequiredValueError(
            message or f"{what} missing",
            hint="pass it in the render context, or use |default(...) if it is optional",
        )
    return value


# Order matters: bool is an int. A tuple keeps its own name, as in kida.
_TYPE_NAMES: tuple[tuple[type | tuple[type, ...], str], ...] = (
    (bool, "bool"),
    (int, "int"),
    (float, "float"),
    (str, "str"),
    (list, "list"),
    (dict, "dict"),
    (PurePath, "path"),
)


def do_typeof(value: Any) -> str:
    """A short type name for branching in templates: bool, int, float, str, list, dict,
    none, undefined, path; any other object gives its class name."""
    if value is None:
        return "none"
    if value is UNDEFINED:
        return "undefined"
    for kind, name in _TYPE_NAMES:
        if isinstance(value, kind):
            return name
    return type(value).__name__


def do_pprint(value: Any) -> str:
    """Pretty-printed ``repr``, for showing data inside ``<pre>`` while developing."""
    return pformat(value)


def do_debug(value: Any, label: str | None = None, max_items: int = 5) -> Any:
    """Write the value's type and repr (collections cut to ``max_items``, their None entries
    pointed out) to stderr and pass it through unchanged, so it can sit in the middle of a
    chain: ``{{ items|debug("posts", max_items=10)|length }}``."""
    prefix = f"{label}: " if label else ""
    lines = [f"[kida debug] {prefix}{do_typeof(value)} {_preview(value, max_items)}"]
    if isinstance(value, list | tuple):
        lines += [f"  [{i}] is None" for i, item in enumerate(value[:max_items]) if item is None]
    elif isinstance(value, dict):
        shown = islice(value.items(), max_items)
        lines += [f"  {key!r} is None" for key, item in shown if item is None]
    print("\n".join(lines), file=sys.stderr)
    return value


def _preview(value: Any, max_items: int) -> str:
    """``repr(value)``, with a long list, tuple or dict cut after ``max_items`` entries."""
    if isinstance(value, list | tuple) and len(value) > max_items:
        return f"{value[:max_items]!r} ... {len(value) - max_items} more of {len(value)}"
    if isinstance(value, dict) and len(value) > max_items:
        head = dict(islice(value.items(), max_items))
        return f"{head!r} ... {len(value) - max_items} more of {len(value)} keys"
    return repr(value)


def do_date(value: Any, format: str = "%Y-%m-%d") -> str:
    """``created|date("%d %b %Y")``: strftime on a date, datetime or time, an ISO-8601 string,
    or an epoch timestamp (seconds, int or float, shown in local time as kida does);
    ``None`` and undefined render as empty."""
    if value is None or value is UNDEFINED or value == "":
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            value = datetime.fromtimestamp(value)
        except (OverflowError, OSError, ValueError) as exc:
            raise TemplateRuntimeError(
                f"date: {value!r} is not a usable epoch timestamp ({exc})",
                hint="epoch numbers are seconds since 1970-01-01; check the units (ms?)",
            ) from exc
    elif isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise TemplateRuntimeError(
                f"date: {value!r} is not an ISO-8601 date",
                hint='give a date/datetime, or a string like "2026-11-22T07:30:00"',
            ) from exc
    if not isinstance(value, date | time):
        raise TemplateRuntimeError(
            f"date needs a date, datetime, time, epoch number or ISO string, "
            f"got {type(value).__name__}",
            hint="convert the value in the view, or check the variable name",
        )
    return value.strftime(format)
