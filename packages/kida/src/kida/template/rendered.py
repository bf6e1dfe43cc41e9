"""``RenderedTemplate``: a render kept for later, as a string or as a stream."""

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kida.template.core import Template


class RenderedTemplate:
    """A render not done yet: ``str()`` renders the whole page, iterating streams it.

    Example::

        page = RenderedTemplate(env.get_template("page.html"), {"user": user})
        for chunk in page:
            response.write(chunk)
    """

    __slots__ = ("_context", "_template")

    def __init__(self, template: "Template", context: Mapping[str, Any]) -> None:
        self._template = template
        self._context = context

    def __str__(self) -> str:
        return self._template.render(self._context)

    def __iter__(self) -> Iterator[str]:
        return self._template.render_stream(self._context)
