"""Tokens → template tree, by recursive descent; :data:`STATEMENTS` maps each statement
keyword to its function in ``blocks/<family>.py``.

Every error is a :class:`TemplateSyntaxError` naming the line, column and a hint (those raised
at a token are its :class:`ParseError`); an unclosed block names the line it was opened on.
"""

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Final

from kida import lexer
from kida import nodes as n
from kida.exceptions import ErrorCode, TemplateSyntaxError, TemplateWarning
from kida.lexer import Token
from kida.parser import expressions
from kida.parser.blocks import (
    control_flow,
    error_handling,
    functions,
    i18n,
    special_blocks,
    template_structure,
    variables,
)
from kida.parser.statements import FORBIDDEN
from kida.spelling import suggest

if TYPE_CHECKING:
    from kida.extensions import Extension

#: The tags whose bodies may declare a def (K-TPL-004) or a region.
_DEF_PARENTS: Final = frozenset({"block", "fragment", "def", "region", "globals", "imports"})
_REGION_PARENTS: Final = frozenset({"block", "fragment"})

#: Keywords that end a body without being a statement of their own.
_CLAUSES: Final = frozenset({"elif", "else", "empty", "case", "fallback", "plural"})


class ParseError(TemplateSyntaxError):
    """A syntax error found while parsing the token stream (kida's name for it; ``except
    TemplateSyntaxError`` catches it too). Lexer and compile-time errors stay plain
    :class:`TemplateSyntaxError`."""

    #: The token where parsing stopped.
    token: Token | None = None


