"""Structural facts the compiler and the template need: async use, names read, definitions.

Each walks the tree once with ``Node.walk()``; none renders anything.
"""

from collections.abc import Iterator, Sequence

from kida import nodes as n


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


def stack_targets(tree: n.Node) -> tuple[str, ...] | None:
    """What decides whether rendering ``tree`` may meet a ``{% stack %}``: None when it may
    (a stack of its own, or an include/embed/extends whose template is known only while
    rendering), else the template names it includes, embeds or extends, to ask in turn.

    Imports are left out: an imported template's own output is discarded."""
    targets: list[str] = []
    for node in tree.walk():
        if isinstance(node, n.StackOut):
            return None
        if isinstance(node, n.Include | n.Embed | n.Extends):
            names = _constant_names(node.template)
            if names is None:
                return None
            targets.extend(names)
    return tuple(dict.fromkeys(targets))


def _constant_names(spec: n.Expr) -> list[str] | None:
    """The template names of an include/extends target written as literals, else None."""
    items = spec.items if isinstance(spec, n.ListLit | n.TupleLit) else [spec]
    names = []
    for item in items:
        value = item.value if isinstance(item, n.Const) else None
        if isinstance(value, str):
            names.append(value)
        elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            names.extend(value)
        else:
            return None
    return names


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


def declared_context(body: list[n.Stmt]) -> dict[str, str | None]:
    """The names (and types as written) of the template's ``{% template %}`` declarations."""
    context: dict[str, str | None] = {}
    for stmt in body:
        if isinstance(stmt, n.ContextDeclaration):
            context.update(stmt.context)
    return context


def extends_tags(body: list[n.Stmt]) -> Iterator[n.Extends]:
    """The ``{% extends %}`` tags of a top level, those in its ``{% if %}`` branches too
    (the compiler refuses them anywhere else)."""
    for stmt in body:
        if isinstance(stmt, n.Extends):
            yield stmt
        elif isinstance(stmt, n.If):
            yield from extends_tags(stmt.body)
            yield from extends_tags(stmt.otherwise)


def literal_template_names(expr: n.Expr) -> list[str]:
    """The literal template names an extends expression can give (``"a" if x else "b"``)."""
    if isinstance(expr, n.Const):
        return [expr.value] if isinstance(expr.value, str) else []
    if isinstance(expr, n.CondExpr):
        branches = [expr.then] + ([expr.otherwise] if expr.otherwise is not None else [])
        return [name for branch in branches for name in literal_template_names(branch)]
    return []
