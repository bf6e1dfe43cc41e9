"""The canonical spelling of a template name, which the environment caches compiled templates
under: surrounding whitespace dropped, ``\\`` separators written ``/``, ``./`` and ``../``
resolved against the template that names them; a way out of the template directories is
refused before any loader sees it."""

import posixpath

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


def resolve_template_name(name: str, *, caller: str | None = None) -> str:
    """The canonical name of ``name`` as template ``caller`` writes it: ``./x`` and ``../x``
    are relative to ``caller``'s folder (kida's include, extends, embed and import pass it);
    other names are :func:`normalize_template_name`'s. A relative name without a caller, or
    one that climbs above the template root, raises :class:`TemplateNotFoundError`.

    Example::

        >>> resolve_template_name("../partials/card.html", caller="pages/blog/post.html")
        'pages/partials/card.html'
    """
    relative = name.strip().replace("\\", "/")
    if not relative.startswith(("./", "../")):
        return normalize_template_name(name)
    if caller is None:
        raise TemplateNotFoundError(
            f"template {name!r} not found: a relative name needs the template that names it",
            name=name,
            hint="pass caller='<the including template>', or name it from the loader's root",
        )
    folder = posixpath.dirname(caller.strip().replace("\\", "/"))
    resolved = posixpath.normpath(posixpath.join(folder, relative))
    if resolved == ".." or resolved.startswith("../"):
        raise TemplateNotFoundError(
            f"template {name!r} not found: from {caller!r} it climbs above the template root",
            name=name,
            hint="use fewer ../, or name it from the loader's root",
        )
    return resolved
