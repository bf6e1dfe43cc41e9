"""The compiler: template tree → one Python ``ast.Module`` holding every renderer.

:class:`Compiler` keeps the state of one compilation and builds the module; :data:`STATEMENTS` and
:data:`EXPRESSIONS` send each node to its handler in ``statements/<family>.py`` or
``expressions.py``. The same handlers run three times per body, once per mode: ``render`` appends
to a list (``_a(x)``), ``stream`` is a generator (``yield x``) and ``async`` an async generator
that may ``await`` and ``async for``. Blocks get the same three functions. Template variables live
in the render context (a dict read by subscript) unless a statement binds them locally, in which
case they are Python locals with unique names, so scoping is decided once, at compile time. Every
emitted statement carries the template line, so tracebacks point at the template.
"""

import ast
import itertools
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from types import CodeType
from typing import TYPE_CHECKING, Any, Final

from kida import nodes as n
from kida.analysis import contains_async, stack_targets, toplevel_definitions
from kida.analysis.structure import extends_tags, literal_template_names
from kida.compiler import expressions, partial_eval
from kida.compiler.frame import Frame
from kida.compiler.pyast import (
    Mode,
    _args,
    _assign,
    _attr,
    _call,
    _const,
    _expr_stmt,
    _fill_locations,
    _finish_renderer,
    _function,
    _load,
    _locate,
    _refuse_sync,
    _run_setups,
    _store,
)
from kida.compiler.statements import (
    control_flow,
    error_handling,
    functions,
    i18n,
    output,
    pattern_matching,
    special_blocks,
    template_structure,
    variables,
)
from kida.exceptions import ErrorCode, TemplateSyntaxError, TemplateWarning
from kida.passing import pass_kind

if TYPE_CHECKING:
    from kida.environment import Environment
    from kida.extensions import Extension

#: Every renderer: what :meth:`Compiler.compile` builds unless told otherwise.
MODES: Final[tuple[Mode, ...]] = ("render", "stream", "async")
_ROOTS: Final = (("render", "root"), ("stream", "root_stream"), ("async", "root_async"))
_unnamed = itertools.count()


def code_filename(name: str | None, filename: str | None) -> str:
    """The file name a template's code carries: its file, else a name unique to it (how
    tracebacks and coverage find the template; ``kida.debug.register_code``)."""
    return filename or f"<kida {name or 'string'} #{next(_unnamed)}>"


@contextmanager
def nesting_limit(name: str | None, source: str) -> Iterator[None]:
    """Python's recursion limit, hit parsing or compiling a deeply nested template, becomes a
    TemplateSyntaxError naming the template."""
    try:
        yield
    except RecursionError:
        raise TemplateSyntaxError(
            "the template is nested too deeply",
            name=name,
            source=source,
            hint="split it into smaller templates or defs",
        ) from None


_SUFFIXES: Final = (("render", ""), ("stream", "_stream"), ("async", "_async"))


def template_blocks(body: list[n.Stmt]) -> Iterator[n.Block]:
    """The blocks a template defines, nested ones included, not those of an ``embed``."""
    for stmt in body:
        if isinstance(stmt, n.Embed):
            continue
        if isinstance(stmt, n.Block):
            yield stmt
        for child in stmt.children():
            if isinstance(child, n.Stmt):
                yield from template_blocks([child])
            elif isinstance(child, n.SlotFill | n.Case):
                yield from template_blocks(child.body)
            elif n.is_extension_node(child):
                yield from template_blocks(list(_statements_in(child)))


def _statements_in(node: n.Node) -> Iterator[n.Stmt]:
    """The statements an extension's node holds (its body), through nested such nodes."""
    for child in node.children():
        if isinstance(child, n.Stmt):
            yield child
        elif n.is_extension_node(child):
            yield from _statements_in(child)


