"""The node bases: a source position, child iteration and ``walk()`` for the analysis.

:class:`Node` is the root every node derives from. Our nodes derive from :class:`Located`
(mutable, keyword-only ``lineno``/``col``, 1-based). A class an extension declares directly
under ``Node``, as kida-templates' extension docs do (``@dataclass(frozen=True, slots=True)
class MyNode(Node)``), gets kida-templates' ``lineno`` and 0-based ``col_offset`` as its first
fields; it may be frozen since ``Node`` itself is no dataclass.
"""

import inspect
import sys
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar


class Node:
    """Root of every node: child iteration and ``walk()`` for the analysis."""

    __slots__ = ()

    if TYPE_CHECKING:
        __dataclass_fields__: ClassVar[dict[str, Any]]
        lineno: int

        @property
        def col_offset(self) -> int: ...

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """An extension's node class declared directly under ``Node`` (ours derive from
        :class:`Located`) starts with the ``lineno`` and ``col_offset`` fields."""
        super().__init_subclass__(**kwargs)
        if Node in cls.__bases__ and "Located" in globals():
            cls.__annotations__ = {"lineno": int, "col_offset": int, **_own_annotations(cls)}

    @property
    def col(self) -> int:
        """The 1-based column (an extension's node keeps the 0-based ``col_offset``)."""
        return self.col_offset + 1

    def children(self) -> Iterator["Node"]:
        """Direct child nodes, in source order."""
        names = _FIELD_NAMES.get(type(self))
        if names is None:
            names = _FIELD_NAMES[type(self)] = tuple(
                f.name for f in fields(self) if f.name not in _POSITION
            )
        for name in names:
            yield from _nodes_in(getattr(self, name))

    def walk(self) -> Iterator["Node"]:
        """This node and all its descendants, depth first."""
        yield self
        for child in self.children():
            yield from child.walk()


@dataclass(slots=True, kw_only=True)
class Located(Node):
    """Base of our nodes: a mutable 1-based source position."""

    lineno: int = 0
    col: int = 0

    @property
    def col_offset(self) -> int:
        """The 0-based column, as kida-templates' nodes have it."""
        return max(self.col - 1, 0)


def is_extension_node(node: Node) -> bool:
    """Whether ``node`` is of a class an extension declared (not one of ours)."""
    return not isinstance(node, Located)


def _own_annotations(cls: type) -> dict[str, Any]:
    """The annotations of ``cls``'s body, forward references left unresolved (Python 3.14
    evaluates them lazily; dataclasses reads them the same way)."""
    if sys.version_info >= (3, 14):
        import annotationlib

        return annotationlib.get_annotations(cls, format=annotationlib.Format.FORWARDREF)
    return inspect.get_annotations(cls)


_POSITION = frozenset({"lineno", "col", "col_offset"})
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _nodes_in(value: Any) -> Iterator[Node]:
    if isinstance(value, Node):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _nodes_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _nodes_in(item)


@dataclass(slots=True)
class Expr(Located):
    """Base of expression nodes."""


@dataclass(slots=True)
class Stmt(Located):
    """Base of statement nodes."""
