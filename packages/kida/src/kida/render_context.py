"""The render context: the template-wide variables of one render, plus what the run shares.

It is a ``dict`` so compiled code reads variables with a plain subscript; a miss calls
``__missing__``, which raises :class:`UndefinedError`. Soft lookups use ``.get`` and never
reach ``__missing__``, so they cost a dict miss and nothing more.
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from contextvars import Token
from typing import TYPE_CHECKING, Any, cast

from kida import nodes as n
from kida.debug import template_frames
from kida.exceptions import (
    ErrorCode,
    RenderContextError,
    RenderLimitError,
    TemplateRuntimeError,
    UndefinedError,
)
from kida.instrumentation import ACTIVE, Instruments, observing
from kida.spelling import suggest

if TYPE_CHECKING:
    from kida.environment import Environment
    from kida.template import Template


def undefined_name(
    name: str, known: Iterable[Any], template: Template | None = None
) -> UndefinedError:
    """The error for a missing template variable; when ``template`` declares a def or region
    of that name, the hint says where definitions are bound (read only on this error path)."""
    if name in _JINJA2_FUNCTIONS:
        return UndefinedError(f"{name!r} is undefined", hint=_JINJA2_FUNCTIONS[name])
    declared = _declaration_of(template, name) if template is not None else None
    if declared is not None:
        hint = (
            f"Did you declare {{% {declared} {name} %}} at the template's top level? A def or "
            "region exists from its declaration on: move it there, or the call after it"
        )
        return UndefinedError(f"{name!r} is undefined", hint=hint)
    hint = (
        suggest(name, known) or f"pass {name!r} in the render context, or write {name} ?? fallback"
    )
    return UndefinedError(f"{name!r} is undefined", hint=hint)


#: Jinja2 functions kida does not have, and what to write instead.
_JINJA2_FUNCTIONS = {
    "super": "kida has no super(); move the shared part into a def and call it from both blocks",
    "namespace": "kida has no namespace(): bind with {% let %} and change it with {% export %}",
}


def _declaration_of(template: Template, name: str) -> str | None:
    """``"def"`` or ``"region"`` when ``template`` declares one called ``name``."""
    for node in template.tree.walk():
        if isinstance(node, n.Def) and node.name == name:
            return "def"
        if isinstance(node, n.Block) and node.kind == "region" and node.name == name:
            return "region"
    return None


#: Includes nested deeper than this end the render: a template that includes itself (directly
#: or through others) without a stopping condition would otherwise exhaust Python's stack.
MAX_INCLUDE_DEPTH = 50  # Environment(max_include_depth=) default


class RenderState:
    """What every template of one render shares: stacks, provided values, framework metadata,
    pre-rendered blocks, and the observers (capture, profiling, coverage) if any."""

    __slots__ = (
        "cache_stats",
        "cached_blocks",
        "instruments",
        "meta",
        "placeholders",
        "provided",
        "stacks",
    )

    def __init__(self) -> None:
        self.stacks: dict[str, list[str]] = {}
        self.provided: dict[str, list[Any]] = {}
        self.placeholders = False
        self.instruments: Instruments | None = None
        self.meta: dict[str, Any] | None = None
        #: Block name → HTML rendered earlier, used instead of rendering the block (or a
        #: ``CachedBlocksDict``, given as ``render(_blocks=...)``).
        self.cached_blocks: Mapping[str, Any] | None = None
        self.cache_stats: dict[str, int] | None = None

    def finish(self, buffer: list[str]) -> str:
        """The page text, with stack placeholders replaced by everything pushed."""
        if self.placeholders:
            buffer = [
                "".join(self.stacks.get(item.stack, ())) if type(item) is StackPlaceholder else item
                for item in buffer
            ]
        return "".join(buffer)


class StackPlaceholder(str):
    """Where ``{% stack %}`` stands in a ``render()`` buffer until the render ends."""

    stack: str


class RenderContext(dict[str, Any]):
    """Variables of the current template; also the object ``pass_context`` functions receive.

    Example::

        @pass_context
        def greet(ctx, value):
            return f"{value} from {ctx.name}"
    """

    __slots__ = (
        "blocks",
        "environment",
        "extended",
        "imports",
        "includes",
        "state",
        "template",
    )

    environment: Environment
    template: Template
    blocks: dict[str, list[BlockFunctions]]
    state: RenderState
    #: The ``{% include %}``/``{% embed %}`` statements that led here: (template name, line).
    includes: tuple[tuple[str | None, int], ...]
    #: The templates this context has followed ``{% extends %}`` from, most derived first
    #: (``max_extends_depth`` bounds their number; a parent already among them is a cycle).
    extended: tuple[Template, ...]
    #: The ``{% import %}`` statements being run that led here: (importing template, line).
    imports: tuple[tuple[Template, int], ...]

    def __missing__(self, key: str) -> Any:
        raise undefined_name(key, self.keys(), getattr(self, "template", None))

    @property
    def name(self) -> str | None:
        """Name of the template being rendered."""
        return self.template.name

    @property
    def autoescape(self) -> bool:
        """Whether the current template escapes its output."""
        return self.template.autoescape

    # --- the per-render state of kida's RenderContext API ----------------------------------

    @property
    def template_name(self) -> str | None:
        """Name of the template being rendered (same as ``name``)."""
        return self.template.name

    @property
    def filename(self) -> str | None:
        """Source file of the template being rendered, if it came from one."""
        return self.template.filename

    @property
    def line(self) -> int:
        """The template line running now in this context's template (0 outside a render).

        Read from the running frames, so keeping it costs the render nothing."""
        for frame, template in template_frames(sys._getframe(1)):
            if template is self.template:
                return frame.f_lineno or 0
        return 0

    @property
    def include_depth(self) -> int:
        """How many ``{% include %}``/``{% embed %}`` led to this template."""
        return len(self.includes)

    @property
    def max_include_depth(self) -> int:
        """The include nesting at which rendering stops with an error."""
        limit: int = getattr(self.environment, "max_include_depth", MAX_INCLUDE_DEPTH)
        return limit

    @property
    def cached_blocks(self) -> Mapping[str, Any]:
        """Pre-rendered blocks (name → HTML) this render uses instead of rendering them,
        shared with every template of the render; see ``render_context(cached_blocks=...)``
        and ``render(_blocks=CachedBlocksDict(...))``."""
        if self.state.cached_blocks is None:
            self.state.cached_blocks = {}
        return self.state.cached_blocks

    @property
    def cache_stats(self) -> dict[str, int] | None:
        """Hit/miss counts of ``cached_blocks``, when a dict was given for them."""
        return self.state.cache_stats

    def get_meta(self, key: str, default: Any = None) -> Any:
        """Framework metadata (request, CSRF token, HTMX headers...) set with ``set_meta``."""
        meta = self.state.meta
        return default if meta is None else meta.get(key, default)

    def set_meta(self, key: str, value: Any) -> None:
        """Attach framework metadata for filters and globals of this render to read."""
        if self.state.meta is None:
            self.state.meta = {}
        self.state.meta[key] = value

    def check_include_depth(self, template_name: str | None) -> None:
        """Refuse to include ``template_name`` once includes are nested too deep."""
        if self.include_depth >= self.max_include_depth:
            raise RenderLimitError(
                f"includes nested more than {self.max_include_depth} deep "
                f"when including {template_name or '<string>'!r}",
                name=self.template_name,
                hint="a template includes itself; guard the include with an {% if %} that ends",
            )

    def _template_for(self, name: str | None, source: str | None) -> Template:
        if self.environment is None:  # a context made by render_context(), outside a render
            if source is not None:
                raise TemplateRuntimeError(
                    "a context opened by render_context() has no environment to compile with",
                    code=ErrorCode.NOT_IN_RENDER_CONTEXT,
                    hint="pass the template name alone, or call this while a template renders",
                )
            return self.template if name is None else cast("Template", _Detached(name, None))
        if source is not None:
            return self.environment.from_string(source, name=name)
        if name is None:
            return self.template
        return self.environment.get_template(name)

    def child_context(
        self, template_name: str | None = None, *, source: str | None = None
    ) -> RenderContext:
        """The context of a template included from here (``source`` compiles it from text):
        one include deeper (the depth is not checked here: see :meth:`check_include_depth`),
        the same render state (metadata, cached blocks, stacks); inside a ``render_context()``
        scope too, where ``template_name`` names the child without loading it."""
        child = self.derive(self._template_for(template_name, source))
        child.includes = (*self.includes, (self.template_name, self.line))
        return child

    def child_context_for_extends(
        self, parent_name: str, *, source: str | None = None
    ) -> RenderContext:
        """The context of the parent this template extends: same blocks and include depth."""
        parent = self.derive(self._template_for(parent_name, source))
        parent.blocks = self.blocks
        return parent

    def derive(
        self, template: Template, extra: dict[str, Any] | None = None, *, only: bool = False
    ) -> RenderContext:
        """A context for another template (include, import): same run, own blocks."""
        ctx = RenderContext(self.environment.globals if only else self)
        if extra:
            ctx.update(extra)
        ctx.environment = self.environment
        ctx.template = template
        ctx.state = self.state
        ctx.blocks = {}
        ctx.includes = self.includes
        ctx.extended = ()
        ctx.imports = self.imports
        return ctx

    def with_locals(self, extra: dict[str, Any]) -> RenderContext:
        """The same template's context plus the loop/set locals visible at a block call."""
        ctx = RenderContext(self)
        ctx.update(extra)
        ctx.environment = self.environment
        ctx.template = self.template
        ctx.state = self.state
        ctx.blocks = self.blocks
        ctx.includes = self.includes
        ctx.extended = self.extended
        ctx.imports = self.imports
        return ctx