class Compiler:
    """Compiles template trees of one environment: ``Compiler(env).compile(tree, name)`` is the
    code object of the template's module, which ``Template(env, code, name, filename)`` runs
    (as kida-templates' architecture page drives the pipeline by hand). ``Environment`` goes
    the same way, adding partial evaluation (``static``) and the bytecode cache. One instance
    compiles one tree at a time: the state below belongs to the compilation under way."""

    def __init__(
        self, environment: "Environment", *, static: partial_eval.Folding | None = None
    ) -> None:
        self.environment = environment
        #: Warn (MigrationWarning) where a nested ``set`` shadows a template-wide name.
        self.jinja2_compat_warnings = environment.jinja2_compat_warnings
        #: False: missing attributes/keys read as UNDEFINED (resilient-None code is emitted).
        self.strict_undefined = environment.strict_undefined
        #: Values known now: reads of them that stay constant are folded (partial evaluation).
        self.static = static
        self.pure_filters = environment.pure_filters
        self.filters = environment.filters
        self.default_filters = environment.builtin_filters  # the built-ins it may inline
        self.tests = environment.tests
        self.globals = environment.globals
        self.sandboxed = environment.sandboxed  # calls, ``*`` and ``%`` go through its checks
        #: Node class name → the extension compiling it (``Extension.node_types``).
        self.extension_nodes: Mapping[str, Extension] = environment._extension_compilers
        self.start(None, "")

    def start(self, name: str | None, source: str) -> None:
        """Begin compiling the template ``name`` (errors quote ``source``): fresh state."""
        self.name = name
        self.source = source
        self.autoescape = self.environment.autoescape_for(name)
        #: Names bound template-wide by ``let``/``export``/``promote`` so far.
        self.template_wide: set[str] = set()
        #: Warnings found while compiling (K-WARN-002); :meth:`compile` adds them to the
        #: tree's, for ``template.warnings``.
        self.warnings: list[TemplateWarning] = []
        self.namespace: dict[str, Any] = {}
        #: Module name of each filter and test the code calls → ("filter" | "test", name):
        #: the module's ``BINDINGS``, bound to the running environment's functions.
        self.bindings: dict[str, tuple[str, str]] = {}
        #: Generated function name → the ``{% def %}`` name it implements (see
        #: :func:`~kida.compiler.statements.functions.name_functions`).
        self.def_names: dict[str, str] = {}
        self._ids = itertools.count()
        self.mode: Mode = "render"
        self.sink: str | None = "_a"
        self.frame = Frame(None, kind="root")
        self.extends: n.Extends | None = None
        #: ``{% extends %}`` tags inside top-level ``{% if %}`` branches: the parent is chosen
        #: while rendering (see :meth:`conditional_extends`).
        self.chosen_extends: list[n.Extends] = []
        #: The root renderer's local holding the chosen parent, while compiling that renderer.
        self.parent_local: str | None = None
        self.embeds: list[ast.expr] = []
        self.embed_nodes: list[n.Embed] = []
        self.seen_blocks: list[n.Block] = []
        self.block_defs: list[tuple[str, n.Block, str]] = []
        self.in_extending_root = False
        self.modes: tuple[Mode, ...] = ("render",)
        self._async_cache: dict[tuple[int, ...], bool] = {}

    def compile(
        self,
        node: n.TemplateNode,
        name: str | None = None,
        filename: str | None = None,
        *,
        source: str = "",
        modes: tuple[Mode, ...] = MODES,
    ) -> CodeType:
        """The code object of ``node``'s module with the renderers of ``modes`` (all three by
        default); ``filename`` is the file name its code carries (tracebacks, coverage),
        unique per template when not given. What it calls of the environment's filters and
        tests it names in ``BINDINGS``, so the code alone is the template: the bytecode cache
        stores it, :class:`~kida.template.Template` runs it."""
        self.start(name, source)
        code_name = code_filename(name, filename)
        with nesting_limit(name, source):
            module = self.module(node, modes)
            try:
                code = compile(module, code_name, "exec")
            except (SyntaxError, ValueError) as error:
                raise TemplateSyntaxError(
                    f"invalid template: {error}",
                    name=name,
                    source=source,
                    lineno=getattr(error, "lineno", None),
                ) from None
        node.warnings.extend(self.warnings)
        return functions.name_functions(code, self.def_names)

    def error(
        self,
        message: str,
        node: n.Node,
        hint: str | None = None,
        code: ErrorCode = ErrorCode.SYNTAX_ERROR,
    ) -> TemplateSyntaxError:
        return TemplateSyntaxError(
            message,
            name=self.name,
            lineno=node.lineno or None,
            col=node.col or None,
            source=self.source,
            hint=hint,
            code=code,
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
            value: ast.expr = _load(chunk)
            if self.frame.in_function():  # a def's output is text: a stack there is too
                value = _call("_str", value)
            return [
                _assign(inner, _call(_attr(target, "astream_into"), ctx)),
                ast.Try(
                    [ast.AsyncFor(_store(chunk), _load(inner), [self.emit(value)], [])],
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
        chosen = self.conditional_extends(body)  # refuses a second extends that could run
        if self.extends is None:
            self.chosen_extends = chosen
        allowed = [self.extends] if self.extends is not None else self.chosen_extends
        for node in tree.walk():
            if isinstance(node, n.Extends) and not any(node is a for a in allowed):
                raise self.error(
                    "{% extends %} must be at the top level",
                    node,
                    hint="move it out of the enclosing block (an {% if %} at the top level "
                    "may choose the parent)",
                )
        for block in template_blocks(body):
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
        statements.append(self.parent_function(body))
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
        if "render" in modes:
            statements.append(_assign("INFO", _literal(self.template_info(tree))))
        statements.append(_assign("BINDINGS", _literal(self.bindings)))
        module = ast.Module(statements, [])
        _fill_locations(module)
        return module

    def template_info(self, tree: n.TemplateNode) -> dict[str, Any]:
        """What the :class:`~kida.template.Template` of this module knows without a tree: its
        autoescaping, whether it needs the async renderer, has top-level definitions
        (``setup``), the parent it extends by a literal name (as the loader knows it) and the
        templates that decide whether it may meet a ``{% stack %}``."""
        parent = None
        if self.extends is not None and isinstance(self.extends.template, n.Const):
            value = self.extends.template.value
            if isinstance(value, str):
                parent = template_structure.loader_name(value, self.name)
        return {
            "autoescape": self.autoescape,
            "async": self.contains_async(tree.body),
            "defines": bool(toplevel_definitions(tree.body)),
            "parent": parent,
            "possible_parents": tuple(
                template_structure.loader_name(literal, self.name)
                for node in extends_tags(tree.body)
                for literal in literal_template_names(node.template)
            ),
            "stack_targets": stack_targets(tree),
        }

    def conditional_extends(self, body: list[n.Stmt]) -> list[n.Extends]:
        """The ``{% extends %}`` tags in the ``{% if %}`` branches of ``body`` (recursively):
        at most one runs per render, so one statement of a body may hold them."""
        found: list[n.Extends] = []
        holder: n.Stmt | None = None
        for stmt in body:
            inside: list[n.Extends] = []
            if isinstance(stmt, n.Extends):
                inside = [stmt]
            elif isinstance(stmt, n.If):
                inside = self.conditional_extends(stmt.body)
                inside += self.conditional_extends(stmt.otherwise)
            if not inside:
                continue
            if holder is not None:
                raise self.error(
                    "a template can extend only one parent",
                    inside[0],
                    hint="choose the parent in one place: {% if x %}{% extends a %}"
                    "{% else %}{% extends b %}{% end %}, or {% extends a if x else b %}",
                )
            holder = stmt
            found += inside
        return found

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
        chooses = kind == "root" and bool(self.chosen_extends)
        self.parent_local = "_chosen_parent" if chooses else None
        sink = "_a" if mode == "render" else None
        with self.output_to(sink):
            if mode != "async" and self.contains_async(body):
                stmts = _refuse_sync("this template", body)
            else:
                stmts = (prologue or []) + self.body(body)
                if self.in_extending_root:
                    stmts.extend(self.delegate_to_parent(_call("parent", _load("_ctx"))))
                elif chooses:
                    stmts = [_assign("_chosen_parent", _const(None)), *stmts]
                    stmts.extend(self.delegate_to_chosen())
        stmts = _finish_renderer(stmts, mode)
        self.in_extending_root = False
        self.parent_local = None
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
                        stmts.extend(template_structure.region_macro(self, stmt))
                    elif isinstance(stmt, n.Assign):
                        # A value the block does not need may be missing from a partial
                        # context; the block raises for what it does need.
                        handler = ast.ExceptHandler(_load("_UndefinedError"), None, [ast.Pass()])
                        stmts.append(ast.Try(self.stmt(stmt), [handler], [], []))
                    else:
                        stmts.extend(self.stmt(stmt))
        name = "setup_async" if mode == "async" else "setup"
        return _function(name, _args(["_ctx"]), stmts, is_async=mode == "async")

    def parent_function(self, body: list[n.Stmt]) -> ast.stmt:
        """``parent(ctx)``: the name of the parent template, or None."""
        self.mode = "render"
        self.frame = Frame(None, kind="root")
        value: ast.expr = _const(None)
        if self.extends is not None:
            value = template_structure.template_spec(self, self.extends.template)
        choice = self.choice_of_parent(body) if self.chosen_extends else []
        return _function("parent", _args(["_ctx"]), [*choice, ast.Return(value)])

    def choice_of_parent(self, body: list[n.Stmt]) -> list[ast.stmt]:
        """The ``{% if %}`` tests that lead to each chosen ``{% extends %}``, returning its
        parent: how rendering a block alone finds the chain a render would use."""
        out: list[ast.stmt] = []
        for stmt in body:
            if isinstance(stmt, n.Extends):
                out.append(ast.Return(template_structure.template_spec(self, stmt.template)))
            elif isinstance(stmt, n.If) and any(
                isinstance(node, n.Extends) for node in stmt.walk()
            ):
                test = self.expr(stmt.test)
                then = self.choice_of_parent(stmt.body) or [ast.Pass()]
                out.append(ast.If(test, then, self.choice_of_parent(stmt.otherwise)))
        return out

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
                value: ast.expr = _call(_attr("_ctx", "get"), _const(param.name), _load("_UNDEF"))
                if param.default is not None:  # computed only when the parameter is not given
                    given = ast.Compare(_const(param.name), [ast.In()], [_load("_ctx")])
                    passed = ast.Subscript(_load("_ctx"), _const(param.name), ast.Load())
                    value = ast.IfExp(given, passed, self.expr(param.default))
                prologue.append(_assign(local, value))
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

    def delegate_to_parent(self, spec: ast.expr, at: n.Extends | None = None) -> list[ast.stmt]:
        """End of an extending template's root: register the parent's blocks and render it."""
        parent = self.temp("parent")
        stmts = [
            _assign(parent, _call("_extends", _load("_ctx"), spec)),
            *self.pump(_load(parent), _load("_ctx")),
        ]
        at = at or self.extends
        assert at is not None
        for stmt in stmts:  # errors loading the parent point at the {% extends %}
            _locate(stmt, at.lineno or 1, at.col or 1)
        return stmts

    def delegate_to_chosen(self) -> list[ast.stmt]:
        """End of the root of a template choosing its parent: render the parent the
        ``{% extends %}`` that ran chose (``_chosen_parent`` holds its index and name), errors
        pointing at that tag."""
        chosen = _load("_chosen_parent")
        spec = ast.Subscript(chosen, _const(1), ast.Load())
        which = ast.Subscript(chosen, _const(0), ast.Load())
        out: list[ast.stmt] = []
        for index, node in reversed(list(enumerate(self.chosen_extends))):
            is_this = ast.Compare(which, [ast.Eq()], [_const(index)])
            out = [ast.If(is_this, self.delegate_to_parent(spec, node), out)]
        return [ast.If(ast.Compare(chosen, [ast.IsNot()], [_const(None)]), out, [])]

    def guarded(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        """Output of the root renderer of a template that chooses its parent: it is dropped
        once an ``{% extends %}`` ran (the parent renders the page), as in Jinja2."""
        if self.parent_local is None or self.frame.in_function() or not stmts:
            return stmts
        unchosen = ast.Compare(_load(self.parent_local), [ast.Is()], [_const(None)])
        return [ast.If(unchosen, stmts, [])]

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
        if self.parent_local is not None and not self.frame.in_function():
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
                text += output.format_constant(self, stmt.expr.value)
            else:
                value = output.to_text(self, self.expr(stmt.expr))
                if isinstance(value, ast.Constant):  # folded from static_context
                    text += str(value.value)
                    continue
                if text:
                    parts.append(_const(text))
                    text = ""
                _locate(value, stmt.lineno, stmt.col)
                parts.append(ast.FormattedValue(value, -1, None))
        if text or not parts:
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
        result = STATEMENTS[type(stmt)](self, stmt)
        if self.parent_local is not None and isinstance(stmt, n.Data | n.Output):
            result = self.guarded(result)
        for item in result:
            _locate(item, stmt.lineno or 1, stmt.col or 1)
        return result

    def expr(self, node: n.Expr, soft: bool = False) -> ast.expr:
        folded = partial_eval.fold(self, node, self.static) if self.static else None
        result = folded or EXPRESSIONS[type(node)](self, node, soft)
        if node.lineno:
            _locate(result, node.lineno, node.col)
        return result

    # kida-templates' compiler protocol, which its extension docs call: aliases of ours.
    _compile_expr = expr
    _emit_output = emit

    def _compile_node(self, node: n.Node) -> list[ast.stmt]:
        """Our statement, or an extension's node (compiled by the one naming its class)."""
        if isinstance(node, n.Stmt):
            return self.stmt(node)
        return special_blocks.compile_extension_node(self, node)

    def passed(self, func: Callable[..., Any]) -> list[ast.expr]:
        kind = pass_kind(func)
        if kind == "context":
            return [_load("_ctx")]
        if kind == "environment":
            return [_attr("_ctx", "environment")]
        return []


def _literal(value: Any) -> ast.expr:
    """The expression of a constant made of dicts, tuples and plain values."""
    if isinstance(value, dict):
        return ast.Dict([_literal(k) for k in value], [_literal(v) for v in value.values()])
    return _const(value)


STATEMENTS: Final[dict[type[n.Stmt], Callable[[Compiler, Any], list[ast.stmt]]]] = {
    n.Data: output.visit_data,
    n.Output: output.visit_output,
    n.If: control_flow.visit_if,
    n.For: control_flow.visit_for,
    n.While: control_flow.visit_while,
    n.Break: control_flow.visit_break,
    n.Continue: control_flow.visit_continue,
    n.Match: pattern_matching.visit_match,
    n.Assign: variables.visit_assign,
    n.With: variables.visit_with,
    n.Capture: special_blocks.visit_capture,
    n.FilterBlock: special_blocks.visit_filter_block,
    n.ExtensionStmt: special_blocks.visit_extension,
    n.Spaceless: special_blocks.visit_spaceless,
    n.Cache: special_blocks.visit_cache,
    n.Try: error_handling.visit_try,
    n.Push: special_blocks.visit_push,
    n.StackOut: special_blocks.visit_stack_out,
    n.Provide: special_blocks.visit_provide,
    n.Trans: i18n.visit_trans,
    n.Flush: special_blocks.visit_flush,
    n.ContextDeclaration: variables.visit_context_declaration,
    n.Group: special_blocks.visit_group,
    n.Block: template_structure.visit_block,
    n.Extends: template_structure.visit_extends,
    n.Include: template_structure.visit_include,
    n.Embed: template_structure.visit_embed,
    n.Import: template_structure.visit_import,
    n.FromImport: template_structure.visit_from_import,
    n.Def: functions.visit_def,
    n.CallBlock: functions.visit_call_block,
    n.SlotOut: functions.visit_slot_out,
}
"""Statement node type → the function compiling it (one module per family of tags)."""

EXPRESSIONS: Final[dict[type[n.Expr], Callable[[Compiler, Any, bool], ast.expr]]] = {
    n.Const: expressions.expr_const,
    n.Name: expressions.expr_name,
    n.ListLit: expressions.expr_list_lit,
    n.TupleLit: expressions.expr_tuple_lit,
    n.DictLit: expressions.expr_dict_lit,
    n.Getattr: expressions.expr_getattr,
    n.Getitem: expressions.expr_getitem,
    n.Slice: expressions.expr_slice,
    n.Call: expressions.expr_call,
    n.BinOp: expressions.expr_bin_op,
    n.UnaryOp: expressions.expr_unary_op,
    n.BoolOp: expressions.expr_bool_op,
    n.Compare: expressions.expr_compare,
    n.CondExpr: expressions.expr_cond_expr,
    n.Coalesce: expressions.expr_coalesce,
    n.Filter: expressions.expr_filter,
    n.Test: expressions.expr_test,
    n.Range: expressions.expr_range,
    n.Comprehension: expressions.expr_comprehension,
    n.Await: expressions.expr_await,
}
"""Expression node type → the function compiling it; ``soft`` marks a read that may be undefined."""
