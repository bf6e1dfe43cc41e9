"""Old home of the error classes, kept so ``from kida.environment.exceptions import …`` works.

They live in :mod:`kida.exceptions`, at the bottom of the package where every stage can import them.
"""

from kida.exceptions import (
    TemplateError,
    TemplateNotFoundError,
    TemplateRuntimeError,
    TemplateSyntaxError,
    UndefinedError,
)

__all__ = [
    "TemplateError",
    "TemplateNotFoundError",
    "TemplateRuntimeError",
    "TemplateSyntaxError",
    "UndefinedError",
]