def new_context(
    environment: Environment, template: Template, variables: dict[str, Any]
) -> RenderContext:
    """The context of a fresh render: globals, then the caller's variables."""
    ctx = RenderContext(environment.globals)
    if variables:
        ctx.update(variables)
    ctx.environment = environment
    ctx.template = template
    ctx.state = RenderState()
    ctx.blocks = {}
    ctx.includes = ()
    ctx.extended = ()
    instruments = ACTIVE.get()
    if instruments is not None:
        _observe(ctx, instruments, variables)
    ctx.imports = ()
    return ctx


def _observe(ctx: RenderContext, instruments: Instruments, variables: dict[str, Any]) -> None:
    """Hand an observed render its observers and the scope's metadata and cached blocks."""
    state = ctx.state
    state.instruments = instruments
    scope = instruments.scope
    if scope is not None:
        if scope.state.meta is None:
            scope.state.meta = {}
        state.meta = scope.state.meta
        state.cached_blocks = scope.state.cached_blocks
        state.cache_stats = scope.state.cache_stats
    if instruments.capture is not None and getattr(ctx.environment, "enable_capture", False):
        instruments.capture.begin(ctx.template, variables)


class _Detached:
    """The template of a context made by ``render_context()`` outside any render."""

    __slots__ = ("autoescape", "filename", "name")

    def __init__(self, name: str | None, filename: str | None) -> None:
        self.name = name
        self.filename = filename
        self.autoescape = True


