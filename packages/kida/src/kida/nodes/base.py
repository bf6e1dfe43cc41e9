"""The node bases: a source position, child iteration and ``walk()`` for the analysis.

:class:`Node` is the root every node derives from. Our nodes derive from :class:`Located`
(mutable, keyword-only ``lineno``/``col``, 1-based). A class an extension writes directly under
``Node``, as kida-templates' extension docs do (``@dataclass(frozen=True, slots=True) class
MyNode(Node)``), is given :class:`ExtensionNode` as its base instead: a frozen dataclass with
kida-templates' positional ``lineno`` and 0-based ``col_offset`` fields.
"""

from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, ClassVar


class _NodeType(type):
    """Puts a class declared directly under :class:`Node` under :class:`ExtensionNode` (once
    that exists; ours derive from :class:`Located`), so the frozen dataclass kida-templates'
    docs write can be defined: a frozen dataclass cannot derive from a mutable one."""

    def __new__(
        mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> "_NodeType":
        frozen_base = globals().get("ExtensionNode")
        if frozen_base is not None:
            bases = tuple(frozen_base if base is Node else base for base in bases)
        return super().__new__(mcs, name, bases, namespace, **kwargs)


class Node(metaclass=_NodeType):
    """Root of every node: child iteration and ``walk()`` for the analysis."""

    __slots__ = ()

    if TYPE_CHECKING:
        __dataclass_fields__: ClassVar[dict[str, Any]]
        lineno: int

        @property
        def col(self) -> int: ...

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


@dataclass(frozen=True, slots=True)
class ExtensionNode(Node):
    """Base of the nodes an extension defines under :class:`Node` (kida-templates' protocol):
    frozen, with ``lineno`` and the 0-based ``col_offset`` of the tag."""

    lineno: int
    col_offset: int

    @property
    def col(self) -> int:
        """The 1-based column, as our nodes have it."""
        return self.col_offset + 1


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
