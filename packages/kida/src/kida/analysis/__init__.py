"""Static questions about a parsed template, kept apart from rendering.

``structure``: async detection (``async for``/``await``), whether a body uses a name, the
top-level definitions and declarations. ``dependencies``: the dotted context paths a body reads.
``purity``: "pure"/"impure"/"unknown". ``config``: :class:`AnalysisConfig`. ``metadata``: the
public metadata classes; ``introspection`` computes them.
"""

from kida.analysis.config import DEFAULT_CONFIG, AnalysisConfig
from kida.analysis.dependencies import dependencies, dotted_path
from kida.analysis.introspection import (
    block_metadata,
    collect_defs,
    def_metadata,
    infer_cache_scope,
    purity_rules,
    structure_hash,
)
from kida.analysis.metadata import (
    BlockMetadata,
    BlockModifierMetadata,
    CacheScope,
    DefMetadata,
    DefParamInfo,
    TemplateMetadata,
    TemplateStructureManifest,
)
from kida.analysis.purity import Purity, PurityRules, purity
from kida.analysis.structure import (
    collect_blocks,
    contains_async,
    declared_context,
    is_async_node,
    needs_async_body,
    stack_targets,
    toplevel_definitions,
    uses_name,
)

__all__ = [
    "DEFAULT_CONFIG",
    "AnalysisConfig",
    "BlockMetadata",
    "BlockModifierMetadata",
    "CacheScope",
    "DefMetadata",
    "DefParamInfo",
    "Purity",
    "PurityRules",
    "TemplateMetadata",
    "TemplateStructureManifest",
    "block_metadata",
    "collect_blocks",
    "collect_defs",
    "contains_async",
    "declared_context",
    "def_metadata",
    "dependencies",
    "dotted_path",
    "infer_cache_scope",
    "is_async_node",
    "needs_async_body",
    "purity",
    "purity_rules",
    "stack_targets",
    "structure_hash",
    "toplevel_definitions",
    "uses_name",
]
