"""Template names as written in templates, turned into loader names.

``./x`` and ``../x`` are relative to the directory of the template that names them, so a folder
of templates can move without edits; ``@alias/x`` goes through ``Environment.template_aliases``
so a shared library can move with one line of configuration. Any other name is used as is.
"""

import posixpath
from collections.abc import Mapping

from kida.exceptions import TemplateNotFoundError


def resolve_template_name(
    name: str, caller: str | None = None, aliases: Mapping[str, str] | None = None
) -> str:
    """The loader name of ``name`` written in the template ``caller`` (None: from Python).

    A relative name needs a caller and must stay inside the template root; an ``@alias/``
    prefix must be one of ``aliases``. Either mistake is a :class:`TemplateNotFoundError`
    that says which.
    """
    if name.startswith(("./", "../")):
        if caller is None:
            raise TemplateNotFoundError(
                f"relative template name {name!r} has no calling template to be relative to",
                hint="relative names work inside templates; from Python, pass the name from "
                "the template root",
            )
        return _inside_root(name, posixpath.join(posixpath.dirname(caller), name), caller)
    if name.startswith("@"):
        alias, slash, rest = name[1:].partition("/")
        target = (aliases or {}).get(alias) if slash else None
        if target is None:
            known = ", ".join(f"@{key}/" for key in sorted(aliases or {}))
            raise TemplateNotFoundError(
                f"unknown template alias '@{alias}/' in {name!r}",
                hint=f"configured aliases: {known}"
                if known
                else "no aliases are configured: Environment(template_aliases={...})",
            )
        return _inside_root(name, posixpath.join(target, rest), caller)
    return name


def _inside_root(name: str, joined: str, caller: str | None) -> str:
    resolved = posixpath.normpath(joined)
    if resolved == ".." or resolved.startswith(("../", "/")):
        where = f" from {caller!r}" if caller is not None else ""
        raise TemplateNotFoundError(
            f"template name {name!r}{where} climbs above the template root",
            hint="a relative name must stay inside the loader's search path",
        )
    return resolved
