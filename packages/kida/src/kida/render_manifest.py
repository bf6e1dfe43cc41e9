"""Build-tool bookkeeping over many captured renders: a manifest per build, its diff against
the previous build, a search index, and a cache of blocks that render the same on every page.

Example::

    manifest = RenderManifest(freeze_cache=FreezeCache())
    for url, page in pages:
        with captured_render(capture_context=frozenset({"doc"})) as capture:
            template.render(doc=page)
        manifest.add(url, capture)
    changes = manifest.diff(previous_manifest)
    index = SearchManifestBuilder().build(manifest)
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypedDict

from kida.render_capture import Fragment, RenderCapture


class SearchEntry(TypedDict, total=False):
    """One page of a search index; every field optional."""

    t: str  # title
    d: str  # description
    body: str  # searchable source text
    c: str  # category
    tags: list[str]
    toc: list[dict[str, Any]]  # table of contents: level, id, text


FieldExtractor = Callable[[str, RenderCapture], SearchEntry]


def default_field_extractor(url: str, capture: RenderCapture) -> SearchEntry:
    """Search fields from the captured ``doc`` context value: ``title``, ``body`` (else
    ``content``), ``metadata.description``/``category``/``tags``, ``toc``; those it has."""
    entry: SearchEntry = {}
    doc = capture.context_keys.get("doc")
    if doc is None:
        return entry
    if hasattr(doc, "title"):
        entry["t"] = doc.title
    if hasattr(doc, "body"):
        entry["body"] = doc.body
    elif hasattr(doc, "content"):
        entry["body"] = doc.content
    meta = getattr(doc, "metadata", None)
    if meta is not None:
        if hasattr(meta, "description"):
            entry["d"] = meta.description
        if getattr(meta, "category", None):
            entry["c"] = meta.category
        if getattr(meta, "tags", None):
            entry["tags"] = sorted(meta.tags)
    if getattr(doc, "toc", None):
        entry["toc"] = [
            {"level": item.level, "id": item.id, "text": item.text}
            for item in doc.toc
            if all(hasattr(item, key) for key in ("level", "id", "text"))
        ]
    return entry


@dataclass(slots=True)
class FreezeCacheStats:
    """How a :class:`FreezeCache` fared: blocks handed out, lookups that found none, blocks
    dropped because their output changed, blocks stored."""

    cache_hits: int = 0
    cache_misses: int = 0
    invalidations: int = 0
    blocks_cached: int = 0


@dataclass(slots=True)
class FreezeCache:
    """Blocks that render the same HTML on every page of a template (static analysis says
    "site" scope and no context reads), kept to be reused; a block whose HTML changes after
    all is dropped for good rather than served stale."""

    stats: FreezeCacheStats = field(default_factory=FreezeCacheStats)
    _html: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)
    _hashes: dict[tuple[str, str], str] = field(default_factory=dict, repr=False)
    _dropped: set[tuple[str, str]] = field(default_factory=set, repr=False)

    def record(self, template_name: str, capture: RenderCapture) -> None:
        """Keep the eligible blocks of one captured render of ``template_name``."""
        for name, fragment in capture.blocks.items():
            key = (template_name, name)
            if fragment.cache_scope != "site" or fragment.depends_on or key in self._dropped:
                continue
            known = self._hashes.get(key)
            if known is not None and known != fragment.content_hash:
                self._dropped.add(key)
                del self._html[key], self._hashes[key]
                self.stats.invalidations += 1
                continue
            if known is None:
                self.stats.blocks_cached += 1
            self._html[key] = fragment.html
            self._hashes[key] = fragment.content_hash

    def get_cached_blocks(self, template_name: str) -> dict[str, str] | None:
        """Block name → HTML kept for ``template_name`` (a new dict), or None; pass it as
        ``render_context(cached_blocks=...)``."""
        blocks = {
            name: html for (owner, name), html in self._html.items() if owner == template_name
        }
        if not blocks:
            self.stats.cache_misses += 1
            return None
        self.stats.cache_hits += len(blocks)
        return blocks


@dataclass(frozen=True, slots=True)
class ManifestDiff:
    """``new.diff(old)``: URLs added and removed, per changed URL the blocks whose hash
    changed as (old, new) ("" for a block on one side only), and how many URLs are the same."""

    added: list[str]
    removed: list[str]
    changed: dict[str, dict[str, tuple[str, str]]]
    unchanged: int


def _block_changes(old: RenderCapture, new: RenderCapture) -> dict[str, tuple[str, str]]:
    changes = {}
    for name in sorted(old.blocks.keys() | new.blocks.keys()):
        before, after = old.blocks.get(name), new.blocks.get(name)
        old_hash = before.content_hash if before else ""
        new_hash = after.content_hash if after else ""
        if old_hash != new_hash:
            changes[name] = (old_hash, new_hash)
    return changes


@dataclass(slots=True)
class RenderManifest:
    """The captures of one build, by URL in the order added."""

    version: int = 1
    captures: list[tuple[str, RenderCapture]] = field(default_factory=list)
    freeze_cache: FreezeCache | None = field(default=None, repr=False)

    def add(self, url: str, capture: RenderCapture) -> None:
        """Add a finished capture (and offer its blocks to the freeze cache, if any)."""
        self.captures.append((url, capture))
        if self.freeze_cache is not None:
            self.freeze_cache.record(capture.template_name, capture)

    def all_fragments(self) -> Iterator[tuple[str, Fragment]]:
        """Every (url, fragment) of the manifest."""
        for url, capture in self.captures:
            for fragment in capture.blocks.values():
                yield url, fragment

    def unique_content_hashes(self) -> dict[str, int]:
        """Content hash → how many fragments have it (above 1: duplicated content)."""
        counts: dict[str, int] = {}
        for _, fragment in self.all_fragments():
            counts[fragment.content_hash] = counts.get(fragment.content_hash, 0) + 1
        return counts

    def diff(self, other: "RenderManifest") -> ManifestDiff:
        """What changed from ``other`` (the older build) to this one."""
        new, old = dict(self.captures), dict(other.captures)
        changed = {}
        unchanged = 0
        for url in new.keys() & old.keys():
            changes = _block_changes(old[url], new[url])
            if changes:
                changed[url] = changes
            else:
                unchanged += 1
        return ManifestDiff(
            added=[url for url in new if url not in old],
            removed=[url for url in old if url not in new],
            changed=dict(sorted(changed.items())),
            unchanged=unchanged,
        )


#: How much each block role counts for search when an entry has no body of its own.
DEFAULT_ROLE_WEIGHTS = {
    "content": 1.0,
    "sidebar": 0.3,
    "header": 0.2,
    "footer": 0.0,
    "navigation": 0.0,
    "unknown": 0.5,
}


@dataclass(slots=True)
class SearchManifestBuilder:
    """Makes a search index from a manifest: the extractor's fields per URL; an entry without
    a body gets the HTML of its blocks whose role weighs more than 0."""

    role_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_ROLE_WEIGHTS))
    field_extractor: FieldExtractor | None = field(default=None, repr=False)

    def build(self, manifest: RenderManifest) -> dict[str, Any]:
        """``{"version", "facets": {"category", "tags"}, "entries": [...]}``."""
        extract = self.field_extractor or default_field_extractor
        entries: list[dict[str, Any]] = []
        categories: set[str] = set()
        tags: set[str] = set()
        for url, capture in manifest.captures:
            entry: dict[str, Any] = {"u": url, **extract(url, capture)}
            if "body" not in entry:
                parts = [
                    f.html
                    for f in capture.blocks.values()
                    if self.role_weights.get(f.role, 0.5) > 0
                ]
                if parts:
                    entry["body"] = "\n".join(parts)
            if "c" in entry:
                categories.add(entry["c"])
            tags.update(entry.get("tags", ()))
            if capture.template_name:
                entry.setdefault("template", capture.template_name)
            entries.append(entry)
        facets: dict[str, list[str]] = {}
        if categories:
            facets["category"] = sorted(categories)
        if tags:
            facets["tags"] = sorted(tags)
        return {"version": manifest.version, "facets": facets, "entries": entries}
