"""Small pieces the template modules share."""

from typing import TYPE_CHECKING

from kida.exceptions import TemplateError, TemplateRuntimeError
from kida.runtime.composition import resolve_name_in

if TYPE_CHECKING:
    from kida.template.core import Template


def async_refusal(template: "Template", method: str) -> TemplateRuntimeError:
    """The error a sync renderer raises for a template that needs the async one."""
    return TemplateRuntimeError(
        f"{method}() cannot render the async template {template.name or '<string>'!r}",
        name=template.name,
        hint="it uses {% async for %} or await; use render_stream_async() or render_async()",
    )


def may_meet_stack(template: "Template") -> bool:
    """Whether rendering ``template`` may reach a ``{% stack %}``: its own, or one of a
    template it includes, embeds or extends (asked of the current compiled templates, so an
    edited partial counts at once). A name known only while rendering counts as a yes; a
    template that fails to load counts as a no (the render reports it where it is used)."""
    environment = template.environment
    pending, seen = [template], {id(template)}
    while pending:
        current = pending.pop()
        targets = current._stack_targets
        if targets is None:
            return True
        for name in targets:
            try:
                resolved = resolve_name_in(environment.template_aliases, current.name, name)
                found = environment.get_template(resolved)
            except TemplateError:
                continue
            if id(found) not in seen:
                seen.add(id(found))
                pending.append(found)
    return False
