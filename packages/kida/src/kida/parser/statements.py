"""Pieces several statements share: assignment targets, parameters, ``with`` bindings."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from kida import nodes as n
from kida.parser import expressions

if TYPE_CHECKING:
    from kida.parser.core import Parser

_NO_FILL: Final = "kida has no {% fill %}: fill a slot with {% slot name %}...{% end %} in a call"
#: Jinja2 tags kida does not have, and what to write instead (K-PAR-001, as kida-templates'
#: errors.md lists its Jinja2 traps).
FORBIDDEN: Final = {
    "macro": "kida has no macro; declare a component with {% def name(args) %}",
    "endmacro": "kida uses one {% end %} for every block (a def's is {% end %} or {% enddef %})",
    "endset": "capture output into a variable with {% capture name %}...{% end %}",
    "namespace": "kida has no namespace(): bind with {% let %} and change it with {% export %}",
    "fill": _NO_FILL,
    "endfill": _NO_FILL,
}


def parse_bindings(parser: Parser) -> tuple[list[tuple[str, n.Expr]], bool]:
    bindings: list[tuple[str, n.Expr]] = []
    if parser.skip_name("with"):
        while parser.current.kind == "name" and parser.peek().test("op", "="):
            key = parser.advance().value
            parser.advance()
            bindings.append(
                (
                    key,
                    expressions.parse_expression(parser),
                )
            )
            parser.skip_op(",")
        if not bindings and parser.current.kind != "name":
            raise parser.error(
                "expected name=value after 'with'", hint="write {% include 'x' with a=1 %}"
            )
    only = parser.skip_name("only")
    if parser.skip_name("context"):
        only = False
    return bindings, only


def parse_expression_list(parser: Parser) -> n.Expr:
    """One expression, or several separated by commas as a tuple (``match a, b``)."""
    token = parser.current
    first = expressions.parse_expression(parser)
    if not parser.current.test("op", ","):
        return first
    items = [first]
    while parser.skip_op(",") and parser.current.kind != "block_end":
        items.append(expressions.parse_expression(parser))
    return parser.at(n.TupleLit(items), token)  # type: ignore[return-value]


def parse_params(parser: Parser) -> list[n.Param]:
    """Parameters after ``(`` up to and including ``)``."""
    params: list[n.Param] = []
    seen: set[str] = set()
    while not parser.skip_op(")"):
        token = parser.current
        kind = "**" if parser.skip_op("**") else "*" if parser.skip_op("*") else ""
        name = parser.expect_name("a parameter name")
        if name in seen:
            raise parser.error(f"duplicate parameter {name!r}", token)
        seen.add(name)
        annotation = None
        if parser.skip_op(":"):
            annotation = parse_type(parser)
        default = None
        if parser.skip_op("="):
            default = expressions.parse_expression(parser)
        elif not kind and params and params[-1].default is not None and params[-1].kind == "":
            raise parser.error(
                f"parameter {name!r} needs a default",
                token,
                hint="parameters with defaults come last",
            )
        if kind and params and any(p.kind == kind or p.kind == "**" for p in params):
            raise parser.error(f"misplaced {kind}{name}", token)
        params.append(n.Param(name, default, kind, annotation, lineno=token.lineno, col=token.col))
        if not parser.skip_op(","):
            parser.expect_op(")")
            break
    return params


def parse_type(parser: Parser) -> str:
    """A type annotation (names, dots, ``|``, ``[...]``), kept as text spelt as in Python
    (``str | None``, ``dict[str, int]``) whatever the spacing in the template."""
    parts = [parser.expect_name("a type")]
    while (
        parser.current.kind == "op"
        and parser.current.value in (".", "|", "[", "]", ",")
        and not (parser.current.value == "," and not any(p == "[" for p in parts))
    ):
        value = parser.advance().value
        parts.append(_TYPE_SPACING.get(value, value))
        if parser.current.kind == "name":
            parts.append(parser.advance().value)
    return "".join(parts)


_TYPE_SPACING = {"|": " | ", ",": ", "}
