"""``{% trans %}`` … ``{% plural %}``: the message text and its variables."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kida import nodes as n
from kida.lexer import Token
from kida.parser import expressions

if TYPE_CHECKING:
    from kida.parser.core import Parser


def parse_trans(parser: Parser, token: Token) -> n.Stmt:
    variables: dict[str, n.Expr] = {}
    count: n.Expr | None = None
    while parser.current.kind == "name":
        var = parser.advance().value
        variables[var] = (
            expressions.parse_expression(parser)
            if parser.skip_op("=")
            else n.Name(var, lineno=token.lineno, col=token.col)
        )
        if count is None:
            count = variables[var]
        parser.skip_op(",")
    # kida counts with the binding named ``count``; otherwise the first binding, as Jinja2 does.
    count = variables.get("count", count)
    parser.expect_block_end()
    parser.open_blocks.append(("trans", token))
    singular = _trans_text(parser, variables, token)
    plural: str | None = None
    if parser.peek().value == "plural":
        parser.pos += 2
        if parser.current.kind == "name":
            var = parser.advance().value
            count = variables.setdefault(var, n.Name(var, lineno=token.lineno, col=token.col))
        parser.expect_block_end()
        plural = _trans_text(parser, variables, token)
    parser.open_blocks.pop()
    word = parser.peek().value
    if word not in ("end", "endtrans"):
        raise parser.error(
            f"unexpected {{% {word} %}} in {{% trans %}}",
            parser.peek(),
            hint="a trans block holds text and {{ name }} only",
        )
    if word == "end":
        parser.bare_ends.append((parser.peek(), "trans"))
    parser.pos += 2
    parser.expect_block_end()
    if plural is not None and count is None:
        raise parser.error("{% plural %} needs a count", token, hint="write {% trans count=n %}")
    return n.Trans(singular, plural, count, variables)


def _trans_text(parser: Parser, variables: dict[str, n.Expr], token: Token) -> str:
    parts: list[str] = []
    while True:
        current = parser.current
        if current.kind == "data":
            parts.append(parser.advance().value.replace("%", "%%"))
        elif current.kind == "var_begin":
            parser.advance()
            var = parser.expect_name("a variable name (trans allows {{ name }} only)")
            if parser.current.kind != "var_end":
                raise parser.error(
                    "only {{ name }} is allowed inside {% trans %}",
                    hint="bind expressions first: {% trans n=items|length %}",
                )
            parser.advance()
            variables.setdefault(var, n.Name(var, lineno=current.lineno, col=current.col))
            parts.append(f"%({var})s")
        elif current.kind == "block_begin" and parser.peek().value in (
            "plural",
            "end",
            "endtrans",
        ):
            # Runs of whitespace become one space, as kida does and as the extractor writes the
            # message id, so an indented multi-line block finds its translation.
            return " ".join("".join(parts).split())
        elif current.kind == "eof":
            parser.parse_body(frozenset())
        else:
            raise parser.error(
                "only text and {{ name }} are allowed inside {% trans %}",
                hint="close it with {% endtrans %}",
            )
