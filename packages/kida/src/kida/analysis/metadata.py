"""The metadata objects of the public API: immutable, conservative (they may name a path a
render never reads, never miss one it does). ``introspection`` computes them."""

from dataclasses import dataclass, field
from typing import Literal

from kida.analysis.purity import Purity
from kida.nodes.template_structure import ModifierValue

CacheScope = Literal["site", "page", "none", "unknown"]
Role = Literal["navigation", "content", "sidebar", "header", "footer", "unknown"]


@dataclass(frozen=True, slots=True)
class BlockModifierMetadata:
    """A literal ``name=value`` of a block/fragment tag, with where it was written
    (``lineno`` 1-based, ``col_offset`` 0-based).

    Example::

        >>> env.from_string('{% block chart enhanced="sse" %}{% end %}').block_metadata()[
        ...     "chart"].get_modifier("enhanced")
        BlockModifierMetadata(name='enhanced', value='sse', lineno=1, col_offset=15)
    """

    name: str
    value: ModifierValue
    lineno: int
    col_offset: int


@dataclass(frozen=True, slots=True)
class BlockMetadata:
    """What a block needs and produces, for caching, streaming and framework routing.

    Example::

        >>> meta = template.block_metadata()["nav"]
        >>> meta.depends_on, meta.is_pure, meta.cache_scope
        (frozenset({'site.menu'}), 'pure', 'site')
    """

    name: str
    emits_html: bool = True
    #: HTML5 landmark elements (nav, main, header, footer, aside) in its literal markup.
    emits_landmarks: frozenset[str] = frozenset()
    inferred_role: Role = "unknown"
    depends_on: frozenset[str] = frozenset()
    is_pure: Purity = "unknown"
    cache_scope: CacheScope = "unknown"
    #: A hash of the block's structure: equal for equal source, whatever its modifiers.
    block_hash: str = ""
    is_region: bool = False
    region_params: tuple[str, ...] = ()
    modifiers: tuple[BlockModifierMetadata, ...] = ()
    is_async: bool = False
    #: "block", "fragment" or "region".
    kind: str = "block"
    #: The paths it reads outside the blocks and fragments nested in it (``depends_on`` adds
    #: theirs), those a nested block reads as well included.
    own_depends_on: frozenset[str] = frozenset()

    def is_cacheable(self) -> bool:
        """Whether its output may be cached: pure and not scoped "none"."""
        return self.is_pure == "pure" and self.cache_scope != "none"

    def depends_on_page(self) -> bool:
        """Whether it reads ``page`` or a path below it."""
        return any(path == "page" or path.startswith("page.") for path in self.depends_on)

    def depends_on_site(self) -> bool:
        """Whether it reads ``site`` or a path below it."""
        return any(path == "site" or path.startswith("site.") for path in self.depends_on)

    def get_modifier(self, name: str) -> BlockModifierMetadata | None:
        """The modifier called ``name``, or None."""
        return next((m for m in self.modifiers if m.name == name), None)

    @property
    def attributes(self) -> dict[str, ModifierValue]:
        """The modifiers as a name → value mapping."""
        return {m.name: m.value for m in self.modifiers}


@dataclass(frozen=True, slots=True)
class DefParamInfo:
    """One parameter of a ``{% def %}``: name, annotation as written, default or not."""

    name: str
    annotation: str | None = None
    has_default: bool = False
    is_required: bool = True


@dataclass(frozen=True, slots=True)
class DefMetadata:
    """A ``{% def %}`` component's interface: parameters, slots, context it reads.

    Example::

        >>> card = template.def_metadata()["card"]
        >>> [p.name for p in card.params], card.slots, card.has_default_slot
        (['title'], ('actions',), True)
    """

    name: str
    template_name: str | None = None
    lineno: int = 0
    params: tuple[DefParamInfo, ...] = ()
    #: Named slots its body renders ("default" left out: see ``has_default_slot``).
    slots: tuple[str, ...] = ()
    has_default_slot: bool = False
    #: Context paths the body reads besides its parameters and locals.
    depends_on: frozenset[str] = frozenset()
    vararg: str | None = None
    kwarg: str | None = None


@dataclass(frozen=True, slots=True)
class CallValidation:
    """A call of a ``{% def %}`` that does not fit its signature (K-CMP-001).

    ``duplicate_params`` stays empty for parsed templates: the parser already refuses a
    keyword given twice.
    """

    def_name: str
    lineno: int
    col_offset: int
    unknown_params: tuple[str, ...] = ()
    missing_required: tuple[str, ...] = ()
    duplicate_params: tuple[str, ...] = ()

    @property
    def is_valid(self) -> bool:
        """True when nothing is wrong with the call."""
        return not (self.unknown_params or self.missing_required or self.duplicate_params)


@dataclass(frozen=True, slots=True)
class TypeMismatch:
    """A literal argument whose type the parameter's annotation excludes (K-CMP-002):
    ``badge(count="five")`` for ``{% def badge(count: int) %}``."""

    def_name: str
    param_name: str
    expected: str
    actual_type: str
    actual_value: str | int | float | bool | None
    lineno: int
    col_offset: int


@dataclass(frozen=True, slots=True)
class TemplateMetadata:
    """Whole-template facts: parent, blocks, what the top level reads.

    Example::

        >>> meta = template.template_metadata()
        >>> meta.extends, sorted(meta.blocks), meta.all_dependencies()
    """

    name: str | None
    extends: str | None
    blocks: dict[str, BlockMetadata] = field(default_factory=dict)
    #: Context paths read outside the blocks (block conditions and dynamic extends included).
    top_level_depends_on: frozenset[str] = frozenset()
    is_async: bool = False
    #: ``{% template name: Type %}`` declarations: name → type as written (None if untyped).
    context: dict[str, str | None] = field(default_factory=dict, hash=False)

    def all_dependencies(self) -> frozenset[str]:
        """Every context path read anywhere in the template."""
        paths = set(self.top_level_depends_on)
        for block in self.blocks.values():
            paths |= block.depends_on
        return frozenset(paths)

    @property
    def depends_on(self) -> frozenset[str]:
        """Same as :meth:`all_dependencies`."""
        return self.all_dependencies()

    def get_block(self, name: str) -> BlockMetadata | None:
        """The metadata of block ``name``, or None."""
        return self.blocks.get(name)

    def cacheable_blocks(self) -> list[BlockMetadata]:
        """The blocks whose output may be cached."""
        return [block for block in self.blocks.values() if block.is_cacheable()]

    def site_cacheable_blocks(self) -> list[BlockMetadata]:
        """The blocks cacheable once for the whole site."""
        return [block for block in self.blocks.values() if block.cache_scope == "site"]

    def regions(self) -> dict[str, BlockMetadata]:
        """Only the ``{% region %}`` blocks."""
        return {name: block for name, block in self.blocks.items() if block.is_region}


@dataclass(frozen=True, slots=True)
class TemplateStructureManifest:
    """A template's shape for schedulers and build planners: parent, blocks, their hashes,
    everything it reads."""

    name: str | None
    extends: str | None
    block_names: tuple[str, ...]
    block_hashes: dict[str, str] = field(hash=False)
    dependencies: frozenset[str]
