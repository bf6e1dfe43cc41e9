"""Expressions: one ``expr_<node>`` function per node type, returning a Python ``ast.expr``."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from kida import nodes as n
from kida.compiler.pyast import _attr, _call, _const, _is, _load, _store
from kida.compiler.statements import control_flow
from kida.exceptions import ErrorCode
from kida.spelling import suggest

if TYPE_CHECKING:
    from kida.compiler.core import Compiler

_BINOPS: Final[dict[str, Callable[[], ast.operator]]] = {
    "-": ast.Sub, "*": ast.Mult, "/": ast.Div, "//": ast.FloorDiv, "%": ast.Mod, "**": ast.Pow,
}  # fmt: skip
# Operators that can build a huge value from small operands: checked in a sandbox.
_SANDBOXED_BINOPS: Final = {"*": "_mul", "%": "_mod"}
_CMPOPS: Final[dict[str, Callable[[], ast.cmpop]]] = {
    "==": ast.Eq, "!=": ast.NotEq, "<": ast.Lt, ">": ast.Gt, "<=": ast.LtE, ">=": ast.GtE,
    "in": ast.In, "not in": ast.NotIn,
}  # fmt: skip


def expr_const(c: Compiler, node: n.Const, soft: bool) -> ast.expr:
    return _const(node.value)


def expr_name(c: Compiler, node: n.Name, soft: bool) -> ast.expr:
    name = node.name
    local = c.frame.resolve(name)
    if local is not None:
        return _load(local)
    if name == "caller" and c.frame.in_function():
        return _call("_caller_or_empty", _load("_caller"), _const(c.autoescape))
    if soft:
        return _call(_attr("_ctx", "get"), _const(name), _load("_UNDEF"))
    return ast.Subscript(_load("_ctx"), _const(name), ast.Load())


def expr_list_lit(c: Compiler, node: n.ListLit, soft: bool) -> ast.expr:
    return ast.List([c.expr(item) for item in node.items], ast.Load())


def expr_tuple_lit(c: Compiler, node: n.TupleLit, soft: bool) -> ast.expr:
    return ast.Tuple([c.expr(item) for item in node.items], ast.Load())


def expr_dict_lit(c: Compiler, node: n.DictLit, soft: bool) -> ast.expr:
    return ast.Dict([c.expr(k) for k, _ in node.pairs], [c.expr(v) for _, v in node.pairs])


def expr_getattr(c: Compiler, node: n.Getattr, soft: bool) -> ast.expr:
    obj = c.expr(node.obj, soft)
    helper = "_gas" if soft else "_ga" if c.strict_undefined else "_gar"
    if node.safe and not soft:
        helper = "_gao" if c.strict_undefined else helper  # a Mapping's missing key is None
        return none_safe(c, obj, lambda o: _call(helper, o, _const(node.attr)))
    return _call(helper, obj, _const(node.attr))


def expr_getitem(c: Compiler, node: n.Getitem, soft: bool) -> ast.expr:
    obj = c.expr(node.obj, soft)
    if isinstance(node.key, n.Slice):
        key = c.expr(node.key)
        if node.safe:
            return none_safe(c, obj, lambda o: ast.Subscript(o, key, ast.Load()))
        return ast.Subscript(obj, key, ast.Load())
    key = c.expr(node.key)
    helper = "_gis" if soft or not c.strict_undefined else "_gi"
    if node.safe and not soft:
        helper = "_gio" if c.strict_undefined else helper  # a Mapping's missing key is None
        return none_safe(c, obj, lambda o: _call(helper, o, key))
    return _call(helper, obj, key)


def expr_slice(c: Compiler, node: n.Slice, soft: bool) -> ast.expr:
    return ast.Slice(
        c.expr(node.start) if node.start else None,
        c.expr(node.stop) if node.stop else None,
        c.expr(node.step) if node.step else None,
    )


def expr_call(c: Compiler, node: n.Call, soft: bool) -> ast.expr:
    args, kwargs = arguments(c, node.arguments)
    func = node.func
    if isinstance(func, n.Name) and c.frame.resolve(func.name) is None:
        if func.name == "has_slot" and c.frame.in_function():
            return _call("_has_slot", _load("_caller"), *args)
        if func.name == "caller" and c.frame.in_function():
            return ast.Call(
                _call("_caller_or_empty", _load("_caller"), _const(c.autoescape)),
                args,
                kwargs,
            )
        if func.name in c.globals:
            passed = c.passed(c.globals[func.name])
            if passed:  # passed only if the name still holds that global, not a context value
                call = [_const(func.name), c.expr(func), *passed, *args]
                if c.sandboxed:
                    return ast.Call(_load("_scg"), call, kwargs)
                return ast.Call(_load("_cg"), [_load("_ctx"), *call], kwargs)
    if isinstance(func, n.Getattr) and func.safe:  # obj?.method(): no call when it is missing
        return none_safe(c, c.expr(func), lambda f: _call_value(c, f, args, kwargs))
    return _call_value(c, c.expr(func), args, kwargs)


def _call_value(
    c: Compiler, func: ast.expr, args: list[ast.expr], kwargs: list[ast.keyword]
) -> ast.expr:
    if c.sandboxed:
        return ast.Call(_load("_sc"), [func, *args], kwargs)
    return ast.Call(func, args, kwargs)


def expr_bin_op(c: Compiler, node: n.BinOp, soft: bool) -> ast.expr:
    left, right = c.expr(node.left), c.expr(node.right)
    if node.op == "+":
        return _call("_add", left, right)
    if node.op == "~":
        return _call("_concat", left, right)
    if c.sandboxed and node.op in _SANDBOXED_BINOPS:
        return _call(_SANDBOXED_BINOPS[node.op], left, right)
    return ast.BinOp(left, _BINOPS[node.op](), right)


def expr_unary_op(c: Compiler, node: n.UnaryOp, soft: bool) -> ast.expr:
    operand = c.expr(node.operand)
    op: ast.unaryop = {"not": ast.Not, "-": ast.USub, "+": ast.UAdd}[node.op]()
    return ast.UnaryOp(op, operand)


def expr_bool_op(c: Compiler, node: n.BoolOp, soft: bool) -> ast.expr:
    op = ast.And() if node.op == "and" else ast.Or()
    return ast.BoolOp(op, [c.expr(node.left), c.expr(node.right)])


def expr_compare(c: Compiler, node: n.Compare, soft: bool) -> ast.expr:
    return ast.Compare(
        c.expr(node.left),
        [_CMPOPS[op]() for op, _ in node.ops],
        [c.expr(value) for _, value in node.ops],
    )


def expr_cond_expr(c: Compiler, node: n.CondExpr, soft: bool) -> ast.expr:
    otherwise = c.expr(node.otherwise) if node.otherwise is not None else _const(None)
    return ast.IfExp(c.expr(node.test), c.expr(node.then, soft), otherwise)


def expr_coalesce(c: Compiler, node: n.Coalesce, soft: bool) -> ast.expr:
    temp = c.temp()
    return ast.IfExp(
        _call("_is_missing", ast.NamedExpr(_store(temp), c.expr(node.left, soft=True))),
        c.expr(node.right, soft),
        _load(temp),
    )


def expr_filter(c: Compiler, node: n.Filter, soft: bool) -> ast.expr:
    name = node.name
    value = c.expr(node.value, soft=soft or name in ("default", "d"))
    if name == "safe" and _is_builtin(c, name):
        return skip_none(c, node, value, lambda v: _call("_safe", v))
    if name in ("escape", "e") and _is_builtin(c, name):
        return skip_none(c, node, value, lambda v: _call("_escape", v))
    func = lookup_function(c, c.filters, name, "filter", node)
    args, kwargs = arguments(c, node.arguments)
    ref = c.bind_value("filter", name, func)
    passed = c.passed(func)
    return skip_none(c, node, value, lambda v: ast.Call(ref, [*passed, v, *args], kwargs))


def expr_test(c: Compiler, node: n.Test, soft: bool) -> ast.expr:
    name = node.name
    result: ast.expr
    if name in ("defined", "undefined"):
        result = defined(c, node.value, negate=name == "undefined")
    elif name == "none" and not node.arguments.args:
        value = c.expr(node.value)
        if isinstance(value, ast.Constant):
            result = _const(value.value is None)
        else:
            result = _is(value, _const(None))
    else:
        func = lookup_function(c, c.tests, name, "test", node)
        args, kwargs = arguments(c, node.arguments)
        result = ast.Call(
            c.bind_value("test", name, func),
            [*c.passed(func), c.expr(node.value), *args],
            kwargs,
        )
    if node.negated:
        return ast.UnaryOp(ast.Not(), result)
    return result


def defined(c: Compiler, expr: n.Expr, negate: bool) -> ast.expr:
    """``x is defined``: x exists and is not None (kida's meaning); a literal folds to a constant,
    so Python never sees ``1 is not None``."""
    value = c.expr(expr, soft=True)
    if isinstance(value, ast.Constant):
        return _const((value.value is None) is negate)
    temp = c.temp()
    if negate:
        return ast.BoolOp(
            ast.Or(),
            [
                _is(ast.NamedExpr(_store(temp), value), _const(None)),
                _is(_load(temp), _load("_UNDEF")),
            ],
        )
    return ast.BoolOp(
        ast.And(),
        [
            _is(ast.NamedExpr(_store(temp), value), _const(None), negate=True),
            _is(_load(temp), _load("_UNDEF"), negate=True),
        ],
    )


def expr_range(c: Compiler, node: n.Range, soft: bool) -> ast.expr:
    step = c.expr(node.step) if node.step is not None else _const(None)
    return _call("_range", c.expr(node.start), c.expr(node.stop), step, _const(node.inclusive))


def expr_comprehension(c: Compiler, node: n.Comprehension, soft: bool) -> ast.expr:
    iterable = c.expr(node.iter)
    with c.scope() as frame:
        target = control_flow.assign_target(c, node.target, frame)
        cond = [c.expr(node.cond)] if node.cond is not None else []
        element = c.expr(node.elt)
    return ast.ListComp(element, [ast.comprehension(target, iterable, cond, 0)])


def expr_await(c: Compiler, node: n.Await, soft: bool) -> ast.expr:
    text = describe(node.value)
    if not c.is_async:
        return _call("_raise", _call("_async_only", _const(f"await {text}"), _const(node.lineno)))
    return ast.Await(_call("_await", c.expr(node.value), _const(text), _const(node.lineno)))


def none_safe(c: Compiler, obj: ast.expr, access: Callable[[ast.expr], ast.expr]) -> ast.expr:
    temp = c.temp()
    return ast.IfExp(
        _call("_is_missing", ast.NamedExpr(_store(temp), obj)),
        _const(None),
        access(_load(temp)),
    )


def arguments(c: Compiler, arguments: n.Arguments) -> tuple[list[ast.expr], list[ast.keyword]]:
    args = [c.expr(arg) for arg in arguments.args]
    if arguments.star is not None:
        args.append(ast.Starred(c.expr(arguments.star), ast.Load()))
    kwargs = [ast.keyword(key, c.expr(value)) for key, value in arguments.kwargs]
    if arguments.dstar is not None:
        kwargs.append(ast.keyword(None, c.expr(arguments.dstar)))
    return args, kwargs


def lookup_function(
    c: Compiler, registry: dict[str, Callable[..., Any]], name: str, kind: str, node: n.Node
) -> Callable[..., Any]:
    func = registry.get(name)
    if func is None:
        hint = suggest(name, registry) or f"register it with env.add_{kind}({name!r}, function)"
        code = ErrorCode.INVALID_TEST if kind == "test" else ErrorCode.INVALID_FILTER
        raise c.error(f"unknown {kind} {name!r}", node, hint=hint, code=code)
    return func


def _is_builtin(c: Compiler, name: str) -> bool:
    return c.filters.get(name) is c.default_filters.get(name)


def skip_none(
    c: Compiler, node: n.Filter, value: ast.expr, apply: Callable[[ast.expr], ast.expr]
) -> ast.expr:
    if not node.safe:
        return apply(value)
    return none_safe(c, value, apply)


def describe(expr: n.Expr) -> str:
    """Short source-like text of an expression, for error messages."""
    if isinstance(expr, n.Name):
        return expr.name
    if isinstance(expr, n.Getattr):
        return f"{describe(expr.obj)}{'?.' if expr.safe else '.'}{expr.attr}"
    if isinstance(expr, n.Call):
        return f"{describe(expr.func)}(...)"
    if isinstance(expr, n.Getitem):
        return f"{describe(expr.obj)}[...]"
    if isinstance(expr, n.Const):
        return repr(expr.value)
    if isinstance(expr, n.Filter):
        return f"{describe(expr.value)} | {expr.name}"
    return type(expr).__name__.lower()
