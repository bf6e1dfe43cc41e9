"""Builders of Python ``ast`` nodes and the renderer scaffolding all compiler stages use."""

import ast
from typing import Any, Final

from kida import nodes as n

Mode = str  # "render" | "stream" | "async"
_IN_CONTEXT: Final = "<ctx>"


def _load(name: str) -> ast.Name:
    return ast.Name(name, ast.Load())


def _store(name: str) -> ast.Name:
    return ast.Name(name, ast.Store())


def _const(value: Any) -> ast.Constant:
    return ast.Constant(value)


def _call(func: ast.expr | str, *args: ast.expr, **kwargs: ast.expr) -> ast.Call:
    target = _load(func) if isinstance(func, str) else func
    return ast.Call(target, list(args), [ast.keyword(k, v) for k, v in kwargs.items()])


def _attr(obj: ast.expr | str, name: str) -> ast.Attribute:
    return ast.Attribute(_load(obj) if isinstance(obj, str) else obj, name, ast.Load())


def _expr_stmt(value: ast.expr) -> ast.Expr:
    return ast.Expr(value)


def _assign(name: str, value: ast.expr) -> ast.Assign:
    return ast.Assign([_store(name)], value)


def _is(left: ast.expr, right: ast.expr, negate: bool = False) -> ast.Compare:
    return ast.Compare(left, [ast.IsNot() if negate else ast.Is()], [right])


def _args(params: list[str], vararg: str | None = None, kwarg: str | None = None) -> ast.arguments:
    return ast.arguments(
        posonlyargs=[],
        args=[ast.arg(p) for p in params],
        vararg=ast.arg(vararg) if vararg else None,
        kwonlyargs=[],
        kw_defaults=[],
        kwarg=ast.arg(kwarg) if kwarg else None,
        defaults=[],
    )


def _function(
    name: str, args: ast.arguments, body: list[ast.stmt], is_async: bool = False
) -> ast.stmt:
    if not body:
        body = [ast.Pass()]
    if is_async:
        return ast.AsyncFunctionDef(name, args, body, [], None, None, [])
    return ast.FunctionDef(name, args, body, [], None, None, [])


def _yields(stmts: list[ast.stmt]) -> bool:
    """Whether the function body ``stmts`` yields (not counting nested functions)."""
    pending: list[ast.AST] = list(stmts)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Yield | ast.YieldFrom):
            return True
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            pending.extend(ast.iter_child_nodes(node))
    return False


def _refuse_sync(what: str, body: list[n.Stmt]) -> list[ast.stmt]:
    """The body of a sync renderer of async code: it raises, naming the async method to use."""
    line = body[0].lineno if body else 1
    return [ast.Raise(_call("_async_only", _const(what), _const(line)), None)]


def _finish_renderer(stmts: list[ast.stmt], mode: Mode) -> list[ast.stmt]:
    """Streaming renderers are generators even when they output nothing, and annotate errors."""
    if mode == "render":
        return stmts
    if not _yields(stmts):
        stmts = [*stmts, ast.Return(None), _expr_stmt(ast.Yield(_const("")))]
    return _annotating(stmts)


def _annotating(stmts: list[ast.stmt]) -> list[ast.stmt]:
    """``stmts`` inside ``try/except`` that adds the template position to an error: the stream
    renderers are handed to callers as they are, so they carry this themselves instead of
    being re-yielded by a wrapper generator (a generator layer per chunk)."""
    handler = ast.ExceptHandler(
        _load("_Exception"), "_err", [_expr_stmt(_call("_annotate", _load("_err"))), ast.Raise()]
    )
    return [ast.Try(stmts, [handler], [], [])]


def _run_setups() -> ast.stmt:
    """``for _setup in _setups: await _setup(_ctx)``, first in an async block function: a
    block streamed alone (``render_block_stream_async``) runs the top-level definitions of its
    inheritance chain inside its own generator, so no wrapper re-yields its chunks."""
    run = _expr_stmt(ast.Await(_call("_setup", _load("_ctx"))))
    return ast.For(_store("_setup"), _load("_setups"), [run], [])


def _locate(node: ast.AST, lineno: int, col: int) -> None:
    """Give ``node`` the template's line and column unless it has one; children without a
    position inherit their parent's in the final ``ast.fix_missing_locations`` pass."""
    if getattr(node, "lineno", None) is None and "lineno" in node._attributes:
        node.lineno = lineno  # type: ignore[attr-defined]
        node.col_offset = max(col - 1, 0)  # type: ignore[attr-defined]
        node.end_lineno = lineno  # type: ignore[attr-defined]
        node.end_col_offset = max(col - 1, 0)  # type: ignore[attr-defined]


def _fill_locations(module: ast.Module) -> None:
    """Give every node without a position its parent's (a leaner ``ast.fix_missing_locations``)."""
    AST, position_names = ast.AST, ("lineno", "col_offset", "end_lineno", "end_col_offset")
    stack: list[tuple[ast.AST, int, int]] = [(module, 1, 0)]
    pop, push = stack.pop, stack.append
    while stack:
        node, line, col = pop()
        if node._attributes[:1] == ("lineno",):
            if getattr(node, "lineno", None) is None:
                for attr, number in zip(position_names, (line, col, line, col), strict=True):
                    setattr(node, attr, number)
            else:
                line, col = node.lineno, node.col_offset  # type: ignore[attr-defined]
        for field in node._fields:
            value = getattr(node, field, None)
            if type(value) is list:
                for item in value:
                    if isinstance(item, AST):
                        push((item, line, col))
            elif isinstance(value, AST) and value._fields:
                push((value, line, col))
