"""Old home of the error classes, kept so ``from kida.environment.exceptions import …`` works
for every name kida-templates defined here (error classes, ``ErrorCode``, source snippets).

They live in :mod:`kida.exceptions` and :mod:`kida.source_snippet`, at the bottom of the
package where every stage can import them.
"""

from kida.exceptions import (
    ErrorCode,
    NoneComparisonError,
    RequiredValueError,
    TemplateError,
    TemplateNotFoundError,
    TemplateRuntimeError,
    TemplateSyntaxError,
    UndefinedError,
)
from kida.source_snippet import SourceSnippet, build_source_snippet

__all__ = [
    "ErrorCode",
    "NoneComparisonError",
    "RequiredValueError",
    "SourceSnippet",
    "TemplateError",
    "TemplateNotFoundError",
    "TemplateRuntimeError",
    "TemplateSyntaxError",
    "UndefinedError",
    "build_source_snippet",
]
