"""``Environment(validate_calls=True)``: calls of a template's own ``{% def %}``s, and of those
it imports by a literal name (``{% from "card.html" import card %}``), checked against their
signatures when compiling; a mismatch (arity, unknown or missing arguments, a literal of the
wrong type for an annotated parameter) is a ``ComponentWarning`` naming template and line (the
render would fail or silently drop an argument)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from kida import nodes as n
from kida.exceptions import ComponentWarning

if TYPE_CHECKING:
    from kida.compiler.core import Compiler

#: The defs of an imported template, from its name as written (None: unknown, left unchecked).
ImportedDefs = Callable[[str], "dict[str, n.Def] | None"]

#: Annotations checked against literal arguments; any other annotation is documentation.
_LITERAL_TYPES: Final[dict[str, tuple[type, ...]]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "None": (type(None),),
    "none": (type(None),),
}
_NAMES: Final[dict[type, str]] = {str: "str", int: "int", float: "float", bool: "bool"}


def signatures(tree: n.TemplateNode, imported: ImportedDefs | None = None) -> dict[str, n.Def]:
    """The defs of the template by name, and those its literal ``from … import`` brings in;
    a name bound twice is left unchecked."""
    found: dict[str, n.Def] = {}
    twice: set[str] = set()

    def bind(name: str, definition: n.Def) -> None:
        if name in found:
            twice.add(name)
        found[name] = definition

    for node in tree.walk():
        if isinstance(node, n.Def):
            bind(node.name, node)
        elif isinstance(node, n.FromImport) and imported is not None:
            target = node.template
            defs = (
                imported(target.value)
                if isinstance(target, n.Const) and isinstance(target.value, str)
                else None
            )
            for name, alias in node.names:
                if defs is not None and name in defs:
                    bind(alias, defs[name])
                else:
                    twice.add(alias)  # bound to something unknown here: never checked
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
    problems.extend(_literal_types(call, plain))
    for problem in problems:
        where = f"{c.name or '<string>'}:{call.lineno}"
        warnings.warn(f"{where}: {definition.name}() {problem}", ComponentWarning, stacklevel=2)


def _literal_types(call: n.Call, params: list[n.Param]) -> list[str]:
    """A literal argument whose type its parameter's annotation excludes (``str | None``
    unions included); computed values and other annotations are not checked."""
    by_name = {p.name: p for p in params}
    given = list(zip(params, call.arguments.args, strict=False))
    given += [(by_name[k], v) for k, v in call.arguments.kwargs if k in by_name]
    problems = []
    for param, value in given:
        if param.annotation is None or not isinstance(value, n.Const):
            continue
        allowed = _allowed(param.annotation)
        if allowed is None or _fits(value.value, allowed):
            continue
        got = _NAMES.get(type(value.value), type(value.value).__name__)
        problems.append(
            f"param {param.name!r} expects {param.annotation}, got {got} ({value.value!r})"
        )
    return problems


def _allowed(annotation: str) -> tuple[type, ...] | None:
    types: tuple[type, ...] = ()
    for part in annotation.split("|"):
        known = _LITERAL_TYPES.get(part.strip())
        if known is None:
            return None
        types += known
    return types


def _fits(value: Any, allowed: tuple[type, ...]) -> bool:
    if isinstance(value, bool):  # a bool is an int to Python, not to an "int" parameter
        return bool in allowed
    return isinstance(value, allowed)
