"""Template names as written, turned into the canonical loader names the environment caches
compiled templates under.

Surrounding whitespace is dropped and ``\\`` separators are written ``/``; ``./x`` and ``../x``
are relative to the directory of the template that names them, so a folder of templates can
move without edits; ``@alias/x`` goes through ``Environment.template_aliases`` so a shared
library can move with one line of configuration. A way out of the template root is refused
before any loader sees it.
"""

import posixpath
from collections.abc import Mapping

from kida.exceptions import TemplateNotFoundError


def normalize_template_name(name: str) -> str:
    """``name`` as the environment looks it up: ``" pages\\\\a.html "`` is ``"pages/a.html"``;
    a name with a ``..`` segment raises :class:`TemplateNotFoundError` (relative names go
    through :func:`resolve_template_name`).

    Example::

        >>> normalize_template_name(" pages\\\\post.html ")
        'pages/post.html'
    """
    normalized = name.strip().replace("\\", "/")
    if ".." in normalized.split("/"):
        raise TemplateNotFoundError(
            f"template {name!r} not found: '..' may not leave the template directories",
            name=name,
            hint="name templates from the loader's root, or use ../ inside a template",
        )
    return normalized


def resolve_template_name(
    name: str, caller: str | None = None, aliases: Mapping[str, str] | None = None
) -> str:
    """The canonical name of ``name`` written in the template ``caller`` (None: from Python).

    A relative name needs a caller and must stay inside the template root; an ``@alias/``
    prefix must be one of ``aliases``; any other name is :func:`normalize_template_name`'s.
    Each mistake is a :class:`TemplateNotFoundError` that says which.

    Example::

        >>> resolve_template_name("../partials/card.html", caller="pages/blog/post.html")
        'pages/partials/card.html'
    """
    written = name.strip().replace("\\", "/")
    if written.startswith(("./", "../")):
        if caller is None:
            raise TemplateNotFoundError(
                f"template {name!r} not found: a relative name needs the template that names it",
                name=name,
                hint="relative names work inside templates; from Python, pass caller= or the "
                "name from the template root",
            )
        folder = posixpath.dirname(caller.strip().replace("\\", "/"))
        return _inside_root(name, posixpath.join(folder, written), caller)
    if written.startswith("@"):
        alias, slash, rest = written[1:].partition("/")
        target = (aliases or {}).get(alias) if slash else None
        if target is None:
            known = ", ".join(f"@{key}/" for key in sorted(aliases or {}))
            raise TemplateNotFoundError(
                f"unknown template alias '@{alias}/' in {name!r}",
                name=name,
                hint=f"configured aliases: {known}"
                if known
                else "no aliases are configured: Environment(template_aliases={...})",
            )
        return _inside_root(name, posixpath.join(target, rest), caller)
    return normalize_template_name(name)


def _inside_root(name: str, joined: str, caller: str | None) -> str:
    resolved = posixpath.normpath(joined)
    if resolved == ".." or resolved.startswith(("../", "/")):
        where = f" from {caller!r}" if caller is not None else ""
        raise TemplateNotFoundError(
            f"template {name!r} not found:{where} it climbs above the template root",
            name=name,
            hint="use fewer ../, or name it from the loader's root",
        )
    return resolved
