"""``check_types()``: a template with a ``{% template page: Page, site %}`` declaration reads only
the names it declares.

The types written in the declaration document; the check is about names. A name counts as
defined when the template binds it (``set``/``let``/``export``, ``capture``, ``for``, ``with``,
``def`` and its parameters, ``import``, ``match`` captures…, each in its own scope), when it is
one of kida's always-present names (:data:`BUILTIN_NAMES`), or, given a compiled template, one
of its environment's globals. Rules and codes: ``undeclared-var`` (K-TYP-001), a read of a name
neither declared nor defined; ``typo-suggestion`` (K-TYP-003), the same when the name looks like
a declared one (same first three letters, or one edit away); ``unused-declared`` (K-TYP-002), a
declared name never read. A template without a declaration is not checked.
"""

from dataclasses import dataclass
from typing import Any

from kida import nodes as n
from kida.analysis.dependencies import Bound, DependencyCollector
from kida.analysis.structure import declared_context, toplevel_definitions
from kida.analysis.targets import body_of, globals_of, tree_of
from kida.exceptions import ErrorCode

#: Names every template may read without declaring them (kida's list).
BUILTIN_NAMES = frozenset(
    {
        "range", "len", "str", "int", "float", "bool", "list", "dict", "set", "tuple", "min",
        "max", "sum", "abs", "round", "sorted", "reversed", "enumerate", "zip", "map", "filter",
        "any", "all", "hasattr", "getattr", "isinstance", "type",
        "true", "false", "none", "True", "False", "None",
        "loop", "caller", "super",
        "hx_request", "hx_target", "hx_trigger", "hx_boosted", "csrf_token", "csp_nonce",
    }
)  # fmt: skip

_CODES = {
    "undeclared-var": ErrorCode.TYPE_UNDECLARED_VARIABLE,
    "unused-declared": ErrorCode.TYPE_UNUSED_DECLARATION,
    "typo-suggestion": ErrorCode.TYPE_TYPO_SUGGESTION,
}


@dataclass(frozen=True, slots=True)
class TypeIssue:
    """One finding: ``lineno`` 1-based, ``col_offset`` 0-based."""

    lineno: int
    col_offset: int
    rule: str
    message: str
    severity: str = "warning"

    @property
    def code(self) -> ErrorCode:
        """The rule's stable code (``K-TYP-001`` … ``K-TYP-003``), a ``str``."""
        return _CODES[self.rule]


class _NameReads(DependencyCollector):
    """The dependency walk's scoping, recording each read of an unbound name where it is."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[n.Name] = []

    def expr(self, expr: n.Expr, bound: Bound) -> None:
        root = expr
        while isinstance(root, n.Getattr):
            root = root.obj
        if isinstance(root, n.Name):
            if root.name and root.name not in bound:
                self.reads.append(root)
            return
        super().expr(expr, bound)


def _one_edit_apart(a: str, b: str) -> bool:
    """Whether one insertion, deletion or substitution turns ``a`` into ``b``."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def _lookalike(name: str, declared: list[str]) -> str | None:
    """The declared name ``name`` is probably a typo of, or None."""
    for candidate in sorted(declared):
        if abs(len(name) - len(candidate)) > 2:
            continue
        same_start = len(name) >= 3 and len(candidate) >= 3 and name[:3] == candidate[:3]
        if same_start or _one_edit_apart(name, candidate):
            return candidate
    return None


def _hoisted(body: list[n.Stmt]) -> frozenset[str]:
    """Names of the top-level defs and regions: callable from anywhere in the template."""
    return frozenset(
        stmt.name for stmt in toplevel_definitions(body) if isinstance(stmt, n.Def | n.Block)
    )


def check_types(template_or_ast: Any) -> list[TypeIssue]:
    """The declaration findings of a template (or tree), sorted by ``(lineno, col_offset)``;
    empty without a ``{% template %}`` declaration.

    Example::

        >>> t = env.from_string("{% template user: User %}{{ usr.name }}")
        >>> [(i.rule, i.message) for i in check_types(t)]  # doctest: +NORMALIZE_WHITESPACE
        [('typo-suggestion', "Variable 'usr' used but not declared in {% template %}
          (did you mean 'user'?)"), ('unused-declared', "Declared variable 'user' is never used")]
    """
    tree = tree_of(template_or_ast)
    if tree is None:
        return []
    body = body_of(tree)
    declared = list(declared_context(body))
    declaration = next((s for s in body if isinstance(s, n.ContextDeclaration)), None)
    if declaration is None:
        return []
    reads = _NameReads()
    reads.body(body, BUILTIN_NAMES | globals_of(template_or_ast) | _hoisted(body))
    issues: list[TypeIssue] = []
    used: set[str] = set()
    for name in reads.reads:
        if name.name in declared:
            used.add(name.name)
            continue
        message = f"Variable '{name.name}' used but not declared in {{% template %}}"
        guess = _lookalike(name.name, declared)
        rule = "undeclared-var"
        if guess is not None:
            message += f" (did you mean '{guess}'?)"
            rule = "typo-suggestion"
        issues.append(TypeIssue(name.lineno, name.col - 1, rule, message))
    issues.extend(
        TypeIssue(
            declaration.lineno,
            declaration.col - 1,
            "unused-declared",
            f"Declared variable '{name}' is never used",
        )
        for name in declared
        if name not in used
    )
    return sorted(issues, key=lambda issue: (issue.lineno, issue.col_offset))
