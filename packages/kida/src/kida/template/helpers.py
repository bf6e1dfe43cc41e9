"""Small pieces the template modules share."""

from typing import TYPE_CHECKING

from kida.exceptions import TemplateRuntimeError

if TYPE_CHECKING:
    from kida.template.core import Template


def async_refusal(template: "Template", method: str) -> TemplateRuntimeError:
    """The error a sync renderer raises for a template that needs the async one."""
    return TemplateRuntimeError(
        f"{method}() cannot render the async template {template.name or '<string>'!r}",
        name=template.name,
        hint="it uses {% async for %} or await; use render_stream_async() or render_async()",
    )
