"""Opt-in capture of what a render produced: each block's HTML with its content hash and
static metadata, plus chosen context values; for search indexes, build diffs and caches.

Templates of an ``Environment(enable_capture=True)`` report to the capture opened by
:func:`captured_render`; other renders pay one ``ContextVar`` read for it.

Example::

    env = Environment(loader=loader, enable_capture=True)
    with captured_render(capture_context=frozenset({"doc"})) as capture:
        html = env.get_template("page.html").render(doc=doc)
    capture.blocks["content"].content_hash
"""

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kida.instrumentation import ACTIVE, observing

if TYPE_CHECKING:
    from kida.template import Template


def content_hash(html: str) -> str:
    """16 hex digits of the SHA-256 of ``html``: for comparing content, not for security."""
    return hashlib.sha256(html.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Fragment:
    """One rendered block: its HTML and hash, and what static analysis knows of it."""

    name: str
    role: str
    html: str
    content_hash: str
    depends_on: frozenset[str]
    cache_scope: str = "unknown"


@dataclass(slots=True)
class RenderCapture:
    """What one captured render recorded. Mutable and owned by the caller: not for sharing
    between concurrent renders."""

    template_name: str = ""
    blocks: dict[str, Fragment] = field(default_factory=dict)
    context_keys: dict[str, Any] = field(default_factory=dict)
    capture_blocks: frozenset[str] | None = field(default=None, repr=False)
    capture_context: frozenset[str] | None = field(default=None, repr=False)

    def begin(self, template: "Template", variables: Mapping[str, Any]) -> None:
        """Note the template of the render and snapshot the selected context keys."""
        if not self.template_name:
            self.template_name = template.name or "<string>"
        for key in self.capture_context or ():
            if key in variables:
                self.context_keys[key] = variables[key]

    def record_block(self, template: "Template", name: str, html: str) -> None:
        """Keep the HTML of block ``name`` (if selected), with its static metadata."""
        if not getattr(template.environment, "enable_capture", False):
            return
        if self.capture_blocks is not None and name not in self.capture_blocks:
            return
        meta = template.block_metadata().get(name)
        self.blocks[name] = Fragment(
            name,
            meta.inferred_role if meta else "unknown",
            html,
            content_hash(html),
            meta.depends_on if meta else frozenset(),
            meta.cache_scope if meta else "unknown",
        )


def get_capture() -> RenderCapture | None:
    """The capture opened by the enclosing :func:`captured_render`, or None."""
    instruments = ACTIVE.get()
    return None if instruments is None else instruments.capture


@contextmanager
def captured_render(
    capture_blocks: frozenset[str] | None = None,
    capture_context: frozenset[str] | None = None,
) -> Iterator[RenderCapture]:
    """Capture the renders inside the ``with`` body: every block (or those named in
    ``capture_blocks``) and the context values named in ``capture_context`` (none by default).
    """
    capture = RenderCapture(capture_blocks=capture_blocks, capture_context=capture_context)
    with observing(capture=capture):
        yield capture
