"""The global namespace every compiled template starts from: the runtime under short names.

The short names keep the generated code compact and are resolved once per template, by ``exec``.
"""

from collections.abc import Mapping
from types import CodeType
from typing import TYPE_CHECKING, Any, NoReturn

from markupsafe import Markup

from kida.debug import annotate, error_info
from kida.exceptions import ErrorCode, RenderLimitError, TemplateError, UndefinedError
from kida.runtime import access, async_support, components, composition, escaping
from kida.runtime.loop import AsyncLoopContext, LoopContext
from kida.runtime.undefined import UNDEFINED, Undefined, is_undefined

if TYPE_CHECKING:
    from kida.environment import Environment


def _raise(error: BaseException) -> NoReturn:
    raise error


COMPILED_NAMESPACE: dict[str, Any] = {
    # Builtins under private names: a def parameter called ``type`` must not shadow them.
    "_type": type,
    "_str": str,
    "_isinstance": isinstance,
    "_len": len,
    "_enumerate": enumerate,
    "_Exception": Exception,
    "_RenderLimits": (RenderLimitError, RecursionError, MemoryError),
    "_UndefinedError": UndefinedError,
    "_list": list,
    "_tuple": tuple,
    "_UNDEF": UNDEFINED,
    "_Mapping": Mapping,
    "_Markup": Markup,
    "_ga": access.get_attr,
    "_cg": access.call_global,
    "_gas": access.get_attr_soft,
    "_gar": access.get_attr_resilient,
    "_gao": access.get_attr_optional,
    "_gi": access.get_item,
    "_gis": access.get_item_soft,
    "_gio": access.get_item_optional,
    "_add": access.add,
    "_range": access.make_range,
    "_is_missing": access.is_missing,
    "_concat": escaping.concat,
    "_es": escaping.escape_str,
    "_ev": escaping.escape_value,
    "_ts": escaping.to_str,
    "_escape": escaping.escape_filter,
    "_safe": escaping.safe_filter,
    "_Loop": LoopContext,
    "_ALoop": AsyncLoopContext,
    "_aiter": async_support.async_iterator,
    "_aclose": async_support.close_source,
    "_await": async_support.await_value,
    "_async_only": async_support.async_only,
    "_raise": _raise,
    "_annotate": annotate,
    "_error_info": error_info,
    "_Macro": components.Macro,
    "_Caller": components.Caller,
    "_Pending": components.PendingRender,
    "_NOT_PASSED": components.NOT_PASSED,
    "_has_slot": components.has_slot,
    "_caller_or_empty": composition.caller_or_empty,
    "_as_macro": composition.as_macro,
    "_include": composition.include,
    "_relative_to": composition.relative_to,
    "_include_ctx": composition.include_context,
    "_register": composition.register,
    "_register_embed": composition.register_embed,
    "_extends": composition.extends,
    "_import": composition.import_template,
    "_import_async": composition.import_template_async,
    "_imported": composition.imported,
    "_push": composition.push,
    "_stack": composition.stack,
    "_stack_placeholder": composition.stack_placeholder,
    "_spaceless": composition.spaceless,
    "_trans": composition.translate,
}


def run_module(environment: "Environment", code: CodeType, name: str | None) -> dict[str, Any]:
    """The namespace of a compiled template module (of template ``name``), run in
    ``environment``: its runtime names, the functions the module defines, and the filters and
    tests its ``BINDINGS`` name, looked up in the environment's registries, so code from the
    compiler, the bytecode cache or a by-hand ``Template(env, code, ...)`` binds alike."""
    namespace = dict(environment.compiled_namespace)
    exec(code, namespace)
    registries = {"filter": environment.filters, "test": environment.tests}
    for key, (kind, function) in namespace.pop("BINDINGS").items():
        found = registries[kind].get(function)
        if found is None:
            raise TemplateError(
                f"the code of {name or 'this template'!r} calls the {kind} {function!r}, "
                "which this environment does not have",
                name=name,
                hint=f"register it with env.add_{kind}({function!r}, function), or compile "
                "the template with this environment",
                code=ErrorCode.INVALID_TEST if kind == "test" else ErrorCode.INVALID_FILTER,
            )
        namespace[key] = found
    return namespace


__all__ = [
    "COMPILED_NAMESPACE",
    "UNDEFINED",
    "AsyncLoopContext",
    "LoopContext",
    "Undefined",
    "is_undefined",
    "run_module",
]
