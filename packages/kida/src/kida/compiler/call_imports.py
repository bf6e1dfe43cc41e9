"""``validate_calls`` across templates: the defs a literal ``{% from "card.html" import card %}``
brings in join the template's own, so a call of an imported component is checked against the
signature it has where it is defined (kida's components page: "validation also follows literal
component imports"). A dynamic import, or a template that cannot be read, is left unchecked:
the render reports it.
"""

from collections.abc import Callable

from kida import nodes as n

#: The defs of an imported template by name, from its name as written; None when unknown.
ImportedDefs = Callable[[str], "dict[str, n.Def] | None"]


def with_imports(
    tree: n.TemplateNode, own: dict[str, n.Def], imported: ImportedDefs
) -> dict[str, n.Def]:
    """``own`` (the template's defs) plus the defs its literal ``from … import`` binds, by the
    name they are bound to; a name bound twice (two imports, or an import and a def) is left
    unchecked, since which one a call means depends on the path taken."""
    local = {node.name for node in tree.walk() if isinstance(node, n.Def)}
    found = dict(own)
    ambiguous: set[str] = set()
    for node in tree.walk():
        if not isinstance(node, n.FromImport):
            continue
        written = node.template.value if isinstance(node.template, n.Const) else None
        defs = imported(written) if isinstance(written, str) else None
        for name, alias in node.names:
            definition = defs.get(name) if defs is not None else None
            if definition is None or alias in local or alias in found:
                ambiguous.add(alias)
            else:
                found[alias] = definition
    return {name: node for name, node in found.items() if name not in ambiguous}
