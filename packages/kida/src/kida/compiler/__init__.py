"""Template tree → Python ``ast.Module``: :class:`Compiler` (as in kida-templates).

``core`` holds the compiler state, the module and renderer scaffolding and the two dispatch tables
(statement node → handler, expression node → handler); each family of tags has its handlers in
``statements/<family>.py`` and expressions theirs in ``expressions.py``. The three render modes
(``render``, ``stream``, ``async``) run the same handlers; only emitting differs.
"""

from kida.compiler.core import Compiler

__all__ = ["Compiler"]
