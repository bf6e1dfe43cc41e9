"""``"page.html#stats"``: one block, fragment or region of a template, named like a template.

Django 6 names the ``{% partialdef %}`` pieces of a template this way. With djkida the piece is
any block of the template (inherited ones too), ``{% fragment %}`` or ``{% region %}``, and the
name works wherever a template name does: ``get_template``, ``render``, ``TemplateResponse``,
``render_to_string``, ``{% include %}``, ``djkida.stream()`` and ``Fragment``.

:class:`PartialLoader` wraps the backend's loader: for ``"page.html#stats"`` it checks that
``page.html`` has that piece and returns a one-line template that renders it with the caller's
context, so kida caches and includes it like any other template. An unknown name is
``TemplateDoesNotExist`` listing the pieces the template has.
"""

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from markupsafe import Markup

import kida
from kida.passing import pass_context
from kida.render_context import RenderContext, render_context

SEPARATOR = "#"
#: The globals the generated partial templates call.
RENDER_GLOBAL = "_djkida_partial"
STREAM_GLOBAL = "_djkida_partial_stream"

Source = tuple[str, str | None, Any]


class Loader(Protocol):
    def get_source(self, environment: kida.Environment, name: str) -> Source: ...


def split_partial(name: str) -> tuple[str, str | None]:
    """``("page.html", "stats")`` for ``"page.html#stats"``, ``(name, None)`` without ``#``.

    Example::

        >>> split_partial("page.html#stats")
        ('page.html', 'stats')
    """
    template_name, separator, piece = name.partition(SEPARATOR)
    return (template_name, piece) if separator else (name, None)


def known_pieces(environment: kida.Environment, template: kida.Template) -> set[str]:
    """Blocks, fragments and regions of ``template`` and of the templates it extends."""
    pieces = set(template.list_blocks())
    seen = {template.name}
    while template.parent_name is not None and template.parent_name not in seen:
        template = environment.get_template(template.parent_name)
        seen.add(template.name)
        pieces.update(template.list_blocks())
    return pieces


class PartialLoader:
    """``loader`` plus ``"name#piece"`` partial names.

    Example::

        Environment(loader=PartialLoader(FileSystemLoader(["templates"])), globals=GLOBALS)
    """

    def __init__(self, loader: Loader) -> None:
        self.loader = loader

    def get_source(self, environment: kida.Environment, name: str) -> Source:
        template_name, piece = split_partial(name)
        if piece is None:
            return self.loader.get_source(environment, name)
        template = environment.get_template(template_name)
        known = known_pieces(environment, template)
        if piece not in known:
            raise kida.TemplateNotFoundError(
                f"template {template_name!r} has no block, fragment or region {piece!r}",
                name=name,
                hint=f"{template_name!r} has: {', '.join(sorted(known)) or 'none'}",
            )
        arguments = f"{template_name!r}, {piece!r}"
        if template.is_async:
            source = (
                f"{{% async for chunk in {STREAM_GLOBAL}({arguments}) %}}{{{{ chunk }}}}{{% end %}}"
            )
        else:
            source = f"{{{{ {RENDER_GLOBAL}({arguments}) }}}}"
        return source, None, template.uptodate

    def list_templates(self) -> list[str]:
        lister = getattr(self.loader, "list_templates", None)
        return list(lister()) if lister is not None else []


@pass_context
def render_partial(ctx: RenderContext, template_name: str, piece: str) -> Markup:
    """Piece ``piece`` of a sync template, rendered with the including template's variables."""
    template = ctx.environment.get_template(template_name)
    # The variables go as one mapping: one named like a keyword (``timeout``) stays a variable.
    with _as_part_of(ctx):
        return Markup(template.render_block(piece, dict(ctx)))


@pass_context
async def stream_partial(
    ctx: RenderContext, template_name: str, piece: str
) -> AsyncIterator[Markup]:
    """Piece ``piece`` of any template, streamed with the including template's variables."""
    template = ctx.environment.get_template(template_name)
    with _as_part_of(ctx):
        chunks = template.render_block_stream_async(piece, dict(ctx))
    try:
        async for chunk in chunks:
            yield Markup(chunk)
    finally:
        await chunks.aclose()  # type: ignore[attr-defined]


@contextmanager
def _as_part_of(ctx: RenderContext) -> Iterator[None]:
    """The piece's render, started in the body, sees what the including render sees: its
    metadata (djkida's htmx facts) and cached blocks. The scope that gave them to the including
    render may be over: a streamed page renders after the view set them up."""
    state = ctx.state
    if not (state.meta or state.cached_blocks):
        yield
        return
    with render_context(cached_blocks=state.cached_blocks, cache_stats=state.cache_stats) as scope:
        for key, value in (state.meta or {}).items():
            scope.set_meta(key, value)
        yield


#: What a backend's Environment needs in its globals for partial names to render.
PARTIAL_GLOBALS = {RENDER_GLOBAL: render_partial, STREAM_GLOBAL: stream_partial}
