"""Settings helpers of ``Environment``: the Python builtins templates see, ``select_autoescape``.

kida-templates exposes these builtins to every template (``{{ len(items) }}``, ``{% for i, x in
enumerate(xs) %}``); the render context and ``env.globals`` may shadow them.
"""

from collections.abc import Callable, Iterable
from typing import Any, Final

BUILTIN_GLOBALS: Final[dict[str, Any]] = {
    fn.__name__: fn
    for fn in (
        range, dict, list, set, tuple, len, str, int, float, bool, abs, min, max, sum, sorted,
        reversed, enumerate, zip, map, filter,
    )
}  # fmt: skip


def select_autoescape(
    enabled_extensions: Iterable[str] = ("html", "htm", "xml"),
    disabled_extensions: Iterable[str] = (),
    default_for_string: bool = True,
    default: bool = False,
) -> Callable[[str | None], bool]:
    """An ``autoescape=`` callable choosing by file extension (``.kida`` is looked through).

    Example::

        Environment(autoescape=select_autoescape(["html", "xml"], default_for_string=True))
    """
    enabled = tuple(f".{ext.lstrip('.').lower()}" for ext in enabled_extensions)
    disabled = tuple(f".{ext.lstrip('.').lower()}" for ext in disabled_extensions)

    def autoescape(name: str | None) -> bool:
        if name is None:
            return default_for_string
        name = name.lower()
        if name.endswith(enabled):
            return True
        if name.endswith(disabled):
            return False
        return default

    return autoescape
