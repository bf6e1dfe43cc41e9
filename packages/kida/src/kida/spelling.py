"""The "did you mean" of error hints, shared by the compiler, the runtime and the render context."""

import difflib
from collections.abc import Iterable
from typing import Any


def suggest(name: str, candidates: Iterable[Any]) -> str | None:
    """A "did you mean" hint, computed only when an error is being reported."""
    names = [c for c in candidates if isinstance(c, str) and not c.startswith("_")]
    close = difflib.get_close_matches(name, names, n=1)
    return f"did you mean {close[0]!r}?" if close else None
