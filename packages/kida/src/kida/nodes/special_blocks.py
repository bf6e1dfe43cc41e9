"""Tags that transform or redirect output.

filter, spaceless, cache, try, push/stack, provide, trans, flush.
"""

from dataclasses import dataclass
from typing import Any

from kida.nodes.base import Expr, Node, Stmt


@dataclass(slots=True)
class FilterBlock(Stmt):
    """``{% filter f | g %}``: ``filters`` is a Filter chain over a ``Name("")`` placeholder."""

    filters: Expr
    body: list[Stmt]


@dataclass(slots=True)
class Spaceless(Stmt):
    body: list[Stmt]


@dataclass(slots=True)
class Cache(Stmt):
    key: Expr
    ttl: Expr | None
    body: list[Stmt]


@dataclass(slots=True)
class Try(Stmt):
    body: list[Stmt]
    fallback: list[Stmt]
    error_name: str | None


@dataclass(slots=True)
class Push(Stmt):
    stack: Expr
    body: list[Stmt]


@dataclass(slots=True)
class StackOut(Stmt):
    stack: Expr


@dataclass(slots=True)
class Provide(Stmt):
    pairs: list[tuple[str, Expr]]
    body: list[Stmt]


@dataclass(slots=True)
class Trans(Stmt):
    """``trans`` with ``%(name)s`` placeholders; ``plural`` and ``count`` for ngettext."""

    singular: str
    plural: str | None
    count: Expr | None
    variables: dict[str, Expr]


@dataclass(slots=True)
class Flush(Stmt):
    pass


@dataclass(slots=True)
class ExtensionStmt(Stmt):
    """A tag parsed by a :class:`kida.extensions.Extension`, which also compiles ``node``."""

    extension: Any
    node: Node
