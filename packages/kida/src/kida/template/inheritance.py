"""Rendering one block alone: the inheritance chain it lives in, set up as a render would."""

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from kida.analysis.structure import extends_tags
from kida.exceptions import TemplateKeyError, TemplateNotFoundError
from kida.render_context import BlockFunctions, RenderContext
from kida.runtime.composition import check_extends_cycle, check_extends_depth, load, register
from kida.spelling import suggest

if TYPE_CHECKING:
    from kida.template.core import Template


def _locate_missing_parent(error: TemplateNotFoundError, child: "Template") -> None:
    """Point a missing parent's error at the child's ``{% extends %}``."""
    extends = next(extends_tags(child.tree.body), None)
    error.locate(
        name=child.name,
        lineno=extends.lineno if extends else None,
        col=extends.col if extends else None,
        source=child.source,
    )


def block_chain(
    template: "Template", name: str, args: tuple[Any, ...], kwargs: dict[str, Any], *, setup: bool
) -> tuple[RenderContext, BlockFunctions, list["Template"]]:
    """The context for rendering block ``name`` of ``template`` alone, the block, and the
    inheritance chain (most derived first); ``setup`` runs each member's top-level
    definitions."""
    ctx = template.new_context(args, kwargs)
    chain: list[Template] = [template]
    while True:
        if setup:
            chain[-1]._setup(ctx)
        parent_spec = chain[-1]._parent(ctx)
        if parent_spec is None:
            break
        try:
            parent = load(ctx, parent_spec)
        except TemplateNotFoundError as error:
            _locate_missing_parent(error, chain[-1])
            raise
        check_extends_depth(template.environment.max_extends_depth, len(chain), chain[-1].name)
        check_extends_cycle(chain, parent)
        register(ctx, parent)
        chain.append(parent)
    functions = ctx.blocks.get(name)
    if not functions:  # a KeyError too, as kida-templates raises
        raise TemplateKeyError(
            f"no block {name!r} in {template.name or '<string>'!r}",
            name=template.name,
            hint=suggest(name, ctx.blocks) or f"blocks: {', '.join(sorted(ctx.blocks)) or 'none'}",
        )
    return ctx, functions[0], chain


def inject_blocks(ctx: RenderContext, overrides: Mapping[str, str]) -> None:
    """Make each pre-rendered text of ``overrides`` the most derived version of its block
    (``render_with_blocks``); the text is output as it is, already HTML."""
    for name, text in overrides.items():
        chunk = str(text)

        def render_into(
            _ctx: RenderContext, append: Callable[[str], Any], chunk: str = chunk
        ) -> None:
            append(chunk)

        ctx.blocks.setdefault(name, []).insert(0, BlockFunctions(name, render_into))
