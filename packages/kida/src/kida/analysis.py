"""Static questions about a parsed template, kept apart from rendering.

Async detection (``async for``/``await``), which names a block reads (``depends_on`` as dotted
context paths, ``own_depends_on`` without its nested blocks), whether a body uses ``loop``, and
the metadata objects of the public API.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kida import nodes as n

CacheScope = Literal["site", "page", "none"]


@dataclass(frozen=True, slots=True)
class BlockMetadata:
    """What a block needs from the context, for caching and deferred rendering.

    Example::

        >>> template.block_metadata()["header"].depends_on
        frozenset({'user.name'})
    """

    name: str
    depends_on: frozenset[str]
    is_pure: bool
    cache_scope: CacheScope
    is_async: bool = False
    kind: str = "block"
    #: The ``k="v"`` attributes of ``{% block name k="v" %}``, as literal values.
    attributes: dict[str, Any] = field(default_factory=dict, hash=False)
    #: The paths it reads outside the blocks and fragments nested in it (``depends_on`` adds
    #: theirs), those a nested block reads as well included.
    own_depends_on: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class TemplateMetadata:
    """Whole-template facts: parent, blocks, context needs."""

    name: str | None
    extends: str | None
    blocks: dict[str, BlockMetadata] = field(default_factory=dict)
    depends_on: frozenset[str] = frozenset()
    is_async: bool = False
    #: ``{% template name: Type %}`` declarations: name → type as written (None if untyped).
    context: dict[str, str | None] = field(default_factory=dict, hash=False)


def is_async_node(node: n.Node) -> bool:
    """True for the nodes that need the async renderer."""
    return isinstance(node, n.Await) or (isinstance(node, n.For) and node.is_async)


def contains_async(nodes: list[n.Stmt] | n.Node) -> bool:
    """Whether any ``async for`` or ``await`` occurs inside."""
    roots: list[n.Node] = [nodes] if isinstance(nodes, n.Node) else list(nodes)
    return any(is_async_node(node) for root in roots for node in root.walk())


#: Statements that hand rendering to other code, which may be async at run time.
_DELEGATING = (
    n.Block,
    n.Include,
    n.Embed,
    n.CallBlock,
    n.SlotOut,
    n.Extends,
    n.Import,
    n.FromImport,
)


def needs_async_body(body: list[n.Stmt]) -> bool:
    """Whether a def/slot body must be an async generator in the async renderer."""
    for stmt in body:
        for node in stmt.walk():
            if is_async_node(node) or isinstance(node, _DELEGATING):
                return True
            if isinstance(node, n.Output) and isinstance(node.expr, n.Call):
                return True
    return False


def uses_name(nodes: Sequence[n.Node], name: str) -> bool:
    """Whether ``name`` is read anywhere inside (includes count: they share ``loop``)."""
    for root in nodes:
        for node in root.walk():
            if isinstance(node, n.Name) and node.name == name:
                return True
            if isinstance(node, n.Include | n.Embed) and name == "loop":
                return True
    return False


class _DependencyCollector:
    """Dotted context paths read by a body, minus names bound inside it; with ``nested=False``
    not those that only the bodies of nested blocks and fragments read."""

    def __init__(self, *, nested: bool = True) -> None:
        self.paths: set[str] = set()
        self.impure = False
        self.nested = nested

    def body(self, stmts: list[n.Stmt], bound: frozenset[str]) -> None:
        for stmt in stmts:
            bound = self.stmt(stmt, bound)

    def stmt(self, stmt: n.Stmt, bound: frozenset[str]) -> frozenset[str]:
        if isinstance(stmt, n.Block) and stmt.kind != "region" and not self.nested:
            # Its body renders in its own function; a block's condition is evaluated here.
            if stmt.kind == "block" and stmt.cond is not None:
                self.expr(stmt.cond, bound)
            return bound
        if isinstance(stmt, n.Assign):
            self.expr(stmt.value, bound)
            return bound | set(n.target_names(stmt.target))
        if isinstance(stmt, n.For):
            self.expr(stmt.iter, bound)
            inner = bound | set(n.target_names(stmt.target)) | {"loop"}
            if stmt.cond is not None:
                self.expr(stmt.cond, inner)
            self.body(stmt.body, inner)
            self.body(stmt.empty, bound)
            if stmt.is_async:
                self.impure = True
            return bound
        if isinstance(stmt, n.With):
            inner = bound
            for target, value in stmt.bindings:
                self.expr(value, bound)
                inner = inner | set(n.target_names(target))
            self.body(stmt.body, inner)
            self.body(stmt.empty, bound)
            return bound
        if isinstance(stmt, n.Def):
            params = {p.name for p in stmt.params} | {"caller", "has_slot"}
            for p in stmt.params:
                if p.default is not None:
                    self.expr(p.default, bound)
            self.body(stmt.body, bound | params)
            return bound | {stmt.name}
        if isinstance(stmt, n.Group):  # its definitions belong to the enclosing scope
            for member in stmt.body:
                bound = self.stmt(member, bound)
            return bound
        if isinstance(stmt, n.Capture):
            self.body(stmt.body, bound)
            return bound | {stmt.name}
        if isinstance(stmt, n.Import):
            self.expr(stmt.template, bound)
            return bound | {stmt.alias}
        if isinstance(stmt, n.FromImport):
            self.expr(stmt.template, bound)
            return bound | {alias for _, alias in stmt.names}
        if isinstance(stmt, n.Try):
            self.body(stmt.body, bound)
            self.body(stmt.fallback, bound | ({stmt.error_name} if stmt.error_name else set()))
            return bound
        if isinstance(stmt, n.Match):
            self.expr(stmt.subject, bound)
            for case in stmt.cases:
                captures = {
                    node.name
                    for node in case.pattern.walk()
                    if isinstance(node, n.Name) and node.name != "_"
                }
                if case.guard is not None:
                    self.expr(case.guard, bound | captures)
                self.body(case.body, bound | captures)
            return bound
        if isinstance(stmt, n.CallBlock):
            self.expr(stmt.call, bound)
            self.body(stmt.body, bound)
            for slot in stmt.slots:
                self.body(slot.body, bound | set(slot.lets))
            return bound
        if isinstance(stmt, n.Include | n.Embed | n.Cache):
            self.impure = self.impure or isinstance(stmt, n.Cache)
        inner = bound
        for child in stmt.children():
            if isinstance(child, n.Expr):
                self.expr(child, inner)
            elif isinstance(child, n.Stmt):
                inner = self.stmt(child, inner)
            elif isinstance(child, n.SlotFill | n.Case):
                self.body(child.body, inner)
        return bound

    def expr(self, expr: n.Expr, bound: frozenset[str]) -> None:
        path = dotted_path(expr)
        if path is not None:
            if path.split(".", 1)[0] not in bound:
                self.paths.add(path)
            return
        if isinstance(expr, n.Comprehension):
            self.expr(expr.iter, bound)
            inner = bound | set(n.target_names(expr.target))
            self.expr(expr.elt, inner)
            if expr.cond is not None:
                self.expr(expr.cond, inner)
            return
        if isinstance(expr, n.Await):
            self.impure = True
        if isinstance(expr, n.Call):
            self.impure = True
        if isinstance(expr, n.Filter) and expr.name in ("random", "shuffle"):
            self.impure = True
        for child in expr.children():
            if isinstance(child, n.Expr):
                self.expr(child, bound)
            elif isinstance(child, n.Arguments):
                for arg in child.children():
                    if isinstance(arg, n.Expr):
                        self.expr(arg, bound)


def dotted_path(expr: n.Expr) -> str | None:
    """``user.profile.name`` for a chain of names and attributes, else None."""
    parts: list[str] = []
    while isinstance(expr, n.Getattr):
        parts.append(expr.attr)
        expr = expr.obj
    if isinstance(expr, n.Name) and expr.name:
        parts.append(expr.name)
        return ".".join(reversed(parts))
    return None


def dependencies(
    body: list[n.Stmt], bound: frozenset[str] = frozenset(), *, nested: bool = True
) -> tuple[frozenset[str], bool]:
    """(dotted paths read from the context, whether the body is pure); ``nested=False`` leaves
    out what only nested blocks and fragments read."""
    collector = _DependencyCollector(nested=nested)
    collector.body(body, bound)
    return frozenset(collector.paths), not collector.impure


def toplevel_definitions(body: list[n.Stmt]) -> list[n.Stmt]:
    """The top-level defs, imports, assignments and regions: a block rendered alone may use
    them, so they run first (``set a = 1, b = 2`` and ``{% globals %}`` groups included)."""
    flat = [s for stmt in body for s in (stmt.body if isinstance(stmt, n.Group) else [stmt])]
    return [
        stmt for stmt in flat
        if isinstance(stmt, n.Def | n.Import | n.FromImport | n.Assign)
        or (isinstance(stmt, n.Block) and stmt.kind == "region")
    ]  # fmt: skip


def collect_blocks(body: list[n.Stmt]) -> list[n.Block]:
    """Every block/fragment/region, nested ones included, outermost first."""
    return [node for stmt in body for node in stmt.walk() if isinstance(node, n.Block)]


def block_metadata(block: n.Block, globals_: frozenset[str]) -> BlockMetadata:
    """Metadata of one block; names that are environment globals are not context needs."""
    bound = frozenset({p.name for p in block.params}) | globals_
    reads = block.body if block.cond is None else [n.Output(block.cond), *block.body]
    depends_on, pure = dependencies(reads, bound)
    own_depends_on, _ = dependencies(reads, bound, nested=False)
    scope: CacheScope = "none" if not pure else ("site" if not depends_on else "page")
    return BlockMetadata(
        block.name,
        depends_on,
        pure,
        scope,
        contains_async(block.body),
        block.kind,
        dict(block.attrs),
        own_depends_on,
    )


def declared_context(body: list[n.Stmt]) -> dict[str, str | None]:
    """The names (and types as written) of the template's ``{% template %}`` declarations."""
    context: dict[str, str | None] = {}
    for stmt in body:
        if isinstance(stmt, n.ContextDeclaration):
            context.update(stmt.context)
    return context
