"""Which blocks of a template are sent later, and under which DOM id, for each deferred key.

A block *uses* a key when one of its own dependency paths (``stats`` or ``stats.total``) starts
with it: kida's ``own_depends_on``, what the block reads outside the blocks nested in it. So a
page-wide ``content`` block that merely contains ``{% block stats %}`` is not deferred, while one
that also shows ``{{ stats.total }}`` itself is (and is sent whole, ``stats`` inside it). For
each key the outermost using blocks win: a using block nested inside another using block is
rendered as part of it, never alone. A deferred block can still sit inside another one that
waits for other keys: each is sent when its own keys settle, and ``DeferredBlock.nested`` tells
the sender which blocks an outer one brings back (see :mod:`djkida.suspense.sender`).
"""

import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kida import nodes

if TYPE_CHECKING:
    from kida import Template

#: What a target may be: an HTML id that is also safe inside a JS string and a CSS ``#`` selector.
_TARGET_ID = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


class SuspenseError(ValueError):
    """A suspense configuration that cannot work (raised before the first byte is sent)."""


@dataclass(frozen=True, slots=True)
class BlockInfo:
    """One block of a template: the paths it reads itself and the block it is nested in."""

    name: str
    depends_on: frozenset[str]
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class DeferredBlock:
    """A block sent once all of ``keys`` have settled, replacing the element with id ``target``;
    ``nested`` names the deferred blocks inside it (at any depth), in template order."""

    name: str
    target: str
    keys: frozenset[str]
    nested: tuple[str, ...] = ()


def _context_root(path: str) -> str:
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
        [DeferredBlock(name='stats', target='stats-panel', keys=frozenset({'stats'}), nested=())]
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
        names = overrides.get(key) or _outermost_users(blocks, key)
        if not names:
            raise SuspenseError(
                f"deferred context key {key!r} is used by no block{where}: wrap what shows it in "
                f"a block or name its blocks with defer_blocks={{{key!r}: [...]}}; "
                f"{describe_blocks(blocks)}"
            )
        for name in names:
            waits.setdefault(name, set()).add(key)

    parents = {block.name: block.parent for block in blocks}
    nested: dict[str, list[str]] = {name: [] for name in waits}
    for block in blocks:
        if block.name in waits:
            for outer in _ancestors(parents, block.name):
                if outer in waits:
                    nested[outer].append(block.name)
    deferred = [
        DeferredBlock(
            block.name,
            targets.get(block.name, block.name),
            frozenset(waits[block.name]),
            tuple(nested[block.name]),
        )
        for block in blocks
        if block.name in waits
    ]
    _check_targets(deferred)
    return deferred


def _ancestors(parents: Mapping[str, str | None], name: str) -> Iterator[str]:
    """The blocks ``name`` is nested in, innermost first (``parents``: block → its parent)."""
    parent = parents.get(name)
    while parent is not None:
        yield parent
        parent = parents.get(parent)


def _outermost_users(blocks: Sequence[BlockInfo], key: str) -> list[str]:
    """Names of the blocks that read ``key`` themselves and have no ancestor that does."""
    parents = {block.name: block.parent for block in blocks}
    users = {
        block.name
        for block in blocks
        if any(_context_root(path) == key for path in block.depends_on)
    }
    return [
        block.name
        for block in blocks
        if block.name in users and users.isdisjoint(_ancestors(parents, block.name))
    ]


def _check_targets(deferred: Iterable[DeferredBlock]) -> None:
    """Every target is a usable id and no two blocks replace the same element."""
    seen: dict[str, str] = {}
    for block in deferred:
        if not _TARGET_ID.fullmatch(block.target):
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
    """The blocks of a template in page order, with their nesting, across ``{% extends %}``.

    The page's structure comes from the root template, each block's body (and so the blocks
    nested in it and its dependencies) from the most derived template that defines it. Blocks a
    child defines outside any placed block (fragments, usually) come last, at top level.
    """
    chain = _inheritance_chain(template)
    definitions: dict[str, tuple[nodes.Block, frozenset[str]]] = {}
    for member in chain:
        metadata = member.block_metadata()
        for node in member.tree.walk():
            if isinstance(node, nodes.Block) and node.name not in definitions:
                definitions[node.name] = (node, metadata[node.name].own_depends_on)
    placed: list[BlockInfo] = []

    def place(children: list[nodes.Block], parent: str | None) -> None:
        for child in children:
            body, depends_on = definitions[child.name]
            placed.append(BlockInfo(child.name, depends_on, parent))
            place(_nested_blocks(body), child.name)

    place(_nested_blocks(chain[-1].tree), None)
    seen = {block.name for block in placed}
    unplaced = [
        BlockInfo(name, depends_on, None)
        for name, (_, depends_on) in definitions.items()
        if name not in seen
    ]
    return placed + unplaced


def _inheritance_chain(template: "Template") -> list["Template"]:
    """``template`` and every template it extends, most derived first."""
    chain = [template]
    while (parent := chain[-1].parent_name) is not None:
        chain.append(template.environment.get_template(parent))
    return chain


def _nested_blocks(node: nodes.Node) -> list[nodes.Block]:
    """The blocks directly inside ``node`` (not those inside them), in source order."""
    found: list[nodes.Block] = []
    for child in node.children():
        if isinstance(child, nodes.Block):
            found.append(child)
        else:
            found.extend(_nested_blocks(child))
    return found
