"""``Environment(validate_calls=True)``: calls of ``{% def %}`` components checked against their
signatures when a template is compiled, so a misspelt prop is found before any render.

Checked: calls of the template's own defs and of defs brought in by ``{% from "literal" import
card %}`` (a dynamic template name cannot be known, so it is skipped), as ``{{ card(...) }}``,
in any expression, and as ``{% call card(...) %}``. Two kinds of findings, each a
:class:`~kida.exceptions.ComponentWarning` and a :class:`~kida.exceptions.TemplateWarning` on
``template.warnings``:

- ``K-CMP-001``: unknown keyword, missing required parameter, too many positional arguments
  (relaxed by ``*args``/``**kwargs`` in the def);
- ``K-CMP-002``: a literal argument whose type does not fit the parameter's annotation
  (``str``, ``int``, ``float`` (an int fits), ``bool``, ``None`` and ``|`` unions of them;
  other annotations and non-literal arguments are documentation only).

The checks themselves are ``kida.analysis.calls``' (what ``BlockAnalyzer`` reports); this
module finds the signatures a template can see and turns findings into warnings.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kida import nodes as n
from kida.analysis.calls import check_call, check_call_types, signatures
from kida.exceptions import ComponentWarning, ErrorCode, TemplateWarning


@dataclass(frozen=True, slots=True)
class CallIssue:
    """One problem at one call site."""

    code: ErrorCode
    def_name: str
    lineno: int
    problem: str
    suggestion: str


def literal_imports(tree: n.TemplateNode) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """``(template name, [(def name, local name), ...])`` of each ``{% from "x" import ... %}``
    whose template is a literal string."""
    for node in tree.walk():
        if (
            isinstance(node, n.FromImport)
            and isinstance(node.template, n.Const)
            and isinstance(node.template.value, str)
        ):
            yield node.template.value, node.names


def check(
    tree: n.TemplateNode,
    name: str | None,
    imported_defs: Callable[[str], dict[str, n.Def]],
) -> list[TemplateWarning]:
    """Check every call of a known def in ``tree``; warn and return what was found.

    ``imported_defs(template_name)`` gives the defs of a template named in a literal
    ``{% from %}`` (empty when it cannot be loaded: the render reports that)."""
    imported: dict[str, n.Def] = {}
    bound: list[str] = []
    for template_name, names in literal_imports(tree):
        available = imported_defs(template_name)
        for def_name, local in names:
            bound.append(local)
            if def_name in available:
                imported[local] = available[def_name]
    # A name bound twice (two imports, or an import and a def) is left unchecked: which one a
    # call means depends on the path the render takes.
    defined = {node.name for node in tree.walk() if isinstance(node, n.Def)}
    twice = {name for name in bound if bound.count(name) > 1} | (defined & set(bound))
    known = {
        name: node for name, node in {**imported, **signatures(tree)}.items() if name not in twice
    }
    if not known:
        return []
    found: list[TemplateWarning] = []
    where = name or "<string>"
    for node in tree.walk():
        if isinstance(node, n.Call) and isinstance(node.func, n.Name):
            definition = known.get(node.func.name)
            if definition is None:
                continue
            for issue in issues(node, node.func.name, definition):
                warning = TemplateWarning(
                    issue.code,
                    f"call to '{issue.def_name}': {issue.problem}",
                    where,
                    issue.lineno,
                    issue.suggestion,
                )
                found.append(warning)
                warnings.warn_explicit(
                    warning.format_message(), ComponentWarning, where, issue.lineno
                )
    return found


def issues(call: n.Call, called: str, definition: n.Def) -> list[CallIssue]:
    """What is wrong with ``call`` (of ``definition`` under the name ``called``)."""
    plain = [p for p in definition.params if p.kind == ""]
    given = len(call.arguments.args)
    signature = ErrorCode.COMPONENT_CALL_SIGNATURE
    fix = (
        f"compare the call with {{% def {definition.name}(...) %}}: rename, add or remove arguments"
    )
    found: list[CallIssue] = []

    def add(code: ErrorCode, problem: str, suggestion: str = fix) -> None:
        found.append(CallIssue(code, called, call.lineno, problem, suggestion))

    if given > len(plain) and not any(p.kind == "*" for p in definition.params):
        add(signature, f"takes {len(plain)} positional arguments, {given} given")
    validation = check_call(call, definition)
    if validation.unknown_params:
        add(signature, f"unknown parameter {', '.join(map(repr, validation.unknown_params))}")
    if validation.missing_required:
        missing = ", ".join(map(repr, validation.missing_required))
        add(signature, f"missing required argument {missing}")
    for mismatch in check_call_types(call, definition):
        add(
            ErrorCode.COMPONENT_TYPE_MISMATCH,
            f"parameter '{mismatch.param_name}' expects {mismatch.expected}, got "
            f"{mismatch.actual_type} ({mismatch.actual_value!r})",
            f"pass a literal of type {mismatch.expected} for '{mismatch.param_name}', or widen "
            "the annotation",
        )
    return found
