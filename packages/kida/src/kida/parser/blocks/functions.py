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
    parser.check_top_level("def", name, token)
    parser.expect_op("(", hint=f"write {{% def {name}() %}}")
    params = statements.parse_params(parser)
    parser.expect_block_end()
    saved_loop = parser.loop_depth
    parser.loop_depth = 0
    body = parser.parse_block_body("def", token)
    parser.loop_depth = saved_loop
    return n.Def(name, params, body)


def parse_call(parser: Parser, token: Token) -> n.Stmt:
    lets: list[str] = []
    if parser.current.test("op", "(") and _at_let(parser, 1):
        parser.advance()  # {% call(let:item, let:index) f() %}: the default slot's bindings
        lets = _let_names(parser)
        parser.expect_op(")", hint="write {% call(let:item) f() %}")
    call = expressions.parse_expression(parser)
    if not isinstance(call, n.Call):
        raise parser.error("{% call %} needs a call", token, hint="write {% call card(title) %}")
    parser.expect_block_end()
    body = parser.parse_block_body("call", token)
    # Fillers of one name add up, in order; an explicit ``default`` joins the bare content.
    fillers: dict[str, n.SlotFill] = {}
    rest: list[n.Stmt] = []
    for stmt in body:
        if isinstance(stmt, n.SlotFill) and stmt.name == "default":
            rest.extend(stmt.body)
            lets.extend(name for name in stmt.lets if name not in lets)
        elif isinstance(stmt, n.SlotFill) and stmt.name in fillers:
            known = fillers[stmt.name]
            known.body.extend(stmt.body)
            known.lets.extend(name for name in stmt.lets if name not in known.lets)
        elif isinstance(stmt, n.SlotFill):
            fillers[stmt.name] = stmt
        else:
            rest.append(stmt)
    return n.CallBlock(call, rest, list(fillers.values()), lets)


def parse_slot(parser: Parser, token: Token) -> n.Stmt:
    """In a ``call`` body (directly), a filler: ``{% slot name let:x %}…{% end %}``; elsewhere
    the placeholder of a def: ``{% slot name %}``, or with bindings and default content
    ``{% slot name let:x=value %}…{% end %}``."""
    name = "default"
    if parser.current.kind == "string" or (
        parser.current.kind == "name" and not _at_let(parser, 0)
    ):
        name = parser.advance().value
    if parser.open_blocks and parser.open_blocks[-1][0] == "call":
        lets = _let_names(parser)
        parser.expect_block_end()
        body = parser.parse_block_body("slot", token)
        return n.SlotFill(name, lets, body, lineno=token.lineno, col=token.col)
    pairs: list[tuple[str, n.Expr]] = []
    while _at_let(parser, 0):
        name_token = parser.peek(2)
        key = _let_name(parser)
        if any(key == known for known, _ in pairs):
            raise parser.error(f"slot binding {key!r} is given twice", name_token)
        parser.expect_op("=", hint=f"a def's slot passes a value: let:{key}=expression")
        pairs.append((key, expressions.parse_expression(parser)))
        parser.skip_op(",")
    parser.expect_block_end()
    body = parser.parse_block_body("slot", token) if pairs else []
    return n.SlotOut(name, pairs, body)


def _at_let(parser: Parser, ahead: int) -> bool:
    return parser.peek(ahead).test("name", "let") and parser.peek(ahead + 1).test("op", ":")


def _let_name(parser: Parser) -> str:
    """The name of ``let:name`` (the current token is ``let``)."""
    parser.pos += 2
    if parser.current.kind != "name":
        raise parser.error(
            f"expected a binding name after 'let:', found {parser.current.describe()}",
            hint="write let:item",
        )
    return parser.advance().value


def _let_names(parser: Parser) -> list[str]:
    """``let:a, let:b``: the bindings a filler receives as locals."""
    names: list[str] = []
    while _at_let(parser, 0):
        name_token = parser.peek(2)
        name = _let_name(parser)
        if parser.current.test("op", "="):
            raise parser.error(
                f"a slot filler receives bindings: write let:{name} without a value",
                parser.current,
                hint="values are given by the def's {% slot name let:x=value %}",
            )
        if name in names:
            raise parser.error(f"slot binding {name!r} is given twice", name_token)
        names.append(name)
        parser.skip_op(",")
    return names


def parse_yield(parser: Parser, token: Token) -> n.Stmt:
    """``{% yield name %}``: render the enclosing def's caller slot, also inside a nested
    ``{% call %}`` body, where ``{% slot %}`` would define a filler instead."""
    name = parser.advance().value if parser.current.kind in ("name", "string") else "default"
    parser.expect_block_end()
    return n.SlotOut(name, [])
