"""The value of a name or attribute that does not exist, where the template asked softly.

Only soft lookups produce it: the left side of ``??``, the value fed to ``default``, the subject
of ``is defined``/``is undefined``. Every other missing lookup raises ``UndefinedError`` at once.
It is one shared instance, so a soft miss costs no allocation and no exception.
"""

from collections.abc import Iterator
from typing import Any, Final


class Undefined:
    """Falsy, empty and printable as nothing, so it never leaks text into the page."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return False

    def __str__(self) -> str:
        return ""

    def __html__(self) -> str:
        return ""

    def __iter__(self) -> Iterator[Any]:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "Undefined"

    # The mapping reads kida templates make on optional data (``strict_undefined=False``):
    # ``missing.get("k", "fallback")``, ``{% for k, v in missing.items() %}``.
    def get(self, key: Any, default: Any = None) -> Any:
        """``default``, or ``""`` without one (what printing None gives)."""
        return "" if default is None else default

    def keys(self) -> list[Any]:
        return []

    def values(self) -> list[Any]:
        return []

    def items(self) -> list[tuple[Any, Any]]:
        return []


UNDEFINED: Final = Undefined()


def is_undefined(value: object) -> bool:
    """True for the result of a soft lookup that found nothing."""
    return value is UNDEFINED
