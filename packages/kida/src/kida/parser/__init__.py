"""Tokens → template tree: :func:`parse` and :class:`Parser`.

``core`` holds the token helpers, the body loop and the keyword → handler table; each family of
tags has its handlers in ``blocks/<family>.py``, the pieces several tags share (targets,
parameters, bindings) are in ``statements.py`` and expressions in ``expressions.py``.
"""

from kida.parser.core import ParseError, Parser, parse

__all__ = ["ParseError", "Parser", "parse"]
