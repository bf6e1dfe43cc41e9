"""Pointing errors at template lines instead of compiler internals.

Compiled code objects use a per-template file name and the template's line numbers, so the
traceback frames with such a file name tell the template, line and column at fault and, outermost
first, the chain of templates (include, import, extends, def calls) that led there. That chain is
read from the traceback only when an error leaves a render: rendering pays nothing for it.
The source is also given to ``linecache`` so Python's own tracebacks print template lines.
"""

import contextlib
import linecache
import weakref
from collections.abc import Iterator
from types import CodeType, FrameType, TracebackType
from typing import TYPE_CHECKING, Any

from kida.exceptions import (
    ComponentFrame,
    StackFrame,
    TemplateAttributeError,
    TemplateError,
    TemplateKeyError,
    TemplateRuntimeError,
    TemplateTypeError,
    TemplateZeroDivisionError,
)

if TYPE_CHECKING:
    from kida.template import Template

_TEMPLATES: "weakref.WeakValueDictionary[str, Template]" = weakref.WeakValueDictionary()

#: Python errors turned into kida errors (of both types) as they leave a render, as kida does.
_CONVERTED: tuple[tuple[type[Exception], type[TemplateRuntimeError]], ...] = (
    (ZeroDivisionError, TemplateZeroDivisionError),
    (KeyError, TemplateKeyError),
    (AttributeError, TemplateAttributeError),
    (TypeError, TemplateTypeError),
)

_MISSING_VALUE_HINT = (
    "attribute access on a missing value: use optional chaining (?.), a default (?? or "
    "| default), or check with 'is defined'"
)

#: A template frame of a traceback: the frame (to tell two tracebacks' shared frames), the
#: template, and the line and column it was at.
_Entry = tuple[FrameType, "Template", int, int | None]


def register_code(filename: str, template: "Template") -> None:
    """Remember which template a code file name belongs to, and show its source in tracebacks."""
    _TEMPLATES[filename] = template
    lines = [line + "\n" for line in template.source.splitlines()]
    linecache.cache[filename] = (len(template.source), None, lines, filename)
    weakref.finalize(template, linecache.cache.pop, filename, None)


def template_of_code(code: CodeType) -> "Template | None":
    """The template whose compiled code ``code`` is, or None."""
    return _TEMPLATES.get(code.co_filename)


def template_frames(frame: FrameType | None) -> "Iterator[tuple[FrameType, Template]]":
    """The frames running template code from ``frame`` outwards, innermost first."""
    while frame is not None:
        template = _TEMPLATES.get(frame.f_code.co_filename)
        if template is not None:
            yield frame, template
        frame = frame.f_back


def _template_frames(tb: TracebackType | None) -> list[_Entry]:
    """The template frames of a traceback, outermost first."""
    entries: list[_Entry] = []
    while tb is not None:
        code = tb.tb_frame.f_code
        template = _TEMPLATES.get(code.co_filename)
        if template is not None:
            col = None
            positions = list(code.co_positions())
            index = tb.tb_lasti // 2
            if 0 <= index < len(positions) and positions[index][2] is not None:
                col = positions[index][2] + 1  # type: ignore[operator]
            entries.append((tb.tb_frame, template, tb.tb_lineno, col))
        tb = tb.tb_next
    return entries


def _frames(error: BaseException) -> list[_Entry]:
    """Every template frame the error went through, outermost first: those of its own
    traceback, then those it was converted from (see :func:`_convert`)."""
    inner: list[_Entry] = getattr(error, "_kida_inner", [])
    seen = {id(entry[0]) for entry in inner}
    outer = [entry for entry in _template_frames(error.__traceback__) if id(entry[0]) not in seen]
    return outer + inner


def _stack(entries: list[_Entry]) -> list[StackFrame]:
    stack: list[StackFrame] = []
    for _, template, lineno, _ in entries:
        frame = (template.name, lineno)
        if not stack or stack[-1] != frame:
            stack.append(frame)
    return stack


def _components(entries: list[_Entry]) -> list[ComponentFrame]:
    """The ``{% def %}`` bodies among ``entries``: (template, line, def name), outermost
    first; the compiler names a def's function ``_def_<name>_<n>``."""
    found: list[ComponentFrame] = []
    for frame, template, lineno, _ in entries:
        code_name = frame.f_code.co_name
        if code_name.startswith("_def_"):
            found.append((template.name, lineno, code_name[5:].rpartition("_")[0]))
    return found


