"""``Environment(validate_calls=True)``: calls of a template's own ``{% def %}`` checked against
its signature when compiling; a mismatch is a ``ComponentWarning`` naming template and line (the
render would fail or silently drop an argument)."""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from kida import nodes as n
from kida.exceptions import ComponentWarning

if TYPE_CHECKING:
    from kida.compiler.core import Compiler


def signatures(tree: n.TemplateNode) -> dict[str, n.Def]:
    """The defs of the template by name; a name defined twice is left unchecked."""
    found: dict[str, n.Def] = {}
    twice: set[str] = set()
    for node in tree.walk():
        if isinstance(node, n.Def):
            if node.name in found:
                twice.add(node.name)
            found[node.name] = node
    return {name: node for name, node in found.items() if name not in twice}


def validate(c: Compiler, call: n.Call) -> None:
    """Check ``call`` when it calls one of the template's defs and validation is on."""
    func = call.func
    if c.signatures and isinstance(func, n.Name) and func.name in c.signatures:
        _check(c, call, c.signatures[func.name])


def _check(c: Compiler, call: n.Call, definition: n.Def) -> None:
    """Warn about too many positional arguments, unknown keywords and missing required ones."""
    arguments = call.arguments
    plain = [p for p in definition.params if p.kind == ""]
    takes_star = any(p.kind == "*" for p in definition.params)
    takes_dstar = any(p.kind == "**" for p in definition.params)
    problems: list[str] = []
    if len(arguments.args) > len(plain) and not takes_star:
        problems.append(f"takes {len(plain)} positional arguments, {len(arguments.args)} given")
    names = {p.name for p in plain}
    unknown = [key for key, _ in arguments.kwargs if key not in names]
    if unknown and not takes_dstar:
        problems.append(f"unknown parameter {', '.join(map(repr, unknown))}")
    if arguments.star is None and arguments.dstar is None:
        given = {p.name for p in plain[: len(arguments.args)]} | {k for k, _ in arguments.kwargs}
        missing = [p.name for p in plain if p.default is None and p.name not in given]
        if missing:
            problems.append(f"missing required argument {', '.join(map(repr, missing))}")
    for problem in problems:
        where = f"{c.name or '<string>'}:{call.lineno}"
        warnings.warn(f"{where}: {definition.name}() {problem}", ComponentWarning, stacklevel=2)
