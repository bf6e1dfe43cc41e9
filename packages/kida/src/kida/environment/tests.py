"""The built-in tests (``x is odd``, ``x is divisibleby 3``), registered by ``Environment`` as
``env.tests = dict(DEFAULT_TESTS)``.

The ``hx_*`` tests read htmx request headers from a Django-like request: ``request.htmx``
(django-htmx's middleware) when present, else ``request.headers``. They are false for a missing
request, so shared templates also render outside a request.
"""

import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from numbers import Number
from typing import Any

from kida.runtime.undefined import UNDEFINED


def is_defined(value: Any) -> bool:
    """``x is defined``: it exists and is not None (kida: ``none is defined`` is false)."""
    return value is not None and value is not UNDEFINED


def is_undefined(value: Any) -> bool:
    """``x is undefined``: missing or None, the opposite of ``defined``."""
    return value is None or value is UNDEFINED


def is_none(value: Any) -> bool:
    """``x is none``."""
    return value is None


def is_true(value: Any) -> bool:
    """Only the boolean ``True``, not any truthy value."""
    return value is True


def is_false(value: Any) -> bool:
    """Only the boolean ``False``, not any falsy value."""
    return value is False


def is_odd(value: int) -> bool:
    """``n is odd``."""
    return value % 2 == 1


def is_even(value: int) -> bool:
    """``n is even``."""
    return value % 2 == 0


def is_divisibleby(value: int, num: int) -> bool:
    """``n is divisibleby 3``."""
    return value % num == 0


def is_number(value: Any) -> bool:
    """``x is number``: int, float, Decimal, Fraction; not bool (kida documents it so)."""
    return isinstance(value, Number) and not isinstance(value, bool)


def is_string(value: Any) -> bool:
    """``x is string``: ``str`` and its subclasses, ``Markup`` included."""
    return isinstance(value, str)


def is_mapping(value: Any) -> bool:
    """``x is mapping``: dicts and other ``Mapping`` types."""
    return isinstance(value, Mapping)


def is_sequence(value: Any) -> bool:
    """Anything with a length and items by index: lists, tuples, strings, querysets."""
    if isinstance(value, Sequence):
        return True
    return hasattr(value, "__len__") and hasattr(value, "__getitem__")


def is_iterable(value: Any) -> bool:
    """``x is iterable``: anything a ``for`` loop accepts."""
    if isinstance(value, Iterable):
        return True
    try:
        iter(value)
    except TypeError:
        return False
    return True


def is_callable(value: Any) -> bool:
    """``x is callable``."""
    return callable(value)


def is_lower(value: Any) -> bool:
    """``s is lower``: has cased characters, all lowercase."""
    return str(value).islower()


def is_upper(value: Any) -> bool:
    """``s is upper``: has cased characters, all uppercase."""
    return str(value).isupper()


def is_sameas(value: Any, other: Any) -> bool:
    """Identity, not equality: ``x is sameas false``."""
    return value is other


def is_in(value: Any, container: Any) -> bool:
    """``x is in [1, 2]``: membership, like the ``in`` operator."""
    return value in container


def is_match(value: Any, pattern: str) -> bool:
    """Regex matching at the start of the text: ``slug is match "[a-z0-9-]+$"``; never for
    None or undefined."""
    if value is None or value is UNDEFINED:
        return False
    return re.match(pattern, str(value)) is not None


def _htmx_value(request: Any, attribute: str | None, header: str) -> Any:
    """One htmx value: from django-htmx's ``request.htmx`` (``attribute``, or the details object
    itself, which is truthy exactly for htmx requests), straight from the headers, or, for a
    value that is no request at all (a flag or a target id passed in), that value itself."""
    if request is None or request is UNDEFINED:
        return None
    details = getattr(request, "htmx", None)
    if details is not None:
        return details if attribute is None else getattr(details, attribute, None)
    if not hasattr(request, "headers"):
        return request
    headers = request.headers or {}
    return headers.get(header)


def _flag(value: Any) -> bool:
    """Header text ``"true"`` in any case, or a boolean (django-htmx's, or one passed in)."""
    return value.strip().lower() == "true" if isinstance(value, str) else bool(value)


def is_hx_request(request: Any) -> bool:
    """``request is hx_request``: the request was made by htmx (``HX-Request: true``);
    ``flag is hx_request`` with a boolean is that boolean."""
    return _flag(_htmx_value(request, None, "HX-Request"))


def is_hx_boosted(request: Any) -> bool:
    """``request is hx_boosted``: an ``hx-boost`` navigation (``HX-Boosted: true``)."""
    return _flag(_htmx_value(request, "boosted", "HX-Boosted"))


def is_hx_target(request: Any, target_id: str | None = None) -> bool:
    """``request is hx_target "results"``: htmx targets that element id (a string passed
    instead of a request is compared itself); without an id, whether there is any target."""
    target = _htmx_value(request, "target", "HX-Target")
    if target_id is None:
        return bool(target)
    if target is None:
        return False
    return str(target) == target_id


def _comparison(compare: Callable[[Any, Any], Any]) -> Callable[[Any, Any], bool]:
    """A test from a binary operator, ``x is gt 3`` reading as ``x > 3``."""

    def test(value: Any, other: Any) -> bool:
        return bool(compare(value, other))

    test.__name__ = f"is_{compare.__name__}"
    test.__doc__ = f"``value is {compare.__name__} other``"
    return test


is_eq = _comparison(operator.eq)
is_ne = _comparison(operator.ne)
is_lt = _comparison(operator.lt)
is_le = _comparison(operator.le)
is_gt = _comparison(operator.gt)
is_ge = _comparison(operator.ge)

DEFAULT_TESTS: dict[str, Callable[..., bool]] = {
    "callable": is_callable,
    "defined": is_defined,
    "divisibleby": is_divisibleby,
    "eq": is_eq,
    "equalto": is_eq,
    "even": is_even,
    "false": is_false,
    "ge": is_ge,
    "greaterthan": is_gt,
    "gt": is_gt,
    "hx_boosted": is_hx_boosted,
    "hx_request": is_hx_request,
    "hx_target": is_hx_target,
    "in": is_in,
    "iterable": is_iterable,
    "le": is_le,
    "lessthan": is_lt,
    "lower": is_lower,
    "lt": is_lt,
    "mapping": is_mapping,
    "match": is_match,
    "ne": is_ne,
    "none": is_none,
    "number": is_number,
    "odd": is_odd,
    "sameas": is_sameas,
    "sequence": is_sequence,
    "string": is_string,
    "true": is_true,
    "undefined": is_undefined,
    "upper": is_upper,
}
