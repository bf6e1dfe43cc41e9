"""``def``, ``call`` with its slots, ``slot``: template functions."""

from dataclasses import dataclass, field

from kida.nodes.base import Expr, Located, Stmt
from kida.nodes.expressions import Call


@dataclass(slots=True)
class Param(Located):
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
    """A ``{% slot name let:x, let:y %}`` filler directly inside a ``call`` body; ``lets`` are
    the bindings of the def's slot it declares as locals (the others are readable too)."""

    name: str
    lets: list[str]
    body: list[Stmt]


@dataclass(slots=True)
class CallBlock(Stmt):
    """``{% call f() %}``: the body fills the default slot, ``slots`` the named ones;
    ``lets`` are the default slot's bindings of ``{% call(let:x) f() %}``."""

    call: Call
    body: list[Stmt]
    slots: list[SlotFill]
    lets: list[str] = field(default_factory=list)


@dataclass(slots=True)
class SlotOut(Stmt):
    """Where a ``def`` renders its caller's slot: ``{% slot name let:x=v %}`` or ``{% yield
    name %}``. ``lets`` pass values up to the filler; ``body`` (a slot with ``let:`` bindings has
    one) is the default content, rendered with those bindings when the def has no caller."""

    name: str
    lets: list[tuple[str, Expr]]
    body: list[Stmt] = field(default_factory=list)
