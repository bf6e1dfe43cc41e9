"""The render context: the template-wide variables of one render, plus what the run shares.

It is a ``dict`` so compiled code reads variables with a plain subscript; a miss calls
``__missing__``, which raises :class:`UndefinedError`. Soft lookups use ``.get`` and never
reach ``__missing__``, so they cost a dict miss and nothing more.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from kida.exceptions import UndefinedError
from kida.spelling import suggest

if TYPE_CHECKING:
    from kida.environment import Environment
    from kida.template import Template


def undefined_name(name: str, known: Iterable[Any]) -> UndefinedError:
    """The error for a missing template variable."""
    if name == "super":
        hint = "kida has no super(); move the shared part into a def and call it from both blocks"
        return UndefinedError(f"{name!r} is undefined", hint=hint)
    hint = (
        suggest(name, known) or f"pass {name!r} in the render context, or write {name} ?? fallback"
    )
    return UndefinedError(f"{name!r} is undefined", hint=hint)


class RenderState:
    """What every template of one render shares: stacks, provided values."""

    __slots__ = ("placeholders", "provided", "stacks")

    def __init__(self) -> None:
        self.stacks: dict[str, list[str]] = {}
        self.provided: dict[str, list[Any]] = {}
        self.placeholders = False

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

    __slots__ = ("blocks", "environment", "imports", "includes", "state", "template")

    environment: Environment
    template: Template
    blocks: dict[str, list[BlockFunctions]]
    state: RenderState
    #: The ``{% include %}``/``{% embed %}`` statements that led here: (template name, line).
    includes: tuple[tuple[str | None, int], ...]
    #: The ``{% import %}`` statements being run that led here: (importing template, line).
    imports: tuple[tuple[Template, int], ...]

    def __missing__(self, key: str) -> Any:
        raise undefined_name(key, self.keys())

    @property
    def name(self) -> str | None:
        """Name of the template being rendered."""
        return self.template.name

    @property
    def autoescape(self) -> bool:
        """Whether the current template escapes its output."""
        return self.template.autoescape

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
    ctx.imports = ()
    return ctx


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
