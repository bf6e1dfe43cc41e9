"""Whether a body renders the same text for the same context: "pure", "impure" or "unknown".

The levels form a lattice (pure < unknown < impure) and a body takes the worst level of its
parts: a known non-deterministic filter (``random``, ``shuffle``) makes it impure; a call or
filter the analysis cannot vouch for (user filters, methods, other templates, awaited values)
makes it unknown; everything else (data, variables, operators, built-in filters, tests) is pure.
"""

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal, cast

from kida import nodes as n

Purity = Literal["pure", "impure", "unknown"]

#: Built-in filters whose output varies between calls with the same input.
IMPURE_FILTERS = frozenset({"random", "shuffle"})

#: Functions available to templates that always give the same result for the same arguments.
PURE_FUNCTIONS = frozenset(
    {
        "abs", "all", "any", "bool", "dict", "enumerate", "float", "int", "len", "list", "max",
        "min", "range", "reversed", "round", "set", "sorted", "str", "sum", "tuple", "zip",
    }
)  # fmt: skip

#: Nodes whose output comes from code the analysis does not see.
_DELEGATING = (n.Await, n.Include, n.Embed, n.Import, n.FromImport, n.Extends)


@dataclass(frozen=True, slots=True)
class PurityRules:
    """The filters and functions the analysis trusts (or distrusts) for one environment."""

    pure_filters: frozenset[str]
    impure_filters: frozenset[str] = IMPURE_FILTERS
    pure_functions: frozenset[str] = PURE_FUNCTIONS


def _filter_purity(name: str, rules: PurityRules) -> Purity:
    if name in rules.impure_filters:
        return "impure"
    return "pure" if name in rules.pure_filters else "unknown"


def _node_purity(node: n.Node, rules: PurityRules) -> Purity:
    """The level one node adds by itself (its children are visited separately)."""
    if isinstance(node, n.Filter):
        return _filter_purity(node.name, rules)
    if isinstance(node, n.Call):
        pure_call = isinstance(node.func, n.Name) and node.func.name in rules.pure_functions
        return "pure" if pure_call else "unknown"
    if isinstance(node, _DELEGATING) or (isinstance(node, n.For) and node.is_async):
        return "unknown"
    return "pure"


def purity(nodes: Iterable[n.Node], rules: PurityRules) -> Purity:
    """The purity of a body: the worst level found anywhere inside it."""
    level: Purity = "pure"
    for root in nodes:
        for node in root.walk():
            found = _node_purity(node, rules)
            if found == "impure":
                return "impure"
            if found == "unknown":
                level = "unknown"
    return level


def pure[F: Callable[..., Any]](function: F) -> F:
    """Mark a filter deterministic (same input, same output, no side effects), so blocks
    using it count as pure for caching.

    Example::

        @pure
        def slug(value: str) -> str:
            return value.strip().lower().replace(" ", "-")

        env.add_filter("slug", slug)
    """
    try:
        function._kida_pure = True  # type: ignore[attr-defined]
        return function
    except AttributeError:  # builtins and objects with __slots__ get a marked wrapper
        marked = functools.wraps(function)(lambda *args, **kwargs: function(*args, **kwargs))
        marked._kida_pure = True  # type: ignore[attr-defined]
        return cast(F, marked)


def is_marked_pure(function: Any) -> bool:
    """Whether ``function`` was marked with :func:`pure`."""
    return bool(getattr(function, "_kida_pure", False))
