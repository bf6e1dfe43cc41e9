"""Computing the public metadata of a parsed template: blocks (purity, cache scope, role,
structural hash, modifiers), defs, and the whole-template summary.

``Template`` calls these with its tree and environment; nothing here renders.
"""

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import fields, is_dataclass
from typing import Any

from kida import nodes as n
from kida.analysis.config import DEFAULT_CONFIG, AnalysisConfig, matches_prefix
from kida.analysis.dependencies import dependencies
from kida.analysis.landmarks import LandmarkDetector
from kida.analysis.metadata import (
    BlockMetadata,
    BlockModifierMetadata,
    CacheScope,
    DefMetadata,
    DefParamInfo,
)
from kida.analysis.purity import (
    IMPURE_FILTERS,
    PURE_FUNCTIONS,
    Purity,
    PurityRules,
    is_marked_pure,
    purity,
)
from kida.analysis.roles import classify_role
from kida.analysis.structure import contains_async

_BUILTIN_FILTERS = "kida.environment.filters"


def purity_rules(filters: Mapping[str, Any], config: AnalysisConfig) -> PurityRules:
    """The filters trusted as pure: kida's own (defined under ``kida.environment.filters``)
    and any marked with ``@kida.pure``; minus the impure ones."""
    impure = IMPURE_FILTERS | config.extra_impure_filters
    pure = {
        name
        for name, function in filters.items()
        if getattr(function, "__module__", "").startswith(_BUILTIN_FILTERS)
        or is_marked_pure(function)
    }
    return PurityRules(
        frozenset(pure) - impure, impure, PURE_FUNCTIONS | config.extra_pure_functions
    )


def infer_cache_scope(
    depends_on: frozenset[str], level: Purity, config: AnalysisConfig | None = None
) -> CacheScope:
    """How widely a block's output may be reused: impure → "none", unknown → "unknown",
    reading a per-page name (``config``'s, :data:`DEFAULT_CONFIG`'s when None) → "page",
    otherwise "site"."""
    if level == "impure":
        return "none"
    if level == "unknown":
        return "unknown"
    prefixes = (config or DEFAULT_CONFIG).page_prefixes
    if any(matches_prefix(path, prefixes) for path in depends_on):
        return "page"
    return "site"


def _structure(value: Any) -> Iterator[str]:
    """A position-free dump of a node tree, for hashing."""
    if isinstance(value, n.BlockModifier):
        return
    if is_dataclass(value) and not isinstance(value, type):
        yield type(value).__name__
        for f in fields(value):
            if f.name not in ("lineno", "col", "modifiers"):
                yield f.name
                yield from _structure(getattr(value, f.name))
        yield ")"
    elif isinstance(value, list | tuple):
        yield "["
        for item in value:
            yield from _structure(item)
        yield "]"
    else:
        yield repr(value)


def structure_hash(node: n.Node) -> str:
    """16 hex digits identifying a tree's structure (positions and modifiers left out)."""
    return hashlib.sha256("\x00".join(_structure(node)).encode()).hexdigest()[:16]


def _emits_html(block: n.Block) -> bool:
    return any(
        isinstance(node, n.Output | n.Include | n.Embed | n.CallBlock | n.SlotOut)
        or (isinstance(node, n.Data) and node.text.strip())
        for node in block.walk()
    )


def block_metadata(
    block: n.Block, globals_: frozenset[str], rules: PurityRules, config: AnalysisConfig
) -> BlockMetadata:
    """Metadata of one block; names that are environment globals are not context needs."""
    bound = frozenset({p.name for p in block.params}) | globals_
    # A region's defaults are computed at the call, from the context: they are reads too.
    defaults: list[n.Stmt] = [n.Output(p.default) for p in block.params if p.default is not None]
    reads = [*defaults, *block.body] if block.cond is None else [n.Output(block.cond), *block.body]
    depends_on = dependencies(reads, bound)
    own_depends_on = dependencies(reads, bound, nested=False)
    level = purity(reads, rules)
    landmarks = LandmarkDetector().detect(block)
    return BlockMetadata(
        name=block.name,
        emits_html=_emits_html(block),
        emits_landmarks=landmarks,
        inferred_role=classify_role(block.name, landmarks),
        depends_on=depends_on,
        is_pure=level,
        cache_scope=infer_cache_scope(depends_on, level, config),
        block_hash=structure_hash(block),
        is_region=block.kind == "region",
        region_params=tuple(p.name for p in block.params),
        modifiers=tuple(
            BlockModifierMetadata(m.name, m.value, m.lineno, m.col) for m in block.modifiers
        ),
        is_async=contains_async(block.body),
        kind=block.kind,
        own_depends_on=own_depends_on,
    )


def _slots(body: list[n.Stmt]) -> Iterator[str]:
    """Slot names rendered by a def body, not those of defs nested in it."""
    for stmt in body:
        stack: list[n.Node] = [stmt]
        while stack:
            node = stack.pop()
            if isinstance(node, n.SlotOut):
                yield node.name
            if not isinstance(node, n.Def):
                stack.extend(node.children())


def collect_defs(body: list[n.Stmt]) -> list[n.Def]:
    """Every ``{% def %}`` in the template, in source order."""
    return [node for stmt in body for node in stmt.walk() if isinstance(node, n.Def)]


def def_metadata(
    definition: n.Def, template_name: str | None, globals_: frozenset[str]
) -> DefMetadata:
    """The interface of one def: typed parameters, slots, context reads."""
    params = tuple(
        DefParamInfo(p.name, p.annotation, p.default is not None, p.default is None)
        for p in definition.params
        if p.kind == ""
    )
    vararg = next((p.name for p in definition.params if p.kind == "*"), None)
    kwarg = next((p.name for p in definition.params if p.kind == "**"), None)
    slots = list(dict.fromkeys(_slots(definition.body)))
    depends_on = dependencies([definition], globals_)
    return DefMetadata(
        name=definition.name,
        template_name=template_name,
        lineno=definition.lineno,
        params=params,
        slots=tuple(s for s in slots if s != "default"),
        has_default_slot="default" in slots,
        depends_on=depends_on,
        vararg=vararg,
        kwarg=kwarg,
    )
