"""``{% try %}``/``{% fallback %}``: output of the body only once it rendered; the limits that
end a render (``RenderLimitError``, ``RecursionError``, ``MemoryError``) are not caught."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from kida import nodes as n
from kida.compiler.pyast import _assign, _call, _load
from kida.compiler.statements import special_blocks

if TYPE_CHECKING:
    from kida.compiler.core import Compiler


def visit_try(c: Compiler, node: n.Try) -> list[ast.stmt]:
    result = c.temp("out")
    body_stmts, body_text = special_blocks.capture(c, node.body)
    error = c.temp("err")
    with c.scope() as frame:
        prologue: list[ast.stmt] = []
        if node.error_name:
            local = c.local(node.error_name)
            frame.names[node.error_name] = local
            prologue.append(_assign(local, _call("_error_info", _load(error))))
        fallback_stmts, fallback_text = special_blocks.capture(c, node.fallback)
    handler = ast.ExceptHandler(
        _load("_Exception"), error, [*prologue, *fallback_stmts, _assign(result, fallback_text)]
    )
    # Limits that end the render pass through: caught at each level of a runaway recursion,
    # they would make it fan out instead of stopping.
    limits = ast.ExceptHandler(_load("_RenderLimits"), None, [ast.Raise()])
    return [
        ast.Try([*body_stmts, _assign(result, body_text)], [limits, handler], [], []),
        c.emit(_load(result)),
    ]
