"""Opt-in profiling of renders: block times, def calls, includes, filter uses.

Inside :func:`profiled_render`, blocks are timed by the render itself and def/filter calls are
counted through ``sys.monitoring`` CALL events of template code; outside it nothing is
monitored and renders pay one ``ContextVar`` read.

Example::

    with profiled_render() as metrics:
        html = template.render(page=page)
    metrics.summary()["blocks"]
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from time import perf_counter
from typing import TYPE_CHECKING, Any

from kida.instrumentation import ACTIVE, CALL_EVENT, monitoring, observing
from kida.runtime.components import Macro

if TYPE_CHECKING:
    from kida.template import Template


@dataclass(slots=True)
class BlockTiming:
    """Total time and number of renders of one block."""

    name: str
    duration_ms: float
    call_count: int = 1


def _by_count(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: item[1], reverse=True))


@dataclass(slots=True)
class RenderAccumulator:
    """The metrics of the renders inside one :func:`profiled_render`."""

    block_timings: dict[str, BlockTiming] = field(default_factory=dict)
    macro_calls: dict[str, int] = field(default_factory=dict)
    include_counts: dict[str, int] = field(default_factory=dict)
    filter_calls: dict[str, int] = field(default_factory=dict)
    start_time: float = field(default_factory=perf_counter)
    end_time: float | None = None
    _filter_names: dict[int, dict[int, str]] = field(default_factory=dict, repr=False)

    def record_block(self, name: str, duration_ms: float) -> None:
        """Add one render of block ``name`` that took ``duration_ms``."""
        timing = self.block_timings.get(name)
        if timing is None:
            self.block_timings[name] = BlockTiming(name, duration_ms)
        else:
            timing.duration_ms += duration_ms
            timing.call_count += 1

    def record_macro(self, name: str) -> None:
        """Count a call of def ``name``."""
        self.macro_calls[name] = self.macro_calls.get(name, 0) + 1

    def record_include(self, template_name: str) -> None:
        """Count an include or embed of ``template_name``."""
        self.include_counts[template_name] = self.include_counts.get(template_name, 0) + 1

    def record_filter(self, name: str) -> None:
        """Count a use of filter ``name``."""
        self.filter_calls[name] = self.filter_calls.get(name, 0) + 1

    def observe_call(self, template: "Template", target: object) -> None:
        """A call made by template code: counted if it is a def or a registered filter."""
        owner = getattr(target, "__self__", None)
        if isinstance(target, Macro) or isinstance(owner, Macro):
            macro = target if isinstance(target, Macro) else owner
            assert isinstance(macro, Macro)
            self.record_macro(macro.name)
            return
        names = self._filter_names.get(id(template.environment))
        if names is None:
            filters = template.environment.filters
            names = {id(function): name for name, function in filters.items()}
            self._filter_names[id(template.environment)] = names
        name = names.get(id(target))
        if name is not None:
            self.record_filter(name)

    @property
    def total_duration_ms(self) -> float:
        """Milliseconds since profiling started (until it ended, once it has)."""
        end = perf_counter() if self.end_time is None else self.end_time
        return (end - self.start_time) * 1000

    def summary(self) -> dict[str, Any]:
        """Everything recorded, slowest blocks and most frequent calls first."""
        blocks = sorted(self.block_timings.values(), key=lambda t: t.duration_ms, reverse=True)
        return {
            "total_ms": round(self.total_duration_ms, 2),
            "blocks": {
                t.name: {"ms": round(t.duration_ms, 2), "calls": t.call_count} for t in blocks
            },
            "macros": _by_count(self.macro_calls),
            "includes": _by_count(self.include_counts),
            "filters": _by_count(self.filter_calls),
        }


def get_accumulator() -> RenderAccumulator | None:
    """The accumulator of the enclosing :func:`profiled_render`, or None."""
    instruments = ACTIVE.get()
    return None if instruments is None else instruments.accumulator


@contextmanager
def profiled_render() -> Iterator[RenderAccumulator]:
    """Profile the renders inside the ``with`` body into the yielded accumulator."""
    accumulator = RenderAccumulator()
    try:
        with monitoring(CALL_EVENT), observing(accumulator=accumulator):
            yield accumulator
    finally:
        accumulator.end_time = perf_counter()


@contextmanager
def timed_block(name: str) -> Iterator[None]:
    """Time the ``with`` body as block ``name`` when profiling; otherwise do nothing.

    Example::

        with timed_block("fetch"):
            rows = load_rows()
    """
    accumulator = get_accumulator()
    if accumulator is None:
        yield
        return
    started = perf_counter()
    try:
        yield
    finally:
        accumulator.record_block(name, (perf_counter() - started) * 1000)
