"""Which blocks of a template are sent later, and under which DOM id, for each deferred key.

A block *uses* a key when one of its own dependency paths (``stats`` or ``stats.total``) starts
with it; paths that only a nested block reads do not count, so a page-wide ``content`` block that
merely contains ``{% block stats %}`` is not deferred. For each key the outermost using blocks
win: a using block nested inside another using block is rendered as part of it, never alone.
"""

import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kida import nodes
from kida.lexer import tokenize
from kida.parser import parse

if TYPE_CHECKING:
    from kida import Template

#: What a target may be: an HTML id that is also safe inside a JS string and a CSS ``#`` selector.
TARGET_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


class SuspenseError(ValueError):
    """A suspense configuration that cannot work (raised before the first byte is sent)."""


@dataclass(frozen=True, slots=True)
class BlockInfo:
    """One block of a template: its dependency paths and the block it is nested in."""

    name: str
    depends_on: frozenset[str]
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class DeferredBlock:
    """A block sent once all of ``keys`` have settled, replacing the element with id ``target``."""

    name: str
    target: str
    keys: frozenset[str]


def context_root(path: str) -> str:
    """The context variable a dotted dependency path starts with (``stats.total`` → ``stats``)."""
    return re.split(r"[.\[]", path, maxsplit=1)[0]


def find_deferred_blocks(
    blocks: Sequence[BlockInfo],
    keys: Collection[str],
    *,
    defer_blocks: Mapping[str, str | Sequence[str]] | None = None,
    defer_map: Mapping[str, str] | None = None,
    template_name: str | None = None,
) -> list[DeferredBlock]:
    """The blocks to send later for deferred ``keys``, in template order.

    ``defer_blocks`` (key → block names) replaces discovery for its keys; entries for keys that
    are not deferred this time (a cache hit) are ignored. ``defer_map`` maps block names to DOM
    ids (default: the block name).

    Example::

        >>> blocks = [BlockInfo("content", frozenset({"user"})),
        ...           BlockInfo("stats", frozenset({"stats.total"}), parent="content")]
        >>> find_deferred_blocks(blocks, {"stats"}, defer_map={"stats": "stats-panel"})
        [DeferredBlock(name='stats', target='stats-panel', keys=frozenset({'stats'}))]
    """
    by_name = {block.name: block for block in blocks}
    where = f" of template {template_name!r}" if template_name else ""
    targets = dict(defer_map or {})
    overrides = {key: _names(value) for key, value in (defer_blocks or {}).items()}
    for name in [*targets, *(name for names in overrides.values() for name in names)]:
        if name not in by_name:
            raise SuspenseError(f"unknown block {name!r}{where}; {describe_blocks(blocks)}")

    waits: dict[str, set[str]] = {}
    for key in sorted(keys):
        names = overrides.get(key) or outermost_users(blocks, key)
        if not names:
            raise SuspenseError(
                f"deferred context key {key!r} is used by no block{where}: wrap what shows it in "
                f"a block or name its blocks with defer_blocks={{{key!r}: [...]}}; "
                f"{describe_blocks(blocks)}"
            )
        for name in names:
            waits.setdefault(name, set()).add(key)

    deferred = [
        DeferredBlock(block.name, targets.get(block.name, block.name), frozenset(waits[block.name]))
        for block in blocks
        if block.name in waits
    ]
    check_targets(deferred)
    return deferred


def outermost_users(blocks: Sequence[BlockInfo], key: str) -> list[str]:
    """Names of the blocks that use ``key`` themselves and have no ancestor that does."""
    parents = {block.name: block.parent for block in blocks}
    users = {block.name for block in blocks if key in own_roots(block, blocks)}

    def has_using_ancestor(name: str) -> bool:
        parent = parents.get(name)
        while parent is not None:
            if parent in users:
                return True
            parent = parents.get(parent)
        return False

    return [
        block.name for block in blocks if block.name in users and not has_using_ancestor(block.name)
    ]


