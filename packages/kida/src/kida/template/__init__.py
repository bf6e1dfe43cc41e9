"""Compiled templates: ``Template`` (``core``), its static questions (``introspection``),
block rendering across an inheritance chain (``inheritance``) and ``RenderedTemplate``.

Example::

    >>> env = Environment()
    >>> env.from_string("Hello {{ name }}!").render(name="kida")
    'Hello kida!'
"""

from markupsafe import Markup

from kida.runtime.loop import AsyncLoopContext, LoopContext
from kida.template.core import Template
from kida.template.rendered import RenderedTemplate

#: What kida users import from here (the loop contexts and Markup are re-exported).
__all__ = ["AsyncLoopContext", "LoopContext", "Markup", "RenderedTemplate", "Template"]
