"""Checks a framework makes before composing pages from blocks (kida's ``kida.composition``).

A framework that renders fragments with ``render_block()`` or assembles layouts with
``render_with_blocks()`` asks first whether a block exists and what a template looks like,
without rendering anything.

Example::

    from kida.composition import get_structure, validate_block_exists

    if validate_block_exists(env, "skills/page.html", "page_content"):
        html = env.get_template("skills/page.html").render_block("page_content", **ctx)
"""

from typing import TYPE_CHECKING, Any

from kida.analysis import TemplateStructureManifest
from kida.exceptions import TemplateNotFoundError, TemplateSyntaxError

if TYPE_CHECKING:
    from kida.environment import Environment
    from kida.template import Template

_CONTENT_NAMES: frozenset[str] = frozenset({"content", "main", "page_content"})
_ROOT_NAMES: frozenset[str] = frozenset({"page_root", "root", "layout"})


def validate_template_block(template: "Template", block_name: str) -> bool:
    """Whether ``render_block(block_name)`` can find the block: defined by ``template`` or by
    a template it extends by a literal name (a dynamic parent is known only at render)."""
    if not block_name:
        return False
    seen: set[str | None] = set()
    current: Template | None = template
    while current is not None and current.name not in seen:
        if block_name in current.list_blocks():
            return True
        seen.add(current.name)
        parent = current.parent_name
        current = current.environment.get_template(parent) if parent else None
    return False


def validate_block_exists(env: "Environment", template_name: str, block_name: str) -> bool:
    """Like :func:`validate_template_block` by name; False when the template (or a parent)
    is missing or does not compile."""
    try:
        return validate_template_block(env.get_template(template_name), block_name)
    except (TemplateNotFoundError, TemplateSyntaxError):
        return False


def get_structure(env: "Environment", template_name: str) -> TemplateStructureManifest | None:
    """The template's structure manifest (block names, parent, hashes, reads); None when it
    is missing or was compiled without its tree (``preserve_ast=False``)."""
    try:
        return env.get_template(template_name).structure_manifest()
    except TemplateNotFoundError:
        return None


def block_role_for_framework(
    block_metadata: Any,
    *,
    content_roles: frozenset[str] = _CONTENT_NAMES,
    root_roles: frozenset[str] = _ROOT_NAMES,
) -> str | None:
    """``"fragment"`` for a content block (by name, or by its inferred role), ``"page_root"``
    for a block named as a page root, None otherwise."""
    if block_metadata is None:
        return None
    name = getattr(block_metadata, "name", "")
    if name in content_roles or getattr(block_metadata, "inferred_role", None) == "content":
        return "fragment"
    if name in root_roles:
        return "page_root"
    return None
