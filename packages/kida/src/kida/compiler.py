"""Template tree → one Python ``ast.Module`` holding every renderer of the template.

The same visitor runs three times per body, once per mode: ``render`` appends to a list
(``_a(x)``), ``stream`` is a generator (``yield x``) and ``async`` an async generator that may
``await`` and ``async for``. Blocks get the same three functions. Template variables live in the
render context (a dict read by subscript) unless a statement binds them locally, in which case
they are Python locals with unique names, so scoping is decided once, at compile time.
Every emitted statement carries the template line, so tracebacks point at the template.
"""

import ast
import itertools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

from kida import nodes as n
from kida.analysis import contains_async, needs_async_body, toplevel_definitions, uses_name
from kida.environment.filters import DEFAULT_FILTERS
from kida.exceptions import TemplateSyntaxError
from kida.passing import pass_kind
from kida.runtime.access import suggest
from kida.runtime.escaping import escape_value, to_str

Mode = str  # "render" | "stream" | "async"
_IN_CONTEXT: Final = "<ctx>"
_ROOTS: Final = (("render", "root"), ("stream", "root_stream"), ("async", "root_async"))
_SUFFIXES: Final = (("render", ""), ("stream", "_stream"), ("async", "_async"))
_BINOPS: Final[dict[str, Callable[[], ast.operator]]] = {
    "-": ast.Sub, "*": ast.Mult, "/": ast.Div, "//": ast.FloorDiv, "%": ast.Mod, "**": ast.Pow,
}  # fmt: skip
_CMPOPS: Final[dict[str, Callable[[], ast.cmpop]]] = {
    "==": ast.Eq, "!=": ast.NotEq, "<": ast.Lt, ">": ast.Gt, "<=": ast.LtE, ">=": ast.GtE,
    "in": ast.In, "not in": ast.NotIn,
}  # fmt: skip


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


def _template_blocks(body: list[n.Stmt]) -> Iterator[n.Block]:
    """The blocks a template defines, nested ones included, not those of an ``embed``."""
    for stmt in body:
        if isinstance(stmt, n.Embed):
            continue
        if isinstance(stmt, n.Block):
            yield stmt
        for child in stmt.children():
            if isinstance(child, n.Stmt):
                yield from _template_blocks([child])
            elif isinstance(child, n.SlotFill | n.Case):
                yield from _template_blocks(child.body)


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


class Frame:
    """One lexical scope: template names bound here and the Python local holding each."""

    def __init__(self, parent: "Frame | None", *, kind: str = "nested") -> None:
        self.parent = parent
        self.kind = kind  # "root", "block", "function" or "nested"
        self.names: dict[str, str] = {}

    def resolve(self, name: str) -> str | None:
        frame: Frame | None = self
        while frame is not None:
            if name in frame.names:
                local = frame.names[name]
                return None if local == _IN_CONTEXT else local
            frame = frame.parent
        return None

    def visible_locals(self) -> dict[str, str]:
        """Template name → local for every local binding visible here (inner wins)."""
        found: dict[str, str] = {}
        frame: Frame | None = self
        while frame is not None:
            for name, local in frame.names.items():
                found.setdefault(name, local)
            frame = frame.parent
        return {name: local for name, local in found.items() if local != _IN_CONTEXT}

    def in_function(self) -> bool:
        frame: Frame | None = self
        while frame is not None:
            if frame.kind == "function":
                return True
            frame = frame.parent
        return False


