"""kida: a template engine compiled to Python ``ast``, with string, streaming and async renderers.

Example::

    >>> from kida import Environment
    >>> Environment().from_string("{% for x in 1..3 %}{{ x }}{% end %}").render()
    '123'
"""

from markupsafe import Markup

from kida.analysis import (
    AnalysisConfig,
    BlockMetadata,
    BlockModifierMetadata,
    DefMetadata,
    DefParamInfo,
    TemplateMetadata,
    TemplateStructureManifest,
)
from kida.analysis.purity import pure
from kida.bytecode_cache import FileSystemBytecodeCache
from kida.coverage import CoverageCollector, CoverageResult
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
    ComponentWarning,
    ErrorCode,
    KidaWarning,
    MigrationWarning,
    PrecedenceWarning,
    RequiredValueError,
    SecurityError,
    TemplateError,
    TemplateNotFoundError,
    TemplateRuntimeError,
    TemplateSyntaxError,
    TemplateWarning,
    UndefinedError,
)
from kida.extensions import Extension
from kida.lexer import Token, TokenType
from kida.render_accumulator import RenderAccumulator, get_accumulator, profiled_render, timed_block
from kida.render_capture import Fragment, RenderCapture, captured_render, get_capture
from kida.render_context import (
    RenderContext,
    async_render_context,
    get_render_context,
    get_render_context_required,
    render_context,
)
from kida.render_manifest import (
    FreezeCache,
    FreezeCacheStats,
    ManifestDiff,
    RenderManifest,
    SearchEntry,
    SearchManifestBuilder,
    default_field_extractor,
)
from kida.runtime.loop import AsyncLoopContext, LoopContext
from kida.sandbox import SandboxedEnvironment, SandboxPolicy
from kida.source_snippet import SourceSnippet, build_source_snippet
from kida.template import RenderedTemplate, Template
from kida.tstring import ComposablePattern, k, plain, r
from kida.utils.html import html_escape
from kida.utils.terminal import strip_colors
from kida.utils.workers import Environment as WorkerEnvironment
from kida.utils.workers import (
    WorkloadProfile,
    WorkloadType,
    get_optimal_workers,
    get_profile,
    is_free_threading_enabled,
    should_parallelize,
)

#: The kida-templates release whose public API and behaviour this package follows is 0.12.1;
#: this is our own package's version (djstream-kida).
__version__ = "0.1.0"

#: PEP 703's marker, as kida-templates declares it: rendering keeps no shared mutable state, so
#: the package is safe without the GIL (a free-threaded build may read it; 0 = GIL not used).
_Py_mod_gil = 0

__all__ = [
    "AnalysisConfig",
    "AsyncLoopContext",
    "BlockMetadata",
    "BlockModifierMetadata",
    "ChoiceLoader",
    "CoercionWarning",
    "ComponentWarning",
    "ComposablePattern",
    "CoverageCollector",
    "CoverageResult",
    "DefMetadata",
    "DefParamInfo",
    "DictLoader",
    "Environment",
    "ErrorCode",
    "Extension",
    "FileSystemBytecodeCache",
    "FileSystemLoader",
    "Fragment",
    "FreezeCache",
    "FreezeCacheStats",
    "FunctionLoader",
    "KidaWarning",
    "LoopContext",
    "ManifestDiff",
    "Markup",
    "MigrationWarning",
    "PackageLoader",
    "PrecedenceWarning",
    "PrefixLoader",
    "RenderAccumulator",
    "RenderCapture",
    "RenderContext",
    "RenderManifest",
    "RenderedTemplate",
    "RequiredValueError",
    "SandboxPolicy",
    "SandboxedEnvironment",
    "SearchEntry",
    "SearchManifestBuilder",
    "SecurityError",
    "SourceSnippet",
    "Template",
    "TemplateError",
    "TemplateMetadata",
    "TemplateNotFoundError",
    "TemplateRuntimeError",
    "TemplateStructureManifest",
    "TemplateSyntaxError",
    "TemplateWarning",
    "Token",
    "TokenType",
    "UndefinedError",
    "WorkerEnvironment",
    "WorkloadProfile",
    "WorkloadType",
    "__version__",
    "async_render_context",
    "build_source_snippet",
    "captured_render",
    "default_field_extractor",
    "get_accumulator",
    "get_capture",
    "get_optimal_workers",
    "get_profile",
    "get_render_context",
    "get_render_context_required",
    "html_escape",
    "is_free_threading_enabled",
    "k",
    "plain",
    "profiled_render",
    "pure",
    "r",
    "render_context",
    "should_parallelize",
    "strip_colors",
    "timed_block",
]
