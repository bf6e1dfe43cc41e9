"""The template tree the parser builds and the analysis and compiler read.

Every node carries the 1-based ``lineno`` and ``col`` of the source it came from; the compiler
copies ``lineno`` onto the Python ``ast`` it emits so tracebacks point at template lines.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field, fields
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


# --- expressions -----------------------------------------------------------------------------


@dataclass(slots=True)
class Expr(Node):
    """Base of expression nodes."""


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
class Arguments(Node):
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
class NameTarget(Node):
    name: str


@dataclass(slots=True)
class TupleTarget(Node):
    items: list["Target"]


Target = NameTarget | TupleTarget


def target_names(target: Target) -> list[str]:
    """Every name a target binds."""
    if isinstance(target, NameTarget):
        return [target.name]
    return [name for item in target.items for name in target_names(item)]


# --- statements ------------------------------------------------------------------------------


@dataclass(slots=True)
class Stmt(Node):
    """Base of statement nodes."""


@dataclass(slots=True)
class Data(Stmt):
    text: str


@dataclass(slots=True)
class Output(Stmt):
    expr: Expr


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
class Case(Node):
    pattern: Expr
    guard: Expr | None
    body: list[Stmt]


@dataclass(slots=True)
class Match(Stmt):
    subject: Expr
    cases: list[Case]


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
    name: str
    body: list[Stmt]


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
class Block(Stmt):
    """``block``, ``fragment`` (rendered only on request) or ``region`` (also callable)."""

    name: str
    body: list[Stmt]
    cond: Expr | None = None
    kind: str = "block"
    params: list["Param"] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)  # literal values of k="v"


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


@dataclass(slots=True)
class ContextDeclaration(Stmt):
    """``{% template name: Type, … %}``: the context a template expects (metadata only)."""

    context: dict[str, str | None]


@dataclass(slots=True)
class Group(Stmt):
    """Several statements from one tag (``set a = 1, b = 2``), in the enclosing scope."""

    body: list[Stmt]


@dataclass(slots=True)
class TemplateNode(Node):
    body: list[Stmt]
