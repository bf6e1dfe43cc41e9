"""Which dotted context paths a body reads (whether it renders the same text twice is
``purity``'s question).

A :class:`DependencyCollector` walks statements with the names bound so far; the statements
that bind names or open a scope have a rule in :data:`STATEMENT_RULES`, the expressions that
bind names one in :data:`EXPRESSION_RULES`; everything else just has its children visited.
"""

from collections.abc import Callable
from typing import Any, Final

from kida import nodes as n

Bound = frozenset[str]


class DependencyCollector:
    """Dotted context paths read by a body, minus names bound inside it; with ``nested=False``
    not those that only the bodies of nested blocks and fragments read."""

    def __init__(self, *, nested: bool = True) -> None:
        self.paths: set[str] = set()
        self.nested = nested

    def body(self, stmts: list[n.Stmt], bound: Bound) -> None:
        for stmt in stmts:
            bound = self.stmt(stmt, bound)

    def stmt(self, stmt: n.Stmt, bound: Bound) -> Bound:
        """Visit ``stmt``; returns the names bound after it."""
        rule = STATEMENT_RULES.get(type(stmt), _children)
        return rule(self, stmt, bound)

    def expr(self, expr: n.Expr, bound: Bound) -> None:
        path = dotted_path(expr)
        if path is not None:
            if path.split(".", 1)[0] not in bound:
                self.paths.add(path)
            return
        EXPRESSION_RULES.get(type(expr), _expr_children)(self, expr, bound)


def _children(c: DependencyCollector, stmt: n.Node, bound: Bound) -> Bound:
    """The default: visit the children in order (through an extension's nodes); names they
    bind stay inside ``stmt``."""
    inner = bound
    for child in stmt.children():
        if isinstance(child, n.Expr):
            c.expr(child, inner)
        elif isinstance(child, n.Stmt):
            inner = c.stmt(child, inner)
        elif isinstance(child, n.SlotFill | n.Case):
            c.body(child.body, inner)
        elif n.is_extension_node(child):
            _children(c, child, inner)
    return bound


def _block(c: DependencyCollector, stmt: n.Block, bound: Bound) -> Bound:
    if stmt.kind == "region":
        # A callable like a def: defaults read the caller's context, the body its parameters.
        for p in stmt.params:
            if p.default is not None:
                c.expr(p.default, bound)
        c.body(stmt.body, bound | {p.name for p in stmt.params})
        return bound | {stmt.name}
    if c.nested:
        return _children(c, stmt, bound)
    # Its body renders in its own function; a block's condition is evaluated here.
    if stmt.kind == "block" and stmt.cond is not None:
        c.expr(stmt.cond, bound)
    return bound


def _assign(c: DependencyCollector, stmt: n.Assign, bound: Bound) -> Bound:
    c.expr(stmt.value, bound)
    return bound | set(n.target_names(stmt.target))


def _for(c: DependencyCollector, stmt: n.For, bound: Bound) -> Bound:
    c.expr(stmt.iter, bound)
    inner = bound | set(n.target_names(stmt.target)) | {"loop"}
    if stmt.cond is not None:
        c.expr(stmt.cond, inner)
    c.body(stmt.body, inner)
    c.body(stmt.empty, bound)
    return bound


def _with(c: DependencyCollector, stmt: n.With, bound: Bound) -> Bound:
    inner = bound
    for target, value in stmt.bindings:
        c.expr(value, bound)
        inner = inner | set(n.target_names(target))
    c.body(stmt.body, inner)
    c.body(stmt.empty, bound)
    return bound


def _def(c: DependencyCollector, stmt: n.Def, bound: Bound) -> Bound:
    params = {p.name for p in stmt.params} | {"caller", "has_slot"}
    for p in stmt.params:
        if p.default is not None:
            c.expr(p.default, bound)
    c.body(stmt.body, bound | params)
    return bound | {stmt.name}


def _group(c: DependencyCollector, stmt: n.Group, bound: Bound) -> Bound:
    for member in stmt.body:  # its definitions belong to the enclosing scope
        bound = c.stmt(member, bound)
    return bound


def _capture(c: DependencyCollector, stmt: n.Capture, bound: Bound) -> Bound:
    c.body(stmt.body, bound)
    if stmt.filters is not None:
        c.expr(stmt.filters, bound)
    return bound | {stmt.name}


def _import(c: DependencyCollector, stmt: n.Import, bound: Bound) -> Bound:
    c.expr(stmt.template, bound)
    return bound | {stmt.alias}


def _from_import(c: DependencyCollector, stmt: n.FromImport, bound: Bound) -> Bound:
    c.expr(stmt.template, bound)
    return bound | {alias for _, alias in stmt.names}


def _try(c: DependencyCollector, stmt: n.Try, bound: Bound) -> Bound:
    c.body(stmt.body, bound)
    c.body(stmt.fallback, bound | ({stmt.error_name} if stmt.error_name else set()))
    return bound


