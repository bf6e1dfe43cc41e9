"""``audit_escaping()``: an inventory of where a template's output is escaped, where it is
not, and where a filter declares markup trusted, for code review and CI reports.

Codes: K-ESC-001 an escaped ``{{ }}`` (info); K-ESC-002 ``| safe`` (with its ``reason=`` when
given, else a suggestion to add one); K-ESC-003 an output of a template whose autoescape is
off; K-ESC-004 ``tojson`` and K-ESC-005 ``xmlattr``, which return trusted markup (info). The
findings describe the source; they change no rendering and prove nothing about sanitizing.
"""

from dataclasses import dataclass
from typing import Any, Literal

from kida import nodes as n
from kida.analysis.targets import autoescapes, expression_label, name_of, tree_of
from kida.exceptions import ErrorCode

Severity = Literal["info", "warning"]


@dataclass(frozen=True, slots=True)
class EscapeAuditFinding:
    """One finding; ``code`` is the :class:`~kida.exceptions.ErrorCode` (a ``str``),
    ``expression`` the context path (or node type) concerned, ``col_offset`` 0-based."""

    code: ErrorCode
    severity: Severity
    kind: str
    message: str
    template_name: str | None = None
    lineno: int | None = None
    col_offset: int | None = None
    expression: str | None = None
    suggestion: str | None = None


def _safe_reason(node: n.Filter) -> str | None:
    """The literal ``reason`` of ``| safe(reason="…")`` (or its first argument)."""
    arguments = node.arguments
    given = dict(arguments.kwargs).get("reason") or (arguments.args[0] if arguments.args else None)
    if isinstance(given, n.Const) and isinstance(given.value, str) and given.value.strip():
        return given.value
    return None


#: Filters that return trusted markup by design: code, kind, message, suggestion.
_TRUSTING_FILTERS: dict[str, tuple[ErrorCode, str, str, str]] = {
    "tojson": (
        ErrorCode.ESCAPE_TRUSTED_JSON,
        "tojson",
        "tojson returns trusted JSON markup",
        "inside an HTML attribute use tojson(attr=true)",
    ),
    "xmlattr": (
        ErrorCode.ESCAPE_TRUSTED_XMLATTR,
        "xmlattr",
        "xmlattr returns trusted HTML attribute markup",
        "make sure its keys and values are fit for output",
    ),
}


def _filter_finding(node: n.Filter, template_name: str | None) -> EscapeAuditFinding | None:
    severity: Severity
    if node.name == "safe":
        reason = _safe_reason(node)
        code, severity, kind = ErrorCode.ESCAPE_TRUSTED_MARKUP, "warning", "safe-filter"
        message = "| safe marks the value as trusted markup" + (
            f": {reason}" if reason else " (no reason given)"
        )
        suggestion = None if reason else 'say why with | safe(reason="...")'
    elif node.name in _TRUSTING_FILTERS:
        code, kind, message, suggestion = _TRUSTING_FILTERS[node.name]
        severity = "info"
    else:
        return None
    return EscapeAuditFinding(
        code,
        severity,
        kind,
        message,
        template_name,
        node.lineno,
        node.col - 1,
        expression_label(node.value),
        suggestion,
    )


def _output_finding(node: n.Output, escaped: bool, template_name: str | None) -> EscapeAuditFinding:
    if escaped:
        return EscapeAuditFinding(
            ErrorCode.ESCAPE_ESCAPED_OUTPUT,
            "info",
            "escaped-output",
            "output is HTML-escaped",
            template_name,
            node.lineno,
            node.col - 1,
            expression_label(node.expr),
        )
    return EscapeAuditFinding(
        ErrorCode.ESCAPE_UNESCAPED_OUTPUT,
        "warning",
        "unescaped-output",
        "output is not escaped: autoescape is off for this template",
        template_name,
        node.lineno,
        node.col - 1,
        expression_label(node.expr),
        "turn autoescape on, or escape this value explicitly",
    )


def audit_escaping(
    template_or_ast: Any, *, include_output_sites: bool = True
) -> list[EscapeAuditFinding]:
    """The escaping findings of a template (or tree, taken as autoescaped) in source order;
    ``include_output_sites=False`` keeps only the trusted-markup ones (K-ESC-002/004/005) and
    the unescaped outputs.

    Example::

        >>> [f.code for f in audit_escaping(env.from_string("{{ x }}{{ y | safe }}"))]
        ['K-ESC-001', 'K-ESC-001', 'K-ESC-002']
    """
    tree = tree_of(template_or_ast)
    if tree is None:
        return []
    template_name = name_of(template_or_ast)
    escaped = autoescapes(template_or_ast)
    findings: list[EscapeAuditFinding] = []
    for node in tree.walk():
        if isinstance(node, n.Output) and (include_output_sites or not escaped):
            findings.append(_output_finding(node, escaped, template_name))
        elif isinstance(node, n.Filter):
            found = _filter_finding(node, template_name)
            if found is not None:
                findings.append(found)
    return findings
