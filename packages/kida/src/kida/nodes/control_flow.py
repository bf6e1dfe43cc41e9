"""``if``, ``for``, ``while``, ``break``/``continue``, ``match``/``case``."""

from dataclasses import dataclass

from kida.nodes.base import Expr, Located, Stmt
from kida.nodes.expressions import Target


@dataclass(slots=True)
class If(Stmt):
    test: Expr
    body: list[Stmt]
    otherwise: list[Stmt]


@dataclass(slots=True)
class For(Stmt):
    target: Target
    iter: Expr
    body: list[Stmt]
    empty: list[Stmt]
    cond: Expr | None = None
    is_async: bool = False


@dataclass(slots=True)
class While(Stmt):
    test: Expr
    body: list[Stmt]


@dataclass(slots=True)
class Break(Stmt):
    pass


@dataclass(slots=True)
class Continue(Stmt):
    pass


@dataclass(slots=True)
class Case(Located):
    pattern: Expr
    guard: Expr | None
    body: list[Stmt]


@dataclass(slots=True)
class Match(Stmt):
    """``match a, b`` (a tuple subject) or a bare ``match`` (None: the guards choose)."""

    subject: Expr | None
    cases: list[Case]
