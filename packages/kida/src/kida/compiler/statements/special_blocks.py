"""Blocks that capture or redirect output.

``capture``, ``filter``, ``spaceless``, ``cache``, ``push``/``stack``, ``provide``, ``flush``.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from kida import nodes as n
from kida.compiler.pyast import _assign, _attr, _call, _const, _expr_stmt, _is, _load
from kida.compiler.statements import output, variables

if TYPE_CHECKING:
    from kida.compiler.core import Compiler


def capture(c: Compiler, body: list[n.Stmt]) -> tuple[list[ast.stmt], ast.expr]:
    """Statements rendering ``body`` into a buffer, and the expression of its text."""
    buffer, append = c.temp("buf"), c.temp("app")
    with c.output_to(append), c.scope():
        stmts = c.body(body)
    return (
        [
            _assign(buffer, ast.List([], ast.Load())),
            _assign(append, _attr(buffer, "append")),
            *stmts,
        ],
        _call(_attr(_const(""), "join"), _load(buffer)),
    )


def as_markup(c: Compiler, text: ast.expr) -> ast.expr:
    return _call("_Markup", text) if c.autoescape else text


def visit_capture(c: Compiler, node: n.Capture) -> list[ast.stmt]:
    stmts, text = capture(c, node.body)
    if node.filters is None:
        return [*stmts, *variables.bind(c, node.name, as_markup(c, text))]
    temp = c.temp()
    with c.scope() as frame:
        frame.names[""] = temp
        value = c.expr(node.filters)
    return [*stmts, _assign(temp, as_markup(c, text)), *variables.bind(c, node.name, value)]


def visit_filter_block(c: Compiler, node: n.FilterBlock) -> list[ast.stmt]:
    stmts, text = capture(c, node.body)
    temp = c.temp()
    with c.scope() as frame:
        frame.names[""] = temp
        value = c.expr(node.filters)
    return [*stmts, _assign(temp, as_markup(c, text)), c.emit(output.to_text(c, value))]


def visit_spaceless(c: Compiler, node: n.Spaceless) -> list[ast.stmt]:
    stmts, text = capture(c, node.body)
    return [*stmts, c.emit(_call("_spaceless", text))]


def visit_cache(c: Compiler, node: n.Cache) -> list[ast.stmt]:
    key, hit = c.temp("key"), c.temp("hit")
    stmts, text = capture(c, node.body)
    ttl = c.expr(node.ttl) if node.ttl is not None else _const(None)
    return [
        _assign(key, c.expr(node.key)),
        _assign(hit, _call(_attr(_attr("_ctx", "environment"), "fragment_cache_get"), _load(key))),
        ast.If(
            _is(_load(hit), _const(None)),
            [
                *stmts,
                _assign(hit, text),
                _expr_stmt(
                    _call(
                        _attr(_attr("_ctx", "environment"), "fragment_cache_set"),
                        _load(key),
                        _load(hit),
                        ttl,
                    )
                ),
            ],
            [],
        ),
        c.emit(_load(hit)),
    ]


def visit_push(c: Compiler, node: n.Push) -> list[ast.stmt]:
    stmts, text = capture(c, node.body)
    return [*stmts, _expr_stmt(_call("_push", _load("_ctx"), c.expr(node.stack), text))]


def visit_stack_out(c: Compiler, node: n.StackOut) -> list[ast.stmt]:
    # In the page output (render()'s buffer, a stream's chunks), leave a placeholder filled in
    # at the end, so pushes made later (a child's blocks, an include) still land in the
    # layout's stack. A def or a capture joins its text at once: there it is what was pushed.
    page = c.sink == "_a" if c.mode == "render" else c.sink is None
    helper = "_stack_placeholder" if page and not c.frame.in_function() else "_stack"
    return [c.emit(_call(helper, _load("_ctx"), c.expr(node.stack)))]


def visit_provide(c: Compiler, node: n.Provide) -> list[ast.stmt]:
    provided = c.temp("prov")
    keys = [_const(key) for key, _ in node.pairs]
    pushes = [
        _expr_stmt(
            _call(
                _attr(
                    _call(_attr(provided, "setdefault"), key, ast.List([], ast.Load())),
                    "append",
                ),
                c.expr(value),
            )
        )
        for key, (_, value) in zip(keys, node.pairs, strict=True)
    ]
    pops: list[ast.stmt] = [
        _expr_stmt(_call(_attr(ast.Subscript(_load(provided), key, ast.Load()), "pop")))
        for key in keys
    ]
    with c.scope():
        body = c.body(node.body) or [ast.Pass()]
    return [
        _assign(provided, _attr(_attr("_ctx", "state"), "provided")),
        *pushes,
        ast.Try(body, [], [], pops),
    ]


def visit_flush(c: Compiler, node: n.Flush) -> list[ast.stmt]:
    # Every output is already its own chunk in the streaming renderers.
    return []


def visit_group(c: Compiler, node: n.Group) -> list[ast.stmt]:
    return c.body(node.body)


def visit_extension(c: Compiler, node: n.ExtensionStmt) -> list[ast.stmt]:
    """An extension's tag: compiled by the extension listing the node's class name in its
    ``node_types`` (kida-templates' protocol), or else by the one that parsed it."""
    if node.extension.node_types:
        return compile_extension_node(c, node.node)
    return _AppendToSink(c).statements(node.extension.compile(c, node.node))


def compile_extension_node(c: Compiler, node: n.Node) -> list[ast.stmt]:
    """The statements of an extension's node, by the extension whose ``node_types`` name it."""
    name = type(node).__name__
    extension = c.extension_nodes.get(name)
    if extension is None:
        raise c.error(
            f"no extension compiles {name} nodes",
            node,
            hint=f"list {name!r} in the node_types of the extension whose parse() returns it",
        )
    return _AppendToSink(c).statements(extension.compile(c, node))


class _AppendToSink(ast.NodeTransformer):
    """kida-templates' compiled code outputs with ``_append(value)`` (its docs' extensions
    do): such a statement becomes the current renderer's output (``c.emit``)."""

    def __init__(self, c: Compiler) -> None:
        self.c = c

    def statements(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        return [self.visit(stmt) for stmt in stmts]

    def visit_Expr(self, stmt: ast.Expr) -> ast.stmt:
        call = stmt.value
        if (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Name)
            and call.func.id == "_append"
            and len(call.args) == 1
            and not call.keywords
        ):
            return ast.copy_location(self.c.emit(call.args[0]), stmt)
        return stmt
