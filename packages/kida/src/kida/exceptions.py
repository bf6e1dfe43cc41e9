"""The error classes, importable as ``kida.exceptions`` as in kida-templates."""

from kida.environment.exceptions import (
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