def _hint(error: Exception) -> str | None:
    text = str(error)
    if isinstance(error, ZeroDivisionError):
        return "division by zero: guard it with {% if divisor %} or give a default (| default(1))"
    if isinstance(error, KeyError) and error.args:
        key = error.args[0]
        return f"key {key!r} is missing: use .get({key!r}) or ?[{key!r}] for safe access"
    if isinstance(error, AttributeError) and "'NoneType' object has no attribute" in text:
        return _MISSING_VALUE_HINT
    if isinstance(error, TypeError) and "NoneType" in text:
        return _MISSING_VALUE_HINT
    if isinstance(error, TypeError) and "unsupported operand" in text and "'str'" in text:
        return (
            "a value is a string (from a form, YAML or config?): convert it with | int or | float"
        )
    return None


def _kida_type(error: BaseException) -> type[TemplateRuntimeError] | None:
    return next((kida for python, kida in _CONVERTED if isinstance(error, python)), None)


def _convert(error: Exception) -> TemplateRuntimeError | None:
    """The kida error for a Python error raised by template code, or None to keep it."""
    kida_type = _kida_type(error)
    if kida_type is None:
        return None
    entries = _template_frames(error.__traceback__)
    text = str(error)
    converted = kida_type(
        f"{type(error).__name__}: {text}" if text else type(error).__name__,
        hint=_hint(error),
    )
    if entries:
        _, template, lineno, col = entries[-1]
        converted.locate(name=template.name, lineno=lineno, col=col, source=template.source)
    converted.args = error.args  # code catching the Python error may read them (the key)
    converted._kida_inner = entries  # type: ignore[attr-defined]
    return converted


def annotate(error: BaseException) -> None:
    """Add the template position and stack to an error leaving a render; called again at each
    stream the error passes on its way out, so the stack grows to the whole chain.

    A ``KeyError``, ``AttributeError``, ``ZeroDivisionError`` or ``TypeError`` is replaced by
    a :class:`TemplateRuntimeError` subclass of the same Python type, with a code and a hint
    (raised from here, ``from`` the original); other Python errors get a note.
    """
    if isinstance(error, TemplateError):
        entries = _frames(error)
        if entries:
            _, template, lineno, col = entries[-1]
            error.locate(name=template.name, lineno=lineno, col=col, source=template.source)
            stack = _stack(entries)
            if error.name != template.name and error.lineno is not None:
                stack.append((error.name, error.lineno))  # e.g. a syntax error in an include
            error.template_stack = stack
            error.component_stack = _components(entries)
        return
    if getattr(error, "_kida_located", False) or not isinstance(error, Exception):
        return
    converted = _convert(error)
    if converted is not None:
        entries = _frames(converted)
        converted.template_stack = _stack(entries)
        converted.component_stack = _components(entries)
        raise converted from error
    entries = _template_frames(error.__traceback__)
    if entries:
        _, template, lineno, _ = entries[-1]
        error.add_note(f"  in template {template.name or '<string>'}, line {lineno}")
    with contextlib.suppress(AttributeError):  # exceptions with __slots__
        error._kida_located = True  # type: ignore[attr-defined]


class CaughtError(dict[str, Any]):
    """What ``{% fallback err %}`` binds: a dict with ``message``, ``type`` (the class name),
    ``template``, ``line`` and ``code`` (kida's errors only); ``{{ err }}`` prints the message."""

    def __str__(self) -> str:
        return str(self["message"])


def error_info(error: BaseException) -> CaughtError:
    """The :class:`CaughtError` of an error caught by ``{% try %}``."""
    entries = _frames(error)
    template = line = None
    if isinstance(error, TemplateError) and error.lineno is not None:
        template, line = error.name, error.lineno
    elif entries:
        template, line = entries[-1][1].name, entries[-1][2]
    # The same fields whether or not an included stream converted the error on its way here.
    original = error.__cause__ if hasattr(error, "_kida_inner") else error
    assert original is not None
    return CaughtError(
        message=original.message if isinstance(original, TemplateError) else str(original),
        type=type(original).__name__,
        template=template,
        line=line,
        code=_code_of(original),
    )


def _code_of(error: BaseException) -> str | None:
    if isinstance(error, TemplateError):
        return error.code.value
    kida_type = _kida_type(error)
    return None if kida_type is None else kida_type.code.value
