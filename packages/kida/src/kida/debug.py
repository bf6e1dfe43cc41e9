"""Pointing errors at template lines instead of compiler internals.

Compiled code objects use a per-template file name and the template's line numbers, so the
innermost traceback frame with such a file name tells the template, line and column at fault.
The source is also given to ``linecache`` so Python's own tracebacks print template lines.
"""

import contextlib
import linecache
import weakref
from collections.abc import Iterator
from types import CodeType, FrameType, TracebackType
from typing import TYPE_CHECKING

from kida.exceptions import TemplateError

if TYPE_CHECKING:
    from kida.template import Template

_TEMPLATES: "weakref.WeakValueDictionary[str, Template]" = weakref.WeakValueDictionary()


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


def _template_position(tb: TracebackType | None) -> "tuple[Template, int, int | None] | None":
    found = None
    while tb is not None:
        code = tb.tb_frame.f_code
        template = _TEMPLATES.get(code.co_filename)
        if template is not None:
            col = None
            positions = list(code.co_positions())
            index = tb.tb_lasti // 2
            if 0 <= index < len(positions) and positions[index][2] is not None:
                col = positions[index][2] + 1  # type: ignore[operator]
            found = (template, tb.tb_lineno, col)
        tb = tb.tb_next
    return found


def annotate(error: BaseException) -> None:
    """Add the template name, line and column to an error raised while rendering."""
    if getattr(error, "_kida_located", False):
        return
    position = _template_position(error.__traceback__)
    if position is None:
        return
    template, lineno, col = position
    if isinstance(error, TemplateError):
        error.locate(name=template.name, lineno=lineno, col=col, source=template.source)
    else:
        error.add_note(f"  in template {template.name or '<string>'}, line {lineno}")
    with contextlib.suppress(AttributeError):  # exceptions with __slots__
        error._kida_located = True  # type: ignore[attr-defined]
