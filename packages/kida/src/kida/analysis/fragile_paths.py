"""``check_fragile_paths()``: references to a template in the caller's own folder written from
the root (``{% include "pages/card.html" %}`` in ``pages/about.html``), which break when the
folder moves; ``./card.html`` would not (K-PATH-001).

Only same-folder targets are reported: a ``../`` suggestion could just as well point at a
shared library the caller rightly names from the root. References already written with
``./``, ``../`` or an ``@alias/``, computed names, and templates at the root are left alone.
"""

import posixpath
from dataclasses import dataclass
from typing import Any

from kida import nodes as n
from kida.analysis.targets import tree_of
from kida.exceptions import ErrorCode

_STATEMENTS: dict[type[n.Node], str] = {
    n.Include: "include",
    n.Extends: "extends",
    n.Embed: "embed",
    n.Import: "import",
    n.FromImport: "from",
}


@dataclass(frozen=True, slots=True)
class FragilePathIssue:
    """One root-relative reference to a sibling: ``statement`` is the tag (``include``,
    ``extends``, ``embed``, ``import``, ``from``), ``suggestion`` the ``./`` form."""

    lineno: int
    col_offset: int
    statement: str
    target: str
    suggestion: str
    severity: str = "warning"

    @property
    def code(self) -> ErrorCode:
        """``K-PATH-001`` (a ``str``)."""
        return ErrorCode.FRAGILE_TEMPLATE_PATH


def _names(expr: n.Expr) -> list[n.Const]:
    """The literal template names of a reference (a list of them for an include list)."""
    if isinstance(expr, n.ListLit | n.TupleLit):
        return [name for item in expr.items for name in _names(item)]
    return [expr] if isinstance(expr, n.Const) and isinstance(expr.value, str) else []


def check_fragile_paths(template_or_ast: Any, caller_name: str) -> list[FragilePathIssue]:
    """The fragile references of a template (or tree) named ``caller_name``, in source order.

    Example::

        >>> [i.suggestion for i in check_fragile_paths(
        ...     env.from_string('{% include "pages/card.html" %}'), "pages/about.html")]
        ['./card.html']
    """
    tree = tree_of(template_or_ast)
    folder = posixpath.dirname(caller_name.replace("\\", "/"))
    if tree is None or not folder:
        return []
    issues: list[FragilePathIssue] = []
    for node in tree.walk():
        if not isinstance(node, n.Include | n.Extends | n.Embed | n.Import | n.FromImport):
            continue
        statement = _STATEMENTS[type(node)]
        for name in _names(node.template):
            target = name.value.replace("\\", "/")
            if posixpath.dirname(target) != folder:  # "./x", "../x", "@alias/x" never match
                continue
            suggestion = f"./{posixpath.basename(target)}"
            issues.append(
                FragilePathIssue(name.lineno, name.col - 1, statement, name.value, suggestion)
            )
    return issues
