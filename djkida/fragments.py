"""One template block rendered on its own, with where it goes in the page.

Wire shapes (what the htmx 2 ``sse`` and ``ws`` extensions swap):

- SSE: event name ``fragment.event_name`` (``target`` if given, else the block name), data the
  block's HTML as is. The page listens with ``<div id="feed" sse-swap="feed" hx-swap="beforeend">``:
  where and how to swap is the listening element's business.
- WebSocket and any OOB use: :meth:`Fragment.oob_html`. With a ``target`` it is
  ``<div id="{target}" hx-swap-oob="{swap}">{html}</div>``; htmx finds the element with that id
  and, for every swap style but ``outerHTML``/``true``, swaps in the wrapper's *children*, so the
  page's element keeps its own tag and attributes. ``swap`` defaults to ``innerHTML``. Without a
  target the block's HTML goes as is, so its top-level element must carry its own ``id`` (and
  ``hx-swap-oob`` if it should not replace the element).
"""

from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Any

from markupsafe import escape

from djkida.partials import known_pieces, split_partial

if TYPE_CHECKING:
    from kida import Template

_DEFAULT_SWAP = "innerHTML"


@dataclass(frozen=True)
class Fragment:
    """A block of a template of the Kida backend, with its context and its place in the page.

    Example::

        fragment = Fragment("chat.html", "msg", {"msg": m}, target="log", swap="beforeend")
        same = Fragment("chat.html#msg", context={"msg": m}, target="log", swap="beforeend")
        html = await fragment.render_async()
        broadcast("room.1", fragment)
    """

    template_name: str
    block_name: str = ""
    context: Mapping[str, Any] | None = None
    _: KW_ONLY
    target: str | None = None
    swap: str | None = field(default=None)

    def __post_init__(self) -> None:
        if not self.block_name:
            template_name, block_name = split_partial(self.template_name)
            if not block_name:
                raise ValueError(
                    f"Fragment({self.template_name!r}) names no block: give block_name or "
                    "a partial name such as 'page.html#stats'"
                )
            object.__setattr__(self, "template_name", template_name)
            object.__setattr__(self, "block_name", block_name)
        if self.swap is not None and self.target is None:
            raise ValueError(f"swap={self.swap!r} needs a target element id to swap into")

    @property
    def event_name(self) -> str:
        """The SSE event name this fragment is sent under (what ``sse-swap`` listens for)."""
        return self.target or self.block_name

    def template(self) -> "Template":
        """The template from the Kida backend's environment (raises if the block is missing)."""
        from djkida.backend import kida_environment

        environment = kida_environment()
        template = environment.get_template(self.template_name)
        known = known_pieces(environment, template)
        if self.block_name not in known:
            raise LookupError(
                f"template {self.template_name!r} has no block {self.block_name!r}; "
                f"it has: {', '.join(sorted(known))}"
            )
        return template

    def render(self) -> str:
        """The block's HTML (sync templates only; kida refuses async ones with a clear error)."""
        html: str = self.template().render_block(self.block_name, **dict(self.context or {}))
        return html

    async def render_async(self) -> str:
        """The block's HTML, for sync and async templates alike."""
        template = self.template()
        chunks = template.render_block_stream_async(self.block_name, **dict(self.context or {}))
        return "".join([chunk async for chunk in chunks])

    def oob_html(self, html: str) -> str:
        """``html`` wrapped for an htmx out-of-band swap into ``target`` (as is without one)."""
        if self.target is None:
            return html
        swap = escape(self.swap or _DEFAULT_SWAP)
        return f'<div id="{escape(self.target)}" hx-swap-oob="{swap}">{html}</div>'