def _detached_context(
    template_name: str | None,
    filename: str | None,
    cached_blocks: Mapping[str, Any] | None,
    cache_stats: dict[str, int] | None,
) -> RenderContext:
    ctx = RenderContext()
    ctx.environment = cast("Environment", None)
    ctx.template = cast("Template", _Detached(template_name, filename))
    ctx.state = RenderState()
    ctx.state.cached_blocks = cached_blocks
    ctx.state.cache_stats = cache_stats
    ctx.blocks = {}
    ctx.includes = ()
    ctx.extended = ()
    ctx.imports = ()
    return ctx


def get_render_context() -> RenderContext | None:
    """The context of the innermost template rendering on this thread or task, else the one
    opened by ``render_context()``, else None.

    Found from the running frames, so renders pay nothing for it.

    Example::

        def csrf_input():
            ctx = get_render_context()
            return Markup(f'<input name="csrf" value="{ctx.get_meta("csrf")}">')
    """
    for frame, _template in template_frames(sys._getframe(1)):
        ctx = frame.f_locals.get("_ctx")
        if isinstance(ctx, RenderContext):
            return ctx
    instruments = ACTIVE.get()
    return None if instruments is None else instruments.scope


def get_render_context_required() -> RenderContext:
    """Like :func:`get_render_context`, but outside a render raises a
    :class:`~kida.exceptions.RenderContextError` (a ``RuntimeError``, K-RUN-017)."""
    ctx = get_render_context()
    if ctx is None:
        raise RenderContextError(
            "not in a render context",
            hint="call this from a filter, test or global used while a template renders, or "
            "inside `with render_context():`",
        )
    return ctx


