"""What the analysis functions take: a compiled ``Template`` or a bare syntax tree.

kida's documented calls pass either (``audit_escaping(template)``,
``check_a11y(template._optimized_ast)``); a template adds its name, its autoescape setting and
its environment's globals, a tree has none of them. A template compiled with
``preserve_ast=False`` has no tree, and every check answers empty for it.
"""

from typing import Any

from kida import nodes as n
from kida.analysis.dependencies import dependencies


def tree_of(target: Any) -> n.Node | None:
    """The tree of a template (None without one), or ``target`` itself when it is a tree."""
    if isinstance(target, n.Node):
        return target
    tree = getattr(target, "_optimized_ast", None)
    return tree if isinstance(tree, n.Node) else None


def name_of(target: Any) -> str | None:
    """The template's name; None for a tree or a ``from_string`` template."""
    if isinstance(target, n.Node):
        return None
    name = getattr(target, "name", None)
    return name if isinstance(name, str) else None


def autoescapes(target: Any) -> bool:
    """Whether outputs are HTML-escaped: the template's setting, True for a bare tree (kida's
    default)."""
    return bool(getattr(target, "autoescape", True))


def globals_of(target: Any) -> frozenset[str]:
    """The names the template's environment provides; none for a bare tree."""
    environment = getattr(target, "environment", None)
    return frozenset(getattr(environment, "globals", {}))


def body_of(tree: n.Node) -> list[n.Stmt]:
    """The statements of a tree: a template's body, or a single statement."""
    if isinstance(tree, n.TemplateNode):
        return tree.body
    return [tree] if isinstance(tree, n.Stmt) else []


def expression_label(expr: n.Expr) -> str:
    """A short name for an expression in a finding: the first context path it reads, else
    its node type (``Const``, ``Call``…)."""
    paths = sorted(dependencies([n.Output(expr)]))
    return paths[0] if paths else type(expr).__name__
