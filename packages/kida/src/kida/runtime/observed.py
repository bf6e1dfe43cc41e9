"""Blocks as an observed render sees them: timed (profiling), recorded (capture), or replaced
by HTML rendered earlier (``render_context(cached_blocks=...)``).

Only renders started under an observer get these wrappers (``register`` checks once per
template), so the blocks of an ordinary render are the compiled functions themselves.
"""

from collections.abc import AsyncIterator, Iterator
from time import perf_counter
from typing import TYPE_CHECKING, Any

from kida.render_context import Appender, BlockFunctions, RenderContext, RenderState, SetupAsync

if TYPE_CHECKING:
    from kida.template import Template


class CachedBlock(BlockFunctions):
    """A block whose HTML was rendered before: every renderer emits it as it is, and calling
    it gives the HTML (it stands where a block function would)."""

    __slots__ = ("html",)

    def __init__(self, name: str, html: str) -> None:
        super().__init__(name, self._render_into)
        self.html = html

    def __call__(self, *args: Any) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<CachedBlock {self.name!r}>"

    def _render_into(self, ctx: RenderContext, append: Appender) -> None:
        append(self.html)

    def stream_into(self, ctx: RenderContext) -> Iterator[str]:
        yield self.html

    async def astream_into(
        self, ctx: RenderContext, setups: tuple[SetupAsync, ...] = ()
    ) -> AsyncIterator[str]:
        for setup in setups:
            await setup(ctx)
        yield self.html


class _ObservedBlock(BlockFunctions):
    """A block reported to the profiler and the capture when it finishes rendering."""

    __slots__ = ("inner", "state", "template_")

    def __init__(self, state: RenderState, template: "Template", inner: BlockFunctions) -> None:
        super().__init__(inner.name, self._render_into)
        self.inner = inner
        self.state = state
        self.template_ = template

    def _finish(self, chunks: list[str], started: float) -> None:
        instruments = self.state.instruments
        assert instruments is not None
        if instruments.accumulator is not None:
            instruments.accumulator.record_block(self.name, (perf_counter() - started) * 1000)
        if instruments.capture is not None:
            instruments.capture.record_block(self.template_, self.name, "".join(chunks))

    def _render_into(self, ctx: RenderContext, append: Appender) -> None:
        chunks: list[str] = []

        def tee(chunk: str) -> None:
            chunks.append(chunk)
            append(chunk)

        started = perf_counter()
        self.inner.render_into(ctx, tee)
        self._finish(chunks, started)

    def stream_into(self, ctx: RenderContext) -> Iterator[str]:
        chunks: list[str] = []
        started = perf_counter()
        for chunk in self.inner.stream_into(ctx):
            chunks.append(chunk)
            yield chunk
        self._finish(chunks, started)

    async def astream_into(
        self, ctx: RenderContext, setups: tuple[SetupAsync, ...] = ()
    ) -> AsyncIterator[str]:
        chunks: list[str] = []
        started = perf_counter()
        inner = self.inner.astream_into(ctx, setups)
        try:
            async for chunk in inner:
                chunks.append(chunk)
                yield chunk
        finally:
            await inner.aclose()  # type: ignore[attr-defined]
        self._finish(chunks, started)


def observed_block(
    state: RenderState, template: "Template", block: BlockFunctions, *, effective: bool
) -> Any:
    """``block`` as this observed render should run it. Pre-rendered HTML is looked up (and
    counted in ``cache_stats``) once per block name, for the registration that renders:
    ``effective``, the most derived one."""
    cached = state.cached_blocks
    if cached is not None and effective:
        found = cached.get(block.name)  # a CachedBlocksDict counts its own hits and misses
        stats = state.cache_stats
        if stats is not None:
            key = "hits" if found is not None else "misses"
            stats[key] = stats.get(key, 0) + 1
        if isinstance(found, BlockFunctions):
            return found
        if found is not None:
            return CachedBlock(block.name, str(found))
    if state.instruments is None:
        return block
    instruments = state.instruments
    if instruments.accumulator is None and instruments.capture is None:
        return block
    return _ObservedBlock(state, template, block)
