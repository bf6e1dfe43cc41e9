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
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from kida import nodes as n
from kida.exceptions import ComponentWarning, ErrorCode, TemplateWarning

#: Annotation name → the literal types that fit it.
_LITERAL_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (float, int),
    "bool": (bool,),
    "None": (type(None),),
    "none": (type(None),),
}


@dataclass(frozen=True, slots=True)
class CallIssue:
    """One problem at one call site."""

    code: ErrorCode
    def_name: str
    lineno: int
    problem: str
    suggestion: str


def local_defs(tree: n.TemplateNode) -> dict[str, n.Def]:
    """The defs of the template by name; a name defined twice is left unchecked."""
    found: dict[str, n.Def] = {}
    twice: set[str] = set()
    for node in tree.walk():
        if isinstance(node, n.Def):
            if node.name in found:
                twice.add(node.name)
            found[node.name] = node
    return {name: node for name, node in found.items() if name not in twice}


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
    signatures: dict[str, n.Def] = {}
    for template_name, names in literal_imports(tree):
        available = imported_defs(template_name)
        for def_name, local in names:
            if def_name in available:
                signatures[local] = available[def_name]
    signatures.update(local_defs(tree))
    if not signatures:
        return []
    found: list[TemplateWarning] = []
    where = name or "<string>"
    for node in tree.walk():
        if isinstance(node, n.Call) and isinstance(node.func, n.Name):
            definition = signatures.get(node.func.name)
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
    arguments = call.arguments
    plain = [p for p in definition.params if p.kind == ""]
    takes_star = any(p.kind == "*" for p in definition.params)
    takes_dstar = any(p.kind == "**" for p in definition.params)
    signature = ErrorCode.COMPONENT_CALL_SIGNATURE
    fix = (
        f"compare the call with {{% def {definition.name}(...) %}}: rename, add or remove arguments"
    )
    found: list[CallIssue] = []

    def add(code: ErrorCode, problem: str, suggestion: str = fix) -> None:
        found.append(CallIssue(code, called, call.lineno, problem, suggestion))

    if len(arguments.args) > len(plain) and not takes_star:
        add(signature, f"takes {len(plain)} positional arguments, {len(arguments.args)} given")
    names = {p.name for p in plain}
    keys = [key for key, _ in arguments.kwargs]
    unknown = [key for key in keys if key not in names]  # a repeated keyword is a syntax error
    if unknown and not takes_dstar:
        add(signature, f"unknown parameter {', '.join(map(repr, unknown))}")
    if arguments.star is None and arguments.dstar is None:
        given = {p.name for p in plain[: len(arguments.args)]} | set(keys)
        missing = [p.name for p in plain if p.default is None and p.name not in given]
        if missing:
            add(signature, f"missing required argument {', '.join(map(repr, missing))}")
    by_name = {p.name: p for p in plain}
    passed = list(zip(plain, arguments.args, strict=False))
    passed += [(by_name[k], v) for k, v in arguments.kwargs if k in by_name]
    for param, value in passed:
        accepted = _accepted_types(param.annotation)
        if accepted is None or not isinstance(value, n.Const):
            continue
        if type(value.value) not in accepted:
            add(
                ErrorCode.COMPONENT_TYPE_MISMATCH,
                f"parameter '{param.name}' expects {param.annotation}, got "
                f"{type(value.value).__name__} ({value.value!r})",
                f"pass a literal of type {param.annotation} for '{param.name}', or widen the "
                "annotation",
            )
    return found


def _accepted_types(annotation: str | None) -> tuple[type, ...] | None:
    """The literal types an annotation admits; None when it is not checkable."""
    if annotation is None:
        return None
    accepted: tuple[type, ...] = ()
    for part in annotation.split("|"):
        types = _LITERAL_TYPES.get(part.strip())
        if types is None:
            return None
        accepted += types
    return accepted
