"""The static questions a template answers from its syntax tree: blocks, defs, context
reads, cacheability, whole-template metadata.

``Template``'s introspection methods call these. With ``preserve_ast=False`` the tree is gone,
and, as in kida-templates, the answers are empty: no metadata (``None``), no blocks or defs,
no reads, nothing cacheable.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kida.analysis import (
    DEFAULT_CONFIG,
    AnalysisConfig,
    BlockMetadata,
    DefMetadata,
    TemplateMetadata,
    TemplateStructureManifest,
    block_metadata,
    collect_blocks,
    collect_defs,
    declared_context,
    def_metadata,
    dependencies,
    purity_rules,
)
from kida.exceptions import TemplateError

if TYPE_CHECKING:
    from kida.template.core import Template


def blocks(template: "Template", config: AnalysisConfig | None) -> dict[str, BlockMetadata]:
    """Per-block metadata under ``config`` (the default one when None); not cached here.

    As in kida, a template extending a literal parent also lists the blocks it inherits (the
    parent's order, its own versions winning), so a page's site-scoped nav is found on the
    page (block-caching.md); an unloadable parent adds nothing.
    """
    if not template.ast_preserved:
        return {}
    chain = [template]
    parent = template.parent_name
    while parent is not None and parent not in {member.name for member in chain}:
        try:
            chain.append(template.environment.get_template(parent))
        except TemplateError:  # reported, located at the extends, when rendering
            break
        parent = chain[-1].parent_name
    merged: dict[str, BlockMetadata] = {}
    for member in reversed(chain):
        merged.update(_own_blocks(member, config))
    return merged


def _own_blocks(template: "Template", config: AnalysisConfig | None) -> dict[str, BlockMetadata]:
    if not template.ast_preserved:
        return {}
    used = config or DEFAULT_CONFIG
    globals_ = frozenset(template.environment.globals)
    rules = purity_rules(template.environment.filters, used)
    return {
        block.name: block_metadata(block, globals_, rules, used)
        for block in collect_blocks(template.tree.body)
    }


def is_cacheable(template: "Template", block_name: str | None) -> bool:
    """Whether block ``block_name`` (or, without a name, every block) may be cached; an
    unknown block, or a template without blocks or without its tree, is not."""
    if not template.ast_preserved:
        return False
    metadata = template.block_metadata()
    if block_name is None:
        return bool(metadata) and all(block.is_cacheable() for block in metadata.values())
    block = metadata.get(block_name)
    return block is not None and block.is_cacheable()


def defs(template: "Template") -> dict[str, DefMetadata]:
    """Per-def metadata, in source order."""
    if not template.ast_preserved:
        return {}
    globals_ = frozenset(template.environment.globals)
    return {
        d.name: def_metadata(d, template.name, globals_) for d in collect_defs(template.tree.body)
    }


def depends_on(template: "Template") -> frozenset[str]:
    """Dotted context paths the whole template reads."""
    if not template.ast_preserved:
        return frozenset()
    return dependencies(template.tree.body, frozenset(template.environment.globals))


def required_context(template: "Template") -> frozenset[str]:
    """Top-level names read, plus those declared with ``{% template %}``."""
    if not template.ast_preserved:
        return frozenset()
    read = {path.split(".", 1)[0] for path in depends_on(template)}
    return frozenset(read | declared_context(template.tree.body).keys())


def missing_context(template: "Template", context: Mapping[str, Any]) -> list[str]:
    """Required names neither in ``context`` nor among the environment globals, sorted."""
    present = context.keys() | template.environment.globals.keys()
    return sorted(required_context(template) - present)


def template_metadata(template: "Template") -> TemplateMetadata | None:
    """Whole-template facts, or None without the tree."""
    if not template.ast_preserved:
        return None
    body = template.tree.body
    return TemplateMetadata(
        template.name,
        template.parent_name,
        template.block_metadata(),
        dependencies(body, frozenset(template.environment.globals), nested=False),
        template.is_async,
        declared_context(body),
    )


def structure_manifest(template: "Template") -> TemplateStructureManifest | None:
    """Block names and structural hashes, parent and reads; None without the tree."""
    metadata = template_metadata(template)
    if metadata is None:
        return None
    return TemplateStructureManifest(
        template.name,
        template.parent_name,
        tuple(metadata.blocks),
        {name: block.block_hash for name, block in metadata.blocks.items()},
        metadata.all_dependencies(),
    )
