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
from kida.analysis.targets import tree_of
from kida.exceptions import TemplateError

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


#: kida's built-in filters that give the same output for the same input: what a
#: :class:`PurityAnalyzer` trusts without an environment (``random``/``shuffle`` vary,
#: ``debug`` writes to stderr, ``csp_nonce`` reads the running request).
BUILTIN_PURE_FILTERS = frozenset(
    {
        "abs", "attr", "batch", "capitalize", "center", "classes", "commas", "compact", "count",
        "d", "date", "decimal", "default", "dictsort", "e", "escape", "filesizeformat", "first",
        "float", "format", "format_number", "get", "groupby", "indent", "int", "join", "last",
        "length", "list", "lower", "map", "max", "min", "pluralize", "pprint", "reject",
        "rejectattr", "replace", "require", "reverse", "round", "safe", "select", "selectattr",
        "skip", "slice", "slug", "sort", "string", "strip", "striptags", "sum", "take", "title",
        "tojson", "trim", "truncate", "typeof", "unique", "upper", "urlencode", "wordcount",
        "wordwrap", "xmlattr",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PurityRules:
    """The filters and functions the analysis trusts (or distrusts) for one environment."""

    pure_filters: frozenset[str]
    impure_filters: frozenset[str] = IMPURE_FILTERS
    pure_functions: frozenset[str] = PURE_FUNCTIONS
    #: ``name -> template`` for following ``{% include "name" %}``; without it an include is
    #: "unknown".
    template_resolver: Callable[[str], Any] | None = None


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


def purity(
    nodes: Iterable[n.Node], rules: PurityRules, including: frozenset[str] = frozenset()
) -> Purity:
    """The purity of a body: the worst level found anywhere inside it (``including``: the
    templates being followed, to stop at include cycles)."""
    level: Purity = "pure"
    for root in nodes:
        for node in root.walk():
            if isinstance(node, n.Include) and rules.template_resolver is not None:
                found = _included(node, rules, including)
            else:
                found = _node_purity(node, rules)
            if found == "impure":
                return "impure"
            if found == "unknown":
                level = "unknown"
    return level


def _included(node: n.Include, rules: PurityRules, including: frozenset[str]) -> Purity:
    """The purity of a literally named included template, "unknown" when it cannot be read
    (or includes itself)."""
    name = node.template.value if isinstance(node.template, n.Const) else None
    if not isinstance(name, str) or name in including or rules.template_resolver is None:
        return "unknown"
    try:
        tree = tree_of(rules.template_resolver(name))
    except TemplateError:
        return "unknown"
    return "unknown" if tree is None else purity([tree], rules, including | {name})


class PurityAnalyzer:
    """ "pure", "impure" or "unknown" for any node (a tree, a block, an expression), for tools
    that hold nodes rather than templates; the level is the worst found inside it.

    Without an environment it trusts kida's built-in deterministic filters
    (:data:`BUILTIN_PURE_FILTERS`, or ``pure_filters``) and the pure builtins (``len``,
    ``range``…) plus ``extra_pure_functions``; ``extra_impure_filters`` are impure. An
    ``{% include "name" %}`` is "unknown" unless ``template_resolver(name)`` returns the
    template, whose own purity then counts (a missing or broken one, or an include cycle,
    stays "unknown"). No state is kept between calls.

    Example::

        PurityAnalyzer(extra_impure_filters=frozenset({"now"})).analyze(block)  # "impure"
    """

    def __init__(
        self,
        extra_pure_functions: frozenset[str] | None = None,
        extra_impure_filters: frozenset[str] | None = None,
        template_resolver: Callable[[str], Any] | None = None,
        *,
        pure_filters: Iterable[str] = BUILTIN_PURE_FILTERS,
    ) -> None:
        impure = IMPURE_FILTERS | (extra_impure_filters or frozenset())
        functions = PURE_FUNCTIONS | (extra_pure_functions or frozenset())
        pure = frozenset(pure_filters) - impure
        self.rules = PurityRules(pure, impure, functions, template_resolver)

    def analyze(self, node: n.Node) -> Purity:
        """The purity of ``node`` and everything inside it."""
        return purity([node], self.rules)


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
