"""``Template``: a compiled template, its renderers, and the static questions it answers
(whose logic lives in ``kida.template.introspection``)."""

from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping
from types import CodeType
from typing import TYPE_CHECKING, Any

from kida import nodes as n
from kida.analysis import (
    AnalysisConfig,
    BlockMetadata,
    DefMetadata,
    TemplateMetadata,
    TemplateStructureManifest,
    contains_async,
)
from kida.debug import annotate, register_code
from kida.exceptions import TemplateNotFoundError, TemplateRuntimeError, TemplateWarning
from kida.render_context import Appender, BlockFunctions, RenderContext, new_context
from kida.runtime.async_support import with_timeout
from kida.runtime.composition import ahold_stacks, hold_stacks, register
from kida.runtime.namespace import run_module
from kida.spelling import suggest
from kida.template import introspection
from kida.template.helpers import async_refusal, may_meet_stack
from kida.template.inheritance import block_chain, inject_blocks

if TYPE_CHECKING:
    from kida.environment import Environment


class Template:
    """A compiled template: ``render``, ``render_stream``, ``render_stream_async`` and friends.

    ``Template(env, code, name, filename)`` runs ``code``, what ``Compiler(env).compile(tree,
    name)`` returns, as kida-templates' architecture page shows; ``optimized_ast`` (the parsed
    tree) answers the static questions (without it they answer empty, as with
    ``preserve_ast=False``) and ``source`` is quoted by errors. ``Environment`` builds its
    templates the same way, passing ``build_streaming`` when ``code`` holds only ``render()``'s
    module (the stream and async renderers are compiled on first use), ``uptodate`` and
    ``defaults`` (the static context every render starts from; by default the environment's).
    A sandboxed environment makes its own template class.
    """

    def __new__(cls, environment: "Environment", *args: Any, **kwargs: Any) -> "Template":
        if cls is Template and environment.template_class is not Template:
            cls = environment.template_class  # a by-hand Template of a sandboxed environment
        return super().__new__(cls)

    def __init__(
        self,
        environment: "Environment",
        code: CodeType,
        name: str | None = None,
        filename: str | None = None,
        optimized_ast: n.TemplateNode | None = None,
        source: str | None = None,
        *,
        uptodate: Callable[[], bool] | None = None,
        defaults: dict[str, Any] | None = None,
        build_streaming: Callable[[], CodeType] | None = None,
    ) -> None:
        self.environment = environment
        self.name = name
        self.filename = filename
        self.source = source or ""
        self.uptodate = uptodate
        self.defaults = (environment.static_context if defaults is None else defaults) or {}
        self.tree = optimized_ast if optimized_ast is not None else n.TemplateNode(body=[])
        self.ast_preserved = optimized_ast is not None
        namespace = run_module(environment, code, name)
        info = namespace["INFO"]
        self.autoescape: bool = info["autoescape"]
        self._own_async: bool = info["async"]
        self._defines: bool = info["defines"]
        self._parent_name: str | None = info["parent"]
        #: None when rendering this template may reach a ``{% stack %}`` of its own (or one
        #: of a template named only while rendering), else the templates it includes, embeds
        #: or extends by name (see ``kida.analysis.stack_targets``).
        self._stack_targets: tuple[str, ...] | None = info["stack_targets"]
        self._root = namespace["root"]
        self._setup = namespace["setup"]
        self._parent = namespace["parent"]
        self._build_streaming = build_streaming
        # Code compiled with every renderer streams from its own namespace.
        self._streaming_namespace = namespace if build_streaming is None else None
        self.block_functions: dict[str, BlockFunctions] = {
            name: BlockFunctions(name, functions[0], template=self)
            for name, functions in namespace["BLOCKS"].items()
        }
        #: Every literal parent it may extend: in ``{% if %}`` branches or ``a if x else b``.
        self._possible_parents: tuple[str, ...] = info["possible_parents"]
        self._metadata: dict[str, BlockMetadata] | None = None
        register_code(self.code_name, self)

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

    def discard_tree(self) -> None:
        """``preserve_ast=False``: drop the syntax tree (its memory), keeping its warnings;
        introspection of this template then answers empty (metadata None)."""
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
            assert self._build_streaming is not None
            code = self._build_streaming()
            self._streaming_namespace = run_module(self.environment, code, self.name)
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