def _match(c: DependencyCollector, stmt: n.Match, bound: Bound) -> Bound:
    if stmt.subject is not None:
        c.expr(stmt.subject, bound)
    for case in stmt.cases:
        captures = {
            node.name
            for node in case.pattern.walk()
            if isinstance(node, n.Name) and node.name != "_"
        }
        if case.guard is not None:
            c.expr(case.guard, bound | captures)
        c.body(case.body, bound | captures)
    return bound


def _call_block(c: DependencyCollector, stmt: n.CallBlock, bound: Bound) -> Bound:
    c.expr(stmt.call, bound)
    c.body(stmt.body, bound | set(stmt.lets))
    for slot in stmt.slots:
        c.body(slot.body, bound | set(slot.lets))
    return bound


def _slot_out(c: DependencyCollector, stmt: n.SlotOut, bound: Bound) -> Bound:
    for _, value in stmt.lets:
        c.expr(value, bound)
    c.body(stmt.body, bound | {key for key, _ in stmt.lets})
    return bound


STATEMENT_RULES: Final[dict[type[n.Stmt], Callable[[DependencyCollector, Any, Bound], Bound]]] = {
    n.Block: _block,
    n.Assign: _assign,
    n.For: _for,
    n.With: _with,
    n.Def: _def,
    n.Group: _group,
    n.Capture: _capture,
    n.Import: _import,
    n.FromImport: _from_import,
    n.Try: _try,
    n.Match: _match,
    n.CallBlock: _call_block,
    n.SlotOut: _slot_out,
}
"""Statement type → how it reads and binds names (others: :func:`_children`)."""


def _expr_children(c: DependencyCollector, expr: n.Expr, bound: Bound) -> None:
    for child in expr.children():
        if isinstance(child, n.Expr):
            c.expr(child, bound)
        elif isinstance(child, n.Arguments):
            for arg in child.children():
                if isinstance(arg, n.Expr):
                    c.expr(arg, bound)


def _comprehension(c: DependencyCollector, expr: n.Comprehension, bound: Bound) -> None:
    c.expr(expr.iter, bound)
    inner = bound | set(n.target_names(expr.target))
    c.expr(expr.elt, inner)
    if expr.cond is not None:
        c.expr(expr.cond, inner)


EXPRESSION_RULES: Final[dict[type[n.Expr], Callable[[DependencyCollector, Any, Bound], None]]] = {
    n.Comprehension: _comprehension,
}
"""Expression type → how it reads names (others: their children are visited)."""


def dotted_path(expr: n.Expr) -> str | None:
    """``user.profile.name`` for a chain of names, attributes and literal string keys
    (``user["profile"].name`` too), else None."""
    parts: list[str] = []
    while True:
        if isinstance(expr, n.Getattr):
            parts.append(expr.attr)
        elif (
            isinstance(expr, n.Getitem)
            and isinstance(expr.key, n.Const)
            and isinstance(expr.key.value, str)
        ):
            parts.append(expr.key.value)
        else:
            break
        expr = expr.obj
    if isinstance(expr, n.Name) and expr.name:
        parts.append(expr.name)
        return ".".join(reversed(parts))
    return None


def dependencies(
    body: list[n.Stmt], bound: frozenset[str] = frozenset(), *, nested: bool = True
) -> frozenset[str]:
    """The dotted paths read from the context; ``nested=False`` leaves out what only nested
    blocks and fragments read."""
    collector = DependencyCollector(nested=nested)
    collector.body(body, bound)
    return frozenset(collector.paths)


#: Names a template reads without them coming from the context: Python's builtins kida exposes,
#: the literal spellings of true/false/none, and the loop variable.
TEMPLATE_BUILTINS = frozenset(
    {
        "range", "len", "str", "int", "float", "bool", "list", "dict", "set", "tuple", "min",
        "max", "sum", "abs", "round", "sorted", "reversed", "enumerate", "zip", "map", "filter",
        "any", "all", "hasattr", "getattr", "isinstance", "type",
        "true", "false", "none", "True", "False", "None", "loop",
    }
)  # fmt: skip


class DependencyWalker:
    """The context paths any node reads: a template tree, a block, a statement or a bare
    expression, for tools that hold nodes rather than templates.

    The answer is a superset (both branches of an ``if`` count) that never misses a path a
    render may read; names bound inside the node (loop targets, ``set``/``let``, ``with``,
    def parameters, imports) and ``known`` names are left out. It keeps no state between
    calls, so one walker may serve many threads.

    Example::

        DependencyWalker().analyze(template._optimized_ast)
        # frozenset({'page.title', 'site.menu'})
    """

    def __init__(self, known: frozenset[str] = TEMPLATE_BUILTINS) -> None:
        self.known = known

    def analyze(self, node: n.Node) -> frozenset[str]:
        """The dotted context paths ``node`` reads, nested blocks included."""
        if isinstance(node, n.TemplateNode):
            body = node.body
        elif isinstance(node, n.Stmt):
            body = [node]
        elif isinstance(node, n.Expr):
            body = [n.Output(node, lineno=node.lineno, col=node.col)]
        else:
            raise TypeError(
                f"cannot analyze a {type(node).__name__}: pass a tree, a statement or an expression"
            )
        return dependencies(body, self.known)
