"""``def``, ``call`` and ``slot``: template functions and what callers pass in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kida import nodes as n
from kida.lexer import Token
from kida.parser import expressions, statements

if TYPE_CHECKING:
    from kida.parser.core import Parser


def parse_def(parser: Parser, token: Token) -> n.Stmt:
    name = parser.expect_name("a def name")
    parser.expect_op("(", hint=f"write {{% def {name}() %}}")
    params = statements.parse_params(parser)
    parser.expect_block_end()
    saved_loop, saved_call = parser.loop_depth, parser.in_call_body
    parser.loop_depth, parser.in_call_body = 0, False
    parser.in_def += 1
    body = parser.parse_block_body("def", token)
    parser.in_def -= 1
    parser.loop_depth, parser.in_call_body = saved_loop, saved_call
    return n.Def(name, params, body)


def parse_call(parser: Parser, token: Token) -> n.Stmt:
    call = expressions.parse_expression(parser)
    if not isinstance(call, n.Call):
        raise parser.error("{% call %} needs a call", token, hint="write {% call card(title) %}")
    parser.expect_block_end()
    saved = parser.in_call_body
    parser.in_call_body = True
    body = parser.parse_block_body("call", token)
    parser.in_call_body = saved
    slots = [stmt for stmt in body if isinstance(stmt, n.SlotFill)]
    rest = [stmt for stmt in body if not isinstance(stmt, n.SlotFill)]
    return n.CallBlock(call, rest, slots)


def parse_slot(parser: Parser, token: Token) -> n.Stmt:
    name = parser.advance().value if parser.current.kind in ("name", "string") else "default"
    if parser.in_call_body:
        lets: list[str] = []
        while _skip_let(parser):
            lets.append(parser.expect_name())
            parser.skip_op(",")
        parser.expect_block_end()
        parser.in_call_body = False
        body = parser.parse_block_body("slot", token)
        parser.in_call_body = True
        return n.SlotFill(name, lets, body, lineno=token.lineno, col=token.col)
    pairs: list[tuple[str, n.Expr]] = []
    while _skip_let(parser):
        key = parser.expect_name()
        parser.expect_op("=")
        pairs.append(
            (
                key,
                expressions.parse_expression(parser),
            )
        )
        parser.skip_op(",")
    parser.expect_block_end()
    return n.SlotOut(name, pairs)


def _skip_let(parser: Parser) -> bool:
    if parser.current.test("name", "let") and parser.peek().test("op", ":"):
        parser.pos += 2
        return True
    return False


def parse_yield(parser: Parser, token: Token) -> n.Stmt:
    name = parser.advance().value if parser.current.kind in ("name", "string") else "default"
    parser.expect_block_end()
    return n.SlotOut(name, [], forward=True)