class Parser:
    """Parses one token list; :meth:`parse` returns the :class:`~kida.nodes.TemplateNode`."""

    def __init__(
        self,
        tokens: list[Token],
        name: str | None = None,
        source: str = "",
        *,
        filename: str | None = None,
    ) -> None:
        self.tokens = tokens
        self.pos = 0
        #: The template errors name (``filename`` when there is no name, as kida-templates'
        #: ``Parser(tokens, name=..., filename=..., source=...)`` passes both).
        self.name = name if name is not None else filename
        self.source = source
        self.open_blocks: list[tuple[str, Token]] = []
        self.loop_depth = 0
        #: Statements added by the environment's extensions: keyword → handler.
        self.extra_statements: Mapping[str, StatementHandler] = {}
        self.warnings: list[TemplateWarning] = []
        #: Each bare ``{% end %}``: its ``end`` token and the tag it closed (``kida.diagnostics``
        #: strict mode suggests the explicit ``{% endif %}``…).
        self.bare_ends: list[tuple[Token, str]] = []

    @property
    def current(self) -> Token:
        return self.tokens[self.pos]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.pos]
        if token.kind != "eof":
            self.pos += 1
        return token

    def error(
        self,
        message: str,
        token: Token | None = None,
        hint: str | None = None,
        code: ErrorCode = ErrorCode.UNEXPECTED_TOKEN,
    ) -> ParseError:
        token = token or self.current
        error = ParseError(
            message,
            name=self.name,
            lineno=token.lineno,
            col=token.col,
            source=self.source,
            hint=hint,
            code=code,
        )
        error.token = token
        return error

    def skip_op(self, value: str) -> bool:
        if self.current.test("op", value):
            self.pos += 1
            return True
        return False

    def skip_name(self, value: str) -> bool:
        if self.current.test("name", value):
            self.pos += 1
            return True
        return False

    def expect_op(self, value: str, hint: str | None = None) -> Token:
        if not self.current.test("op", value):
            raise self.error(f"expected {value!r}, found {self.current.describe()}", hint=hint)
        return self.advance()

    def expect_name(self, what: str = "a name") -> str:
        if self.current.kind != "name":
            raise self.error(f"expected {what}, found {self.current.describe()}")
        return self.advance().value

    def expect_block_end(self) -> None:
        if self.current.kind != "block_end":
            tag = self.open_blocks[-1][0] if self.open_blocks else "tag"
            raise self.error(
                f"unexpected {self.current.describe()} in {{% {tag} %}}",
                hint="close the tag with %} or remove the extra text",
            )
        self.advance()

    def at(self, node: n.Located, token: Token) -> n.Located:
        node.lineno, node.col = token.lineno, token.col
        return node

    def parse(self) -> n.TemplateNode:
        body = self.parse_body(frozenset())
        if self.current.kind != "eof":
            raise self.error(
                f"unexpected {{% {self.peek().value} %}}",
                self.peek(),
                hint="nothing is open here to close",
            )
        return n.TemplateNode(body, self.warnings, lineno=1, col=1)

    def parse_body(self, stop: frozenset[str]) -> list[n.Stmt]:
        """Statements until a block tag whose keyword is in ``stop`` (left unconsumed) or eof."""
        body: list[n.Stmt] = []
        while True:
            token = self.current
            if token.kind == "eof":
                if self.open_blocks:
                    tag, opened = self.open_blocks[-1]
                    raise self.error(
                        f"unclosed {{% {tag} %}} block",
                        opened,
                        hint=(
                            f"the {{% {tag} %}} opened on line {opened.lineno} is never "
                            "closed; add {% end %}"
                        ),
                        code=ErrorCode.UNCLOSED_BLOCK,
                    )
                return body
            if token.kind == "data":
                self.advance()
                body.append(n.Data(token.value, lineno=token.lineno, col=token.col))
            elif token.kind == "var_begin":
                self.advance()
                expr = expressions.parse_expression(self)
                if self.current.kind != "var_end":
                    raise self.error(
                        f"unexpected {self.current.describe()} in {{{{ ... }}}}",
                        hint="an output tag holds one expression; close it with }}",
                    )
                self.advance()
                body.append(n.Output(expr, lineno=token.lineno, col=token.col))
            elif token.kind == "block_begin":
                keyword = self.peek()
                if keyword.kind != "name":
                    raise self.error("expected a statement keyword", keyword)
                word = keyword.value
                if word in stop or (word.startswith("end") and ("end" in stop)):
                    return body
                if word.startswith("end") or word in _CLAUSES:
                    hint = "nothing is open here to close"
                    if self.open_blocks:
                        hint = f"the open block is {{% {self.open_blocks[-1][0]} %}}"
                    raise self.error(f"unexpected {{% {word} %}}", keyword, hint=hint)
                self.pos += 2
                stmt = self.parse_statement(word, keyword)
                if stmt is not None:
                    stmt.lineno, stmt.col = keyword.lineno, keyword.col
                    body.append(stmt)
            else:
                raise self.error(f"unexpected {token.describe()}")

    def parse_statement(self, word: str, token: Token) -> n.Stmt | None:
        if word in FORBIDDEN:
            raise self.error(f"{{% {word} %}} is not kida", token, hint=FORBIDDEN[word])
        handler = STATEMENTS.get(word) or self.extra_statements.get(word)
        if handler is None:
            raise self.error(
                f"unknown statement {{% {word} %}}",
                token,
                hint=suggest(word, [*STATEMENTS, *self.extra_statements])
                or "see kida-language.md for the statements",
            )
        return handler(self, token)

    def check_top_level(self, kind: str, name: str, token: Token) -> None:
        """A ``{% def %}`` or ``{% region %}`` inside a conditional, loop or other scoped tag is
        bound only when that code runs, so render_block, metadata and call validation cannot
        see it: refuse it (K-TPL-004). Blocks (and, for defs, other defs) may hold them."""
        allowed = _DEF_PARENTS if kind == "def" else _REGION_PARENTS
        for tag, _opened in self.open_blocks:
            if tag not in allowed:
                raise self.error(
                    f"{{% {kind} {name} %}} must be declared at the template's top level, "
                    f"not inside {{% {tag} %}}",
                    token,
                    hint=f"move {{% {kind} {name} %}} out of the {{% {tag} %}} to the top level "
                    "(or into a block); choose what to call with an {% if %} around the call",
                    code=ErrorCode.DEFINITION_NOT_TOPLEVEL,
                )

    def subparse(
        self, tag: str, token: Token, clauses: frozenset[str] = frozenset()
    ) -> tuple[list[n.Stmt], str]:
        """Body of a block statement; returns it and the keyword that ended it (consumed)."""
        self.open_blocks.append((tag, token))
        body = self.parse_body(clauses | {"end"})
        self.open_blocks.pop()
        self.advance()  # block_begin
        word_token = self.advance()
        word = word_token.value
        if word.startswith("end"):
            if word not in ("end", "end" + tag.replace("async ", "")):
                raise self.error(
                    f"{{% {word} %}} closes {{% {tag} %}}",
                    word_token,
                    hint=f"use {{% end %}} or {{% end{tag} %}}",
                )
            if word == "end":
                self.bare_ends.append((word_token, tag.replace("async ", "")))
            self.expect_block_end()
            return body, "end"
        return body, word

    def parse_block_body(self, tag: str, token: Token) -> list[n.Stmt]:
        body, _ = self.subparse(tag, token)
        return body

    # kida-templates' parser protocol, which its extension docs call: thin aliases of ours.

    #: ``parser.TokenType.BLOCK_END`` and the like, for ``_expect``/``_match``.
    TokenType = lexer.TokenType
    #: The end keywords the environment's extensions declare (``Extension.end_keywords``).
    extension_end_keywords: frozenset[str] = frozenset()

    _current = current
    _advance = advance

    def _peek(self, offset: int = 0) -> Token:
        """The token ``offset`` places on (0: the current one)."""
        return self.peek(offset)

    def _match(self, *types: lexer.TokenType) -> bool:
        return self.current.type in types

    def _expect(self, token_type: lexer.TokenType) -> Token:
        """The current token, consumed, if it is of ``token_type``; a ParseError otherwise."""
        token = self.current
        if token_type is lexer.TokenType.BLOCK_END:
            self.expect_block_end()
        elif token.type is not token_type:
            raise self.error(f"expected {token_type.value}, found {token.describe()}")
        else:
            self.advance()
        return token

    def _error(
        self,
        message: str,
        token: Token | None = None,
        suggestion: str | None = None,
        code: ErrorCode = ErrorCode.UNEXPECTED_TOKEN,
    ) -> ParseError:
        return self.error(message, token, hint=suggestion, code=code)

    def _parse_expression(self) -> n.Expr:
        return expressions.parse_expression(self)

    def _parse_body(self, stop_on_continuation: bool = False) -> list[n.Stmt]:
        """Statements up to an end tag (or, with ``stop_on_continuation``, an ``else``-like
        clause), which is left for the caller to consume. An end tag must be ``{% end %}`` or
        one an extension declares in ``end_keywords``."""
        body = self.parse_body(_CLAUSES | {"end"} if stop_on_continuation else frozenset({"end"}))
        word = self.peek().value
        if (
            self.current.kind == "block_begin"
            and word.startswith("end")
            and word != "end"
            and word not in self.extension_end_keywords
        ):
            tag = self.open_blocks[-1][0] if self.open_blocks else "tag"
            raise self.error(
                f"{{% {word} %}} closes {{% {tag} %}}",
                self.peek(),
                hint="use {% end %}, or list the keyword in the extension's end_keywords",
            )
        return body

    def parse_extension_tag(self, extension: "Extension", tag: str, token: Token) -> n.Node:
        """The node of ``{% tag ... %}`` from an extension written against kida-templates'
        protocol, whose ``parse`` starts at the tag's keyword (``token``)."""
        self.pos -= 1
        self.open_blocks.append((tag, token))
        node = extension.parse(self, tag)
        self.open_blocks.pop()
        return node


