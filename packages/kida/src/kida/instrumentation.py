"""What observes a render: block capture, profiling, coverage, a scoped ``RenderContext``.

Observers are switched on with context managers (``captured_render()``, ``profiled_render()``,
``CoverageCollector``, ``render_context()``), each of which stores a new :class:`Instruments` in
one ``ContextVar``. A render reads it once, when its context is made; when it is ``None`` (the
default) nothing else is looked at, so an unobserved render pays one ``ContextVar.get``.

Line coverage and filter/def counts come from ``sys.monitoring`` (Python 3.12+) events, enabled
only while a collector or accumulator is active and ignored outside template code.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from types import CodeType
from typing import TYPE_CHECKING, Any

from kida.debug import template_of_code

if TYPE_CHECKING:
    from kida.coverage import CoverageCollector
    from kida.render_accumulator import RenderAccumulator
    from kida.render_capture import RenderCapture
    from kida.render_context import RenderContext


@dataclass(frozen=True, slots=True)
class Instruments:
    """The observers active for renders started in the current context."""

    #: The context made by ``render_context()``: its metadata and cached blocks.
    scope: RenderContext | None = None
    capture: RenderCapture | None = None
    accumulator: RenderAccumulator | None = None
    coverage: CoverageCollector | None = None


ACTIVE: ContextVar[Instruments | None] = ContextVar("kida_instruments", default=None)
_NONE = Instruments()


def active() -> Instruments | None:
    """The observers of the current context, or None."""
    return ACTIVE.get()


@contextmanager
def observing(**changes: Any) -> Iterator[None]:
    """Add (or replace) observers for the duration of the ``with`` body."""
    token = ACTIVE.set(replace(ACTIVE.get() or _NONE, **changes))
    try:
        yield
    finally:
        ACTIVE.reset(token)


class _Monitor:
    """One ``sys.monitoring`` tool shared by coverage and profiling, on while anyone uses it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users: dict[int, int] = {}  # event → number of users
        self._tool: int | None = None

    def _claim_tool(self) -> int:
        monitoring = sys.monitoring
        for tool in (4, 3, 5, 2, 0, 1):
            if monitoring.get_tool(tool) is None:
                monitoring.use_tool_id(tool, "kida")
                monitoring.register_callback(tool, monitoring.events.LINE, _on_line)
                monitoring.register_callback(tool, monitoring.events.PY_START, _on_start)
                monitoring.register_callback(tool, monitoring.events.CALL, _on_call)
                return tool
        raise RuntimeError("no free sys.monitoring tool id for kida coverage/profiling")

    def acquire(self, event: int) -> None:
        with self._lock:
            if self._tool is None:
                self._tool = self._claim_tool()
            self._users[event] = self._users.get(event, 0) + 1
            self._apply()

    def release(self, event: int) -> None:
        with self._lock:
            self._users[event] -= 1
            self._apply()

    def _apply(self) -> None:
        assert self._tool is not None
        events = 0
        for event, count in self._users.items():
            if count:
                events |= event
        sys.monitoring.set_events(self._tool, events)


MONITOR = _Monitor()


def _on_line(code: CodeType, line: int) -> Any:
    template = template_of_code(code)
    if template is None:
        return sys.monitoring.DISABLE  # not template code: never report this spot again
    instruments = ACTIVE.get()
    if instruments is not None and instruments.coverage is not None:
        instruments.coverage.record_line(template.name or "<string>", line)
    return None


def _on_start(code: CodeType, offset: int) -> Any:
    """A function's first line raises no LINE event (no line change): report it here."""
    template = template_of_code(code)
    if template is None:
        return sys.monitoring.DISABLE
    for start, end, line in code.co_lines():
        if start <= offset < end:
            if line:
                return _on_line(code, line)
            break
    return None


def _on_call(code: CodeType, offset: int, callable_: object, arg0: object) -> Any:
    template = template_of_code(code)
    if template is None:
        return sys.monitoring.DISABLE
    instruments = ACTIVE.get()
    if instruments is not None and instruments.accumulator is not None:
        instruments.accumulator.observe_call(template, callable_)
    return None


@contextmanager
def monitoring(event: int) -> Iterator[None]:
    """``sys.monitoring`` ``event`` reported to kida's callbacks within the ``with`` body."""
    MONITOR.acquire(event)
    try:
        yield
    finally:
        MONITOR.release(event)


#: Event ids, for the users of :func:`monitoring` (a function's first line comes as PY_START).
LINE_EVENT: int = sys.monitoring.events.LINE | sys.monitoring.events.PY_START
CALL_EVENT: int = sys.monitoring.events.CALL
