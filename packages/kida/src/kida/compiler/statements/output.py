"""Text and ``{{ }}`` output: constants formatted at compile time, values escaped."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

from kida import nodes as n
from kida.compiler.pyast import _assign, _call, _const, _is, _load, _store
from kida.runtime.escaping import escape_value, to_str

if TYPE_CHECKING:
    from kida.compiler.core import Compiler


def visit_data(c: Compiler, node: n.Data) -> list[ast.stmt]:
    return [c.emit(_const(node.text))]


def visit_output(c: Compiler, node: n.Output) -> list[ast.stmt]:
    expr = node.expr
    if isinstance(expr, n.Const):
        return [c.emit(_const(format_constant(c, expr.value)))]
    value = c.expr(expr)
    if c.is_async and isinstance(expr, n.Call):
        temp = c.temp()
        return [
            _assign(temp, value),
            ast.If(
                _is(_call("_type", _load(temp)), _load("_Pending")),
                c.pump_pending(_load(temp)),
                [c.emit(to_text(c, _load(temp)))],
            ),
        ]
    return [c.emit(to_text(c, value))]


def format_constant(c: Compiler, value: Any) -> str:
    """The output of a constant, computed once at compile time."""
    return escape_value(value) if c.autoescape else to_str(value)


def to_text(c: Compiler, value: ast.expr) -> ast.expr:
    """The output text of a value: escaped (with a C fast path for ``str``) or plain; a
    constant (a literal or a value folded from ``static_context``) is formatted now."""
    if isinstance(value, ast.Constant):
        return _const(format_constant(c, value.value))
    if not c.autoescape:
        return _call("_ts", value)
    temp = c.temp()
    return ast.IfExp(
        _is(_call("_type", ast.NamedExpr(_store(temp), value)), _load("_str")),
        _call("_es", _load(temp)),
        _call("_ev", _load(temp)),
    )
