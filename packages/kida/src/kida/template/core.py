"""``Template``: a compiled template, its renderers, and the static questions it answers
(whose logic lives in ``kida.template.introspection``)."""

from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from kida import nodes as n
from kida.analysis import (
    AnalysisConfig,
    BlockMetadata,
    DefMetadata,
    TemplateMetadata,
    TemplateStructureManifest,
    contains_async,
    stack_targets,
    toplevel_definitions,
)
from kida.debug import annotate
from kida.exceptions import TemplateNotFoundError, TemplateRuntimeError, TemplateWarning
from kida.render_context import Appender, BlockFunctions, RenderContext, new_context
from kida.runtime.async_support import with_timeout
from kida.runtime.composition import ahold_stacks, hold_stacks, register
from kida.spelling import suggest
from kida.template import introspection
from kida.template.helpers import async_refusal, may_meet_stack
from kida.template.inheritance import block_chain, extends_tags, inject_blocks
from kida.utils.template_keys import resolve_template_name

if TYPE_CHECKING:
    from kida.environment import Environment


class Template:
    """A compiled template: ``render``, ``render_stream``, ``render_stream_async`` and friends."""

    def __init__(
        self,
        environment: "Environment",
        namespace: dict[str, Any],
        build_streaming: Callable[[], dict[str, Any]],
        tree: n.TemplateNode,
        *,
        name: str | None,
        filename: str | None,
        source: str,
        autoescape: bool,
        uptodate: Callable[[], bool] | None = None,
        defaults: dict[str, Any] | None = None,
    ) -> None:
        self.environment = environment
        self.name = name
        self.filename = filename
        self.source = source
        self.autoescape = autoescape
        self.uptodate = uptodate
        self.defaults = defaults or {}
        self.tree = tree
        self._root = namespace["root"]
        self._setup = namespace["setup"]
        self._parent = namespace["parent"]
        self._build_streaming = build_streaming
        self._streaming_namespace: dict[str, Any] | None = None
        self.block_functions: dict[str, BlockFunctions] = {
            name: BlockFunctions(name, functions[0], template=self)
            for name, functions in namespace["BLOCKS"].items()
        }
        self._own_async = contains_async(tree)
        self._defines = bool(toplevel_definitions(tree.body))
        self._parent_name: str | None = None
        for stmt in tree.body:
            if isinstance(stmt, n.Extends) and isinstance(stmt.template, n.Const):
                value = stmt.template.value
                self._parent_name = _loader_name(value, name) if isinstance(value, str) else None
        #: Every literal parent it may extend: in ``{% if %}`` branches or ``a if x else b``.
        self._possible_parents = tuple(
            _loader_name(literal, name)
            for node in extends_tags(tree.body)
            for literal in _literal_names(node.template)
        )
        self.ast_preserved = True
        self._metadata: dict[str, BlockMetadata] | None = None

    def __repr__(self) -> str:
        return f"<Template {self.name or '<string>'}>"

    @property
    def warnings(self) -> "list[TemplateWarning]":
        """The compile-time warnings of this template (``code``, ``message``, ``lineno``…)."""
        found: list[TemplateWarning] = self.tree.warnings
        return found

    # --- async detection -------------------------------------------------------------------

    @property
    def code_name(self) -> str:
        """The file name its compiled code carries: how tracebacks and coverage find it."""
        name: str = self._root.__code__.co_filename
        return name

    @property
    def parent_name(self) -> str | None:
        """The parent named by a constant ``{% extends "..." %}``, if any."""
        return self._parent_name

    @property
    def is_async(self) -> bool:
        """Whether rendering needs the async renderer: here or in a literal parent it may
        extend (any of those a conditional ``{% extends %}`` chooses from)."""
        seen, todo = {id(self)}, [self]
        while todo:
            template = todo.pop()
            if template._own_async:
                return True
            for parent in template._possible_parents:
                try:
                    found = self.environment.get_template(parent)
                except TemplateNotFoundError:  # reported, located at the extends, when rendering
                    continue
                if id(found) not in seen:  # a cycle is reported when rendering
                    seen.add(id(found))
                    todo.append(found)
        return False

    @property
    def _optimized_ast(self) -> n.TemplateNode | None:
        """kida's name for the tree its analysis functions take
        (``check_a11y(template._optimized_ast)``); None with ``preserve_ast=False``."""
        return self.tree if self.ast_preserved else None

    @cached_property
    def _stack_targets(self) -> tuple[str, ...] | None:
        """None when rendering this template may reach a ``{% stack %}`` of its own (or one of
        a template named only while rendering), else the templates it includes, embeds or
        extends by name (see ``kida.analysis.stack_targets``); computed on first use."""
        return stack_targets(self.tree)

    def discard_tree(self) -> None:
        """``preserve_ast=False``: compile the streaming renderers now and drop the syntax tree
        (its memory); introspection of this template then answers empty (metadata None)."""
        self.streaming()
        _ = self._stack_targets  # the streams still need it
        self.tree = n.TemplateNode(body=[], warnings=self.tree.warnings)
        self.ast_preserved = False

    def replace_blocks(
        self, compiled: Mapping[str, BlockFunctions], removed: Iterable[str], tree: n.TemplateNode
    ) -> None:
        """Swap in blocks compiled again from ``tree`` and drop ``removed`` ones (what
        ``kida.compiler.block_recompile.recompile_blocks`` does); the metadata is recomputed
        from ``tree`` when next asked."""
        for name in removed:
            self.block_functions.pop(name, None)
        self.block_functions.update(compiled)
        if self.ast_preserved:
            self.tree = tree
        self._own_async = self._own_async or contains_async(tree)
        self._metadata = None

    def streaming(self) -> dict[str, Any]:
        """The namespace of the stream and async renderers, compiled on first use."""
        if self._streaming_namespace is None:
            self._streaming_namespace = self._build_streaming()
        return self._streaming_namespace

    def _root_stream(self, ctx: RenderContext) -> Iterator[str]:
        stream: Iterator[str] = self.streaming()["root_stream"](ctx)
        return stream

    def _root_async(self, ctx: RenderContext) -> AsyncIterator[str]:
        stream: AsyncIterator[str] = self.streaming()["root_async"](ctx)
        return stream

    # --- entry points used by other templates -----------------------------------------------

    def render_into(self, ctx: RenderContext, append: Appender) -> None:
        """Render the top level into ``append`` (include/extends from the list renderer)."""
        if self._own_async:
            raise async_refusal(self, "render")
        self._root(ctx, append)

    def stream_into(self, ctx: RenderContext) -> Iterator[str]:
        """Stream the top level (include/extends from the sync stream renderer)."""
        if self._own_async:
            raise async_refusal(self, "render_stream")
        return self._root_stream(ctx)

    def astream_into(self, ctx: RenderContext) -> AsyncIterator[str]:
        """Stream the top level from the async renderer."""
        return self._root_async(ctx)

    # --- public renderers ------------------------------------------------------------------

    def new_context(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> RenderContext:
        """The context of a render from ``render(mapping, **kwargs)`` arguments.

        ``_blocks`` is not a variable: it is the render's blocks with some pre-rendered (a
        ``CachedBlocksDict``, or a mapping of block name to HTML), as block-caching.md shows.
        """
        if len(args) > 1:
            raise TypeError("render() takes at most one positional mapping")
        variables = dict(self.defaults)
        if args:
            variables.update(args[0])
        variables.update(kwargs)
        cached = variables.pop("_blocks", None) if "_blocks" in variables else None
        ctx = new_context(self.environment, self, variables)
        if cached is not None:
            if not callable(getattr(cached, "get", None)):
                raise TypeError(
                    f"render(_blocks=...) takes a CachedBlocksDict or a mapping of block name "
                    f"to HTML, got {type(cached).__name__}"
                )
            ctx.state.cached_blocks = cached
            ctx.state.cache_stats = None  # a CachedBlocksDict counts its own
        register(ctx, self)
        return ctx

    def _output_buffer(self) -> list[str]:
        """Where ``render()`` and ``render_block()`` collect chunks (a sandbox counts them)."""
        return []

    def render(self, /, *args: Any, **kwargs: Any) -> str:
        """The whole output as one string.

        Example::

            env.get_template("page.html").render(user=user)
        """
        if self.is_async:
            raise async_refusal(self, "render")
        ctx = self.new_context(args, kwargs)
        return self._collect(ctx, self._root)

    def _collect(
        self, ctx: RenderContext, render: Callable[[RenderContext, Appender], None]
    ) -> str:
        """Run a list renderer (the root or a block) into one string, errors pointed at the
        template (the shared tail of ``render``, ``render_block`` and ``render_with_blocks``)."""
        buffer = self._output_buffer()
        try:
            render(ctx, buffer.append)
        except Exception as error:
            annotate(error)
            raise
        return ctx.state.finish(buffer)

    def render_stream(self, /, *args: Any, **kwargs: Any) -> Iterator[str]:
        """The output as chunks, produced as the template runs.

        Each chunk leaves as soon as it exists, up to the first ``{% stack %}``: what follows
        it is held until the render ends and the stacks are complete, then leaves in one
        chunk, so every renderer gives ``render()``'s output. A template that can reach no
        stack (through what it includes and extends) streams without that layer.

        Example::

            for chunk in env.get_template("page.html").render_stream(user=user):
                response.write(chunk)
        """
        if self.is_async:
            raise async_refusal(self, "render_stream")
        ctx = self.new_context(args, kwargs)
        stream = self._root_stream(ctx)
        if may_meet_stack(self):
            return hold_stacks(stream, ctx.state, self._output_buffer())
        return stream

    def _held(self, stream: AsyncIterator[str], ctx: RenderContext) -> AsyncIterator[str]:
        """``stream`` holding its output from the first ``{% stack %}`` on, when one may come."""
        if may_meet_stack(self):
            return ahold_stacks(stream, ctx.state, self._output_buffer())
        return stream

    def render_stream_async(
        self, /, *args: Any, timeout: float | None = None, **kwargs: Any
    ) -> AsyncIterator[str]:
        """Stream the output from the async renderer (sync and async templates alike).

        The compiled async generator is returned as it is (no wrapper per chunk): it adds the
        template position to errors itself, and ``aclose()`` on it closes every async source
        being consumed. ``timeout`` bounds the whole render and raises ``RenderTimeoutError``
        (a TimeoutError). As in ``render_stream()``, the output after a ``{% stack %}`` is
        held until the render ends.

        Example::

            async for chunk in template.render_stream_async(tokens=llm_tokens(), timeout=60):
                await send(chunk)
        """
        ctx = self.new_context(args, kwargs)
        stream = self._root_async(ctx)
        if timeout is not None:
            stream = with_timeout(stream, timeout, self.name)
        return self._held(stream, ctx)

    async def render_async(self, /, *args: Any, **kwargs: Any) -> str:
        """The whole output, collected from ``render_stream_async()`` (sync and async templates
        alike: whether an included or dynamically extended template is async is known only
        while rendering).

        Example::

            html = await env.get_template("page.html").render_async(user=user)
        """
        return "".join([chunk async for chunk in self.render_stream_async(*args, **kwargs)])

    def render_block(self, name: str, /, *args: Any, **kwargs: Any) -> str:
        """One block (inherited ones too) as a string.

        Example::

            env.get_template("page.html").render_block("sidebar", user=user)
        """
        ctx, block, _ = block_chain(self, name, args, kwargs, setup=True)
        return self._collect(ctx, block.render_into)

    def render_with_blocks(
        self, block_overrides: Mapping[str, str], /, *args: Any, **kwargs: Any
    ) -> str:
        """The whole output with each named block replaced by pre-rendered HTML: a layout
        composed from Python, without ``{% extends %}`` in its source.

        Example::

            env.get_template("_layout.html").render_with_blocks({"content": html}, title="Hi")
        """
        if self.is_async:
            raise async_refusal(self, "render_with_blocks")
        known = self.list_blocks()
        for block in block_overrides:
            if block not in known:
                raise TemplateRuntimeError(
                    f"render_with_blocks(): {self.name or '<string>'} has no block {block!r}",
                    name=self.name,
                    hint=suggest(block, known) or f"its blocks: {', '.join(known) or 'none'}",
                )
        ctx = self.new_context(args, kwargs)
        inject_blocks(ctx, block_overrides)
        return self._collect(ctx, self._root)

    def render_block_stream_async(
        self, name: str, /, *args: Any, timeout: float | None = None, **kwargs: Any
    ) -> AsyncIterator[str]:
        """Stream one block (inherited ones too) from the async renderer; an unknown name
        raises at once.

        As with ``render_stream_async()``, the block's compiled generator is returned as it
        is: it runs the top-level definitions of the inheritance chain itself (only of the
        templates that have any), then streams; ``aclose()`` closes its sources.

        Example::

            async for chunk in page.render_block_stream_async("reply", tokens=llm_tokens()):
                await send(chunk)
        """
        ctx, block, chain = block_chain(self, name, args, kwargs, setup=False)
        setups = tuple(member.streaming()["setup_async"] for member in chain if member._defines)
        stream = block.astream_into(ctx, setups)
        if timeout is not None:
            stream = with_timeout(stream, timeout, self.name)
        return self._held(stream, ctx)

    # --- static questions ------------------------------------------------------------------

    def list_blocks(self) -> list[str]:
        """Names of the blocks ``render_block`` finds: this template's own, then those it
        inherits from templates it extends by a literal name (as kida-templates lists them)."""
        names = dict.fromkeys(self.block_functions)
        seen = {self.name}
        parent = self.parent_name
        while parent is not None and parent not in seen:
            seen.add(parent)
            template = self.environment.get_template(parent)
            names.update(dict.fromkeys(template.block_functions))
            parent = template.parent_name
        return list(names)

    def block_metadata(self, config: AnalysisConfig | None = None) -> dict[str, BlockMetadata]:
        """Per block (nested and fragments too): context paths read, purity ("pure", "impure",
        "unknown"), cache scope, inferred role, modifiers. ``config`` changes the naming
        conventions; the default result is computed once. Empty with ``preserve_ast=False``.

        Example::

            >>> env.from_string("{% block nav %}{{ site.title }}{% end %}").block_metadata()[
            ...     "nav"].cache_scope
            'site'
        """
        if config is not None:
            return introspection.blocks(self, config)
        if self._metadata is None:
            self._metadata = introspection.blocks(self, None)
        return self._metadata

    def is_cacheable(self, block_name: str | None = None) -> bool:
        """Whether block ``block_name`` (or, without a name, every block) may be cached; an
        unknown block name is not cacheable."""
        return introspection.is_cacheable(self, block_name)

    def list_defs(self) -> list[str]:
        """Names of the ``{% def %}`` components in this template, in source order."""
        return list(introspection.defs(self))

    def def_metadata(self) -> dict[str, DefMetadata]:
        """Per def: typed parameters, named slots, default slot, context reads.

        Example::

            >>> t = env.from_string("{% def card(title: str, n=1) %}{% slot %}{% end %}")
            >>> t.def_metadata()["card"].params[0].annotation
            'str'
        """
        return introspection.defs(self)

    def depends_on(self) -> frozenset[str]:
        """Dotted context paths the whole template reads."""
        return introspection.depends_on(self)

    def required_context(self) -> frozenset[str]:
        """Top-level context names the template reads or declares with ``{% template %}``.

        Example::

            >>> env.from_string("{% template user: User %}{{ title }}").required_context()
            frozenset({'title', 'user'})
        """
        return introspection.required_context(self)

    def validate_context(self, context: Mapping[str, Any]) -> list[str]:
        """The required context names missing from ``context`` (environment globals count
        as present), sorted; empty when the render has all it needs.

        Example::

            >>> env.from_string("{{ page.title }}{{ site }}").validate_context({"page": p})
            ['site']
        """
        return introspection.missing_context(self, context)

    def template_metadata(self) -> TemplateMetadata | None:
        """Whole-template facts: parent, blocks, top-level reads, async, declared context;
        None with ``preserve_ast=False``."""
        return introspection.template_metadata(self)

    def structure_manifest(self) -> TemplateStructureManifest | None:
        """Block names and structural hashes, parent and reads: what a build planner needs;
        None with ``preserve_ast=False``."""
        return introspection.structure_manifest(self)


def _literal_names(expr: n.Expr) -> list[str]:
    """The literal template names an extends expression can give (``"a" if x else "b"``)."""
    if isinstance(expr, n.Const):
        return [expr.value] if isinstance(expr.value, str) else []
    if isinstance(expr, n.CondExpr):
        branches = [expr.then] + ([expr.otherwise] if expr.otherwise is not None else [])
        return [name for branch in branches for name in _literal_names(branch)]
    return []


def _loader_name(parent: str, name: str | None) -> str:
    """A literal parent as the loader knows it: ``./``/``../`` resolved against the child
    (unresolvable: as written, so rendering reports it at the ``{% extends %}``)."""
    if name is None or not parent.startswith(("./", "../")):
        return parent
    try:
        return resolve_template_name(parent, name)
    except TemplateNotFoundError:
        return parent
