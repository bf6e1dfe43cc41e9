"""Expressions: the binary and postfix operators by precedence climbing over one table
(:data:`_LEVELS`), operands and literals by recursive descent."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Final

from kida import nodes as n
from kida.exceptions import ErrorCode, PrecedenceWarning, TemplateSyntaxError, TemplateWarning
from kida.lexer import Token

if TYPE_CHECKING:
    from kida.parser.core import Parser

#: Binding levels, loosest first (the operators of each are in :data:`_LEVELS`); the prefix
#: ``not`` has a level of its own between ``and`` and the comparisons.
_COALESCE, _OR, _AND, _NOT, _COMPARE, _RANGE, _CONCAT, _ADD, _FILTER, _MUL = range(10)
_COMPARE_OPS: Final = frozenset({"==", "!=", "<", ">", "<=", ">="})
#: The most filters one ``|`` or ``|>`` chain may apply (as in kida): each is a nested call,
#: and a generated chain of thousands would exhaust the compiler's recursion.
MAX_FILTER_CHAIN_LEN: Final = 200
_CONSTANTS: Final = {
    "true": True, "True": True, "false": False, "False": False, "none": None, "None": None,
}  # fmt: skip


type _Continuation = Callable[[Parser, n.Expr, Token, int], tuple[n.Expr, int]]
"""Continues an operand with one operator of a level: see :data:`_LEVELS`."""


def _invalid(
    parser: Parser, message: str, token: Token | None = None, hint: str | None = None
) -> TemplateSyntaxError:
    """A syntax error in an expression (code K-PAR-003)."""
    return parser.error(message, token, hint, code=ErrorCode.INVALID_EXPRESSION)


def parse_expression(parser: Parser, with_condexpr: bool = True) -> n.Expr:
    token = parser.current
    expr = parse_operators(parser)
    if with_condexpr and parser.skip_name("if"):
        test = parse_operators(parser)
        otherwise = parse_expression(parser) if parser.skip_name("else") else None
        expr = n.CondExpr(test, expr, otherwise, lineno=token.lineno, col=token.col)
    return expr


def parse_operators(parser: Parser, floor: int = _COALESCE) -> n.Expr:
    """An expression without the ternary, taking only operators of level ``floor`` or tighter
    (see :data:`_LEVELS`).

    Precedence climbing: an operand is parsed once and then continued by each operator that
    follows, instead of descending through a function per level for every operand. After a
    level is used only it and looser levels may follow (``ceiling``), the same tokens a
    function-per-level parser would accept; every node is placed at ``start``, where its
    leftmost operand begins.
    """
    start = parser.current
    if floor <= _NOT and start.kind == "name" and start.value == "not":
        parser.pos += 1
        operand = parse_operators(parser, _NOT)
        left: n.Expr = n.UnaryOp("not", operand, lineno=start.lineno, col=start.col)
        ceiling = _NOT - 1
    else:
        left = parse_unary(parser)
        ceiling = _MUL
    while True:
        token = parser.current
        row = _OPERATORS.get(token.value)
        if row is None:
            return left
        kind, level, continue_with = row
        if token.kind != kind or level < floor or level > ceiling:
            return left
        left, ceiling = continue_with(parser, left, start, level)


def _binary(node_type: type[n.BinOp] | type[n.BoolOp]) -> _Continuation:
    """A left-associative operator: ``left op right`` becomes ``node_type(op, left, right)``."""

    def continue_with(parser: Parser, left: n.Expr, start: Token, level: int) -> tuple[n.Expr, int]:
        op = parser.advance().value
        right = parse_operators(parser, level + 1)
        return node_type(op, left, right, lineno=start.lineno, col=start.col), level

    return continue_with


def _coalesce(parser: Parser, left: n.Expr, start: Token, level: int) -> tuple[n.Expr, int]:
    parser.advance()
    right_token = parser.current
    right = parse_operators(parser, level + 1)
    if isinstance(right, n.Filter) and not right_token.test("op", "("):
        _precedence_warning(parser, right_token, right)
    return n.Coalesce(left, right, lineno=start.lineno, col=start.col), level


def _precedence_warning(parser: Parser, token: Token, right: n.Filter) -> None:
    """``x ?? [] | length`` filters the fallback only (``x ?? ([] | length)``), which rarely is
    what was meant; said at compile time, pointing at the template line (K-WARN-001)."""
    found = TemplateWarning(
        ErrorCode.FILTER_PRECEDENCE,
        f"'| {right.name}' applies to the fallback of '??' only",
        parser.name,
        token.lineno,
        f"write (a ?? b) | {right.name} to filter the result, or parenthesize the fallback "
        "to keep this meaning",
    )
    parser.warnings.append(found)
    warnings.warn_explicit(
        f"[{found.code.value}] {found.message}; {found.suggestion}",
        PrecedenceWarning,
        parser.name or "<template>",
        token.lineno,
    )


def _compare(parser: Parser, left: n.Expr, start: Token, level: int) -> tuple[n.Expr, int]:
    """A chain of comparisons, ``in``, ``not in`` and ``is`` tests: ``a < b < c`` is one
    :class:`~kida.nodes.Compare`; an ``is`` test wraps what precedes it. A ``not`` that does not
    start ``not in`` ends the chain, and the ceiling it returns ends the operand there."""
    ops: list[tuple[str, n.Expr]] = []
    while True:
        current = parser.current
        if current.kind == "op" and current.value in _COMPARE_OPS:
            parser.advance()
            ops.append((current.value, parse_operators(parser, level + 1)))
        elif current.test("name", "in"):
            parser.advance()
            ops.append(("in", parse_operators(parser, level + 1)))
        elif current.test("name", "not") and parser.peek().test("name", "in"):
            parser.pos += 2
            ops.append(("not in", parse_operators(parser, level + 1)))
        elif current.test("name", "is"):
            parser.advance()
            if ops:
                left = n.Compare(left, ops, lineno=start.lineno, col=start.col)
                ops = []
            left = parse_test(parser, left, start)
        else:
            break
    if ops:
        left = n.Compare(left, ops, lineno=start.lineno, col=start.col)
    return left, level - 1


def parse_test(parser: Parser, value: n.Expr, token: Token) -> n.Expr:
    negated = parser.skip_name("not")
    name_token = parser.current
    if name_token.kind != "name":
        raise _invalid(
            parser,
            f"expected a test name after 'is', found {name_token.describe()}",
            hint="e.g. x is defined",
        )
    parser.advance()
    arguments = n.Arguments()
    if parser.current.test("op", "("):
        parser.advance()
        arguments = parse_arguments(parser)
    elif parser.current.kind in ("int", "float", "string") or (
        parser.current.kind == "name"
        and parser.current.value not in ("and", "or", "if", "else", "is", "in", "not", "by")
    ):
        arguments = n.Arguments([parse_unary(parser)])
    return n.Test(value, name_token.value, arguments, negated, lineno=token.lineno, col=token.col)


def _range(parser: Parser, left: n.Expr, start: Token, level: int) -> tuple[n.Expr, int]:
    """``a..b`` (inclusive) or ``a...b``, optionally ``by step``; does not chain."""
    inclusive = parser.advance().value == ".."
    stop = parse_operators(parser, level + 1)
    step = parse_operators(parser, level + 1) if parser.skip_name("by") else None
    return n.Range(left, stop, step, inclusive, lineno=start.lineno, col=start.col), level - 1


def _filters(parser: Parser, left: n.Expr, start: Token, level: int) -> tuple[n.Expr, int]:
    """The whole filter chain on what precedes it; nothing tighter may follow the chain."""
    return parse_filters(parser, left), level - 1


#: ``(level, token kind, operator tokens, continuation)``, loosest first. A continuation takes
#: the operand parsed so far and the token where it starts, consumes the operator and its right
#: side and returns the node with the tightest level that may still follow it. As in kida,
#: ``|`` binds looser than ``* / // %``, signs and ``**`` but tighter than ``+ -``: ``a * b|f``
#: is ``(a * b)|f``, ``a + b|f`` is ``a + (b|f)`` and ``-3|abs`` is ``abs(-3)``; ``~`` is
#: looser than ``+ -`` (see the README's differences).
_LEVELS: Final[tuple[tuple[int, str, Iterable[str], _Continuation], ...]] = (
    (_COALESCE, "op", ("??",), _coalesce),
    (_OR, "name", ("or",), _binary(n.BoolOp)),
    (_AND, "name", ("and",), _binary(n.BoolOp)),
    (_COMPARE, "op", _COMPARE_OPS, _compare),
    (_COMPARE, "name", ("in", "not", "is"), _compare),
    (_RANGE, "op", ("..", "..."), _range),
    (_CONCAT, "op", ("~",), _binary(n.BinOp)),
    (_ADD, "op", ("+", "-"), _binary(n.BinOp)),
    (_FILTER, "op", ("|", "?|", "|>", "?|>"), _filters),
    (_MUL, "op", ("*", "/", "//", "%"), _binary(n.BinOp)),
)
#: Operator token value → its kind, level and continuation: one lookup per operand.
_OPERATORS: Final[dict[str, tuple[str, int, _Continuation]]] = {
    value: (kind, level, continuation)
    for level, kind, values, continuation in _LEVELS
    for value in values
}


def parse_unary(parser: Parser) -> n.Expr:
    """A signed, awaited or plain operand with its ``**``; as in Python ``**`` binds
    tighter than a sign (``-2**2`` is ``-(2**2)``). Filters come one level up."""
    token = parser.current
    value: n.Expr
    if parser.current.kind == "op" and parser.current.value in ("-", "+"):
        op = parser.advance().value
        return n.UnaryOp(op, parse_unary(parser), lineno=token.lineno, col=token.col)
    if parser.current.test("name", "await"):
        parser.advance()
        value = n.Await(
            parse_postfix(parser, parse_primary(parser)),
            lineno=token.lineno,
            col=token.col,
        )
    else:
        value = parse_postfix(parser, parse_primary(parser))
    if parser.skip_op("**"):
        value = n.BinOp("**", value, parse_unary(parser), lineno=token.lineno, col=token.col)
    return value


def parse_primary(parser: Parser) -> n.Expr:
    token = parser.current
    kind = token.kind
    if kind == "name":
        parser.advance()
        if token.value in _CONSTANTS:
            return n.Const(_CONSTANTS[token.value], lineno=token.lineno, col=token.col)
        if token.value in ("and", "or", "not", "in", "is", "if", "else"):
            raise _invalid(
                parser,
                f"unexpected keyword {token.value!r}",
                token,
                hint="an expression was expected here",
            )
        return n.Name(token.value, lineno=token.lineno, col=token.col)
    if kind == "string":
        parser.advance()
        value = token.value
        while parser.current.kind == "string":
            value += parser.advance().value
        return n.Const(value, lineno=token.lineno, col=token.col)
    if kind in ("int", "float"):
        parser.advance()
        try:
            number: int | float = int(token.value) if kind == "int" else float(token.value)
        except ValueError:
            raise _invalid(parser, f"invalid number {token.value!r}", token) from None
        return n.Const(number, lineno=token.lineno, col=token.col)
    if token.test("op", "("):
        parser.advance()
        if parser.skip_op(")"):
            return n.TupleLit([], lineno=token.lineno, col=token.col)
        first = parse_expression(parser)
        if parser.skip_op(")"):
            return first
        items = [first]
        while parser.skip_op(","):
            if parser.current.test("op", ")"):
                break
            items.append(parse_expression(parser))
        parser.expect_op(")", hint="close the parenthesis")
        return n.TupleLit(items, lineno=token.lineno, col=token.col)
    if token.test("op", "["):
        return parse_list(parser, token)
    if token.test("op", "{"):
        parser.advance()
        pairs: list[tuple[n.Expr, n.Expr]] = []
        while not parser.skip_op("}"):
            key = parse_expression(parser)
            parser.expect_op(":", hint="dict items are key: value")
            pairs.append(
                (
                    key,
                    parse_expression(parser),
                )
            )
            if not parser.skip_op(","):
                parser.expect_op("}", hint="close the dict with }")
                break
        return n.DictLit(pairs, lineno=token.lineno, col=token.col)
    raise _invalid(
        parser, f"unexpected {token.describe()}", token, hint="an expression was expected here"
    )


def parse_list(parser: Parser, token: Token) -> n.Expr:
    parser.advance()
    items: list[n.Expr] = []
    if parser.skip_op("]"):
        return n.ListLit(items, lineno=token.lineno, col=token.col)
    first = parse_expression(parser)
    if parser.skip_name("for"):
        target = parse_target(parser)
        if not parser.skip_name("in"):
            raise _invalid(parser, "expected 'in' in the comprehension")
        iterable = parse_operators(parser)
        cond = parse_operators(parser) if parser.skip_name("if") else None
        parser.expect_op("]", hint="a comprehension has one for")
        return n.Comprehension(first, target, iterable, cond, lineno=token.lineno, col=token.col)
    items.append(first)
    while parser.skip_op(","):
        if parser.current.test("op", "]"):
            break
        items.append(parse_expression(parser))
    parser.expect_op("]", hint="close the list with ]")
    return n.ListLit(items, lineno=token.lineno, col=token.col)


def parse_postfix(parser: Parser, node: n.Expr) -> n.Expr:
    while True:
        token = parser.current
        if token.kind != "op":
            return node
        if token.value in (".", "?."):
            parser.advance()
            attr = parser.current
            if attr.kind not in ("name", "int"):
                raise _invalid(parser, f"expected an attribute name after {token.value!r}", attr)
            parser.advance()
            if attr.kind == "int":
                node = n.Getitem(
                    node,
                    n.Const(int(attr.value)),
                    token.value == "?.",
                    lineno=token.lineno,
                    col=token.col,
                )
            else:
                node = n.Getattr(
                    node, attr.value, token.value == "?.", lineno=token.lineno, col=token.col
                )
        elif token.value in ("[", "?["):
            parser.advance()
            key = parse_subscript(parser)
            parser.expect_op("]", hint="close the subscript with ]")
            node = n.Getitem(node, key, token.value == "?[", lineno=token.lineno, col=token.col)
        elif token.value == "(":
            parser.advance()
            node = n.Call(
                node,
                parse_arguments(parser),
                lineno=token.lineno,
                col=token.col,
            )
        else:
            return node


def parse_subscript(parser: Parser) -> n.Expr:
    token = parser.current
    parts: list[n.Expr | None] = []
    current: n.Expr | None = None
    if not parser.current.test("op", ":"):
        current = parse_expression(parser)
        if not parser.current.test("op", ":"):
            return current
    parts.append(current)
    while parser.skip_op(":"):
        if parser.current.kind == "op" and parser.current.value in (":", "]"):
            parts.append(None)
        else:
            parts.append(parse_expression(parser))
    if len(parts) > 3:
        raise _invalid(parser, "too many ':' in a slice", token)
    parts += [None] * (3 - len(parts))
    return n.Slice(parts[0], parts[1], parts[2], lineno=token.lineno, col=token.col)


def parse_arguments(parser: Parser) -> n.Arguments:
    """Arguments after ``(`` up to and including ``)``."""
    arguments = n.Arguments()
    seen: set[str] = set()
    while not parser.skip_op(")"):
        token = parser.current
        if parser.skip_op("**"):
            arguments.dstar = parse_expression(parser)
        elif parser.skip_op("*"):
            arguments.star = parse_expression(parser)
        elif token.kind == "name" and parser.peek().test("op", "="):
            parser.pos += 2
            if token.value in seen:
                raise _invalid(parser, f"keyword argument {token.value!r} repeated", token)
            seen.add(token.value)
            arguments.kwargs.append(
                (
                    token.value,
                    parse_expression(parser),
                )
            )
        else:
            if arguments.kwargs or arguments.dstar:
                raise _invalid(parser, "positional argument after keyword argument", token)
            arguments.args.append(parse_expression(parser))
        if not parser.skip_op(","):
            parser.expect_op(")", hint="separate arguments with ',' and close with ')'")
            break
    return arguments


def parse_filters(parser: Parser, node: n.Expr, allow_first: bool = False) -> n.Expr:
    """``| f``, ``?| f``, ``|> f`` and ``?|> f`` chains; ``|`` and ``|>`` never mix."""
    style: str | None = None
    first = allow_first
    length = 0
    while True:
        token = parser.current
        if first and token.kind == "name":
            op = "|"
        elif token.kind == "op" and token.value in ("|", "?|", "|>", "?|>"):
            op = token.value
            parser.advance()
        else:
            return node
        length += 1
        if length > MAX_FILTER_CHAIN_LEN:
            raise _invalid(
                parser,
                f"a filter chain longer than {MAX_FILTER_CHAIN_LEN} filters",
                token,
                hint="split it: assign part of the chain with {% set %} first",
            )
        first = False
        this_style = ">" if op.endswith(">") else "|"
        if style is not None and this_style != style:
            raise _invalid(
                parser,
                "'|' and '|>' cannot be mixed in one expression",
                token,
                hint="use one style for the whole chain, or wrap part in parentheses",
            )
        style = this_style
        name_token = parser.current
        name = parser.expect_name("a filter name")
        while parser.current.test("op", ".") and parser.peek().kind == "name":
            parser.advance()
            name += "." + parser.advance().value
        arguments = n.Arguments()
        if parser.skip_op("("):
            arguments = parse_arguments(parser)
        node = n.Filter(
            node,
            name,
            arguments,
            op.startswith("?"),
            lineno=name_token.lineno,
            col=name_token.col,
        )


def parse_target(parser: Parser) -> n.Target:
    """``x``, ``a, b`` or nested ``(a, (b, c)), d``: the names a loop or assignment binds."""
    token = parser.current
    items = [_target_item(parser)]
    while parser.skip_op(","):
        items.append(_target_item(parser))
    if len(items) == 1:
        return items[0]
    return n.TupleTarget(items, lineno=token.lineno, col=token.col)


def _target_item(parser: Parser) -> n.Target:
    token = parser.current
    if parser.skip_op("("):
        inner = parse_target(parser)
        parser.expect_op(")", hint="a nested target is a parenthesised list of names")
        return inner
    return n.NameTarget(parser.expect_name("a variable name"), lineno=token.lineno, col=token.col)
