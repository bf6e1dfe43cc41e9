"""Tags that capture or redirect output.

``capture``, ``filter``, ``spaceless``, ``cache``, ``push``/``stack``, ``provide``, ``flush``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kida import nodes as n
from kida.lexer import Token
from kida.parser import expressions

if TYPE_CHECKING:
    from kida.parser.core import Parser


def parse_capture(parser: Parser, token: Token) -> n.Stmt:
    name = parser.expect_name("the variable to capture into")
    placeholder: n.Expr = n.Name("", lineno=token.lineno, col=token.col)
    chain = expressions.parse_filters(parser, placeholder)
    parser.expect_block_end()
    filters = None if chain is placeholder else chain
    return n.Capture(name, parser.parse_block_body("capture", token), filters)


def parse_filter_block(parser: Parser, token: Token) -> n.Stmt:
    placeholder: n.Expr = n.Name("", lineno=token.lineno, col=token.col)
    chain = expressions.parse_filters(parser, placeholder, allow_first=True)
    if chain is placeholder:
        raise parser.error("expected a filter name", hint="write {% filter upper %}")
    parser.expect_block_end()
    return n.FilterBlock(chain, parser.parse_block_body("filter", token))


def parse_spaceless(parser: Parser, token: Token) -> n.Stmt:
    parser.expect_block_end()
    return n.Spaceless(parser.parse_block_body("spaceless", token))


def parse_cache(parser: Parser, token: Token) -> n.Stmt:
    key = expressions.parse_expression(parser)
    ttl = None
    if parser.skip_op(","):
        if not parser.skip_name("ttl"):
            raise parser.error("expected ttl=", hint="write {% cache key, ttl=60 %}")
        parser.expect_op("=")
        ttl = expressions.parse_expression(parser)
    parser.expect_block_end()
    return n.Cache(key, ttl, parser.parse_block_body("cache", token))


def parse_push(parser: Parser, token: Token) -> n.Stmt:
    stack = expressions.parse_expression(parser)
    parser.expect_block_end()
    return n.Push(stack, parser.parse_block_body("push", token))


def parse_stack(parser: Parser, token: Token) -> n.Stmt:
    stack = expressions.parse_expression(parser)
    parser.expect_block_end()
    return n.StackOut(stack)


def parse_provide(parser: Parser, token: Token) -> n.Stmt:
    pairs: list[tuple[str, n.Expr]] = []
    while True:
        if parser.current.kind == "string":
            key = parser.advance().value
            if not parser.skip_op("="):
                parser.expect_op(",")
        else:
            key = parser.expect_name("a key to provide")
            parser.expect_op("=")
        pairs.append(
            (
                key,
                expressions.parse_expression(parser),
            )
        )
        if not parser.skip_op(","):
            break
    parser.expect_block_end()
    return n.Provide(pairs, parser.parse_block_body("provide", token))


def parse_flush(parser: Parser, token: Token) -> n.Stmt:
    parser.expect_block_end()
    return n.Flush()
