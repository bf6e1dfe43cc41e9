"""``def``, ``call``/``slot``: template functions and what their callers pass in."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from kida import nodes as n
from kida.analysis import needs_async_body
from kida.compiler import call_validation, expressions
from kida.compiler.pyast import (
    _IN_CONTEXT,
    _args,
    _assign,
    _attr,
    _call,
    _const,
    _expr_stmt,
    _function,
    _is,
    _load,
    _store,
    _yields,
)
from kida.compiler.statements import output

if TYPE_CHECKING:
    from kida.compiler.core import Compiler


def function_body(
    c: Compiler, body: list[n.Stmt], params: list[n.Param], is_async: bool
) -> tuple[ast.arguments, list[ast.stmt]]:
    """Arguments and body of a def or slot filler, compiled in a function frame."""
    saved_mode = c.mode
    if not is_async and c.mode == "async":
        c.mode = "render"
    with c.scope("function") as frame:
        positional: list[str] = []
        vararg = kwarg = None
        for param in params:
            # Parameters keep their template name so keyword calls work.
            local = c.local(param.name) if param.name.startswith("_") else param.name
            frame.names[param.name] = local
            if param.kind == "*":
                vararg = local
            elif param.kind == "**":
                kwarg = local
            else:
                positional.append(local)
        with c.output_to(None if is_async else "_a"):
            stmts = c.body(body)
        if is_async and not _yields(stmts):
            stmts += [ast.Return(None), _expr_stmt(ast.Yield(_const("")))]
    c.mode = saved_mode
    leading = ["_caller"] if is_async else ["_a", "_caller"]
    return _args(leading + positional, vararg, kwarg), stmts


def visit_def(c: Compiler, node: n.Def) -> list[ast.stmt]:
    is_async = c.is_async and needs_async_body(node.body)
    defaults = [c.expr(p.default) for p in node.params if p.default is not None and p.kind == ""]
    fname = c.temp("def")
    binding_frame = c.frame
    # Bind first so the body can call itself recursively.
    if binding_frame.kind == "root":
        binding_frame.names[node.name] = _IN_CONTEXT
        target: ast.expr = ast.Subscript(_load("_ctx"), _const(node.name), ast.Store())
    else:
        local = c.local(node.name)
        binding_frame.names[node.name] = local
        target = _store(local)
    args, stmts = function_body(c, node.body, node.params, is_async)
    args.defaults = defaults
    function = _function(fname, args, stmts, is_async=is_async)
    macro = _call("_Macro", _const(node.name), _load(fname), _const(is_async), _const(c.autoescape))
    return [function, ast.Assign([target], macro)]


def visit_call_block(c: Compiler, node: n.CallBlock) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    slots: dict[str, tuple[str, bool]] = {}
    fillers = (
        [n.SlotFill("default", [], node.body, lineno=node.lineno, col=node.col)]
        if any(not (isinstance(s, n.Data) and not s.text.strip()) for s in node.body)
        else []
    )
    for filler in fillers + node.slots:
        is_async = c.is_async and needs_async_body(filler.body)
        fname = c.temp("slot")
        lets = c.temp("lets")
        args, stmts = _slot_function(c, filler, lets, is_async)
        out.append(_function(fname, args, stmts, is_async=is_async))
        slots[filler.name] = (fname, is_async)
    caller = c.temp("caller")
    out.append(
        _assign(
            caller,
            _call(
                "_Caller",
                ast.Dict(
                    [_const(k) for k in slots],
                    [ast.Tuple([_load(f), _const(a)], ast.Load()) for f, a in slots.values()],
                ),
                _const(c.autoescape),
            ),
        )
    )
    call = node.call
    call_validation.validate(c, call)
    call_args, kwargs = expressions.arguments(c, call.arguments)
    args_tuple = ast.Tuple(call_args, ast.Load())
    kwargs_dict = ast.Dict([k.arg and _const(k.arg) for k in kwargs], [k.value for k in kwargs])  # type: ignore[misc]
    value = _call(
        _attr(_call("_as_macro", c.expr(call.func)), "invoke"),
        _load(caller),
        args_tuple,
        kwargs_dict,
    )
    result = c.temp()
    out.append(_assign(result, value))
    if c.is_async:
        out.append(
            ast.If(
                _is(_call("_type", _load(result)), _load("_Pending")),
                c.pump_pending(_load(result)),
                [c.emit(output.to_text(c, _load(result)))],
            )
        )
    else:
        out.append(c.emit(output.to_text(c, _load(result))))
    return out


def _slot_function(
    c: Compiler, filler: n.SlotFill, lets: str, is_async: bool
) -> tuple[ast.arguments, list[ast.stmt]]:
    saved_mode = c.mode
    if not is_async and c.mode == "async":
        c.mode = "render"
    with c.scope("nested") as frame:
        prologue: list[ast.stmt] = []
        for name in filler.lets:
            local = c.local(name)
            frame.names[name] = local
            prologue.append(_assign(local, _call(_attr(lets, "get"), _const(name))))
        with c.output_to(None if is_async else "_a"):
            stmts = prologue + c.body(filler.body)
        if is_async and not _yields(stmts):
            stmts += [ast.Return(None), _expr_stmt(ast.Yield(_const("")))]
    c.mode = saved_mode
    params = [] if is_async else ["_a"]
    return _args(params, None, lets), stmts


def visit_slot_fill(c: Compiler, node: n.SlotFill) -> list[ast.stmt]:
    raise c.error(
        f"the filler of slot {node.name!r} is not directly inside a {{% call %}}",
        node,
        hint="put {% slot name %}...{% end %} at the top of the call body",
    )


def visit_slot_out(c: Compiler, node: n.SlotOut) -> list[ast.stmt]:
    if not c.frame.in_function():
        return []
    lets = ast.Dict([_const(k) for k, _ in node.lets], [c.expr(v) for _, v in node.lets])
    present = _is(_load("_caller"), _const(None), negate=True)
    if c.is_async:
        chunk = c.temp("c")
        body: list[ast.stmt] = [
            ast.AsyncFor(
                _store(chunk),
                _call(_attr("_caller", "stream"), _const(node.name), lets),
                [c.emit(_load(chunk))],
                [],
            )
        ]
    elif c.sink is None:
        buffer = c.temp("buf")
        body = [
            _assign(buffer, ast.List([], ast.Load())),
            _expr_stmt(
                _call(_attr("_caller", "render"), _const(node.name), _attr(buffer, "append"), lets)
            ),
            c.emit(_call(_attr(_const(""), "join"), _load(buffer))),
        ]
    else:
        body = [
            _expr_stmt(_call(_attr("_caller", "render"), _const(node.name), _load(c.sink), lets))
        ]
    return [ast.If(present, body, [])]
