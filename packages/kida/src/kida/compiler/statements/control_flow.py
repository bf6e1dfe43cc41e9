"""``if``, ``for`` and ``async for`` (one loop scope setup), ``while``, ``break``, ``continue``."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kida import nodes as n
from kida.analysis import uses_name
from kida.compiler.frame import Frame
from kida.compiler.pyast import _assign, _attr, _call, _const, _expr_stmt, _load, _store

if TYPE_CHECKING:
    from kida.compiler.core import Compiler


def visit_if(c: Compiler, node: n.If) -> list[ast.stmt]:
    test = c.expr(node.test)
    with c.scope():
        body = c.body(node.body) or [ast.Pass()]
    with c.scope():
        otherwise = c.body(node.otherwise)
    return [ast.If(test, body, otherwise)]


def assign_target(c: Compiler, target: n.Target, frame: Frame) -> ast.expr:
    """A store target binding the template names to fresh locals of ``frame``."""
    if isinstance(target, n.NameTarget):
        local = c.local(target.name)
        frame.names[target.name] = local
        return _store(local)
    return ast.Tuple([assign_target(c, item, frame) for item in target.items], ast.Store())


def target_as_expr(c: Compiler, target: ast.expr) -> ast.expr:
    if isinstance(target, ast.Name):
        return _load(target.id)
    assert isinstance(target, ast.Tuple)
    return ast.Tuple([target_as_expr(c, t) for t in target.elts], ast.Load())


@dataclass
class LoopScope:
    """What a sync and an async ``for`` share: the target and filter bound in a new scope, the
    ``loop`` local (only when the body reads ``loop``), the body, and the flag ``{% empty %}``
    reads (set once an item passed the filter)."""

    target: ast.expr
    cond: ast.expr | None
    loop_local: str | None
    parent_loop: ast.expr
    body: list[ast.stmt]
    iterated: str | None


def loop_scope(c: Compiler, node: n.For, uses_loop: bool) -> LoopScope:
    parent = c.frame.resolve("loop")
    iterated = c.temp("it") if node.empty else None
    with c.scope() as frame:
        target = assign_target(c, node.target, frame)
        cond = c.expr(node.cond) if node.cond is not None else None
        loop_local = None
        if uses_loop:
            loop_local = c.local("loop")
            frame.names["loop"] = loop_local
        body = c.body(node.body) or [ast.Pass()]
    if iterated is not None:
        body.insert(0, _assign(iterated, _const(True)))
    parent_loop = _load(parent) if parent else _const(None)
    return LoopScope(target, cond, loop_local, parent_loop, body, iterated)


def with_empty(c: Compiler, node: n.For, scope: LoopScope, loop: list[ast.stmt]) -> list[ast.stmt]:
    """``loop`` between clearing the flag and the ``{% empty %}`` branch that tests it."""
    if scope.iterated is None:
        return loop
    with c.scope():
        empty = c.body(node.empty) or [ast.Pass()]
    return [
        _assign(scope.iterated, _const(False)),
        *loop,
        ast.If(ast.UnaryOp(ast.Not(), _load(scope.iterated)), empty, []),
    ]


def visit_for(c: Compiler, node: n.For) -> list[ast.stmt]:
    if node.is_async:
        return async_for(c, node)
    iterable = c.expr(node.iter)
    uses_loop = uses_name([*node.body, *([node.cond] if node.cond else [])], "loop")
    scope = loop_scope(c, node, uses_loop)
    target, cond, loop_local, body = scope.target, scope.cond, scope.loop_local, scope.body
    if loop_local is None:
        if cond is not None:
            body.insert(0, ast.If(ast.UnaryOp(ast.Not(), cond), [ast.Continue()], []))
        return with_empty(c, node, scope, [ast.For(target, iterable, body, [])])
    if cond is not None:  # loop.length counts only the items that pass the filter
        iterable = ast.ListComp(
            target_as_expr(c, target),
            [ast.comprehension(_clone_store(target), iterable, [cond], 0)],
        )
    loop_target = ast.Tuple(
        [ast.Attribute(_load(loop_local), "index0", ast.Store()), target], ast.Store()
    )
    loop = [
        _assign(loop_local, _call("_Loop", iterable, scope.parent_loop)),
        ast.For(loop_target, _call("_enumerate", _attr(loop_local, "sequence")), body, []),
    ]
    return with_empty(c, node, scope, loop)


def async_for(c: Compiler, node: n.For) -> list[ast.stmt]:
    if not c.is_async:
        return [
            ast.Raise(_call("_async_only", _const("{% async for %}"), _const(node.lineno)), None)
        ]
    source = c.temp("src")
    scope = loop_scope(c, node, uses_name(node.body, "loop"))
    loop_local, body = scope.loop_local, scope.body
    if scope.cond is not None:
        skip: list[ast.stmt] = [ast.Continue()]
        if loop_local is not None:  # the async loop counts items as they come
            skip.insert(0, _expr_stmt(_call(_attr(loop_local, "skip"))))
        body.insert(0, ast.If(ast.UnaryOp(ast.Not(), scope.cond), skip, []))
    iterator: ast.expr = _load(source)
    setup: list[ast.stmt] = []
    if loop_local is not None:
        setup.append(_assign(loop_local, _call("_ALoop", _load(source), scope.parent_loop)))
        iterator = _load(loop_local)
    loop: list[ast.stmt] = [
        _assign(source, _call("_aiter", c.expr(node.iter))),
        ast.Try(
            [*setup, ast.AsyncFor(scope.target, iterator, body, [])],
            [],
            [],
            [_expr_stmt(ast.Await(_call("_aclose", _load(source))))],
        ),
    ]
    return with_empty(c, node, scope, loop)


def visit_while(c: Compiler, node: n.While) -> list[ast.stmt]:
    test = c.expr(node.test)
    with c.scope():
        body = c.body(node.body) or [ast.Pass()]
    return [ast.While(test, body, [])]


def visit_break(c: Compiler, node: n.Break) -> list[ast.stmt]:
    return [ast.Break()]


def visit_continue(c: Compiler, node: n.Continue) -> list[ast.stmt]:
    return [ast.Continue()]


def _clone_store(target: ast.expr) -> ast.expr:
    if isinstance(target, ast.Name):
        return _store(target.id)
    assert isinstance(target, ast.Tuple)
    return ast.Tuple([_clone_store(t) for t in target.elts], ast.Store())
