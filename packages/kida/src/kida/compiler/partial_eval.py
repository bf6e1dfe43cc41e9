"""Partial evaluation: reads of ``static_context`` values become constants in the code.

``{{ site.title }}`` with ``static_context={"site": {"title": "Shop"}}`` compiles to the constant
``"Shop"`` (escaped once, when rendering, like any other text). Only reads whose result is a
plain constant (str, int, float, bool, None, or tuples of them) fold: pure filters of static
values run at compile time too; anything else is left to the render, which still sees the
static values in its context. A name the template assigns anywhere is never folded.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from kida import nodes as n
from kida.analysis.dependencies import dependencies
from kida.analysis.purity import is_marked_pure
from kida.passing import pass_kind
from kida.runtime.access import get_attr_soft, get_item_soft
from kida.runtime.undefined import UNDEFINED

if TYPE_CHECKING:
    from kida.compiler.core import Compiler

#: Built-in filters without side effects, which may run at compile time on static values.
PURE_FILTERS: Final = frozenset(
    {
        "abs", "capitalize", "center", "d", "default", "first", "float", "int", "join", "last",
        "length", "count", "lower", "replace", "round", "string", "striptags", "title", "trim",
        "strip", "truncate", "upper", "wordcount", "urlencode", "filesizeformat", "format",
    }
)  # fmt: skip

_NOT_STATIC: Final = object()
_CONSTANT_TYPES: Final = (str, int, float, bool, type(None))


class Folding:
    """The static values one template may fold, and what each expression folded to: the
    renderers compiled later (streaming, async) reuse the results, so every renderer shows the
    values as they were when the template was compiled and a pure filter runs once."""

    def __init__(self, tree: n.TemplateNode, static: Mapping[str, Any]) -> None:
        paths = dependencies(tree.body)
        read = {path.split(".", 1)[0] for path in paths}
        assigned = _assigned_names(tree)
        self.values = {k: v for k, v in static.items() if k in read and k not in assigned}
        self.results: dict[int, ast.Constant | None] = {}


def _assigned_names(node: n.Node) -> set[str]:
    names: set[str] = set()
    stack: list[n.Node] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, n.Assign):
            names.update(n.target_names(current.target))
        elif isinstance(current, n.With):
            for target, _ in current.bindings:
                names.update(n.target_names(target))
        elif isinstance(current, n.Capture):
            names.add(current.name)
        stack.extend(current.children())
    return names


def fold(c: Compiler, node: n.Expr, folding: Folding) -> ast.expr | None:
    """The constant ``node`` evaluates to from static values alone, or None."""
    if not folding.values:
        return None
    key = id(node)
    if key not in folding.results:
        value = _evaluate(c, node, folding.values)
        constant = value is not _NOT_STATIC and _is_constant(value)
        folding.results[key] = ast.Constant(value) if constant else None
    result = folding.results[key]
    return ast.Constant(result.value) if result is not None else None


def _is_constant(value: Any) -> bool:
    if type(value) is tuple:
        return all(_is_constant(item) for item in value)
    return type(value) in _CONSTANT_TYPES


def _evaluate(c: Compiler, node: n.Expr, static: Mapping[str, Any]) -> Any:
    if isinstance(node, n.Const):
        return node.value
    if isinstance(node, n.Name):
        if c.frame.resolve(node.name) is not None or node.name not in static:
            return _NOT_STATIC
        return static[node.name]
    if isinstance(node, n.Getattr):
        return _found(get_attr_soft, _evaluate(c, node.obj, static), node.attr)
    if isinstance(node, n.Getitem) and not isinstance(node.key, n.Slice):
        return _found(get_item_soft, _evaluate(c, node.obj, static), _evaluate(c, node.key, static))
    if isinstance(node, n.Filter):
        return _filter(c, node, static)
    return _NOT_STATIC


def _found(read: Any, obj: Any, key: Any) -> Any:
    if obj is _NOT_STATIC or key is _NOT_STATIC or obj is None:
        return _NOT_STATIC
    value = read(obj, key)
    return _NOT_STATIC if value is UNDEFINED else value


def _filter(c: Compiler, node: n.Filter, static: Mapping[str, Any]) -> Any:
    name = node.name
    func = c.filters.get(name)
    builtin = func is not None and func is c.default_filters.get(name)
    if func is None or not (
        (builtin and name in PURE_FILTERS) or name in c.pure_filters or is_marked_pure(func)
    ):
        return _NOT_STATIC
    arguments = node.arguments
    if arguments.star is not None or arguments.dstar is not None or pass_kind(func):
        return _NOT_STATIC
    values = [_evaluate(c, expr, static) for expr in [node.value, *arguments.args]]
    kwargs = {key: _evaluate(c, expr, static) for key, expr in arguments.kwargs}
    if _NOT_STATIC in values or _NOT_STATIC in kwargs.values():
        return _NOT_STATIC
    if node.safe and values[0] is None:
        return None
    try:
        return func(*values, **kwargs)
    except Exception:  # the render raises it, with the template's location
        return _NOT_STATIC
