"""``{% try %}`` … ``{% fallback %}``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kida import nodes as n
from kida.lexer import Token

if TYPE_CHECKING:
    from kida.parser.core import Parser


def parse_try(parser: Parser, token: Token) -> n.Stmt:
    parser.expect_block_end()
    body, word = parser.subparse("try", token, frozenset({"fallback"}))
    fallback: list[n.Stmt] = []
    error_name = None
    if word == "fallback":
        if parser.current.kind == "name":
            error_name = parser.advance().value
        parser.expect_block_end()
        fallback = parser.parse_block_body("try", token)
    return n.Try(body, fallback, error_name)