@contextmanager
def render_context(
    template_name: str | None = None,
    filename: str | None = None,
    cached_blocks: Mapping[str, Any] | None = None,
    cache_stats: dict[str, int] | None = None,
) -> Iterator[RenderContext]:
    """A render scope: metadata set on the yielded context (``set_meta``) is seen by every
    render inside the ``with`` body, and blocks named in ``cached_blocks`` are replaced by
    that HTML (``cache_stats`` counts "hits" and "misses").

    Example::

        with render_context(cached_blocks={"nav": nav_html}) as rc:
            rc.set_meta("csrf", token)
            html = template.render(page=page)
    """
    ctx = _detached_context(template_name, filename, cached_blocks, cache_stats)
    with observing(scope=ctx):
        yield ctx


@asynccontextmanager
async def async_render_context(
    template_name: str | None = None,
    filename: str | None = None,
    cached_blocks: Mapping[str, Any] | None = None,
    cache_stats: dict[str, int] | None = None,
) -> AsyncIterator[RenderContext]:
    """:func:`render_context` for ``async with``."""
    with render_context(template_name, filename, cached_blocks, cache_stats) as ctx:
        yield ctx


def set_render_context(ctx: RenderContext) -> Token[Instruments | None]:
    """Make ``ctx`` the scope of renders started from now on; returns the token that
    :func:`reset_render_context` takes to undo it."""
    current = ACTIVE.get() or Instruments()
    return ACTIVE.set(Instruments(ctx, current.capture, current.accumulator, current.coverage))


def reset_render_context(token: Token[Instruments | None]) -> None:
    """Undo a :func:`set_render_context`."""
    ACTIVE.reset(token)


def consume(ctx: RenderContext, key: str, default: Any = None) -> Any:
    """The innermost value provided under ``key`` by an enclosing ``{% provide %}``."""
    values = ctx.state.provided.get(key)
    return values[-1] if values else default


Appender = Callable[[str], Any]
SetupAsync = Callable[[RenderContext], Awaitable[None]]
BlockTuple = tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]]


class BlockFunctions:
    """The compiled renderers of one block; the streaming ones come from the template's
    streaming module, built on first use."""

    __slots__ = ("_astream", "_stream", "_template", "name", "render_into")

    def __init__(
        self,
        name: str,
        render_into: Any,
        stream_into: Callable[[RenderContext], Iterator[str]] | None = None,
        astream_into: Callable[[RenderContext, tuple[SetupAsync, ...]], AsyncIterator[str]]
        | None = None,
        template: Template | None = None,
    ) -> None:
        self.name = name
        # None only for embed overrides registered by a streaming renderer, which never call it.
        self.render_into: Callable[[RenderContext, Appender], None] = render_into
        self._stream = stream_into
        self._astream = astream_into
        self._template = template

    def _streaming(self, index: int) -> Callable[..., Any]:
        assert self._template is not None
        function: Callable[..., Any] = self._template.streaming()["BLOCKS"][self.name][index]
        return function

    def stream_into(self, ctx: RenderContext) -> Iterator[str]:
        """The block's chunks from the sync stream renderer."""
        if self._stream is None:
            self._stream = self._streaming(1)
        return self._stream(ctx)

    def astream_into(
        self, ctx: RenderContext, setups: tuple[SetupAsync, ...] = ()
    ) -> AsyncIterator[str]:
        """The block's chunks from the async renderer; its generator first awaits each of
        ``setups`` (the top-level definitions a block rendered alone needs)."""
        if self._astream is None:
            self._astream = self._streaming(2)
        return self._astream(ctx, setups)
