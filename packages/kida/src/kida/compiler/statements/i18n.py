"""``{% trans %}``/``{% plural %}``."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from kida import nodes as n
from kida.compiler.pyast import _call, _const, _load

if TYPE_CHECKING:
    from kida.compiler.core import Compiler


def visit_trans(c: Compiler, node: n.Trans) -> list[ast.stmt]:
    variables = ast.Dict(
        [_const(k) for k in node.variables], [c.expr(v) for v in node.variables.values()]
    )
    count = c.expr(node.count) if node.count is not None else _const(None)
    value = _call(
        "_trans", _load("_ctx"), _const(node.singular), _const(node.plural), count, variables
    )
    return [c.emit(value)]
