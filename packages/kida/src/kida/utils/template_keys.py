"""The canonical spelling of a template name, which the environment caches compiled templates
under: surrounding whitespace dropped, ``\\`` separators written ``/``; a ``..`` segment (a way
out of the template directories) is refused before any loader sees it."""

from kida.exceptions import TemplateNotFoundError


def normalize_template_name(name: str) -> str:
    """``name`` as the environment looks it up: ``" pages\\\\a.html "`` is ``"pages/a.html"``;
    a name with a ``..`` segment raises :class:`TemplateNotFoundError` (relative names are
    resolved against the including template before they get here).

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
