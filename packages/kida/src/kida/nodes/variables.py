"""``set``/``let``/``export``/``promote``, ``with``, ``capture``, declarations and groups."""

from dataclasses import dataclass

from kida.nodes.base import Expr, Stmt
from kida.nodes.expressions import Target


@dataclass(slots=True)
class Assign(Stmt):
    """``set``/``let``/``export``/``promote``; ``coalesce`` for ``??=``."""

    kind: str
    target: Target
    value: Expr
    coalesce: bool = False


@dataclass(slots=True)
class With(Stmt):
    """``with a = 1, b = 2`` or ``with expr as n … empty`` (body skipped when expr is falsy)."""

    bindings: list[tuple[Target, Expr]]
    body: list[Stmt]
    empty: list[Stmt]
    guarded: bool = False


@dataclass(slots=True)
class Capture(Stmt):
    """``{% capture x | f %}``: ``filters``, if any, is a Filter chain over ``Name("")``."""

    name: str
    body: list[Stmt]
    filters: Expr | None = None


@dataclass(slots=True)
class ContextDeclaration(Stmt):
    """``{% template name: Type, … %}``: the context a template expects (metadata only)."""

    context: dict[str, str | None]


@dataclass(slots=True)
class Group(Stmt):
    """Several statements from one tag (``set a = 1, b = 2``), in the enclosing scope."""

    body: list[Stmt]
