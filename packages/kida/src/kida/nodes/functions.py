"""``def``, ``call`` with its slots, ``slot``: template functions."""

from dataclasses import dataclass

from kida.nodes.base import Expr, Node, Stmt
from kida.nodes.expressions import Call


@dataclass(slots=True)
class Param(Node):
    """One ``def`` parameter; ``kind`` is "", "*" or "**"."""

    name: str
    default: Expr | None = None
    kind: str = ""
    annotation: str | None = None


@dataclass(slots=True)
class Def(Stmt):
    name: str
    params: list[Param]
    body: list[Stmt]


@dataclass(slots=True)
class SlotFill(Stmt):
    """A ``{% slot name let:x %}`` filler inside a ``call`` body."""

    name: str
    lets: list[str]
    body: list[Stmt]


@dataclass(slots=True)
class CallBlock(Stmt):
    """``{% call f() %}``: the body fills the default slot, ``slots`` the named ones."""

    call: Call
    body: list[Stmt]
    slots: list[SlotFill]


@dataclass(slots=True)
class SlotOut(Stmt):
    """A slot placeholder in a ``def`` (``yield`` forwards without the default body)."""

    name: str
    lets: list[tuple[str, Expr]]
    forward: bool = False
