"""Filters that convert and format numbers.

Conversions are forgiving (a bad value becomes the ``default``) because template data is often
strings from forms and query parameters; formatting refuses values that are not numbers.
"""

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, Literal

from kida.exceptions import TemplateRuntimeError


def do_abs(value: Any) -> Any:
    """``-3|abs`` → ``3``."""
    return abs(value)


def do_int(value: Any, default: int = 0, base: int = 10) -> int:
    """``"42"|int`` → 42; ``"4.2"`` → 4; ``"0x1A"|int(base=16)``; otherwise ``default``."""
    try:
        if isinstance(value, str):
            return int(value, base)
        return int(value)
    except (TypeError, ValueError):
        try:
            return int(float(value))
        except (TypeError, ValueError, OverflowError):
            return default


def do_float(value: Any, default: float = 0.0) -> float:
    """``"2.5"|float`` → ``2.5``; anything unparsable gives ``default``."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def do_round(
    value: Any, precision: int = 0, method: Literal["common", "ceil", "floor"] = "common"
) -> float:
    """Round half away from zero (``common``, what people expect), or always up or down."""
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
    return math.copysign(math.floor(abs(number) * scale + 0.5) / scale, number)


def _rounded(value: Any, places: int, filter_name: str) -> Decimal:
    """``value`` exact and rounded half up, so ``2.675|decimal(2)`` is "2.68", not float noise."""
    try:
        number = Decimal(str(value).strip())
        return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation as exc:
        raise TemplateRuntimeError(
            f"{filter_name} needs a number, got {type(value).__name__}: {value!r}",
            hint=f"convert first, e.g. x|float|{filter_name}, or give a default",
        ) from exc


def do_format_number(value: Any, decimal_places: int = 0) -> str:
    """Thousands separators: ``1234567.891|format_number(2)`` → ``"1,234,567.89"``."""
    return f"{_rounded(value, decimal_places, 'format_number'):,}"


def do_commas(value: Any) -> str:
    """``1234567|commas`` → ``"1,234,567"`` (no decimals)."""
    return do_format_number(value, 0)


def do_decimal(value: Any, places: int = 2) -> str:
    """Fixed decimal places, no separators: ``3.14159|decimal`` → ``"3.14"``."""
    return str(_rounded(value, places, "decimal"))


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