StatementHandler = Callable[[Parser, Token], n.Stmt | None]

STATEMENTS: Final[dict[str, StatementHandler]] = {
    "if": control_flow.parse_if,
    "unless": control_flow.parse_unless,
    "for": control_flow.parse_for,
    "async": control_flow.parse_async,
    "while": control_flow.parse_while,
    "break": control_flow.parse_break,
    "continue": control_flow.parse_continue,
    "match": control_flow.parse_match,
    "set": variables.parse_assign,
    "let": variables.parse_assign,
    "export": variables.parse_assign,
    "promote": variables.parse_assign,
    "with": variables.parse_with,
    "capture": special_blocks.parse_capture,
    "filter": special_blocks.parse_filter_block,
    "spaceless": special_blocks.parse_spaceless,
    "cache": special_blocks.parse_cache,
    "try": error_handling.parse_try,
    "push": special_blocks.parse_push,
    "stack": special_blocks.parse_stack,
    "provide": special_blocks.parse_provide,
    "trans": i18n.parse_trans,
    "flush": special_blocks.parse_flush,
    "block": template_structure.parse_block,
    "fragment": template_structure.parse_block,
    "region": template_structure.parse_block,
    "extends": template_structure.parse_extends,
    "include": template_structure.parse_include,
    "embed": template_structure.parse_embed,
    "import": template_structure.parse_import,
    "from": template_structure.parse_from,
    "def": functions.parse_def,
    "call": functions.parse_call,
    "slot": functions.parse_slot,
    "yield": functions.parse_yield,
    "template": variables.parse_template_declaration,
    "globals": variables.parse_definitions,
    "imports": variables.parse_definitions,
}
"""Statement keyword → the function parsing the rest of its tag (one module per family)."""


def parse(
    tokens: list[Token],
    name: str | None,
    source: str,
    extra_statements: Mapping[str, StatementHandler] | None = None,
    end_keywords: frozenset[str] = frozenset(),
) -> n.TemplateNode:
    """The template tree of ``tokens``.

    Example::

        >>> from kida.lexer import tokenize
        >>> parse(tokenize("{{ x }}"), None, "{{ x }}").body[0].expr.name
        'x'
    """
    parser = Parser(tokens, name, source)
    parser.extra_statements = extra_statements or {}
    parser.extension_end_keywords = end_keywords
    return parser.parse()
