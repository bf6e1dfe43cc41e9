"""``if``/``unless``, ``for``/``async for``, ``while``, ``break``/``continue``, ``match``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kida import nodes as n
from kida.lexer import Token
from kida.parser import expressions, statements

if TYPE_CHECKING:
    from kida.parser.core import Parser


def parse_if(parser: Parser, token: Token) -> n.Stmt:
    test = expressions.parse_expression(parser)
    parser.expect_block_end()
    body, word = parser.subparse("if", token, frozenset({"elif", "else"}))
    otherwise: list[n.Stmt] = []
    if word == "elif":
        elif_token = parser.tokens[parser.pos - 1]
        nested = parse_if(parser, token)
        nested.lineno, nested.col = elif_token.lineno, elif_token.col
        otherwise = [nested]
    elif word == "else":
        parser.expect_block_end()
        otherwise = parser.parse_block_body("if", token)
    return n.If(test, body, otherwise)


def parse_unless(parser: Parser, token: Token) -> n.Stmt:
    test = expressions.parse_expression(parser)
    parser.expect_block_end()
    body, word = parser.subparse("unless", token, frozenset({"else"}))
    otherwise: list[n.Stmt] = []
    if word == "else":
        parser.expect_block_end()
        otherwise = parser.parse_block_body("unless", token)
    return n.If(n.UnaryOp("not", test, lineno=test.lineno, col=test.col), body, otherwise)


def parse_for(parser: Parser, token: Token, is_async: bool = False) -> n.Stmt:
    target = expressions.parse_target(parser)
    if not parser.skip_name("in"):
        raise parser.error(
            f"expected 'in', found {parser.current.describe()}", hint="write {% for x in items %}"
        )
    iterable = expressions.parse_expression(parser, with_condexpr=False)
    cond = expressions.parse_expression(parser) if parser.skip_name("if") else None
    parser.expect_block_end()
    tag = "async for" if is_async else "for"
    parser.loop_depth += 1
    body, word = parser.subparse(tag, token, frozenset({"empty", "else"}))
    parser.loop_depth -= 1
    empty: list[n.Stmt] = []
    if word in ("empty", "else"):
        parser.expect_block_end()
        empty = parser.parse_block_body(tag, token)
    return n.For(target, iterable, body, empty, cond, is_async)


def parse_async(parser: Parser, token: Token) -> n.Stmt:
    if not parser.skip_name("for"):
        raise parser.error("expected 'for' after 'async'", hint="write {% async for x in source %}")
    return parse_for(parser, token, is_async=True)


def parse_while(parser: Parser, token: Token) -> n.Stmt:
    test = expressions.parse_expression(parser)
    parser.expect_block_end()
    parser.loop_depth += 1
    body = parser.parse_block_body("while", token)
    parser.loop_depth -= 1
    return n.While(test, body)


def parse_break(parser: Parser, token: Token) -> n.Stmt:
    return _loop_control(parser, token, n.Break())


def parse_continue(parser: Parser, token: Token) -> n.Stmt:
    return _loop_control(parser, token, n.Continue())


def _loop_control(parser: Parser, token: Token, stmt: n.Stmt) -> n.Stmt:
    if not parser.loop_depth:
        raise parser.error(
            f"{{% {token.value} %}} outside a loop",
            token,
            hint="use it inside {% for %} or {% while %}",
        )
    parser.expect_block_end()
    return stmt


def parse_match(parser: Parser, token: Token) -> n.Stmt:
    subject = None
    if parser.current.kind != "block_end":
        subject = statements.parse_expression_list(parser)
    parser.expect_block_end()
    parser.open_blocks.append(("match", token))
    while parser.current.kind == "data":  # text before the first case is dropped, as in kida
        parser.advance()
    cases: list[n.Case] = []
    while True:
        if parser.current.kind == "eof":
            parser.parse_body(frozenset())  # raises the unclosed-block error
        if not (parser.current.kind == "block_begin" and parser.peek().value == "case"):
            break
        case_token = parser.peek()
        parser.pos += 2
        pattern = parse_patterns(parser)
        guard = expressions.parse_expression(parser) if parser.skip_name("if") else None
        if subject is None and not (isinstance(pattern, n.Name) and pattern.name == "_"):
            raise parser.error(
                "a {% match %} without a subject takes only {% case _ if condition %}",
                case_token,
                hint="write {% match value %} to compare patterns, or {% case _ if test %}",
            )
        parser.expect_block_end()
        body = parser.parse_body(frozenset({"case", "end"}))
        cases.append(n.Case(pattern, guard, body, lineno=case_token.lineno, col=case_token.col))
        if parser.peek().value != "case":
            break
    parser.open_blocks.pop()
    if not (parser.current.kind == "block_begin" and parser.peek().value in ("end", "endmatch")):
        raise parser.error(
            "expected {% case %} or {% end %} in {% match %}",
            hint="each branch starts with {% case pattern %}",
        )
    if not cases:
        raise parser.error(
            "a {% match %} needs at least one {% case %}",
            token,
            hint="add {% case value %}…{% end %} inside the match",
        )
    if parser.peek().value == "end":
        parser.bare_ends.append((parser.peek(), "match"))
    parser.pos += 2
    parser.expect_block_end()
    return n.Match(subject, cases)


def parse_patterns(parser: Parser) -> n.Expr:
    """A case pattern; ``1, _`` (without parentheses) is a tuple pattern."""
    token = parser.current
    first = parse_pattern(parser)
    if not parser.current.test("op", ","):
        return first
    items = [first]
    while parser.skip_op(","):
        items.append(parse_pattern(parser))
    return parser.at(n.TupleLit(items), token)  # type: ignore[return-value]


def parse_pattern(parser: Parser) -> n.Expr:
    """``_``, a capturing name, a literal or other value compared with ``==``, ``(a, b)`` (a
    sequence of that length) or ``{"k": pattern}`` (a mapping with those keys)."""
    token = parser.current
    if parser.skip_op("("):
        items: list[n.Expr] = []
        tuple_syntax = False
        while not parser.skip_op(")"):
            items.append(parse_pattern(parser))
            if not parser.skip_op(","):
                parser.expect_op(")")
                break
            tuple_syntax = True
        if len(items) == 1 and not tuple_syntax:
            return items[0]  # parentheses only group
        return parser.at(n.TupleLit(items), token)  # type: ignore[return-value]
    if parser.skip_op("{"):
        pairs: list[tuple[n.Expr, n.Expr]] = []
        while not parser.skip_op("}"):
            key = expressions.parse_primary(parser)
            parser.expect_op(":")
            pairs.append(
                (
                    key,
                    parse_pattern(parser),
                )
            )
            if not parser.skip_op(","):
                parser.expect_op("}")
                break
        return parser.at(n.DictLit(pairs), token)  # type: ignore[return-value]
    return expressions.parse_operators(parser)
