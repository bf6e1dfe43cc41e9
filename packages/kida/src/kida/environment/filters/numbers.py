"""Filters that convert and format numbers.

Conversions are forgiving (a bad value becomes the ``default``) because template data is often
strings from forms and query parameters; formatting refuses values that are not numbers.
"""

import math
import os
import warnings
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

from kida.environment.filters.text import text_of
from kida.exceptions import CoercionWarning, TemplateRuntimeError


def do_abs(value: Any) -> Any:
    """``-3|abs`` → ``3``."""
    return abs(value)


def do_int(value: Any, default: int = 0, base: int = 10, *, strict: bool = False) -> int:
    """``"42"|int`` → 42; ``"4.2"`` → 4; ``"0x1A"|int(base=16)``; otherwise ``default``, or
    with ``strict=true`` an error (for values that must be numbers)."""
    try:
        if isinstance(value, str):
            return int(value, base)
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError, OverflowError) as exc:
            if strict:
                raise _not_a_number(value, "int") from exc
            _coerced(value, "int", default)
            return default


def do_float(value: Any, default: float = 0.0, *, strict: bool = False) -> float:
    """``"2.5"|float`` → ``2.5``; anything unparsable gives ``default`` (an error with
    ``strict=true``)."""
    try:
        return float(value)
    except (TypeError, ValueError) as exc:
        if strict:
            raise _not_a_number(value, "float") from exc
        _coerced(value, "float", default)
        return default


_FILTERS_DIR = os.path.dirname(__file__)


def _coerced(value: Any, filter_name: str, result: Any) -> None:
    """Say that a value which is not a number was silently replaced (or passed through); the
    warning points at the template line (the caller of the filter)."""
    warnings.warn(
        f"{filter_name}: {type(value).__name__} {value!r:.60} is not a number, "
        f"{'gave' if filter_name in ('int', 'float') else 'kept'} {result!r:.60}; "
        f"use {filter_name}(strict=true) to make it an error",
        CoercionWarning,
        skip_file_prefixes=(_FILTERS_DIR,),
    )


def _not_a_number(value: Any, target: str) -> TemplateRuntimeError:
    """The error of a strict conversion."""
    return TemplateRuntimeError(
        f"cannot convert {type(value).__name__} to {target}: {value!r}",
        hint=f"use x|default(0)|{target} for optional values, or fix the data",
    )


def do_round(
    value: Any, precision: int = 0, method: Literal["common", "ceil", "floor"] = "common"
) -> float:
    """Round to ``precision`` digits the way Python does (``common``: halves to even, as kida
    does), or always up (``ceil``) or down (``floor``)."""
    number = float(value)
    scale = 10.0**precision
    if method == "ceil":
        return math.ceil(number * scale) / scale
    if method == "floor":
        return math.floor(number * scale) / scale
    if method != "common":
        raise TemplateRuntimeError(
            f"round: unknown method {method!r}", hint='use "common", "ceil" or "floor"'
        )
    return round(number, precision)


def _rounded(value: Any, places: int, filter_name: str, strict: bool) -> Decimal | None:
    """``value`` exact and rounded half up, so ``2.675|decimal(2)`` is "2.68", not float noise.

    None when it is not a number (kida passes such values through), or an error if ``strict``.
    """
    try:
        number = Decimal(str(value).strip())
        return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        if not strict:
            _coerced(value, filter_name, text_of(value))
            return None
        raise TemplateRuntimeError(
            f"{filter_name} needs a number, got {type(value).__name__}: {value!r}",
            hint=f"convert first, e.g. x|float|{filter_name}, or give a default",
        ) from exc


def do_format_number(value: Any, decimal_places: int = 0, *, strict: bool = False) -> str:
    """Thousands separators: ``1234567.891|format_number(2)`` → ``"1,234,567.89"``; a value
    that is not a number comes back as its text (an error with ``strict=true``)."""
    number = _rounded(value, decimal_places, "format_number", strict)
    return text_of(value) if number is None else f"{number:,}"


def do_commas(value: Any) -> str:
    """``1234567|commas`` → ``"1,234,567"`` (no decimals)."""
    return do_format_number(value, 0)


def do_decimal(value: Any, places: int = 2, *, strict: bool = False) -> str:
    """Fixed decimal places, no separators: ``3.14159|decimal`` → ``"3.14"``; non-numbers
    pass through unchanged (``"hello"|decimal`` → ``"hello"``), or fail with ``strict=true``."""
    number = _rounded(value, places, "decimal", strict)
    return text_of(value) if number is None else str(number)


_DECIMAL_UNITS = ("kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")
_BINARY_UNITS = ("KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB")


def do_filesizeformat(value: Any, binary: bool = False) -> str:
    """Human-readable size: ``"13.0 kB"`` (powers of 1000) or ``"12.7 KiB"`` with ``binary``."""
    size = float(value)
    base, units = (1024, _BINARY_UNITS) if binary else (1000, _DECIMAL_UNITS)
    if abs(size) < base:
        return "1 Byte" if size == 1 else f"{int(size)} Bytes"
    exponent = 1
    while exponent < len(units) and abs(size) >= base ** (exponent + 1):
        exponent += 1
    return f"{size / base**exponent:.1f} {units[exponent - 1]}"
