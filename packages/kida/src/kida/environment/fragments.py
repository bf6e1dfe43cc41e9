"""The store of ``{% cache %}`` fragments: a bounded LRU whose entries expire.

``fragment_cache_size`` bounds it (least recently used goes first) and ``fragment_ttl`` is the
lifetime of a fragment whose tag gives no ``ttl=``; ``ttl`` may be seconds or a duration string
(``"30s"``, ``"5m"``, ``"2h"``, ``"1d"``).
"""

import re
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Final

_DURATION: Final = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*")
_UNIT: Final = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def parse_ttl(ttl: Any) -> float:
    """Seconds of a ``ttl=`` value: a number, or digits with an ``s``/``m``/``h``/``d`` unit."""
    if isinstance(ttl, int | float) and not isinstance(ttl, bool):
        return float(ttl)
    if isinstance(ttl, str):
        match = _DURATION.fullmatch(ttl)
        if match:
            return float(match.group(1)) * _UNIT[match.group(2)]
    raise ValueError(
        f"invalid cache ttl {ttl!r}: use seconds (30, 0.5) or a duration ('30s', '5m', '2h', '1d')"
    )


class FragmentCache:
    """Rendered fragments by key, each with its expiry; counts hits and misses."""

    def __init__(
        self, max_size: int, ttl: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if max_size < 0:
            raise ValueError(f"fragment_cache_size must be >= 0, not {max_size}")
        self.max_size = max_size
        self.ttl = ttl
        self.clock = clock  # seconds, only ever compared; tests pass a controllable one
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Any, tuple[float, str]] = OrderedDict()

    def get(self, key: Any) -> str | None:
        """The live fragment of ``key``, or None (a miss) when absent or expired."""
        entry = self._entries.get(key)
        if entry is not None:
            if entry[0] > self.clock():
                self._entries.move_to_end(key)
                self.hits += 1
                return entry[1]
            del self._entries[key]
        self.misses += 1
        return None

    def set(self, key: Any, text: str, ttl: Any = None) -> None:
        """Keep ``text`` for ``ttl`` (default: the cache's ``fragment_ttl``)."""
        seconds = self.ttl if ttl is None else parse_ttl(ttl)
        if self.max_size == 0:
            return
        self._entries[key] = (self.clock() + seconds, text)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every fragment and the counters."""
        self._entries.clear()
        self.hits = self.misses = 0

    def info(self) -> dict[str, Any]:
        """``size``, ``max_size``, ``hits``, ``misses`` and ``hit_rate``."""
        return cache_stats(len(self._entries), self.max_size, self.hits, self.misses)


def cache_stats(size: int, max_size: int, hits: int, misses: int) -> dict[str, Any]:
    """The statistics ``Environment.cache_info()`` gives for each cache."""
    total = hits + misses
    return {
        "size": size,
        "max_size": max_size,
        "hits": hits,
        "misses": misses,
        "hit_rate": hits / total if total else 0.0,
    }
