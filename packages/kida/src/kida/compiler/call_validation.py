"""``Environment(validate_calls=True)``: calls of a template's own ``{% def %}`` checked against
its signature when compiling; a mismatch is a ``ComponentWarning`` naming template, line and
code (the render would fail or silently drop an argument): K-CMP-001 for too many positional
arguments, unknown keywords and missing required ones, K-CMP-002 for a literal argument its
annotation excludes. The checks are ``kida.analysis.calls``', which ``BlockAnalyzer`` reports."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from kida import nodes as n
from kida.analysis.calls import check_call, check_call_types
from kida.analysis.calls import signatures as signatures
from kida.exceptions import ComponentWarning, ErrorCode

if TYPE_CHECKING:
    from kida.compiler.core import Compiler


def validate(c: Compiler, call: n.Call) -> None:
    """Check ``call`` when it calls one of the template's defs and validation is on."""
    func = call.func
    if c.signatures and isinstance(func, n.Name) and func.name in c.signatures:
        _check(c, call, c.signatures[func.name])


def _check(c: Compiler, call: n.Call, definition: n.Def) -> None:
    """Warn about each way the call does not fit the def."""
    arguments = call.arguments
    plain = [p for p in definition.params if p.kind == ""]
    problems: list[tuple[ErrorCode, str]] = []
    if len(arguments.args) > len(plain) and not any(p.kind == "*" for p in definition.params):
        given = len(arguments.args)
        problems.append(
            (
                ErrorCode.COMPONENT_CALL_SIGNATURE,
                f"takes {len(plain)} positional arguments, {given} given",
            )
        )
    issue = check_call(call, definition)
    if issue.unknown_params:
        unknown = ", ".join(map(repr, issue.unknown_params))
        problems.append((ErrorCode.COMPONENT_CALL_SIGNATURE, f"unknown parameter {unknown}"))
    if issue.missing_required:
        missing = ", ".join(map(repr, issue.missing_required))
        problems.append(
            (ErrorCode.COMPONENT_CALL_SIGNATURE, f"missing required argument {missing}")
        )
    problems.extend(
        (
            ErrorCode.COMPONENT_TYPE_MISMATCH,
            f"argument {m.param_name!r} is annotated {m.expected}, "
            f"got {m.actual_type} {m.actual_value!r}",
        )
        for m in check_call_types(call, definition)
    )
    where = f"{c.name or '<string>'}:{call.lineno}"
    for code, problem in problems:
        message = f"{where}: [{code}] {definition.name}() {problem}"
        warnings.warn(message, ComponentWarning, stacklevel=2)
