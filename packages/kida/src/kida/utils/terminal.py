"""Terminal text helpers."""

import re

_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)")


def strip_colors(text: str) -> str:
    """``text`` without ANSI escape sequences (colours, cursor moves, OSC links).

    Example::

        >>> strip_colors("\\x1b[1;31mfail\\x1b[0m")
        'fail'
    """
    return _ANSI.sub("", text)
