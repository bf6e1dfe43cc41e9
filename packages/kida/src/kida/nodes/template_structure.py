"""How templates combine: blocks, extends, include, embed, import, and the root node."""

from dataclasses import dataclass, field
from typing import Any

from kida.nodes.base import Expr, Located, Stmt
from kida.nodes.functions import Param

#: The literal value types a block modifier may have.
ModifierValue = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class BlockModifier:
    """One literal ``name=value`` of ``{% block chart enhanced="sse" %}``: metadata for
    frameworks, no effect on rendering. Not a ``Node``: tree walks skip it."""

    lineno: int
    col: int
    name: str
    value: ModifierValue


@dataclass(slots=True)
class Block(Stmt):
    """``block``, ``fragment`` (rendered only on request) or ``region`` (also callable)."""

    name: str
    body: list[Stmt]
    cond: Expr | None = None
    kind: str = "block"
    params: list["Param"] = field(default_factory=list)
    modifiers: tuple[BlockModifier, ...] = ()


@dataclass(slots=True)
class Extends(Stmt):
    template: Expr


@dataclass(slots=True)
class Include(Stmt):
    template: Expr
    ignore_missing: bool = False
    bindings: list[tuple[str, Expr]] = field(default_factory=list)
    only: bool = False


@dataclass(slots=True)
class Embed(Stmt):
    template: Expr
    blocks: list[Block]
    bindings: list[tuple[str, Expr]] = field(default_factory=list)
    only: bool = False


@dataclass(slots=True)
class Import(Stmt):
    template: Expr
    alias: str


@dataclass(slots=True)
class FromImport(Stmt):
    template: Expr
    names: list[tuple[str, str]]


@dataclass(slots=True)
class TemplateNode(Located):
    body: list[Stmt]
    #: Compile-time warnings (``kida.exceptions.TemplateWarning``) the parser issued.
    warnings: list[Any] = field(default_factory=list)
