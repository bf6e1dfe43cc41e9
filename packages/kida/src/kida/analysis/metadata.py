"""The metadata objects of the public API and how a block's are computed."""

from dataclasses import dataclass, field
from typing import Any, Literal

from kida import nodes as n
from kida.analysis.dependencies import dependencies
from kida.analysis.structure import contains_async

CacheScope = Literal["site", "page", "none"]


@dataclass(frozen=True, slots=True)
class BlockMetadata:
    """What a block needs from the context, for caching and deferred rendering.

    Example::

        >>> template.block_metadata()["header"].depends_on
        frozenset({'user.name'})
    """

    name: str
    depends_on: frozenset[str]
    is_pure: bool
    cache_scope: CacheScope
    is_async: bool = False
    kind: str = "block"
    #: The ``k="v"`` attributes of ``{% block name k="v" %}``, as literal values.
    attributes: dict[str, Any] = field(default_factory=dict, hash=False)
    #: The paths it reads outside the blocks and fragments nested in it (``depends_on`` adds
    #: theirs), those a nested block reads as well included.
    own_depends_on: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class TemplateMetadata:
    """Whole-template facts: parent, blocks, context needs."""

    name: str | None
    extends: str | None
    blocks: dict[str, BlockMetadata] = field(default_factory=dict)
    depends_on: frozenset[str] = frozenset()
    is_async: bool = False
    #: ``{% template name: Type %}`` declarations: name → type as written (None if untyped).
    context: dict[str, str | None] = field(default_factory=dict, hash=False)


def block_metadata(block: n.Block, globals_: frozenset[str]) -> BlockMetadata:
    """Metadata of one block; names that are environment globals are not context needs."""
    bound = frozenset({p.name for p in block.params}) | globals_
    reads = block.body if block.cond is None else [n.Output(block.cond), *block.body]
    depends_on, pure = dependencies(reads, bound)
    own_depends_on, _ = dependencies(reads, bound, nested=False)
    scope: CacheScope = "none" if not pure else ("site" if not depends_on else "page")
    return BlockMetadata(
        block.name,
        depends_on,
        pure,
        scope,
        contains_async(block.body),
        block.kind,
        dict(block.attrs),
        own_depends_on,
    )
