"""``set``/``let``/``export``/``promote``, ``with``, ``{% template %}``, ``globals``/``imports``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kida import nodes as n
from kida.exceptions import ErrorCode, TemplateSyntaxError
from kida.lexer import Token
from kida.parser import expressions, statements
from kida.parser.statements import FORBIDDEN

if TYPE_CHECKING:
    from kida.parser.core import Parser


def parse_assign(parser: Parser, token: Token) -> n.Stmt | None:
    kind = token.value
    assigns: list[n.Stmt] = []
    while True:
        start = parser.current
        target = expressions.parse_target(parser)
        coalesce = False
        if parser.skip_op("??="):
            coalesce = True
        elif not parser.skip_op("="):
            if parser.current.kind == "block_end" and kind == "set":
                raise parser.error(
                    "{% set %} needs a value: block capture is not kida",
                    hint=FORBIDDEN["endset"],
                    code=ErrorCode.UNSUPPORTED_SYNTAX,
                )
            raise parser.error(
                f"expected '=', found {parser.current.describe()}",
                hint=f"write {{% {kind} name = value %}}",
            )
        value = parse_assign_value(parser)
        assigns.append(parser.at(n.Assign(kind, target, value, coalesce), start))  # type: ignore[arg-type]
        if not parser.skip_op(","):
            break
    parser.expect_block_end()
    if len(assigns) == 1:
        return assigns[0]
    return n.Group(assigns)


def parse_assign_value(parser: Parser) -> n.Expr:
    """A value, or a tuple, stopping before ``, name =`` (the next assignment)."""
    token = parser.current
    first = expressions.parse_expression(parser)
    items = [first]
    while parser.current.test("op", ","):
        nxt, after = parser.peek(), parser.peek(2)
        if nxt.kind == "name" and after.kind == "op" and after.value in ("=", "??="):
            break
        if nxt.kind == "block_end":
            parser.advance()
            break
        parser.advance()
        items.append(expressions.parse_expression(parser))
    if len(items) == 1:
        return first
    return parser.at(n.TupleLit(items), token)  # type: ignore[return-value]


def parse_with(parser: Parser, token: Token) -> n.Stmt:
    bindings: list[tuple[n.Target, n.Expr]] = []
    guarded = False
    if parser.current.kind == "name" and parser.peek().test("op", "="):
        while True:
            name_token = parser.current
            target = n.NameTarget(
                parser.expect_name(), lineno=name_token.lineno, col=name_token.col
            )
            parser.expect_op("=")
            bindings.append(
                (
                    target,
                    expressions.parse_expression(parser),
                )
            )
            if not parser.skip_op(","):
                break
    else:
        # Conditional: {% with a, b as x, y %} or {% with expr %} (bound to ``it``); the body
        # renders only when the value (each value of a list) is truthy, else {% empty %}.
        start = parser.current
        value = statements.parse_expression_list(parser)
        bound: n.Target = n.NameTarget("it", lineno=start.lineno, col=start.col)
        if parser.skip_name("as"):
            bound = expressions.parse_target(parser)
        bindings.append((bound, value))
        guarded = True
    parser.expect_block_end()
    clauses = frozenset({"empty", "else"}) if guarded else frozenset()
    body, word = parser.subparse("with", token, clauses)
    empty: list[n.Stmt] = []
    if word in ("empty", "else"):
        parser.expect_block_end()
        empty = parser.parse_block_body("with", token)
    return n.With(bindings, body, empty, guarded)


def parse_template_declaration(parser: Parser, token: Token) -> n.Stmt:
    """``{% template user: User, items %}``: the context the template expects; the type
    after ``:`` is kept as written (documentation and metadata, not checked)."""
    context: dict[str, str | None] = {}
    while parser.current.kind != "block_end":
        name = parser.expect_name("a context variable name")
        annotation: list[str] = []
        if parser.skip_op(":"):
            depth = 0
            while parser.current.kind not in ("block_end", "eof") and not (
                depth == 0 and parser.current.test("op", ",")
            ):
                tok = parser.advance()
                depth += tok.value in ("(", "[", "{") and tok.kind == "op"
                depth -= tok.value in (")", "]", "}") and tok.kind == "op"
                annotation.append(repr(tok.value) if tok.kind == "string" else str(tok.value))
            if not annotation:
                raise parser.error(f"expected a type after '{name}:'")
        spaced = {"|": " | ", ",": ", "}
        context[name] = "".join(spaced.get(part, part) for part in annotation) or None
        if not parser.skip_op(","):
            break
    parser.expect_block_end()
    if parser.current.kind == "block_begin" and parser.peek().value in ("end", "endtemplate"):
        if parser.peek().value == "end":
            parser.bare_ends.append((parser.peek(), "template"))
        parser.pos += 2
        parser.expect_block_end()
    return n.ContextDeclaration(context)


def parse_definitions(parser: Parser, token: Token) -> n.Stmt:
    """``{% globals %}`` / ``{% imports %}`` … ``{% end %}``: definitions (def, import,
    from, let/set) that belong to the template scope, so they also exist when a block is
    rendered alone; they output nothing."""
    parser.expect_block_end()
    body: list[n.Stmt] = []
    for stmt in parser.parse_block_body(token.value, token):
        if isinstance(stmt, n.Data) and not stmt.text.strip():
            continue
        if not isinstance(stmt, n.Def | n.Import | n.FromImport | n.Assign | n.Group):
            raise TemplateSyntaxError(
                f"{{% {token.value} %}} holds definitions only",
                name=parser.name,
                lineno=stmt.lineno or token.lineno,
                col=stmt.col or token.col,
                source=parser.source,
                hint="use def, import, from … import, let or set here; move output out",
            )
        body.append(stmt)
    return n.Group(body)
