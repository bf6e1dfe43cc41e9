"""The node bases: a source position, child iteration and ``walk()`` for the analysis."""

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import Any


@dataclass(slots=True, kw_only=True)
class Node:
    """Base of every node: a source position plus child iteration for the analysis."""

    lineno: int = 0
    col: int = 0

    def children(self) -> Iterator["Node"]:
        """Direct child nodes, in source order."""
        names = _FIELD_NAMES.get(type(self))
        if names is None:
            names = _FIELD_NAMES[type(self)] = tuple(
                f.name for f in fields(self) if f.name not in ("lineno", "col")
            )
        for name in names:
            yield from _nodes_in(getattr(self, name))

    def walk(self) -> Iterator["Node"]:
        """This node and all its descendants, depth first."""
        yield self
        for child in self.children():
            yield from child.walk()


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
class Expr(Node):
    """Base of expression nodes."""


@dataclass(slots=True)
class Stmt(Node):
    """Base of statement nodes."""