def own_roots(block: BlockInfo, blocks: Iterable[BlockInfo]) -> set[str]:
    """Context roots ``block`` reads itself: its paths minus those only its nested blocks read.

    Subtracting nested blocks' paths makes this right whether the engine reports a block's
    dependencies with or without those of the blocks inside it.
    """
    nested: set[str] = set()
    for other in descendants(block.name, blocks):
        nested |= other.depends_on
    return {context_root(path) for path in block.depends_on - nested}


def descendants(name: str, blocks: Iterable[BlockInfo]) -> list[BlockInfo]:
    """Every block nested (at any depth) inside block ``name``."""
    blocks = list(blocks)
    found: list[BlockInfo] = []
    frontier = {name}
    while frontier:
        children = [block for block in blocks if block.parent in frontier]
        found.extend(children)
        frontier = {block.name for block in children}
    return found


def check_targets(deferred: Iterable[DeferredBlock]) -> None:
    """Every target is a usable id and no two blocks replace the same element."""
    seen: dict[str, str] = {}
    for block in deferred:
        if not TARGET_ID.fullmatch(block.target):
            raise SuspenseError(
                f"block {block.name!r} has target id {block.target!r}: use letters, digits, "
                "'-' and '_', starting with a letter (set it with defer_map)"
            )
        if block.target in seen:
            raise SuspenseError(
                f"blocks {seen[block.target]!r} and {block.name!r} both target id "
                f"{block.target!r}; give one another id with defer_map"
            )
        seen[block.target] = block.name


def describe_blocks(blocks: Iterable[BlockInfo]) -> str:
    """The known blocks and what they read, for error messages."""
    parts = [
        f"{block.name} (reads {', '.join(sorted(block.depends_on)) or 'nothing'})"
        for block in blocks
    ]
    return "known blocks: " + ("; ".join(parts) if parts else "none")


def _names(value: str | Sequence[str]) -> list[str]:
    """Block names given as one name or a sequence of names."""
    return [value] if isinstance(value, str) else list(value)


def template_blocks(template: "Template") -> list[BlockInfo]:
    """The blocks of a compiled template in template order, with their nesting."""
    metadata = template.block_metadata()
    parents = block_parents(template)
    return [
        BlockInfo(name, frozenset(metadata[name].depends_on), parents.get(name))
        for name in template.list_blocks()
    ]


def block_parents(template: "Template") -> dict[str, str | None]:
    """Block name → name of the block it sits in, across ``{% extends %}``.

    Each template's own nesting is read from its parse tree; a block a child template overrides
    at top level keeps the place its base gives it, blocks nested inside the override are placed
    by the child.
    """
    parents: dict[str, str | None] = {}
    for tree in reversed(list(inheritance_trees(template))):
        for name, parent in nesting(tree).items():
            if parent is not None or name not in parents:
                parents[name] = parent
    return parents


def inheritance_trees(template: "Template") -> Iterator[nodes.TemplateNode]:
    """Parse trees of ``template`` and of every template it extends, most derived first."""
    environment, name = template.environment, template.name
    while name is not None:
        source, _ = environment.loader.get_source(name)
        tree = parse(tokenize(source, name), name, source)
        yield tree
        name = extended_name(tree)


def extended_name(tree: nodes.TemplateNode) -> str | None:
    """The template a tree's ``{% extends "…" %}`` names (None without a literal extends)."""
    for statement in tree.body:
        if isinstance(statement, nodes.Extends) and isinstance(statement.template, nodes.Const):
            return str(statement.template.value)
    return None


def nesting(tree: nodes.Node) -> dict[str, str | None]:
    """Block name → enclosing block name (None at top level) within one parse tree."""
    parents: dict[str, str | None] = {}

    def visit(node: nodes.Node, enclosing: str | None) -> None:
        for child in node.children():
            if isinstance(child, nodes.Block):
                parents[child.name] = enclosing
                visit(child, child.name)
            else:
                visit(child, enclosing)

    visit(tree, None)
    return parents
