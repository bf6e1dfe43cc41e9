"""Expression nodes, and the assignment targets (``x``, ``a, b``) loops and ``set`` bind."""

from dataclasses import dataclass, field
from typing import Any

from kida.nodes.base import Expr, Located


@dataclass(slots=True)
class Const(Expr):
    value: Any


@dataclass(slots=True)
class Name(Expr):
    name: str


@dataclass(slots=True)
class ListLit(Expr):
    items: list[Expr]


@dataclass(slots=True)
class TupleLit(Expr):
    items: list[Expr]


@dataclass(slots=True)
class DictLit(Expr):
    pairs: list[tuple[Expr, Expr]]


@dataclass(slots=True)
class Getattr(Expr):
    """``obj.attr``; ``safe`` for ``obj?.attr``."""

    obj: Expr
    attr: str
    safe: bool = False


@dataclass(slots=True)
class Getitem(Expr):
    """``obj[key]``; ``safe`` for ``obj?[key]``."""

    obj: Expr
    key: Expr
    safe: bool = False


@dataclass(slots=True)
class Slice(Expr):
    start: Expr | None
    stop: Expr | None
    step: Expr | None


@dataclass(slots=True)
class Arguments(Located):
    """Call arguments: positional, keyword, ``*args`` and ``**kwargs``."""

    args: list[Expr] = field(default_factory=list)
    kwargs: list[tuple[str, Expr]] = field(default_factory=list)
    star: Expr | None = None
    dstar: Expr | None = None


@dataclass(slots=True)
class Call(Expr):
    func: Expr
    arguments: Arguments


@dataclass(slots=True)
class BinOp(Expr):
    """Arithmetic and ``~``; ``op`` is the template operator."""

    op: str
    left: Expr
    right: Expr


@dataclass(slots=True)
class UnaryOp(Expr):
    op: str
    operand: Expr


@dataclass(slots=True)
class BoolOp(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(slots=True)
class Compare(Expr):
    left: Expr
    ops: list[tuple[str, Expr]]


@dataclass(slots=True)
class CondExpr(Expr):
    test: Expr
    then: Expr
    otherwise: Expr | None


@dataclass(slots=True)
class Coalesce(Expr):
    """``left ?? right``: right when left is undefined or None."""

    left: Expr
    right: Expr


@dataclass(slots=True)
class Filter(Expr):
    """``value | name(args)``; ``safe`` (``?|``) skips the filter when value is None."""

    value: Expr
    name: str
    arguments: Arguments
    safe: bool = False


@dataclass(slots=True)
class Test(Expr):
    """``value is [not] name(args)``."""

    value: Expr
    name: str
    arguments: Arguments
    negated: bool = False


@dataclass(slots=True)
class Range(Expr):
    """``start..stop [by step]`` (inclusive) or ``start...stop`` (exclusive)."""

    start: Expr
    stop: Expr
    step: Expr | None
    inclusive: bool


@dataclass(slots=True)
class Comprehension(Expr):
    """``[elt for target in iter if cond]``."""

    elt: Expr
    target: "Target"
    iter: Expr
    cond: Expr | None


@dataclass(slots=True)
class Await(Expr):
    value: Expr


@dataclass(slots=True)
class NameTarget(Located):
    name: str


@dataclass(slots=True)
class TupleTarget(Located):
    items: list["Target"]


Target = NameTarget | TupleTarget


def target_names(target: Target) -> list[str]:
    """Every name a target binds."""
    if isinstance(target, NameTarget):
        return [target.name]
    return [name for item in target.items for name in target_names(item)]
