"""What ``def``, ``call`` and ``slot`` compile to at run time.

A :class:`Macro` wraps the compiled body. Sync bodies append to a buffer and calling the macro
returns ``Markup``; async bodies (in the async renderer) are async generators, and calling
returns a :class:`PendingRender` that the async renderer streams (or that can be awaited).
"""

from collections.abc import AsyncIterator, Callable
from typing import Any

from markupsafe import Markup

from kida.exceptions import ErrorCode, TemplateRuntimeError

Appender = Callable[[str], Any]

#: The Python default of a region parameter whose template default is computed at call time.
NOT_PASSED: Any = object()


class PendingRender:
    """The output of an async def or slot, not produced yet: stream it or await it."""

    __slots__ = ("_args", "_autoescape", "_function", "_kwargs")

    def __init__(
        self,
        function: Callable[..., AsyncIterator[str]],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        autoescape: bool,
    ) -> None:
        self._function = function
        self._args = args
        self._kwargs = kwargs
        self._autoescape = autoescape

    def stream(self) -> AsyncIterator[str]:
        """The chunks, as the body produces them."""
        return self._function(*self._args, **self._kwargs)

    async def collect(self) -> str:
        """The whole output."""
        text = "".join([chunk async for chunk in self.stream()])
        return Markup(text) if self._autoescape else text

    def __await__(self) -> Any:
        return self.collect().__await__()

    def __str__(self) -> str:
        raise TemplateRuntimeError(
            "the output of an async def was used as text",
            hint="output it directly with {{ f() }} or await it: {{ await f() }}",
        )


class Macro:
    """A ``{% def %}``: call it like a function to get its rendered output.

    Example::

        {% def card(title) %}<h2>{{ title }}</h2>{% end %}{{ card("Hi") }}
    """

    __slots__ = ("autoescape", "function", "is_async", "name")

    def __init__(
        self, name: str, function: Callable[..., Any], is_async: bool, autoescape: bool
    ) -> None:
        self.name = name
        self.function = function
        self.is_async = is_async
        self.autoescape = autoescape

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.invoke(None, args, kwargs)

    def invoke(self, caller: "Caller | None", args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run the body with ``caller`` filling its slots."""
        if self.is_async:
            return PendingRender(self.function, (caller, *args), kwargs, self.autoescape)
        buffer: list[str] = []
        try:
            self.function(buffer.append, caller, *args, **kwargs)
        except TypeError as error:
            trace = error.__traceback__
            if trace is not None and trace.tb_next is None and " given" in str(error):
                raise _arity_error(self.name, self.function, len(args)) from None
            raise  # raised by the body, or a message that names parameters already
        text = "".join(buffer)
        return Markup(text) if self.autoescape else text

    def __iter__(self) -> Any:
        raise TemplateRuntimeError(
            f"cannot iterate over macro {self.name!r}",
            hint=(
                f"{self.name!r} is a def here; if the context variable {self.name!r} was meant, "
                f"the def shadows it: rename the def (e.g. render_{self.name})"
            ),
            code=ErrorCode.MACRO_ITERATION,
        )

    def __repr__(self) -> str:
        return f"<Macro {self.name}>"


def _arity_error(name: str, function: Callable[..., Any], given: int) -> TypeError:
    """Too many positional arguments for a def, counted as the template wrote it (Python's
    own message counts the buffer and caller parameters every def function takes first)."""
    code = function.__code__
    takes = code.co_argcount - 2  # the output buffer and the caller
    defaults = len(function.__defaults__ or ())
    count = f"from {takes - defaults} to {takes}" if defaults else str(takes)
    plural = "" if takes == 1 and not defaults else "s"
    was = "was" if given == 1 else "were"
    return TypeError(f"{name}() takes {count} positional argument{plural} but {given} {was} given")


class Caller:
    """The slots a ``{% call %}`` passes to a def: ``caller()``, ``caller("name")``."""

    __slots__ = ("autoescape", "slots")

    def __init__(self, slots: dict[str, tuple[Callable[..., Any], bool]], autoescape: bool) -> None:
        self.slots = slots
        self.autoescape = autoescape

    def has(self, name: str = "default") -> bool:
        """Whether the call filled slot ``name``."""
        return name in self.slots

    def __call__(self, name: str = "default", **lets: Any) -> Any:
        slot = self.slots.get(name)
        if slot is None:
            return Markup() if self.autoescape else ""
        function, is_async = slot
        if is_async:
            return PendingRender(function, (), lets, self.autoescape)
        buffer: list[str] = []
        function(buffer.append, **lets)
        text = "".join(buffer)
        return Markup(text) if self.autoescape else text

    def render(self, name: str, append: Appender, lets: dict[str, Any]) -> None:
        """Append slot ``name`` (sync renderers)."""
        slot = self.slots.get(name)
        if slot is not None:
            function, is_async = slot
            if is_async:
                raise TemplateRuntimeError(
                    f"slot {name!r} is async", hint="render the template with render_stream_async()"
                )
            function(append, **lets)

    async def stream(self, name: str, lets: dict[str, Any]) -> AsyncIterator[str]:
        """Chunks of slot ``name`` (async renderer)."""
        slot = self.slots.get(name)
        if slot is None:
            return
        function, is_async = slot
        if is_async:
            async for chunk in function(**lets):
                yield chunk
        else:
            buffer: list[str] = []
            function(buffer.append, **lets)
            yield "".join(buffer)


def has_slot(caller: Caller | None, name: str | None = None) -> bool:
    """``has_slot(name)`` inside a def: whether the call fills slot ``name``. Without a
    name, as in kida, whether the def was called through ``{% call %}`` at all."""
    if name is None:
        return caller is not None
    return caller is not None and caller.has(name)
