"""kida-templates 0.12.1's public names: every one importable from ``kida`` and from the module
kida users import it from by path, the same object both ways."""

import importlib
import tomllib
from pathlib import Path

import pytest

import kida

#: kida-templates 0.12.1's ``kida.__all__`` (74 names).
UPSTREAM_ALL = frozenset(
    {
        "AnalysisConfig",
        "AsyncLoopContext",
        "BlockMetadata",
        "BlockModifierMetadata",
        "ChoiceLoader",
        "CoercionWarning",
        "ComponentWarning",
        "CoverageCollector",
        "CoverageResult",
        "DefMetadata",
        "DefParamInfo",
        "DictLoader",
        "Environment",
        "ErrorCode",
        "Extension",
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
        "render_context",
        "should_parallelize",
        "strip_colors",
        "timed_block",
    }
)

#: Name → (module kida users import it from, the name there).
BY_PATH = {
    "AnalysisConfig": ("kida.analysis", "AnalysisConfig"),
    "AsyncLoopContext": ("kida.template", "AsyncLoopContext"),
    "BlockMetadata": ("kida.analysis", "BlockMetadata"),
    "BlockModifierMetadata": ("kida.analysis", "BlockModifierMetadata"),
    "ChoiceLoader": ("kida.environment.loaders", "ChoiceLoader"),
    "CoverageCollector": ("kida.coverage", "CoverageCollector"),
    "CoverageResult": ("kida.coverage", "CoverageResult"),
    "DefMetadata": ("kida.analysis", "DefMetadata"),
    "DefParamInfo": ("kida.analysis", "DefParamInfo"),
    "DictLoader": ("kida.environment.loaders", "DictLoader"),
    "Environment": ("kida.environment", "Environment"),
    "Extension": ("kida.extensions", "Extension"),
    "FileSystemLoader": ("kida.environment.loaders", "FileSystemLoader"),
    "Fragment": ("kida.render_capture", "Fragment"),
    "FreezeCache": ("kida.render_manifest", "FreezeCache"),
    "FreezeCacheStats": ("kida.render_manifest", "FreezeCacheStats"),
    "FunctionLoader": ("kida.environment.loaders", "FunctionLoader"),
    "LoopContext": ("kida.template", "LoopContext"),
    "ManifestDiff": ("kida.render_manifest", "ManifestDiff"),
    "Markup": ("kida.template", "Markup"),
    "PackageLoader": ("kida.environment.loaders", "PackageLoader"),
    "PrefixLoader": ("kida.environment.loaders", "PrefixLoader"),
    "RenderAccumulator": ("kida.render_accumulator", "RenderAccumulator"),
    "RenderCapture": ("kida.render_capture", "RenderCapture"),
    "RenderContext": ("kida.render_context", "RenderContext"),
    "RenderManifest": ("kida.render_manifest", "RenderManifest"),
    "RenderedTemplate": ("kida.template", "RenderedTemplate"),
    "SearchEntry": ("kida.render_manifest", "SearchEntry"),
    "SearchManifestBuilder": ("kida.render_manifest", "SearchManifestBuilder"),
    "SourceSnippet": ("kida.source_snippet", "SourceSnippet"),
    "Template": ("kida.template", "Template"),
    "TemplateError": ("kida.exceptions", "TemplateError"),
    "TemplateMetadata": ("kida.analysis", "TemplateMetadata"),
    "TemplateNotFoundError": ("kida.environment.exceptions", "TemplateNotFoundError"),
    "TemplateRuntimeError": ("kida.environment.exceptions", "TemplateRuntimeError"),
    "TemplateStructureManifest": ("kida.analysis", "TemplateStructureManifest"),
    "TemplateSyntaxError": ("kida.environment.exceptions", "TemplateSyntaxError"),
    "Token": ("kida.lexer", "Token"),
    "TokenType": ("kida.lexer", "TokenType"),
    "UndefinedError": ("kida.exceptions", "UndefinedError"),
    "WorkerEnvironment": ("kida.utils.workers", "Environment"),
    "WorkloadProfile": ("kida.utils.workers", "WorkloadProfile"),
    "WorkloadType": ("kida.utils.workers", "WorkloadType"),
    "async_render_context": ("kida.render_context", "async_render_context"),
    "build_source_snippet": ("kida.source_snippet", "build_source_snippet"),
    "captured_render": ("kida.render_capture", "captured_render"),
    "default_field_extractor": ("kida.render_manifest", "default_field_extractor"),
    "get_accumulator": ("kida.render_accumulator", "get_accumulator"),
    "get_capture": ("kida.render_capture", "get_capture"),
    "get_optimal_workers": ("kida.utils.workers", "get_optimal_workers"),
    "get_profile": ("kida.utils.workers", "get_profile"),
    "get_render_context": ("kida.render_context", "get_render_context"),
    "get_render_context_required": ("kida.render_context", "get_render_context_required"),
    "html_escape": ("kida.utils.html", "html_escape"),
    "is_free_threading_enabled": ("kida.utils.workers", "is_free_threading_enabled"),
    "k": ("kida.tstring", "k"),
    "plain": ("kida.tstring", "plain"),
    "profiled_render": ("kida.render_accumulator", "profiled_render"),
    "pure": ("kida.analysis.purity", "pure"),
    "render_context": ("kida.render_context", "render_context"),
    "should_parallelize": ("kida.utils.workers", "should_parallelize"),
    "strip_colors": ("kida.utils.terminal", "strip_colors"),
    "timed_block": ("kida.render_accumulator", "timed_block"),
    "SandboxPolicy": ("kida.sandbox", "SandboxPolicy"),
    "SandboxedEnvironment": ("kida.sandbox", "SandboxedEnvironment"),
    "SecurityError": ("kida.exceptions", "SecurityError"),
    "ErrorCode": ("kida.exceptions", "ErrorCode"),
    "CoercionWarning": ("kida.exceptions", "CoercionWarning"),
    "ComponentWarning": ("kida.exceptions", "ComponentWarning"),
    "KidaWarning": ("kida.exceptions", "KidaWarning"),
    "MigrationWarning": ("kida.exceptions", "MigrationWarning"),
    "PrecedenceWarning": ("kida.exceptions", "PrecedenceWarning"),
    "TemplateWarning": ("kida.exceptions", "TemplateWarning"),
}


def test_the_upstream_list_is_the_74_names() -> None:
    assert len(UPSTREAM_ALL) == 74
    # Every name has the module kida users import it from by path.
    assert UPSTREAM_ALL - {"__version__"} == BY_PATH.keys()


@pytest.mark.parametrize("name", sorted(BY_PATH))
def test_name_is_exported_and_importable_by_path(name: str) -> None:
    assert name in kida.__all__
    module, attribute = BY_PATH[name]
    assert getattr(importlib.import_module(module), attribute) is getattr(kida, name)


def test_every_exported_name_exists() -> None:
    missing = [name for name in kida.__all__ if not hasattr(kida, name)]
    assert missing == []


def test_version_is_the_package_version() -> None:
    pyproject = Path(__file__).parents[2] / "packages" / "kida" / "pyproject.toml"
    assert kida.__version__ == tomllib.loads(pyproject.read_text())["project"]["version"]
