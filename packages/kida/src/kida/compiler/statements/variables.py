"""``let``/``set``/``export``/``promote``, ``with``, ``{% template %}`` declarations."""

from __future__ import annotations

import ast
import warnings
from typing import TYPE_CHECKING

from kida import nodes as n
from kida.compiler.pyast import _IN_CONTEXT, _assign, _call, _const, _load, _store
from kida.compiler.statements import control_flow
from kida.exceptions import ErrorCode, MigrationWarning, TemplateWarning

if TYPE_CHECKING:
    from kida.compiler.core import Compiler


def visit_assign(c: Compiler, node: n.Assign) -> list[ast.stmt]:
    value = c.expr(node.value)
    names = n.target_names(node.target)
    to_context = node.kind in ("let", "export", "promote") or (
        node.kind == "set" and c.frame.kind == "root"
    )
    if node.coalesce:
        if not isinstance(node.target, n.NameTarget):
            raise c.error("??= assigns one name", node, hint="write {% set x ??= value %}")
        current = c.expr(n.Name(node.target.name, lineno=node.lineno, col=node.col), soft=True)
        temp = c.temp()
        value = ast.IfExp(
            _call("_is_missing", ast.NamedExpr(_store(temp), current)), value, _load(temp)
        )
    if node.kind != "set":
        c.template_wide.update(names)
    if to_context:
        if isinstance(node.target, n.NameTarget):
            c.frame.names[node.target.name] = _IN_CONTEXT
            return [
                ast.Assign(
                    [ast.Subscript(_load("_ctx"), _const(node.target.name), ast.Store())], value
                )
            ]
        temp = c.temp()
        out: list[ast.stmt] = [ast.Assign([_tuple_store(c, node.target, temp)], value)]
        for name in names:
            c.frame.names[name] = _IN_CONTEXT
            out.append(
                ast.Assign(
                    [ast.Subscript(_load("_ctx"), _const(name), ast.Store())],
                    _load(f"{temp}_{name}"),
                )
            )
        return out
    if c.jinja2_compat_warnings and node.kind == "set" and "render" in c.modes:
        _warn_shadowing(c, node, names)
    return [ast.Assign([control_flow.assign_target(c, node.target, c.frame)], value)]


def _warn_shadowing(c: Compiler, node: n.Assign, names: list[str]) -> None:
    """The Jinja2 trap: a nested ``set`` of a name bound by ``let``/``export`` leaves that name
    unchanged after the block in kida, where Jinja2 authors expect it changed."""
    for name in names:
        if name in c.template_wide:
            found = TemplateWarning(
                ErrorCode.JINJA2_SET_SCOPING,
                f"{{% set {name} %}} in a block does not change the template-wide {name!r} "
                "after the block (Jinja2 would)",
                c.name,
                node.lineno,
                f"write {{% export {name} = ... %}} to change it, or rename the block's variable",
            )
            c.warnings.append(found)
            warnings.warn(
                f"{c.name or '<string>'}:{node.lineno}: {found.message}; {found.suggestion}",
                MigrationWarning,
                stacklevel=2,
            )


def _tuple_store(c: Compiler, target: n.Target, temp: str) -> ast.expr:
    if isinstance(target, n.NameTarget):
        return _store(f"{temp}_{target.name}")
    return ast.Tuple([_tuple_store(c, t, temp) for t in target.items], ast.Store())


def bind(c: Compiler, name: str, value: ast.expr) -> list[ast.stmt]:
    """``set`` semantics for a single name: context at the root, else a local."""
    if c.frame.kind == "root":
        c.frame.names[name] = _IN_CONTEXT
        return [ast.Assign([ast.Subscript(_load("_ctx"), _const(name), ast.Store())], value)]
    local = c.local(name)
    c.frame.names[name] = local
    return [_assign(local, value)]


def visit_with(c: Compiler, node: n.With) -> list[ast.stmt]:
    if node.guarded:
        return _conditional_with(c, node)
    values = [c.expr(value) for _, value in node.bindings]
    out: list[ast.stmt] = []
    with c.scope() as frame:
        targets = [control_flow.assign_target(c, target, frame) for target, _ in node.bindings]
        for target, value in zip(targets, values, strict=True):
            out.append(ast.Assign([target], value))
        body = c.body(node.body) or [ast.Pass()]
    return [*out, *body]


def _conditional_with(c: Compiler, node: n.With) -> list[ast.stmt]:
    """``with a, b as x, y``: the body (with the names bound) when every value listed is
    truthy (a single value: when it is), else the ``empty`` body."""
    ((target, value),) = node.bindings
    temp = c.temp("with")
    test: ast.expr = _load(temp)
    if isinstance(value, n.TupleLit) and value.items:
        items: list[ast.expr] = [
            ast.Subscript(_load(temp), _const(i), ast.Load()) for i in range(len(value.items))
        ]
        test = items[0] if len(items) == 1 else ast.BoolOp(ast.And(), items)
    computed = c.expr(value)
    with c.scope() as frame:
        bind = ast.Assign([control_flow.assign_target(c, target, frame)], _load(temp))
        body = [bind, *c.body(node.body)]
    with c.scope():
        empty = c.body(node.empty)
    return [_assign(temp, computed), ast.If(test, body, empty)]


def visit_context_declaration(c: Compiler, node: n.ContextDeclaration) -> list[ast.stmt]:
    return []
