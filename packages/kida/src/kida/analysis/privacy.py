"""``lint_privacy()``: signs that a template may publish private data, for review before
templates or report fixtures go out. Deliberately narrow and conservative.

Codes: K-PRI-001 a context path whose name looks sensitive (``user.password``,
``session.token``, ``email``…); K-PRI-002 a string literal that looks like a secret
(``"api_key=…"``; its value is never repeated in the finding); K-PRI-003 ``| safe`` on a
sensitive-looking value; K-PRI-004 printing a whole ``request``/``session``/``context``/
``ctx``/``debug`` object; K-PRI-005 an include, import, embed or extends whose template name is
computed, which a static allowlist cannot check.
"""

import re
from dataclasses import dataclass
from typing import Any, Literal

from kida import nodes as n
from kida.analysis.dependencies import dependencies
from kida.analysis.targets import body_of, expression_label, globals_of, name_of, tree_of
from kida.exceptions import ErrorCode

_SENSITIVE_WORDS = (
    "api_key", "apikey", "cookie", "email", "password", "passwd", "private", "secret",
    "session", "ssn", "staff", "token",
)  # fmt: skip
_BROAD_OBJECTS = frozenset({"context", "ctx", "debug", "request", "session"})
_SECRET_LITERAL = re.compile(
    r"(?i)(api[_-]?key|password|passwd|secret|session|token)\s*[:=]\s*['\"]?[^\s'\"<>]{6,}"
)
_TEMPLATE_REFERENCES = (n.Include, n.Embed, n.Import, n.FromImport, n.Extends)


@dataclass(frozen=True, slots=True)
class PrivacyFinding:
    """One finding; ``code`` is the :class:`~kida.exceptions.ErrorCode` (a ``str``),
    ``path`` the context path concerned (when there is one), ``col_offset`` 0-based."""

    code: ErrorCode
    severity: Literal["error", "warning"]
    kind: str
    message: str
    template_name: str | None = None
    lineno: int | None = None
    col_offset: int | None = None
    path: str | None = None
    suggestion: str | None = None


def is_sensitive_path(path: str) -> bool:
    """Whether a dotted path names something that looks private (any part containing one of
    the sensitive words)."""
    lowered = path.lower()
    return any(word in lowered for word in _SENSITIVE_WORDS)


def _literal_name(expr: n.Expr) -> bool:
    """A template name known without rendering: a string, or a list or tuple of strings."""
    if isinstance(expr, n.ListLit | n.TupleLit):
        return all(_literal_name(item) for item in expr.items)
    return isinstance(expr, n.Const) and isinstance(expr.value, str)


def _node_finding(node: n.Node) -> tuple[ErrorCode, str, str, str | None, str] | None:
    """What is wrong with one node, if anything: code, kind, message, path, suggestion."""
    if isinstance(node, n.Const) and isinstance(node.value, str):
        if _SECRET_LITERAL.search(node.value):
            return (
                ErrorCode.PRIVACY_SECRET_LITERAL,
                "secret-like-literal",
                "a string literal looks like a secret (value not shown)",
                None,
                "keep secrets out of templates; redact fixtures",
            )
    elif isinstance(node, n.Output):
        label = expression_label(node.expr)
        if label in _BROAD_OBJECTS:
            return (
                ErrorCode.PRIVACY_BROAD_CONTEXT_OUTPUT,
                "broad-context-output",
                f"the whole '{label}' object is rendered",
                label,
                "render only the fields the page needs",
            )
    elif isinstance(node, n.Filter) and node.name == "safe":
        label = expression_label(node.value)
        if is_sensitive_path(label):
            return (
                ErrorCode.PRIVACY_SAFE_SENSITIVE_VALUE,
                "safe-sensitive-value",
                f"sensitive-looking value '{label}' is marked safe",
                label,
                "drop | safe, or document the sanitizer that makes it trusted",
            )
    elif isinstance(node, _TEMPLATE_REFERENCES) and not _literal_name(node.template):
        return (
            ErrorCode.PRIVACY_DYNAMIC_TEMPLATE_NAME,
            "dynamic-template-name",
            "the template name is computed: a static allowlist cannot check it",
            None,
            "use a literal template name where policy needs static proof",
        )
    return None


def lint_privacy(template_or_ast: Any) -> list[PrivacyFinding]:
    """The privacy findings of a template (or tree): sensitive paths first (sorted), then the
    others in source order.

    Example::

        >>> [(f.code, f.path) for f in lint_privacy(env.from_string("{{ user.password }}"))]
        [('K-PRI-001', 'user.password')]
    """
    tree = tree_of(template_or_ast)
    if tree is None:
        return []
    template_name = name_of(template_or_ast)
    paths = dependencies(body_of(tree), globals_of(template_or_ast))
    findings = [
        PrivacyFinding(
            ErrorCode.PRIVACY_SENSITIVE_CONTEXT,
            "warning",
            "sensitive-context-path",
            f"the template reads sensitive-looking context path '{path}'",
            template_name,
            path=path,
            suggestion="confirm this value is meant to be rendered",
        )
        for path in sorted(paths)
        if is_sensitive_path(path)
    ]
    for node in tree.walk():
        found = _node_finding(node)
        if found is not None:
            code, kind, message, path, suggestion = found
            severity: Literal["error", "warning"] = (
                "error" if code is ErrorCode.PRIVACY_SECRET_LITERAL else "warning"
            )
            findings.append(
                PrivacyFinding(
                    code,
                    severity,
                    kind,
                    message,
                    template_name,
                    node.lineno,
                    node.col - 1,
                    path,
                    suggestion,
                )
            )
    return findings
