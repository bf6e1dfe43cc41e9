"""Filters that apply other filters or tests by name: ``map``, ``select``/``reject`` and their
``…attr`` forms.

They look names up in the render context's environment, so filters and tests a project
registers work here too, and a named filter that wants the context or environment gets it.
"""

from collections.abc import Callable, Iterable
from typing import Any

from kida.environment.filters.attributes import attribute_getter
from kida.environment.filters.sequences import items_of
from kida.exceptions import TemplateRuntimeError
from kida.passing import pass_context, pass_kind
from kida.runtime.undefined import UNDEFINED
from kida.spelling import suggest


def _bind(ctx: Any, kind: str, name: str) -> Callable[..., Any]:
    """The filter or test ``name`` as a plain callable, with its context/environment bound."""
    registry = ctx.environment.filters if kind == "filter" else ctx.environment.tests
    func: Callable[..., Any] | None = registry.get(name)
    if func is None:
        known = ", ".join(sorted(registry))
        raise TemplateRuntimeError(f"no {kind} named {name!r}", hint=f"registered {kind}s: {known}")
    passed = pass_kind(func)
    if passed == "context":
        return lambda *args, **kwargs: func(ctx, *args, **kwargs)
    if passed == "environment":
        return lambda *args, **kwargs: func(ctx.environment, *args, **kwargs)
    return func


@pass_context
def do_map(ctx: Any, value: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
    """``users|map(attribute="name", default="?")`` or ``names|map("upper")`` or
    ``prices|map("round", 2)`` (a filter) or ``dates|map("isoformat")`` (each item's method):
    apply to every item."""
    value = items_of(value, "map")
    if not args:
        if "attribute" not in kwargs:
            raise TemplateRuntimeError(
                "map needs a filter name or attribute=",
                hint='e.g. items|map("upper") or items|map(attribute="name")',
            )
        getter = attribute_getter(kwargs.pop("attribute"), default=kwargs.pop("default", UNDEFINED))
        return list(map(getter, value))
    name, rest = args[0], args[1:]
    filters = ctx.environment.filters
    if name not in filters:
        # kida-templates: a name that is no filter calls each item's method of that name.
        return [_method(item, name, filters)(*rest, **kwargs) for item in value]
    func = _bind(ctx, "filter", name)
    return [func(item, *rest, **kwargs) for item in value]


def _method(item: Any, name: str, filters: dict[str, Any]) -> Callable[..., Any]:
    method: Callable[..., Any] | None = getattr(item, name, None)
    if not callable(method):
        raise TemplateRuntimeError(
            f"map: {name!r} is neither a filter nor a method of {type(item).__name__}",
            hint=suggest(name, filters) or 'for an attribute write map(attribute="name")',
        )
    return method


def _predicate(ctx: Any, args: tuple[Any, ...]) -> Callable[[Any], bool]:
    """The test named by ``args[0]`` with the remaining arguments, or plain truthiness."""
    if not args:
        return bool
    test = _bind(ctx, "test", args[0])
    rest = args[1:]
    return lambda item: bool(test(item, *rest))


@pass_context
def do_select(ctx: Any, value: Iterable[Any], *args: Any) -> list[Any]:
    """Items passing a test: ``numbers|select("odd")``, ``xs|select("gt", 3)``, ``xs|select``."""
    check = _predicate(ctx, args)
    return [item for item in value if check(item)]


@pass_context
def do_reject(ctx: Any, value: Iterable[Any], *args: Any) -> list[Any]:
    """Items failing a test: the opposite of ``select``."""
    check = _predicate(ctx, args)
    return [item for item in value if not check(item)]


@pass_context
def do_selectattr(ctx: Any, value: Iterable[Any], attribute: str, *args: Any) -> list[Any]:
    """Items whose ``attribute`` passes a test: ``users|selectattr("is_active")``,
    ``users|selectattr("profile.age", "ge", 18)``."""
    getter = attribute_getter(attribute)
    check = _predicate(ctx, args)
    return [item for item in value if check(getter(item))]


@pass_context
def do_rejectattr(ctx: Any, value: Iterable[Any], attribute: str, *args: Any) -> list[Any]:
    """Items whose ``attribute`` fails a test."""
    getter = attribute_getter(attribute)
    check = _predicate(ctx, args)
    return [item for item in value if not check(getter(item))]
