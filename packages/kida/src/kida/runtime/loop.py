"""The ``loop`` variable of ``{% for %}`` and ``{% async for %}``.

Compiled loops only create one when the body reads ``loop``; its counter is assigned by the
loop statement itself (``for loop.index0, x in enumerate(...)``), so each iteration costs one
attribute store and every other attribute is computed on demand.
"""

from collections.abc import AsyncIterator, Sequence
from typing import Any

from kida.exceptions import TemplateRuntimeError

_SEQUENCES = (list, tuple, range, str)


class LoopContext:
    """Position of the current iteration.

    Example::

        {% for x in items %}{{ loop.index }}/{{ loop.length }}{% end %}
    """

    __slots__ = ("depth0", "index0", "parent", "sequence")

    def __init__(self, iterable: Any, parent: "LoopContext | None" = None) -> None:
        self.sequence: Sequence[Any] = (
            iterable if isinstance(iterable, _SEQUENCES) else list(iterable)
        )
        self.index0 = -1
        self.parent = parent
        self.depth0: int = parent.depth0 + 1 if parent is not None else 0

    @property
    def index(self) -> int:
        return self.index0 + 1

    @property
    def depth(self) -> int:
        return self.depth0 + 1

    @property
    def first(self) -> bool:
        return self.index0 == 0

    @property
    def last(self) -> bool:
        return self.index0 == len(self.sequence) - 1

    @property
    def length(self) -> int:
        return len(self.sequence)

    @property
    def revindex(self) -> int:
        return len(self.sequence) - self.index0

    @property
    def revindex0(self) -> int:
        return len(self.sequence) - self.index0 - 1

    @property
    def previtem(self) -> Any:
        return self.sequence[self.index0 - 1] if self.index0 > 0 else None

    @property
    def nextitem(self) -> Any:
        nxt = self.index0 + 1
        return self.sequence[nxt] if nxt < len(self.sequence) else None

    def cycle(self, *values: Any) -> Any:
        """The value for this iteration, cycling through ``values``."""
        if not values:
            raise TemplateRuntimeError("loop.cycle() needs at least one value")
        return values[self.index0 % len(values)]

    def __repr__(self) -> str:
        return f"<LoopContext {self.index}>"


def _unavailable(attr: str) -> TemplateRuntimeError:
    return TemplateRuntimeError(
        f"loop.{attr} is not available inside {{% async for %}}",
        hint=(
            "an async source is consumed one item at a time, so its length and what comes next "
            "are unknown; use loop.index/loop.first/loop.previtem, or collect the items into a "
            "list first and use a plain {% for %}"
        ),
    )


class AsyncLoopContext(LoopContext):
    """``loop`` of ``{% async for %}``: index, index0, first, previtem, cycle, depth.

    ``length``, ``last``, ``revindex``, ``revindex0`` and ``nextitem`` would need the whole
    source and raise a :class:`TemplateRuntimeError` saying so.
    """

    __slots__ = ("_current", "_iterator", "_previous", "_restore")

    def __init__(self, iterator: AsyncIterator[Any], parent: LoopContext | None = None) -> None:
        self._iterator = iterator
        self.sequence = ()
        self.index0 = -1
        self.parent = parent
        self.depth0 = parent.depth0 + 1 if parent is not None else 0
        self._previous: Any = None
        self._current: Any = None
        self._restore: tuple[Any, Any] = (None, None)

    def __aiter__(self) -> "AsyncLoopContext":
        return self

    async def __anext__(self) -> Any:
        item = await self._iterator.__anext__()
        self.index0 += 1
        self._restore = (self._previous, self._current)
        self._previous, self._current = self._current, item
        return item

    def skip(self) -> None:
        """Forget the item just read: the loop's inline ``if`` rejected it."""
        self.index0 -= 1
        self._previous, self._current = self._restore

    @property
    def previtem(self) -> Any:
        return self._previous if self.index0 > 0 else None

    @property
    def last(self) -> bool:
        raise _unavailable("last")

    @property
    def length(self) -> int:
        raise _unavailable("length")

    @property
    def revindex(self) -> int:
        raise _unavailable("revindex")

    @property
    def revindex0(self) -> int:
        raise _unavailable("revindex0")

    @property
    def nextitem(self) -> Any:
        raise _unavailable("nextitem")
