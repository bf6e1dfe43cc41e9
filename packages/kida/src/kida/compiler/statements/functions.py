"""``def``, ``call``/``slot``: template functions and what their callers pass in."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from types import CodeType
from typing import TYPE_CHECKING

from kida import nodes as n
from kida.analysis import dependencies, needs_async_body
from kida.compiler import expressions
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
    c: Compiler,
    body: list[n.Stmt],
    params: list[n.Param],
    is_async: bool,
    late: dict[str, ast.expr] | None = None,
) -> tuple[ast.arguments, list[ast.stmt]]:
    """Arguments and body of a def, compiled in a function frame; ``late`` maps parameters to
    defaults computed at call time (their Python default is ``_NOT_PASSED``)."""
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
        stmts: list[ast.stmt] = [
            ast.If(
                _is(_load(frame.names[name]), _load("_NOT_PASSED")),
                [_assign(frame.names[name], value)],
                [],
            )
            for name, value in (late or {}).items()
        ]
        with c.output_to(None if is_async else "_a"):
            stmts += c.body(body)
        if is_async and not _yields(stmts):
            stmts += [ast.Return(None), _expr_stmt(ast.Yield(_const("")))]
    c.mode = saved_mode
    leading = ["_caller"] if is_async else ["_a", "_caller"]
    return _args(leading + positional, vararg, kwarg), stmts


def name_functions(code: CodeType, names: Mapping[str, str]) -> CodeType:
    """``code`` with each generated def function qualified by its template name (``card``,
    not ``root.<locals>._def0``): Python names the function that way in a call's TypeError."""
    consts = tuple(
        name_functions(const, names) if isinstance(const, CodeType) else const
        for const in code.co_consts
    )
    qualname = names.get(code.co_name, code.co_qualname)
    return code.replace(co_consts=consts, co_qualname=qualname)


def visit_def(c: Compiler, node: n.Def, late_defaults: bool = False) -> list[ast.stmt]:
    """A def binds a ``Macro``; its defaults are computed once, when the def runs, those of a
    region (``late_defaults``) at each call, so they read the context of that moment."""
    is_async = c.is_async and needs_async_body(node.body)
    with_default = [
        (p.name, p.default) for p in node.params if p.default is not None and p.kind == ""
    ]
    defaults = [c.expr(default) for _, default in with_default]
    late: dict[str, ast.expr] = {}
    if late_defaults:
        late = {name: value for (name, _), value in zip(with_default, defaults, strict=True)}
        defaults = [_load("_NOT_PASSED") for _ in with_default]
    fname = c.temp(f"def_{node.name}_")  # named for the component stack (debug.py)
    c.def_names[fname] = node.name
    binding_frame = c.frame
    # Bind first so the body can call itself recursively.
    if binding_frame.kind == "root":
        binding_frame.names[node.name] = _IN_CONTEXT
        target: ast.expr = ast.Subscript(_load("_ctx"), _const(node.name), ast.Store())
    else:
        local = c.local(node.name)
        binding_frame.names[node.name] = local
        target = _store(local)
    args, stmts = function_body(c, node.body, node.params, is_async, late)
    args.defaults = defaults
    function = _function(fname, args, stmts, is_async=is_async)
    macro = _call("_Macro", _const(node.name), _load(fname), _const(is_async), _const(c.autoescape))
    return [function, ast.Assign([target], macro)]


def visit_call_block(c: Compiler, node: n.CallBlock) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    slots: dict[str, tuple[str, bool]] = {}
    for filler in _fillers(c, node):
        is_async = c.is_async and needs_async_body(filler.body)
        fname = c.temp("slot")
        args, stmts = _slot_function(c, filler, is_async)
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


def _blank(body: list[n.Stmt]) -> bool:
    return all(isinstance(stmt, n.Data) and not stmt.text.strip() for stmt in body)


def _fillers(c: Compiler, node: n.CallBlock) -> list[n.SlotFill]:
    """The slots the call fills. Inside a def, an empty filler (the default one too) forwards
    the def's own caller slot of that name, as kida-templates does."""
    forwarding = c.frame.in_function()
    fillers = [n.SlotFill("default", node.lets, node.body, lineno=node.lineno, col=node.col)]
    fillers.extend(node.slots)
    chosen: list[n.SlotFill] = []
    for filler in fillers:
        if not _blank(filler.body):
            chosen.append(filler)
        elif forwarding:
            forward = n.SlotOut(filler.name, [], lineno=filler.lineno, col=filler.col)
            chosen.append(n.SlotFill(filler.name, [], [forward], lineno=filler.lineno))
        elif filler.name != "default":
            chosen.append(filler)
    return chosen


