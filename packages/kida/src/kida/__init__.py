"""kida: a template engine compiled to Python ``ast``, with string, streaming and async renderers.

Example::

    >>> from kida import Environment
    >>> Environment().from_string("{% for x in 1..3 %}{{ x }}{% end %}").render()
    '123'
"""

from markupsafe import Markup

from kida.analysis import BlockMetadata, TemplateMetadata
from kida.bytecode_cache import FileSystemBytecodeCache
from kida.environment import Environment
from kida.environment.loaders import (
    ChoiceLoader,
    DictLoader,
    FileSystemLoader,
    FunctionLoader,
    PackageLoader,
    PrefixLoader,
)
from kida.exceptions import (
    CoercionWarning,
    ErrorCode,
    KidaWarning,
    MigrationWarning,
    PrecedenceWarning,
    RequiredValueError,
    TemplateError,
    TemplateNotFoundError,
    TemplateRuntimeError,
    TemplateSyntaxError,
    UndefinedError,
)
from kida.runtime.loop import AsyncLoopContext, LoopContext
from kida.template import Template

__all__ = [
    "AsyncLoopContext",
    "BlockMetadata",
    "ChoiceLoader",
    "CoercionWarning",
    "DictLoader",
    "Environment",
    "ErrorCode",
    "FileSystemBytecodeCache",
    "FileSystemLoader",
    "FunctionLoader",
    "KidaWarning",
    "LoopContext",
    "Markup",
    "MigrationWarning",
    "PackageLoader",
    "PrecedenceWarning",
    "PrefixLoader",
    "RequiredValueError",
    "Template",
    "TemplateError",
    "TemplateMetadata",
    "TemplateNotFoundError",
    "TemplateRuntimeError",
    "TemplateSyntaxError",
    "UndefinedError",
]