class CodeGenerator:
    """Builds the module of one template; :meth:`module` returns it with the names it needs."""

    def __init__(
        self,
        *,
        filters: dict[str, Callable[..., Any]],
        tests: dict[str, Callable[..., Any]],
        globals_: dict[str, Any],
        name: str | None,
        source: str,
        autoescape: bool,
    ) -> None:
        self.filters = filters
        self.tests = tests
        self.globals = globals_
        self.name = name
        self.source = source
        self.autoescape = autoescape
        self.namespace: dict[str, Any] = {}
        self.bindings: dict[str, tuple[str, str]] = {}
        self._ids = itertools.count()
        self.mode: Mode = "render"
        self.sink: str | None = "_a"
        self.frame = Frame(None, kind="root")
        self.extends: n.Extends | None = None
        self.embeds: list[ast.expr] = []
        self.embed_nodes: list[n.Embed] = []
        self.seen_blocks: list[n.Block] = []
        self.block_defs: list[tuple[str, n.Block, str]] = []
        self.in_extending_root = False
        self.modes: tuple[Mode, ...] = ("render",)
        self._async_cache: dict[tuple[int, ...], bool] = {}

    # --- helpers ---------------------------------------------------------------------------

    def error(self, message: str, node: n.Node, hint: str | None = None) -> TemplateSyntaxError:
        return TemplateSyntaxError(
            message,
            name=self.name,
            lineno=node.lineno or None,
            col=node.col or None,
            source=self.source,
            hint=hint,
        )

    def temp(self, prefix: str = "t") -> str:
        return f"_{prefix}{next(self._ids)}"

    def local(self, name: str) -> str:
        return f"l_{name}_{next(self._ids)}"

    def bind_value(self, kind: str, name: str, value: Any) -> ast.Name:
        """A module-level name for the filter or test ``name`` (``kind``); :attr:`bindings`
        records it so cached code can be bound again to the loading environment's function."""
        prefix = "_f" if kind == "filter" else "_t"
        for key, existing in self.namespace.items():
            if existing is value and key.startswith(prefix):
                return _load(key)
        key = f"{prefix}{next(self._ids)}"
        self.namespace[key] = value
        self.bindings[key] = (kind, name)
        return _load(key)

    @contextmanager
    def scope(self, kind: str = "nested") -> Iterator[Frame]:
        saved = self.frame
        self.frame = Frame(saved, kind=kind)
        try:
            yield self.frame
        finally:
            self.frame = saved

    @contextmanager
    def output_to(self, sink: str | None) -> Iterator[None]:
        saved = self.sink
        self.sink = sink
        try:
            yield
        finally:
            self.sink = saved

    @property
    def is_async(self) -> bool:
        return self.mode == "async"

    def emit(self, value: ast.expr) -> ast.stmt:
        """Output one chunk to the current sink."""
        if self.sink is None:
            return _expr_stmt(ast.Yield(value))
        return _expr_stmt(_call(self.sink, value))

    def pump(self, target: ast.expr, ctx: ast.expr) -> list[ast.stmt]:
        """Hand output to ``target``, a block or template, through the method of the mode:
        ``render_into``, ``stream_into`` or ``astream_into``."""
        if self.is_async:
            # Closed in ``finally`` so aclose() of the render reaches the sources inside it.
            chunk, inner = self.temp("c"), self.temp("inner")
            return [
                _assign(inner, _call(_attr(target, "astream_into"), ctx)),
                ast.Try(
                    [ast.AsyncFor(_store(chunk), _load(inner), [self.emit(_load(chunk))], [])],
                    [],
                    [],
                    [_expr_stmt(ast.Await(_call("_aclose", _load(inner))))],
                ),
            ]
        if self.sink is None:
            return [_expr_stmt(ast.YieldFrom(_call(_attr(target, "stream_into"), ctx)))]
        return [_expr_stmt(_call(_attr(target, "render_into"), ctx, _load(self.sink)))]

    def pump_pending(self, value: ast.expr) -> list[ast.stmt]:
        """Stream a PendingRender (async defs/slots) in the async renderer."""
        chunk = self.temp("c")
        return [
            ast.AsyncFor(
                _store(chunk), _call(_attr(value, "stream")), [self.emit(_load(chunk))], []
            )
        ]

    def ctx_with_locals(self) -> ast.expr:
        """The context, plus visible locals when there are any (blocks and includes see them)."""
        visible = self.frame.visible_locals()
        if not visible:
            return _load("_ctx")
        mapping = ast.Dict([_const(k) for k in visible], [_load(v) for v in visible.values()])
        return _call(_attr("_ctx", "with_locals"), mapping)

    # --- module ----------------------------------------------------------------------------

    def contains_async(self, body: list[n.Stmt]) -> bool:
        key = tuple(id(stmt) for stmt in body)
        found = self._async_cache.get(key)
        if found is None:
            found = self._async_cache[key] = contains_async(body)
        return found

    def module(self, tree: n.TemplateNode, modes: tuple[Mode, ...] = ("render",)) -> ast.Module:
        """A module with the renderers of ``modes``: ``root``/``root_stream``/``root_async``,
        the block functions, ``BLOCKS`` (name → (render, stream, async), None for modes not
        built), ``EMBEDS`` and ``parent``; ``render`` also builds ``setup``.

        The streaming modes are built in a second module on first use, so compiling a template
        for ``render()`` costs one renderer, not three.
        """
        self.modes = modes
        body = tree.body
        for stmt in body:
            if isinstance(stmt, n.Extends):
                if self.extends is not None:
                    raise self.error(
                        "a template can extend only one parent",
                        stmt,
                        hint="remove the second {% extends %}",
                    )
                self.extends = stmt
        for node in tree.walk():
            if isinstance(node, n.Extends) and node is not self.extends:
                raise self.error(
                    "{% extends %} must be at the top level",
                    node,
                    hint="move it out of the enclosing block",
                )
        for block in _template_blocks(body):
            self.seen_blocks.append(block)
            self.block_defs.append(("", block, f"block_{block.name}"))
        statements: list[ast.stmt] = []
        for mode, fname in _ROOTS:
            if mode in modes:
                statements.append(self.unit(fname, mode, body, kind="root"))
        if "render" in modes:
            statements.append(self.setup_function(body, "render"))
        if "async" in modes:
            statements.append(self.setup_function(body, "async"))
        statements.append(self.parent_function())
        blocks_dict: dict[str, str] = {}
        while self.block_defs:
            prefix, block, fname = self.block_defs.pop(0)
            statements.extend(self.block_functions(block, fname))
            if prefix == "":
                if block.name in blocks_dict:
                    raise self.error(
                        f"block {block.name!r} is defined twice", block, hint="rename one of them"
                    )
                blocks_dict[block.name] = fname
        statements.append(
            _assign(
                "BLOCKS",
                ast.Dict(
                    [_const(k) for k in blocks_dict],
                    [self._block_tuple(f) for f in blocks_dict.values()],
                ),
            )
        )
        statements.append(_assign("EMBEDS", ast.List(self.embeds, ast.Load())))
        module = ast.Module(statements, [])
        _fill_locations(module)
        return module

    def _block_tuple(self, fname: str) -> ast.expr:
        return ast.Tuple(
            [
                _load(fname + suffix) if mode in self.modes else _const(None)
                for mode, suffix in _SUFFIXES
            ],
            ast.Load(),
        )

    def unit(
        self,
        fname: str,
        mode: Mode,
        body: list[n.Stmt],
        kind: str,
        prologue: list[ast.stmt] | None = None,
    ) -> ast.stmt:
        """One renderer function of ``body`` in ``mode``."""
        self.mode = mode
        self.frame = Frame(None, kind=kind)
        self.in_extending_root = kind == "root" and self.extends is not None
        sink = "_a" if mode == "render" else None
        with self.output_to(sink):
            if mode != "async" and self.contains_async(body):
                stmts = _refuse_sync("this template", body)
            else:
                stmts = (prologue or []) + self.body(body)
                if self.in_extending_root:
                    stmts.extend(self.delegate_to_parent())
        stmts = _finish_renderer(stmts, mode)
        self.in_extending_root = False
        params = ["_ctx", "_a"] if mode == "render" else ["_ctx"]
        return _function(fname, _args(params), stmts, is_async=mode == "async")

    def setup_function(self, body: list[n.Stmt], mode: Mode) -> ast.stmt:
        """``setup(ctx)`` (``async def setup_async`` in the async renderer): the definitions
        of the top level, run before rendering a block alone."""
        defining = toplevel_definitions(body)
        self.mode = mode
        self.frame = Frame(None, kind="root")
        with self.output_to("_a"):
            stmts: list[ast.stmt] = [_assign("_a", _attr(ast.List([], ast.Load()), "append"))]
            if mode == "async" or not self.contains_async(defining):
                for stmt in defining:
                    if isinstance(stmt, n.Block):
                        stmts.extend(self.region_macro(stmt))
                    elif isinstance(stmt, n.Assign):
                        # A value the block does not need may be missing from a partial
                        # context; the block raises for what it does need.
                        handler = ast.ExceptHandler(_load("_UndefinedError"), None, [ast.Pass()])
                        stmts.append(ast.Try(self.stmt(stmt), [handler], [], []))
                    else:
                        stmts.extend(self.stmt(stmt))
        name = "setup_async" if mode == "async" else "setup"
        return _function(name, _args(["_ctx"]), stmts, is_async=mode == "async")

    def parent_function(self) -> ast.stmt:
        """``parent(ctx)``: the name of the parent template, or None."""
        self.mode = "render"
        self.frame = Frame(None, kind="root")
        value: ast.expr = _const(None)
        if self.extends is not None:
            value = self.expr(self.extends.template)
        return _function("parent", _args(["_ctx"]), [ast.Return(value)])

    def block_functions(self, block: n.Block, fname: str) -> list[ast.stmt]:
        out = []
        for mode, suffix in _SUFFIXES:
            if mode not in self.modes:
                continue
            self.mode = mode
            prologue: list[ast.stmt] = []
            self.frame = Frame(None, kind="block")
            params_frame = self.frame
            for param in block.params:
                local = self.local(param.name)
                default = self.expr(param.default) if param.default is not None else _load("_UNDEF")
                prologue.append(
                    _assign(local, _call(_attr("_ctx", "get"), _const(param.name), default))
                )
                params_frame.names[param.name] = local
            saved_root = self.in_extending_root
            self.in_extending_root = False
            func = self._unit_in_frame(fname + suffix, mode, block.body, prologue)
            self.in_extending_root = saved_root
            _locate(func, block.lineno, block.col)
            out.append(func)
        return out

    def _unit_in_frame(
        self, fname: str, mode: Mode, body: list[n.Stmt], prologue: list[ast.stmt]
    ) -> ast.stmt:
        sink = "_a" if mode == "render" else None
        with self.output_to(sink):
            if mode == "async":
                stmts = [_run_setups(), *prologue, *self.body(body)]
            elif self.contains_async(body):
                stmts = _refuse_sync("this block", body)
            else:
                stmts = prologue + self.body(body)
            stmts = _finish_renderer(stmts, mode)
        params = {"render": ["_ctx", "_a"], "stream": ["_ctx"], "async": ["_ctx", "_setups"]}
        args = _args(params[mode])
        if mode == "async":
            args.defaults = [ast.Tuple([], ast.Load())]  # only a block streamed alone has any
        return _function(fname, args, stmts, is_async=mode == "async")

    def delegate_to_parent(self) -> list[ast.stmt]:
        """End of an extending template's root: register the parent's blocks and render it."""
        parent = self.temp("parent")
        stmts = [
            _assign(parent, _call("_extends", _load("_ctx"), _call("parent", _load("_ctx")))),
            *self.pump(_load(parent), _load("_ctx")),
        ]
        assert self.extends is not None
        for stmt in stmts:  # errors loading the parent point at the {% extends %}
            _locate(stmt, self.extends.lineno or 1, self.extends.col or 1)
        return stmts

    # --- statements ------------------------------------------------------------------------

    def body(self, stmts: list[n.Stmt]) -> list[ast.stmt]:
        """Statements in order; adjacent text and ``{{ }}`` outputs become one f-string chunk."""
        out: list[ast.stmt] = []
        run: list[n.Data | n.Output] = []
        for stmt in stmts:
            if self.joinable(stmt):
                run.append(stmt)  # type: ignore[arg-type]
                continue
            out.extend(self.output_run(run))
            run = []
            out.extend(self.stmt(stmt))
        out.extend(self.output_run(run))
        return out

    def joinable(self, stmt: n.Stmt) -> bool:
        """Whether ``stmt`` is plain output that can share a chunk with its neighbours."""
        if self.in_extending_root and self.frame.kind == "root":
            return False
        if isinstance(stmt, n.Data):
            return True
        if not isinstance(stmt, n.Output):
            return False
        # In the async renderer, text before an await (or an async def's output) must leave
        # before the awaited value exists, so those outputs stay chunks of their own.
        return not (self.is_async and (isinstance(stmt.expr, n.Call) or contains_async(stmt.expr)))

    def output_run(self, run: list[n.Data | n.Output]) -> list[ast.stmt]:
        """One emit for a run of outputs (each expression keeps its own line for errors)."""
        if len(run) < 2:
            return [s for stmt in run for s in self.stmt(stmt)]
        parts: list[ast.expr] = []
        text = ""
        for stmt in run:
            if isinstance(stmt, n.Data):
                text += stmt.text
            elif isinstance(stmt.expr, n.Const):
                text += self.format_constant(stmt.expr.value)
            else:
                if text:
                    parts.append(_const(text))
                    text = ""
                value = self.to_text(self.expr(stmt.expr))
                _locate(value, stmt.lineno, stmt.col)
                parts.append(ast.FormattedValue(value, -1, None))
        if text:
            parts.append(_const(text))
        chunk = parts[0] if len(parts) == 1 else ast.JoinedStr(parts)
        emitted = self.emit(chunk)
        _locate(emitted, run[0].lineno or 1, run[0].col or 1)
        return [emitted]

    def stmt(self, stmt: n.Stmt) -> list[ast.stmt]:
        if (
            self.in_extending_root
            and self.frame.kind == "root"
            and isinstance(stmt, n.Data | n.Output)
        ):
            return []
        method: Callable[[Any], list[ast.stmt]] = getattr(self, "visit_" + type(stmt).__name__)
        result = method(stmt)
        for item in result:
            _locate(item, stmt.lineno or 1, stmt.col or 1)
        return result

    def visit_Data(self, node: n.Data) -> list[ast.stmt]:
        return [self.emit(_const(node.text))]

    def visit_Output(self, node: n.Output) -> list[ast.stmt]:
        expr = node.expr
        if isinstance(expr, n.Const):
            return [self.emit(_const(self.format_constant(expr.value)))]
        value = self.expr(expr)
        if self.is_async and isinstance(expr, n.Call):
            temp = self.temp()
            return [
                _assign(temp, value),
                ast.If(
                    _is(_call("_type", _load(temp)), _load("_Pending")),
                    self.pump_pending(_load(temp)),
                    [self.emit(self.to_text(_load(temp)))],
                ),
            ]
        return [self.emit(self.to_text(value))]

    def format_constant(self, value: Any) -> str:
        """The output of a constant, computed once at compile time."""
        return escape_value(value) if self.autoescape else to_str(value)

    def to_text(self, value: ast.expr) -> ast.expr:
        """The output text of a value: escaped (with a C fast path for ``str``) or plain."""
        if not self.autoescape:
            return _call("_ts", value)
        temp = self.temp()
        return ast.IfExp(
            _is(_call("_type", ast.NamedExpr(_store(temp), value)), _load("_str")),
            _call("_es", _load(temp)),
            _call("_ev", _load(temp)),
        )

    def visit_If(self, node: n.If) -> list[ast.stmt]:
        test = self.expr(node.test)
        with self.scope():
            body = self.body(node.body) or [ast.Pass()]
        with self.scope():
            otherwise = self.body(node.otherwise)
        return [ast.If(test, body, otherwise)]

    def assign_target(self, target: n.Target, frame: Frame) -> ast.expr:
        """A store target binding the template names to fresh locals of ``frame``."""
        if isinstance(target, n.NameTarget):
            local = self.local(target.name)
            frame.names[target.name] = local
            return _store(local)
        return ast.Tuple([self.assign_target(item, frame) for item in target.items], ast.Store())

    def target_as_expr(self, target: ast.expr) -> ast.expr:
        if isinstance(target, ast.Name):
            return _load(target.id)
        assert isinstance(target, ast.Tuple)
        return ast.Tuple([self.target_as_expr(t) for t in target.elts], ast.Load())

    def visit_For(self, node: n.For) -> list[ast.stmt]:
        if node.is_async:
            return self.async_for(node)
        iterable = self.expr(node.iter)
        uses_loop = uses_name([*node.body, *([node.cond] if node.cond else [])], "loop")
        parent_loop = self.frame.resolve("loop")
        out: list[ast.stmt] = []
        iterated = self.temp("it") if node.empty else None
        with self.scope() as frame:
            target = self.assign_target(node.target, frame)
            cond = self.expr(node.cond) if node.cond is not None else None
            loop_local = None
            if uses_loop:
                loop_local = self.local("loop")
                frame.names["loop"] = loop_local
            body = self.body(node.body)
        if cond is not None and loop_local is None:
            body.insert(0, ast.If(ast.UnaryOp(ast.Not(), cond), [ast.Continue()], []))
        if iterated is not None:
            out.append(_assign(iterated, _const(False)))
            body.insert(0, _assign(iterated, _const(True)))
        if loop_local is not None:
            if cond is not None:
                iterable = ast.ListComp(
                    self.target_as_expr(target),
                    [ast.comprehension(_clone_store(target), iterable, [cond], 0)],
                )
            out.append(
                _assign(
                    loop_local,
                    _call("_Loop", iterable, _load(parent_loop) if parent_loop else _const(None)),
                )
            )
            loop_target = ast.Tuple(
                [ast.Attribute(_load(loop_local), "index0", ast.Store()), target], ast.Store()
            )
            out.append(
                ast.For(
                    loop_target,
                    _call("_enumerate", _attr(loop_local, "sequence")),
                    body or [ast.Pass()],
                    [],
                )
            )
        else:
            out.append(ast.For(target, iterable, body or [ast.Pass()], []))
        if iterated is not None:
            with self.scope():
                empty = self.body(node.empty)
            out.append(ast.If(ast.UnaryOp(ast.Not(), _load(iterated)), empty or [ast.Pass()], []))
        return out

    def async_for(self, node: n.For) -> list[ast.stmt]:
        if not self.is_async:
            return [
                ast.Raise(
                    _call("_async_only", _const("{% async for %}"), _const(node.lineno)), None
                )
            ]
        source = self.temp("src")
        iterated = self.temp("it") if node.empty else None
        uses_loop = uses_name(node.body, "loop")
        parent_loop = self.frame.resolve("loop")
        with self.scope() as frame:
            target = self.assign_target(node.target, frame)
            cond = self.expr(node.cond) if node.cond is not None else None
            loop_local = None
            if uses_loop:
                loop_local = self.local("loop")
                frame.names["loop"] = loop_local
            body = self.body(node.body)
        if iterated is not None:
            body.insert(0, _assign(iterated, _const(True)))
        if cond is not None:
            skip: list[ast.stmt] = [ast.Continue()]
            if loop_local is not None:
                skip.insert(0, _expr_stmt(_call(_attr(loop_local, "skip"))))
            body.insert(0, ast.If(ast.UnaryOp(ast.Not(), cond), skip, []))
        iterator: ast.expr = _load(source)
        setup: list[ast.stmt] = []
        if loop_local is not None:
            setup.append(
                _assign(
                    loop_local,
                    _call(
                        "_ALoop", _load(source), _load(parent_loop) if parent_loop else _const(None)
                    ),
                )
            )
            iterator = _load(loop_local)
        out: list[ast.stmt] = [
            _assign(source, _call("_aiter", self.expr(node.iter))),
            ast.Try(
                [*setup, ast.AsyncFor(target, iterator, body or [ast.Pass()], [])],
                [],
                [],
                [_expr_stmt(ast.Await(_call("_aclose", _load(source))))],
            ),
        ]
        if iterated is not None:
            with self.scope():
                empty = self.body(node.empty)
            out.insert(0, _assign(iterated, _const(False)))
            out.append(ast.If(ast.UnaryOp(ast.Not(), _load(iterated)), empty or [ast.Pass()], []))
        return out

    def visit_While(self, node: n.While) -> list[ast.stmt]:
        test = self.expr(node.test)
        with self.scope():
            body = self.body(node.body) or [ast.Pass()]
        return [ast.While(test, body, [])]

    def visit_Break(self, node: n.Break) -> list[ast.stmt]:
        return [ast.Break()]

    def visit_Continue(self, node: n.Continue) -> list[ast.stmt]:
        return [ast.Continue()]

    def visit_Match(self, node: n.Match) -> list[ast.stmt]:
        subject = self.temp("subj")
        out: list[ast.stmt] = [_assign(subject, self.expr(node.subject))]
        chain: list[ast.stmt] = []
        for case in reversed(node.cases):
            with self.scope() as frame:
                test = self.pattern(case.pattern, _load(subject), frame)
                if case.guard is not None:
                    test = ast.BoolOp(ast.And(), [test, self.expr(case.guard)])
                body = self.body(case.body) or [ast.Pass()]
            branch = ast.If(test, body, chain)
            _locate(branch, case.lineno, case.col)
            chain = [branch]
        return out + chain

    def pattern(self, pattern: n.Expr, subject: ast.expr, frame: Frame) -> ast.expr:
        """A boolean test of ``subject`` against a case pattern; bare names capture."""
        if isinstance(pattern, n.Name):
            if pattern.name == "_":
                return _const(True)
            local = self.local(pattern.name)
            frame.names[pattern.name] = local
            return ast.BoolOp(ast.Or(), [ast.NamedExpr(_store(local), subject), _const(True)])
        if isinstance(pattern, n.TupleLit):
            tests: list[ast.expr] = [
                _call(
                    "_isinstance", subject, ast.Tuple([_load("_list"), _load("_tuple")], ast.Load())
                ),
                ast.Compare(_call("_len", subject), [ast.Eq()], [_const(len(pattern.items))]),
            ]
            for index, item in enumerate(pattern.items):
                element = ast.Subscript(subject, _const(index), ast.Load())
                tests.append(self.pattern(item, element, frame))
            return ast.BoolOp(ast.And(), tests)
        if isinstance(pattern, n.DictLit):
            tests = [_call("_isinstance", subject, _load("_Mapping"))]
            for key, value in pattern.pairs:
                key_expr = self.expr(key)
                tests.append(ast.Compare(key_expr, [ast.In()], [subject]))
                tests.append(
                    self.pattern(value, ast.Subscript(subject, self.expr(key), ast.Load()), frame)
                )
            return ast.BoolOp(ast.And(), tests)
        return ast.Compare(subject, [ast.Eq()], [self.expr(pattern)])

    def visit_Assign(self, node: n.Assign) -> list[ast.stmt]:
        value = self.expr(node.value)
        names = n.target_names(node.target)
        to_context = node.kind in ("let", "export", "promote") or (
            node.kind == "set" and self.frame.kind == "root"
        )
        if node.coalesce:
            if not isinstance(node.target, n.NameTarget):
                raise self.error("??= assigns one name", node, hint="write {% set x ??= value %}")
            current = self.expr(
                n.Name(node.target.name, lineno=node.lineno, col=node.col), soft=True
            )
            temp = self.temp()
            value = ast.IfExp(
                _call("_is_missing", ast.NamedExpr(_store(temp), current)), value, _load(temp)
            )
        if to_context:
            if isinstance(node.target, n.NameTarget):
                self.frame.names[node.target.name] = _IN_CONTEXT
                return [
                    ast.Assign(
                        [ast.Subscript(_load("_ctx"), _const(node.target.name), ast.Store())], value
                    )
                ]
            temp = self.temp()
            out: list[ast.stmt] = [ast.Assign([self._tuple_store(node.target, temp)], value)]
            for name in names:
                self.frame.names[name] = _IN_CONTEXT
                out.append(
                    ast.Assign(
                        [ast.Subscript(_load("_ctx"), _const(name), ast.Store())],
                        _load(f"{temp}_{name}"),
                    )
                )
            return out
        return [ast.Assign([self.assign_target(node.target, self.frame)], value)]

    def _tuple_store(self, target: n.Target, temp: str) -> ast.expr:
        if isinstance(target, n.NameTarget):
            return _store(f"{temp}_{target.name}")
        return ast.Tuple([self._tuple_store(t, temp) for t in target.items], ast.Store())

    def bind(self, name: str, value: ast.expr) -> list[ast.stmt]:
        """``set`` semantics for a single name: context at the root, else a local."""
        if self.frame.kind == "root":
            self.frame.names[name] = _IN_CONTEXT
            return [ast.Assign([ast.Subscript(_load("_ctx"), _const(name), ast.Store())], value)]
        local = self.local(name)
        self.frame.names[name] = local
        return [_assign(local, value)]

    def visit_With(self, node: n.With) -> list[ast.stmt]:
        values = [self.expr(value) for _, value in node.bindings]
        out: list[ast.stmt] = []
        with self.scope() as frame:
            targets = [self.assign_target(target, frame) for target, _ in node.bindings]
            for target, value in zip(targets, values, strict=True):
                out.append(ast.Assign([target], value))
            body = self.body(node.body) or [ast.Pass()]
        if not node.guarded:
            return [*out, *body]
        with self.scope():
            empty = self.body(node.empty)
        return [*out, ast.If(self.target_as_expr(targets[0]), body, empty)]

    def capture(self, body: list[n.Stmt]) -> tuple[list[ast.stmt], ast.expr]:
        """Statements rendering ``body`` into a buffer, and the expression of its text."""
        buffer, append = self.temp("buf"), self.temp("app")
        with self.output_to(append), self.scope():
            stmts = self.body(body)
        return (
            [
                _assign(buffer, ast.List([], ast.Load())),
                _assign(append, _attr(buffer, "append")),
                *stmts,
            ],
            _call(_attr(_const(""), "join"), _load(buffer)),
        )

    def as_markup(self, text: ast.expr) -> ast.expr:
        return _call("_Markup", text) if self.autoescape else text

    def visit_Capture(self, node: n.Capture) -> list[ast.stmt]:
        stmts, text = self.capture(node.body)
        return [*stmts, *self.bind(node.name, self.as_markup(text))]

    def visit_FilterBlock(self, node: n.FilterBlock) -> list[ast.stmt]:
        stmts, text = self.capture(node.body)
        temp = self.temp()
        with self.scope() as frame:
            frame.names[""] = temp
            value = self.expr(node.filters)
        return [*stmts, _assign(temp, self.as_markup(text)), self.emit(self.to_text(value))]

    def visit_Spaceless(self, node: n.Spaceless) -> list[ast.stmt]:
        stmts, text = self.capture(node.body)
        return [*stmts, self.emit(_call("_spaceless", text))]

    def visit_Cache(self, node: n.Cache) -> list[ast.stmt]:
        key, hit = self.temp("key"), self.temp("hit")
        stmts, text = self.capture(node.body)
        ttl = self.expr(node.ttl) if node.ttl is not None else _const(None)
        return [
            _assign(key, self.expr(node.key)),
            _assign(
                hit, _call(_attr(_attr("_ctx", "environment"), "fragment_cache_get"), _load(key))
            ),
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
            self.emit(_load(hit)),
        ]

    def visit_Try(self, node: n.Try) -> list[ast.stmt]:
        result = self.temp("out")
        body_stmts, body_text = self.capture(node.body)
        error = self.temp("err")
        with self.scope() as frame:
            prologue: list[ast.stmt] = []
            if node.error_name:
                local = self.local(node.error_name)
                frame.names[node.error_name] = local
                prologue.append(_assign(local, _load(error)))
            fallback_stmts, fallback_text = self.capture(node.fallback)
        handler = ast.ExceptHandler(
            _load("_Exception"), error, [*prologue, *fallback_stmts, _assign(result, fallback_text)]
        )
        return [
            ast.Try([*body_stmts, _assign(result, body_text)], [handler], [], []),
            self.emit(_load(result)),
        ]

    def visit_Push(self, node: n.Push) -> list[ast.stmt]:
        stmts, text = self.capture(node.body)
        return [*stmts, _expr_stmt(_call("_push", _load("_ctx"), self.expr(node.stack), text))]

    def visit_StackOut(self, node: n.StackOut) -> list[ast.stmt]:
        # In the page buffer of render(), leave a placeholder filled in at the end, so pushes
        # made later (a child's blocks, an include) still land in the layout's stack.
        deferred = self.mode == "render" and self.sink == "_a" and not self.frame.in_function()
        helper = "_stack_placeholder" if deferred else "_stack"
        return [self.emit(_call(helper, _load("_ctx"), self.expr(node.stack)))]

    def visit_Provide(self, node: n.Provide) -> list[ast.stmt]:
        provided = self.temp("prov")
        keys = [_const(key) for key, _ in node.pairs]
        pushes = [
            _expr_stmt(
                _call(
                    _attr(
                        _call(_attr(provided, "setdefault"), key, ast.List([], ast.Load())),
                        "append",
                    ),
                    self.expr(value),
                )
            )
            for key, (_, value) in zip(keys, node.pairs, strict=True)
        ]
        pops: list[ast.stmt] = [
            _expr_stmt(_call(_attr(ast.Subscript(_load(provided), key, ast.Load()), "pop")))
            for key in keys
        ]
        with self.scope():
            body = self.body(node.body) or [ast.Pass()]
        return [
            _assign(provided, _attr(_attr("_ctx", "state"), "provided")),
            *pushes,
            ast.Try(body, [], [], pops),
        ]

    def visit_Trans(self, node: n.Trans) -> list[ast.stmt]:
        variables = ast.Dict(
            [_const(k) for k in node.variables], [self.expr(v) for v in node.variables.values()]
        )
        count = self.expr(node.count) if node.count is not None else _const(None)
        value = _call(
            "_trans", _load("_ctx"), _const(node.singular), _const(node.plural), count, variables
        )
        return [self.emit(value)]

    def visit_Flush(self, node: n.Flush) -> list[ast.stmt]:
        # Every output is already its own chunk in the streaming renderers.
        return []

    def visit_ContextDeclaration(self, node: n.ContextDeclaration) -> list[ast.stmt]:
        return []

    def visit_Group(self, node: n.Group) -> list[ast.stmt]:
        return self.body(node.body)

    def visit_Block(self, node: n.Block) -> list[ast.stmt]:
        fname = f"block_{node.name}"
        if not any(b is node for b in self.seen_blocks):
            self.seen_blocks.append(node)
            self.block_defs.append(("", node, fname))
        if node.kind == "region":
            return self.region_macro(node)
        if node.kind == "fragment" or self.in_extending_root:
            return []
        block = ast.Subscript(
            ast.Subscript(_attr("_ctx", "blocks"), _const(node.name), ast.Load()),
            _const(0),
            ast.Load(),
        )
        stmts = self.pump(block, self.ctx_with_locals())
        if node.cond is not None:
            return [ast.If(self.expr(node.cond), stmts, [])]
        return stmts

    def region_macro(self, node: n.Block) -> list[ast.stmt]:
        """A region is also callable: bind it like a def."""
        return self.visit_Def(
            n.Def(node.name, node.params, node.body, lineno=node.lineno, col=node.col)
        )

    def visit_Extends(self, node: n.Extends) -> list[ast.stmt]:
        return []

    def include_bindings(self, bindings: list[tuple[str, n.Expr]], only: bool) -> ast.expr:
        keys: list[ast.expr | None] = []
        values: list[ast.expr] = []
        if not only:
            visible = self.frame.visible_locals()
            keys.extend(_const(k) for k in visible)
            values.extend(_load(v) for v in visible.values())
        for key, value in bindings:
            keys.append(_const(key))
            values.append(self.expr(value))
        return ast.Dict(keys, values)

    def assign_include_context(
        self, sub: str, template: str, node: n.Include | n.Embed
    ) -> ast.stmt:
        """``sub = `` the context an included or embedded ``template`` renders with."""
        bindings = self.include_bindings(node.bindings, node.only)
        return _assign(
            sub,
            _call(
                "_include_ctx",
                _load("_ctx"),
                _load(template),
                bindings,
                _const(node.only),
                _const(node.lineno),
            ),
        )

    def visit_Include(self, node: n.Include) -> list[ast.stmt]:
        template, sub = self.temp("inc"), self.temp("_ctx")
        body = [
            self.assign_include_context(sub, template, node),
            _expr_stmt(_call("_register", _load(sub), _load(template))),
            *self.pump(_load(template), _load(sub)),
        ]
        load = _call(
            "_include", _load("_ctx"), self.expr(node.template), _const(node.ignore_missing)
        )
        if node.ignore_missing:
            return [
                _assign(template, load),
                ast.If(_is(_load(template), _const(None), negate=True), body, []),
            ]
        return [_assign(template, load), *body]

    def visit_Embed(self, node: n.Embed) -> list[ast.stmt]:
        known = [i for i, candidate in enumerate(self.embed_nodes) if candidate is node]
        index = known[0] if known else len(self.embed_nodes)
        if not known:
            self.embed_nodes.append(node)
            names = []
            for block in node.blocks:
                self.seen_blocks.append(block)
                fname = f"embed{index}_{block.name}"
                self.block_defs.append((f"embed{index}", block, fname))
                names.append((block.name, fname))
            self.embeds.append(
                ast.Dict([_const(k) for k, _ in names], [self._block_tuple(f) for _, f in names])
            )
        template, sub = self.temp("inc"), self.temp("_ctx")
        return [
            _assign(
                template, _call("_include", _load("_ctx"), self.expr(node.template), _const(False))
            ),
            self.assign_include_context(sub, template, node),
            _expr_stmt(
                _call(
                    "_register_embed",
                    _load(sub),
                    ast.Subscript(_load("EMBEDS"), _const(index), ast.Load()),
                )
            ),
            _expr_stmt(_call("_register", _load(sub), _load(template))),
            *self.pump(_load(template), _load(sub)),
        ]

    def run_import(self, node: n.Import | n.FromImport) -> tuple[list[ast.stmt], ast.expr]:
        namespace = self.temp("ns")
        if self.is_async:
            stmts: list[ast.stmt] = [
                _assign(
                    namespace,
                    ast.Await(_call("_import_async", _load("_ctx"), self.expr(node.template))),
                )
            ]
        else:
            stmts = [_assign(namespace, _call("_import", _load("_ctx"), self.expr(node.template)))]
        return stmts, _load(namespace)

    def visit_Import(self, node: n.Import) -> list[ast.stmt]:
        stmts, namespace = self.run_import(node)
        return [*stmts, *self.bind(node.alias, namespace)]

    def visit_FromImport(self, node: n.FromImport) -> list[ast.stmt]:
        stmts, namespace = self.run_import(node)
        for name, alias in node.names:
            stmts.extend(self.bind(alias, _call("_ga", namespace, _const(name))))
        return stmts

    def function_body(
        self, body: list[n.Stmt], params: list[n.Param], is_async: bool
    ) -> tuple[ast.arguments, list[ast.stmt]]:
        """Arguments and body of a def or slot filler, compiled in a function frame."""
        saved_mode = self.mode
        if not is_async and self.mode == "async":
            self.mode = "render"
        with self.scope("function") as frame:
            positional: list[str] = []
            vararg = kwarg = None
            for param in params:
                # Parameters keep their template name so keyword calls work.
                local = self.local(param.name) if param.name.startswith("_") else param.name
                frame.names[param.name] = local
                if param.kind == "*":
                    vararg = local
                elif param.kind == "**":
                    kwarg = local
                else:
                    positional.append(local)
            with self.output_to(None if is_async else "_a"):
                stmts = self.body(body)
            if is_async and not _yields(stmts):
                stmts += [ast.Return(None), _expr_stmt(ast.Yield(_const("")))]
        self.mode = saved_mode
        leading = ["_caller"] if is_async else ["_a", "_caller"]
        return _args(leading + positional, vararg, kwarg), stmts

    def visit_Def(self, node: n.Def) -> list[ast.stmt]:
        is_async = self.is_async and needs_async_body(node.body)
        defaults = [
            self.expr(p.default) for p in node.params if p.default is not None and p.kind == ""
        ]
        fname = self.temp("def")
        binding_frame = self.frame
        # Bind first so the body can call itself recursively.
        if binding_frame.kind == "root":
            binding_frame.names[node.name] = _IN_CONTEXT
            target: ast.expr = ast.Subscript(_load("_ctx"), _const(node.name), ast.Store())
        else:
            local = self.local(node.name)
            binding_frame.names[node.name] = local
            target = _store(local)
        args, stmts = self.function_body(node.body, node.params, is_async)
        args.defaults = defaults
        function = _function(fname, args, stmts, is_async=is_async)
        macro = _call(
            "_Macro", _const(node.name), _load(fname), _const(is_async), _const(self.autoescape)
        )
        return [function, ast.Assign([target], macro)]

    def visit_CallBlock(self, node: n.CallBlock) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        slots: dict[str, tuple[str, bool]] = {}
        fillers = (
            [n.SlotFill("default", [], node.body, lineno=node.lineno, col=node.col)]
            if any(not (isinstance(s, n.Data) and not s.text.strip()) for s in node.body)
            else []
        )
        for filler in fillers + node.slots:
            is_async = self.is_async and needs_async_body(filler.body)
            fname = self.temp("slot")
            lets = self.temp("lets")
            args, stmts = self._slot_function(filler, lets, is_async)
            out.append(_function(fname, args, stmts, is_async=is_async))
            slots[filler.name] = (fname, is_async)
        caller = self.temp("caller")
        out.append(
            _assign(
                caller,
                _call(
                    "_Caller",
                    ast.Dict(
                        [_const(k) for k in slots],
                        [ast.Tuple([_load(f), _const(a)], ast.Load()) for f, a in slots.values()],
                    ),
                    _const(self.autoescape),
                ),
            )
        )
        call = node.call
        call_args, kwargs = self.arguments(call.arguments)
        args_tuple = ast.Tuple(call_args, ast.Load())
        kwargs_dict = ast.Dict([k.arg and _const(k.arg) for k in kwargs], [k.value for k in kwargs])  # type: ignore[misc]
        value = _call(
            _attr(_call("_as_macro", self.expr(call.func)), "invoke"),
            _load(caller),
            args_tuple,
            kwargs_dict,
        )
        result = self.temp()
        out.append(_assign(result, value))
        if self.is_async:
            out.append(
                ast.If(
                    _is(_call("_type", _load(result)), _load("_Pending")),
                    self.pump_pending(_load(result)),
                    [self.emit(self.to_text(_load(result)))],
                )
            )
        else:
            out.append(self.emit(self.to_text(_load(result))))
        return out

    def _slot_function(
        self, filler: n.SlotFill, lets: str, is_async: bool
    ) -> tuple[ast.arguments, list[ast.stmt]]:
        saved_mode = self.mode
        if not is_async and self.mode == "async":
            self.mode = "render"
        with self.scope("nested") as frame:
            prologue: list[ast.stmt] = []
            for name in filler.lets:
                local = self.local(name)
                frame.names[name] = local
                prologue.append(_assign(local, _call(_attr(lets, "get"), _const(name))))
            with self.output_to(None if is_async else "_a"):
                stmts = prologue + self.body(filler.body)
            if is_async and not _yields(stmts):
                stmts += [ast.Return(None), _expr_stmt(ast.Yield(_const("")))]
        self.mode = saved_mode
        params = [] if is_async else ["_a"]
        return _args(params, None, lets), stmts

    def visit_SlotFill(self, node: n.SlotFill) -> list[ast.stmt]:
        raise self.error(
            f"the filler of slot {node.name!r} is not directly inside a {{% call %}}",
            node,
            hint="put {% slot name %}...{% end %} at the top of the call body",
        )

    def visit_SlotOut(self, node: n.SlotOut) -> list[ast.stmt]:
        if not self.frame.in_function():
            return []
        lets = ast.Dict([_const(k) for k, _ in node.lets], [self.expr(v) for _, v in node.lets])
        present = _is(_load("_caller"), _const(None), negate=True)
        if self.is_async:
            chunk = self.temp("c")
            body: list[ast.stmt] = [
                ast.AsyncFor(
                    _store(chunk),
                    _call(_attr("_caller", "stream"), _const(node.name), lets),
                    [self.emit(_load(chunk))],
                    [],
                )
            ]
        elif self.sink is None:
            buffer = self.temp("buf")
            body = [
                _assign(buffer, ast.List([], ast.Load())),
                _expr_stmt(
                    _call(
                        _attr("_caller", "render"), _const(node.name), _attr(buffer, "append"), lets
                    )
                ),
                self.emit(_call(_attr(_const(""), "join"), _load(buffer))),
            ]
        else:
            body = [
                _expr_stmt(
                    _call(_attr("_caller", "render"), _const(node.name), _load(self.sink), lets)
                )
            ]
        return [ast.If(present, body, [])]

    # --- expressions -----------------------------------------------------------------------

    def expr(self, node: n.Expr, soft: bool = False) -> ast.expr:
        method: Callable[[Any, bool], ast.expr] = getattr(self, "expr_" + type(node).__name__)
        result = method(node, soft)
        if node.lineno:
            _locate(result, node.lineno, node.col)
        return result

    def expr_Const(self, node: n.Const, soft: bool) -> ast.expr:
        return _const(node.value)

    def expr_Name(self, node: n.Name, soft: bool) -> ast.expr:
        name = node.name
        local = self.frame.resolve(name)
        if local is not None:
            return _load(local)
        if name == "caller" and self.frame.in_function():
            return _call("_caller_or_empty", _load("_caller"), _const(self.autoescape))
        if soft:
            return _call(_attr("_ctx", "get"), _const(name), _load("_UNDEF"))
        return ast.Subscript(_load("_ctx"), _const(name), ast.Load())

    def expr_ListLit(self, node: n.ListLit, soft: bool) -> ast.expr:
        return ast.List([self.expr(item) for item in node.items], ast.Load())

    def expr_TupleLit(self, node: n.TupleLit, soft: bool) -> ast.expr:
        return ast.Tuple([self.expr(item) for item in node.items], ast.Load())

    def expr_DictLit(self, node: n.DictLit, soft: bool) -> ast.expr:
        return ast.Dict(
            [self.expr(k) for k, _ in node.pairs], [self.expr(v) for _, v in node.pairs]
        )

    def none_safe(self, obj: ast.expr, access: Callable[[ast.expr], ast.expr]) -> ast.expr:
        temp = self.temp()
        return ast.IfExp(
            _call("_is_missing", ast.NamedExpr(_store(temp), obj)),
            _const(None),
            access(_load(temp)),
        )

    def expr_Getattr(self, node: n.Getattr, soft: bool) -> ast.expr:
        obj = self.expr(node.obj, soft)
        helper = "_gas" if soft else "_ga"
        if node.safe and not soft:
            return self.none_safe(obj, lambda o: _call(helper, o, _const(node.attr)))
        return _call(helper, obj, _const(node.attr))

    def expr_Getitem(self, node: n.Getitem, soft: bool) -> ast.expr:
        obj = self.expr(node.obj, soft)
        if isinstance(node.key, n.Slice):
            key = self.expr(node.key)
            if node.safe:
                return self.none_safe(obj, lambda o: ast.Subscript(o, key, ast.Load()))
            return ast.Subscript(obj, key, ast.Load())
        key = self.expr(node.key)
        helper = "_gis" if soft else "_gi"
        if node.safe and not soft:
            return self.none_safe(obj, lambda o: _call(helper, o, key))
        return _call(helper, obj, key)

    def expr_Slice(self, node: n.Slice, soft: bool) -> ast.expr:
        return ast.Slice(
            self.expr(node.start) if node.start else None,
            self.expr(node.stop) if node.stop else None,
            self.expr(node.step) if node.step else None,
        )

    def arguments(self, arguments: n.Arguments) -> tuple[list[ast.expr], list[ast.keyword]]:
        args = [self.expr(arg) for arg in arguments.args]
        if arguments.star is not None:
            args.append(ast.Starred(self.expr(arguments.star), ast.Load()))
        kwargs = [ast.keyword(key, self.expr(value)) for key, value in arguments.kwargs]
        if arguments.dstar is not None:
            kwargs.append(ast.keyword(None, self.expr(arguments.dstar)))
        return args, kwargs

    def passed(self, func: Callable[..., Any]) -> list[ast.expr]:
        kind = pass_kind(func)
        if kind == "context":
            return [_load("_ctx")]
        if kind == "environment":
            return [_attr("_ctx", "environment")]
        return []

    def expr_Call(self, node: n.Call, soft: bool) -> ast.expr:
        args, kwargs = self.arguments(node.arguments)
        func = node.func
        if isinstance(func, n.Name) and self.frame.resolve(func.name) is None:
            if func.name == "has_slot" and self.frame.in_function():
                return _call("_has_slot", _load("_caller"), *args)
            if func.name == "caller" and self.frame.in_function():
                return ast.Call(
                    _call("_caller_or_empty", _load("_caller"), _const(self.autoescape)),
                    args,
                    kwargs,
                )
            if func.name in self.globals:
                args = self.passed(self.globals[func.name]) + args
        return ast.Call(self.expr(func), args, kwargs)

    def expr_BinOp(self, node: n.BinOp, soft: bool) -> ast.expr:
        left, right = self.expr(node.left), self.expr(node.right)
        if node.op == "+":
            return _call("_add", left, right)
        if node.op == "~":
            return _call("_concat", left, right)
        return ast.BinOp(left, _BINOPS[node.op](), right)

    def expr_UnaryOp(self, node: n.UnaryOp, soft: bool) -> ast.expr:
        operand = self.expr(node.operand)
        op: ast.unaryop = {"not": ast.Not, "-": ast.USub, "+": ast.UAdd}[node.op]()
        return ast.UnaryOp(op, operand)

    def expr_BoolOp(self, node: n.BoolOp, soft: bool) -> ast.expr:
        op = ast.And() if node.op == "and" else ast.Or()
        return ast.BoolOp(op, [self.expr(node.left), self.expr(node.right)])

    def expr_Compare(self, node: n.Compare, soft: bool) -> ast.expr:
        return ast.Compare(
            self.expr(node.left),
            [_CMPOPS[op]() for op, _ in node.ops],
            [self.expr(value) for _, value in node.ops],
        )

    def expr_CondExpr(self, node: n.CondExpr, soft: bool) -> ast.expr:
        otherwise = self.expr(node.otherwise) if node.otherwise is not None else _const(None)
        return ast.IfExp(self.expr(node.test), self.expr(node.then, soft), otherwise)

    def expr_Coalesce(self, node: n.Coalesce, soft: bool) -> ast.expr:
        temp = self.temp()
        return ast.IfExp(
            _call("_is_missing", ast.NamedExpr(_store(temp), self.expr(node.left, soft=True))),
            self.expr(node.right, soft),
            _load(temp),
        )

    def lookup_function(
        self, registry: dict[str, Callable[..., Any]], name: str, kind: str, node: n.Node
    ) -> Callable[..., Any]:
        func = registry.get(name)
        if func is None:
            hint = suggest(name, registry) or f"register it with env.add_{kind}({name!r}, function)"
            raise self.error(f"unknown {kind} {name!r}", node, hint=hint)
        return func

    def expr_Filter(self, node: n.Filter, soft: bool) -> ast.expr:
        name = node.name
        value = self.expr(node.value, soft=soft or name in ("default", "d"))
        if name == "safe" and self._is_builtin(name):
            return self.skip_none(node, value, lambda v: _call("_Markup", _call("_ts", v)))
        if name in ("escape", "e") and self._is_builtin(name):
            return self.skip_none(node, value, lambda v: _call("_Markup", _call("_ev", v)))
        func = self.lookup_function(self.filters, name, "filter", node)
        args, kwargs = self.arguments(node.arguments)
        ref = self.bind_value("filter", name, func)
        passed = self.passed(func)
        return self.skip_none(node, value, lambda v: ast.Call(ref, [*passed, v, *args], kwargs))

    def _is_builtin(self, name: str) -> bool:
        return self.filters.get(name) is DEFAULT_FILTERS.get(name)

    def skip_none(
        self, node: n.Filter, value: ast.expr, apply: Callable[[ast.expr], ast.expr]
    ) -> ast.expr:
        if not node.safe:
            return apply(value)
        return self.none_safe(value, apply)

    def expr_Test(self, node: n.Test, soft: bool) -> ast.expr:
        name = node.name
        result: ast.expr
        if name in ("defined", "undefined"):
            value = self.expr(node.value, soft=True)
            result = _is(value, _load("_UNDEF"), negate=name == "defined")
        elif name == "none" and not node.arguments.args:
            result = _is(self.expr(node.value), _const(None))
        else:
            func = self.lookup_function(self.tests, name, "test", node)
            args, kwargs = self.arguments(node.arguments)
            result = ast.Call(
                self.bind_value("test", name, func),
                [*self.passed(func), self.expr(node.value), *args],
                kwargs,
            )
        if node.negated:
            return ast.UnaryOp(ast.Not(), result)
        return result

    def expr_Range(self, node: n.Range, soft: bool) -> ast.expr:
        step = self.expr(node.step) if node.step is not None else _const(None)
        return _call(
            "_range", self.expr(node.start), self.expr(node.stop), step, _const(node.inclusive)
        )

    def expr_Comprehension(self, node: n.Comprehension, soft: bool) -> ast.expr:
        iterable = self.expr(node.iter)
        with self.scope() as frame:
            target = self.assign_target(node.target, frame)
            cond = [self.expr(node.cond)] if node.cond is not None else []
            element = self.expr(node.elt)
        return ast.ListComp(element, [ast.comprehension(target, iterable, cond, 0)])

    def expr_Await(self, node: n.Await, soft: bool) -> ast.expr:
        text = describe(node.value)
        if not self.is_async:
            return _call(
                "_raise", _call("_async_only", _const(f"await {text}"), _const(node.lineno))
            )
        return ast.Await(_call("_await", self.expr(node.value), _const(text), _const(node.lineno)))


def _clone_store(target: ast.expr) -> ast.expr:
    if isinstance(target, ast.Name):
        return _store(target.id)
    assert isinstance(target, ast.Tuple)
    return ast.Tuple([_clone_store(t) for t in target.elts], ast.Store())