def _slot_function(
    c: Compiler, filler: n.SlotFill, is_async: bool
) -> tuple[ast.arguments, list[ast.stmt]]:
    """A filler as ``(_a, /, **lets)``: declared lets become locals (a let the def does not
    pass reads the context); when it may read an undeclared binding, it is ``(_a, _ctx=_ctx, /,
    **lets)`` and reads them through a copy of the context with the bindings added."""
    saved_mode = c.mode
    if not is_async and c.mode == "async":
        c.mode = "render"
    lets = c.temp("lets")
    prologue: list[ast.stmt] = []
    overlay = _reads_context(c, filler)
    if overlay:  # undeclared bindings are read like context variables
        with_lets = _call(_attr("_ctx", "with_locals"), _load(lets))
        prologue.append(ast.If(_load(lets), [_assign("_ctx", with_lets)], []))
    names = [*filler.lets, *_shadowed_locals(c, filler)]
    fallbacks = [
        c.expr(n.Name(name, lineno=filler.lineno, col=filler.col), soft=True) for name in names
    ]
    with c.scope("nested") as frame:
        for name, fallback in zip(names, fallbacks, strict=True):
            local = c.local(name)
            frame.names[name] = local
            passed = ast.Subscript(_load(lets), _const(name), ast.Load())
            present = ast.Compare(_const(name), [ast.In()], [_load(lets)])
            prologue.append(_assign(local, ast.IfExp(present, passed, fallback)))
        with c.output_to(None if is_async else "_a"):
            stmts = prologue + c.body(filler.body)
        if is_async and not _yields(stmts):
            stmts += [ast.Return(None), _expr_stmt(ast.Yield(_const("")))]
    c.mode = saved_mode
    args = _args([], None, lets)
    args.posonlyargs = [ast.arg(p) for p in ([] if is_async else ["_a"])]
    if overlay:
        args.posonlyargs.append(ast.arg("_ctx"))
        args.defaults = [_load("_ctx")]
    return args, stmts


def _shadowed_locals(c: Compiler, filler: n.SlotFill) -> list[str]:
    """The caller's locals the filler reads without declaring them: as in kida, a binding the
    slot passes under such a name wins over the local."""
    visible = c.frame.visible_locals()
    read = {path.split(".")[0] for path in dependencies(filler.body, frozenset(filler.lets))}
    return sorted(name for name in read if name in visible)


def _reads_context(c: Compiler, filler: n.SlotFill) -> bool:
    """Whether the filler may read a binding it did not declare: it reads a name that is
    neither a declared let nor a local here, or includes a template (which sees the context)."""
    bound = frozenset(filler.lets) | frozenset(c.frame.visible_locals())
    paths = dependencies(filler.body, bound)
    return bool(paths) or any(
        isinstance(node, n.Include | n.Embed) for stmt in filler.body for node in stmt.walk()
    )


def visit_slot_out(c: Compiler, node: n.SlotOut) -> list[ast.stmt]:
    """The caller's slot when the def has a caller, else the default body (with the bindings
    as locals); outside a def only the default body."""
    values: list[ast.stmt] = []
    bound: dict[str, str] = {}
    for key, value in node.lets:
        bound[key] = c.local(key)
        values.append(_assign(bound[key], c.expr(value)))
    with c.scope() as frame:
        frame.names.update(bound)
        default = c.body(node.body)
    lets = ast.Dict([_const(k) for k in bound], [_load(v) for v in bound.values()])
    if not c.frame.in_function():
        return values + default
    present = _is(_load("_caller"), _const(None), negate=True)
    return [*values, ast.If(present, _caller_slot(c, node.name, lets), default)]


def _caller_slot(c: Compiler, name: str, lets: ast.Dict) -> list[ast.stmt]:
    """Statements outputting the caller's slot ``name`` in the current mode."""
    if c.is_async:
        chunk = c.temp("c")
        return [
            ast.AsyncFor(
                _store(chunk),
                _call(_attr("_caller", "stream"), _const(name), lets),
                [c.emit(_load(chunk))],
                [],
            )
        ]
    if c.sink is None:
        buffer = c.temp("buf")
        return [
            _assign(buffer, ast.List([], ast.Load())),
            _expr_stmt(
                _call(_attr("_caller", "render"), _const(name), _attr(buffer, "append"), lets)
            ),
            c.emit(_call(_attr(_const(""), "join"), _load(buffer))),
        ]
    return [_expr_stmt(_call(_attr("_caller", "render"), _const(name), _load(c.sink), lets))]
