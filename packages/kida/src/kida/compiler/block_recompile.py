"""Recompiling only the blocks of a template that changed (advanced/compiler.md).

A live-reload or reactive pipeline that parses a new version of a template compares it with
the old one (:func:`detect_block_changes`, a pure function) and patches the live ``Template``
with new functions for the changed and added blocks, in all three renderers, dropping the
removed ones (:func:`recompile_blocks`). The rest of the template keeps its compiled code: a
block added to the source is renderable with ``render_block()`` and by templates extending
this one, but the top level places only the blocks it was compiled with. For the same reason
a removed block must have been placed by a block that changed (an enclosing block whose body
lost it); one the top level places means the top level changed, and the template has to be
compiled again as a whole (``env.clear_template_cache([name])``).

``recompile_blocks`` mutates the template: do not render it from another thread meanwhile.

Example::

    delta = detect_block_changes(template.tree, new_tree)
    if delta.has_changes:
        recompile_blocks(env, template, new_tree, delta)
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kida import nodes as n
from kida.compiler.core import MODES, template_blocks
from kida.render_context import BlockFunctions
from kida.runtime.namespace import run_module

if TYPE_CHECKING:
    from kida.environment import Environment
    from kida.template import Template


@dataclass(frozen=True, slots=True)
class BlockDelta:
    """The named blocks that differ between two versions of a template."""

    changed: frozenset[str]
    added: frozenset[str]
    removed: frozenset[str]

    @property
    def has_changes(self) -> bool:
        """Whether any block changed, appeared or disappeared."""
        return bool(self.changed or self.added or self.removed)

    @property
    def all_affected(self) -> frozenset[str]:
        """Every block name the delta mentions."""
        return self.changed | self.added | self.removed


def _blocks(tree: n.TemplateNode) -> dict[str, n.Block]:
    return {block.name: block for block in template_blocks(tree.body)}


def detect_block_changes(old_ast: n.TemplateNode, new_ast: n.TemplateNode) -> BlockDelta:
    """Which blocks of ``new_ast`` differ from ``old_ast`` (nested blocks too, those of an
    ``{% embed %}`` excluded). Nodes compare by structure, source positions included, so a
    block that moved to other lines counts as changed (its line numbers must be redone)."""
    old, new = _blocks(old_ast), _blocks(new_ast)
    common = old.keys() & new.keys()
    return BlockDelta(
        changed=frozenset(name for name in common if old[name] != new[name]),
        added=frozenset(new.keys() - old.keys()),
        removed=frozenset(old.keys() - new.keys()),
    )


def _check_removed_are_not_placed_by_the_top_level(
    old_ast: n.TemplateNode, delta: BlockDelta
) -> None:
    """Refuse (before changing anything) a removed block that only the top level places:
    its old code would still look the block up."""
    if not delta.removed:
        return
    covered: set[str] = set()  # placed by a block that is recompiled or removed itself
    for block in template_blocks(old_ast.body):
        if block.name in delta.changed or block.name in delta.removed:
            covered.update(b.name for b in template_blocks(block.body))
    placed_by_top = sorted(delta.removed - covered)
    if placed_by_top:
        raise ValueError(
            f"recompile_blocks: removed block(s) {placed_by_top} are placed by the template's "
            "top level, which is not recompiled; compile the whole template again "
            "(env.clear_template_cache() then env.get_template())"
        )


def recompile_blocks(
    env: "Environment", template: "Template", new_ast: n.TemplateNode, delta: BlockDelta
) -> frozenset[str]:
    """Compile the changed and added blocks of ``new_ast`` (render, stream and async
    functions) into ``template`` and drop the removed ones; returns the names compiled (the
    blocks nested in a recompiled block are compiled with it)."""
    _check_removed_are_not_placed_by_the_top_level(template.tree, delta)
    wanted = delta.changed | delta.added
    roots: list[n.Stmt] = []
    inside: set[str] = set()
    for block in template_blocks(new_ast.body):
        if block.name in wanted and block.name not in inside:
            roots.append(block)
            inside.update(nested.name for nested in template_blocks([block]))
    compiled: dict[str, BlockFunctions] = {}
    if roots:
        code = env.compile_tree(
            n.TemplateNode(body=roots), template.name, template.source, template.code_name, MODES
        )
        namespace = run_module(env, code, template.name)
        for name, (render, stream, astream) in namespace["BLOCKS"].items():
            compiled[name] = BlockFunctions(name, render, stream, astream, template)
    template.replace_blocks(compiled, delta.removed, new_ast)
    return frozenset(compiled)
