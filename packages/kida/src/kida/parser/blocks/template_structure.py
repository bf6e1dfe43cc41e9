"""``block``/``fragment``/``region``, ``extends``, ``include``, ``embed``, ``import``, ``from``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kida import nodes as n
from kida.exceptions import ErrorCode
from kida.lexer import Token
from kida.parser import expressions, statements

if TYPE_CHECKING:
    from kida.parser.core import Parser


def parse_block(parser: Parser, token: Token) -> n.Stmt:
    kind = token.value
    name_token = parser.current
    name = parser.expect_name(f"a {kind} name")
    if parser.current.test("op", "-") and parser.peek().kind == "name":
        full = f"{name}-{parser.peek().value}"
        raise parser.error(
            f"invalid {kind} name {full!r}: it contains a hyphen",
            name_token,
            hint=f"use underscores: {{% {kind} {full.replace('-', '_')} %}}",
            code=ErrorCode.INVALID_IDENTIFIER,
        )
    params: list[n.Param] = []
    if kind == "region":
        parser.check_top_level(kind, name, token)
        parser.expect_op("(")
        params = statements.parse_params(parser)
    cond = None
    modifiers: list[n.BlockModifier] = []
    while parser.current.kind == "name":
        if parser.peek().test("op", "="):
            modifiers.append(_parse_modifier(parser, kind, modifiers))
            parser.skip_op(",")
        elif cond is None and parser.skip_name("if"):
            cond = expressions.parse_expression(parser)
        else:
            raise parser.error(
                f"expected name=value after the {kind} name, found {parser.current.value!r}",
                hint=f'{kind} modifiers are literal metadata: {{% {kind} {name} enhanced="sse" %}}',
            )
    parser.expect_block_end()
    body, _ = parser.subparse(kind, token)
    return n.Block(name, body, cond, kind, params, tuple(modifiers))


def _parse_modifier(parser: Parser, kind: str, seen: list[n.BlockModifier]) -> n.BlockModifier:
    """One ``name=literal`` of a block tag; the value must be a scalar known before rendering."""
    key_token = parser.advance()
    if any(m.name == key_token.value for m in seen):
        raise parser.error(
            f"Duplicate {kind} modifier {key_token.value!r}",
            key_token,
            hint="give each modifier once",
        )
    parser.advance()  # "="
    value_token = parser.current
    # Stops before "if", so ``if="x" if cond`` keeps its condition.
    value = expressions.parse_unary(parser)
    if (
        isinstance(value, n.UnaryOp)
        and value.op == "-"
        and isinstance(value.operand, n.Const)
        and type(value.operand.value) in (int, float)
    ):
        value = n.Const(-value.operand.value)
    if not isinstance(value, n.Const) or not isinstance(
        value.value, str | int | float | bool | None
    ):
        raise parser.error(
            f"the {kind} modifier {key_token.value!r} must be a literal scalar "
            "(string, number, true/false or none)",
            value_token,
            hint=f'modifiers are metadata read before rendering: {key_token.value}="…"',
        )
    # Columns in the metadata are 0-based, as Python's ast reports them.
    return n.BlockModifier(key_token.lineno, key_token.col - 1, key_token.value, value.value)


def parse_extends(parser: Parser, token: Token) -> n.Stmt:
    template = expressions.parse_expression(parser)
    parser.expect_block_end()
    return n.Extends(template)


def parse_include(parser: Parser, token: Token) -> n.Stmt:
    template = expressions.parse_expression(parser)
    ignore = False
    if parser.skip_name("ignore"):
        if not parser.skip_name("missing"):
            raise parser.error("expected 'missing' after 'ignore'")
        ignore = True
    bindings, only = statements.parse_bindings(parser)
    parser.expect_block_end()
    return n.Include(template, ignore, bindings, only)


def parse_embed(parser: Parser, token: Token) -> n.Stmt:
    template = expressions.parse_expression(parser)
    bindings, only = statements.parse_bindings(parser)
    parser.expect_block_end()
    body = parser.parse_block_body("embed", token)
    blocks = [stmt for stmt in body if isinstance(stmt, n.Block)]
    for stmt in body:
        if not isinstance(stmt, n.Block | n.Data):
            raise parser.error(
                "an {% embed %} body holds only {% block %} overrides",
                token,
                hint="move other statements into a block",
            )
    return n.Embed(template, blocks, bindings, only)


def parse_import(parser: Parser, token: Token) -> n.Stmt:
    template = expressions.parse_expression(parser)
    if not parser.skip_name("as"):
        raise parser.error("expected 'as' in {% import %}", hint='write {% import "x.html" as x %}')
    alias = parser.expect_name("an alias")
    parser.skip_name("with") and parser.skip_name("context")
    parser.expect_block_end()
    return n.Import(template, alias)


def parse_from(parser: Parser, token: Token) -> n.Stmt:
    template = expressions.parse_expression(parser)
    if not parser.skip_name("import"):
        raise parser.error(
            "expected 'import' in {% from %}", hint='write {% from "x.html" import a, b %}'
        )
    names: list[tuple[str, str]] = []
    while True:
        name = parser.expect_name("a name to import")
        alias = parser.expect_name("an alias") if parser.skip_name("as") else name
        names.append((name, alias))
        if not parser.skip_op(","):
            break
    parser.skip_name("with") and parser.skip_name("context")
    parser.expect_block_end()
    return n.FromImport(template, names)
