"""Static questions about a parsed template, kept apart from rendering.

``structure``: async detection (``async for``/``await``), whether a body uses a name, the
top-level definitions and declarations. ``dependencies``: the dotted context paths a body reads
and whether it is pure. ``metadata``: :class:`BlockMetadata` and :class:`TemplateMetadata`.
"""

from kida.analysis.dependencies import dependencies, dotted_path
from kida.analysis.metadata import BlockMetadata, CacheScope, TemplateMetadata, block_metadata
from kida.analysis.structure import (
    collect_blocks,
    contains_async,
    declared_context,
    is_async_node,
    needs_async_body,
    toplevel_definitions,
    uses_name,
)

__all__ = [
    "BlockMetadata",
    "CacheScope",
    "TemplateMetadata",
    "block_metadata",
    "collect_blocks",
    "contains_async",
    "declared_context",
    "dependencies",
    "dotted_path",
    "is_async_node",
    "needs_async_body",
    "toplevel_definitions",
    "uses_name",
]
