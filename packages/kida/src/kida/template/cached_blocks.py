"""``CachedBlocksDict``: the blocks of a render, with some replaced by HTML rendered earlier
(advanced/block-caching.md).

A static site renders its site-scoped blocks (nav, footer) once and hands the HTML to every
later page: ``template.render(page=page, _blocks=CachedBlocksDict(None, html, names,
stats=stats))``. The render asks the dict for each block it is about to render; a cached name
answers with its HTML (a hit), any other falls through to ``original`` (a miss) and the block
renders as usual.

Example::

    blocks = CachedBlocksDict(None, {"nav": nav_html}, frozenset({"nav"}), stats=stats)
    html = template.render(page=page, _blocks=blocks)
"""

from collections.abc import Mapping, Set
from typing import Any

from kida.runtime.observed import CachedBlock


class CachedBlocksDict:
    """A blocks mapping answering the ``cached_names`` with their pre-rendered HTML.

    ``original`` (None: a new dict) holds every other block and receives writes; ``stats``,
    if given (shared between renders to measure a build), counts ``"hits"`` and
    ``"misses"`` of ``get()`` and ``setdefault()``. A cached block is a callable returning
    its HTML.
    """

    __slots__ = ("_original", "_stats", "_wrappers")

    def __init__(
        self,
        original: dict[str, Any] | None,
        cached: Mapping[str, str],
        cached_names: Set[str],
        stats: dict[str, int] | None = None,
    ) -> None:
        missing = sorted(name for name in cached_names if name not in cached)
        if missing:
            raise ValueError(
                f"CachedBlocksDict: cached_names {missing} have no HTML in cached "
                f"(it has {sorted(cached)})"
            )
        self._original: dict[str, Any] = {} if original is None else original
        # Built once, so a lookup costs a dict read whatever the number of renders.
        self._wrappers = {name: CachedBlock(name, str(cached[name])) for name in cached_names}
        self._stats = stats

    def _count(self, key: str) -> None:
        if self._stats is not None:
            self._stats[key] = self._stats.get(key, 0) + 1

    def get(self, key: str, default: Any = None) -> Any:
        """The cached block (a hit), else ``original``'s entry (a miss)."""
        wrapper = self._wrappers.get(key)
        if wrapper is not None:
            self._count("hits")
            return wrapper
        self._count("misses")
        return self._original.get(key, default)

    def setdefault(self, key: str, default: Any = None) -> Any:
        """The cached block wins over ``default``; other names register in ``original``."""
        wrapper = self._wrappers.get(key)
        if wrapper is not None:
            self._count("hits")
            return wrapper
        return self._original.setdefault(key, default)

    def __getitem__(self, key: str) -> Any:
        wrapper = self._wrappers.get(key)
        return self._original[key] if wrapper is None else wrapper

    def __setitem__(self, key: str, value: Any) -> None:
        self._original[key] = value

    def __contains__(self, key: object) -> bool:
        return key in self._wrappers or key in self._original

    def keys(self) -> set[str]:
        """The cached names and ``original``'s."""
        return self._original.keys() | self._wrappers.keys()

    def copy(self) -> dict[str, Any]:
        """A plain dict: ``original``'s entries, the cached blocks over them."""
        return {**self._original, **self._wrappers}

    def __repr__(self) -> str:
        cached, original = sorted(self._wrappers), sorted(self._original)
        return f"CachedBlocksDict(cached={cached}, original={original})"
