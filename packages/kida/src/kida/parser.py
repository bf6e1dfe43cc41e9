"""Tokens → template tree, by recursive descent with one method per statement keyword.

Every error is a :class:`TemplateSyntaxError` naming the line, column and a hint; an unclosed
block names the line it was opened on.
"""

from collections.abc import Callable
from typing import Any, Final

from kida import nodes as n
from kida.exceptions import TemplateSyntaxError
from kida.lexer import Token

_COMPARE_OPS: Final = frozenset({"==", "!=", "<", ">", "<=", ">="})
_CONSTANTS: Final = {
    "true": True, "True": True, "false": False, "False": False, "none": None, "None": None,
}  # fmt: skip
_FORBIDDEN: Final = {
    "macro": "kida has no macro; declare a component with {% def name(args) %}",
    "endmacro": "kida has no macro; declare a component with {% def name(args) %}",
    "endset": "capture output into a variable with {% capture name %}...{% end %}",
}
#: Keywords that end a body without being a statement of their own.
_CLAUSES: Final = frozenset({"elif", "else", "empty", "case", "fallback", "plural"})


class Parser:
    """Parses one token list; :meth:`parse` returns the :class:`~kida.nodes.TemplateNode`."""

    def __init__(self, tokens: list[Token], name: str | None, source: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.name = name
        self.source = source
        self.open_blocks: list[tuple[str, Token]] = []
        self.loop_depth = 0
        self.in_call_body = False
        self.in_def = 0
        self._statements: dict[str, Callable[[Token], n.Stmt | None]] = {
            "if": self.parse_if,
            "unless": self.parse_unless,
            "for": self.parse_for,
            "async": self.parse_async,
            "while": self.parse_while,
            "break": self.parse_break,
            "continue": self.parse_continue,
            "match": self.parse_match,
            "set": self.parse_assign,
            "let": self.parse_assign,
            "export": self.parse_assign,
            "promote": self.parse_assign,
            "with": self.parse_with,
            "capture": self.parse_capture,
            "filter": self.parse_filter_block,
            "spaceless": self.parse_spaceless,
            "cache": self.parse_cache,
            "try": self.parse_try,
            "push": self.parse_push,
            "stack": self.parse_stack,
            "provide": self.parse_provide,
            "trans": self.parse_trans,
            "flush": self.parse_flush,
            "block": self.parse_block,
            "fragment": self.parse_block,
            "region": self.parse_block,
            "extends": self.parse_extends,
            "include": self.parse_include,
            "embed": self.parse_embed,
            "import": self.parse_import,
            "from": self.parse_from,
            "def": self.parse_def,
            "call": self.parse_call,
            "slot": self.parse_slot,
            "yield": self.parse_yield,
            "template": self.parse_template_declaration,
            "globals": self.parse_definitions,
            "imports": self.parse_definitions,
        }

    # --- token helpers ---------------------------------------------------------------------

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
        self, message: str, token: Token | None = None, hint: str | None = None
    ) -> TemplateSyntaxError:
        token = token or self.current
        return TemplateSyntaxError(
            message,
            name=self.name,
            lineno=token.lineno,
            col=token.col,
            source=self.source,
            hint=hint,
        )

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

    def at(self, node: n.Node, token: Token) -> n.Node:
        node.lineno, node.col = token.lineno, token.col
        return node

    # --- bodies ----------------------------------------------------------------------------

    def parse(self) -> n.TemplateNode:
        body = self.parse_body(frozenset())
        if self.current.kind != "eof":
            raise self.error(
                f"unexpected {{% {self.peek().value} %}}",
                self.peek(),
                hint="nothing is open here to close",
            )
        return n.TemplateNode(body, lineno=1, col=1)

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
                    )
                return body
            if token.kind == "data":
                self.advance()
                body.append(n.Data(token.value, lineno=token.lineno, col=token.col))
            elif token.kind == "var_begin":
                self.advance()
                expr = self.parse_expression()
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
        if word in _FORBIDDEN:
            raise self.error(f"{{% {word} %}} is not kida", token, hint=_FORBIDDEN[word])
        method = self._statements.get(word)
        if method is None:
            raise self.error(
                f"unknown statement {{% {word} %}}",
                token,
                hint="see kida-language.md for the statements",
            )
        return method(token)

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
            self.expect_block_end()
            return body, "end"
        return body, word

    def parse_block_body(self, tag: str, token: Token) -> list[n.Stmt]:
        body, _ = self.subparse(tag, token)
        return body

    # --- statements ------------------------------------------------------------------------

    def parse_if(self, token: Token) -> n.Stmt:
        test = self.parse_expression()
        self.expect_block_end()
        body, word = self.subparse("if", token, frozenset({"elif", "else"}))
        otherwise: list[n.Stmt] = []
        if word == "elif":
            elif_token = self.tokens[self.pos - 1]
            nested = self.parse_if(token)
            nested.lineno, nested.col = elif_token.lineno, elif_token.col
            otherwise = [nested]
        elif word == "else":
            self.expect_block_end()
            otherwise = self.parse_block_body("if", token)
        return n.If(test, body, otherwise)

    def parse_unless(self, token: Token) -> n.Stmt:
        test = self.parse_expression()
        self.expect_block_end()
        body, word = self.subparse("unless", token, frozenset({"else"}))
        otherwise: list[n.Stmt] = []
        if word == "else":
            self.expect_block_end()
            otherwise = self.parse_block_body("unless", token)
        return n.If(n.UnaryOp("not", test, lineno=test.lineno, col=test.col), body, otherwise)

    def parse_for(self, token: Token, is_async: bool = False) -> n.Stmt:
        target = self.parse_target()
        if not self.skip_name("in"):
            raise self.error(
                f"expected 'in', found {self.current.describe()}", hint="write {% for x in items %}"
            )
        iterable = self.parse_expression(with_condexpr=False)
        cond = self.parse_expression() if self.skip_name("if") else None
        self.expect_block_end()
        tag = "async for" if is_async else "for"
        self.loop_depth += 1
        body, word = self.subparse(tag, token, frozenset({"empty", "else"}))
        self.loop_depth -= 1
        empty: list[n.Stmt] = []
        if word in ("empty", "else"):
            self.expect_block_end()
            empty = self.parse_block_body(tag, token)
        return n.For(target, iterable, body, empty, cond, is_async)

    def parse_async(self, token: Token) -> n.Stmt:
        if not self.skip_name("for"):
            raise self.error(
                "expected 'for' after 'async'", hint="write {% async for x in source %}"
            )
        return self.parse_for(token, is_async=True)

    def parse_while(self, token: Token) -> n.Stmt:
        test = self.parse_expression()
        self.expect_block_end()
        self.loop_depth += 1
        body = self.parse_block_body("while", token)
        self.loop_depth -= 1
        return n.While(test, body)

    def parse_break(self, token: Token) -> n.Stmt:
        return self._loop_control(token, n.Break())

    def parse_continue(self, token: Token) -> n.Stmt:
        return self._loop_control(token, n.Continue())

    def _loop_control(self, token: Token, stmt: n.Stmt) -> n.Stmt:
        if not self.loop_depth:
            raise self.error(
                f"{{% {token.value} %}} outside a loop",
                token,
                hint="use it inside {% for %} or {% while %}",
            )
        self.expect_block_end()
        return stmt

    def parse_match(self, token: Token) -> n.Stmt:
        subject = self.parse_expression()
        self.expect_block_end()
        self.open_blocks.append(("match", token))
        while self.current.kind == "data" and not self.current.value.strip():
            self.advance()
        cases: list[n.Case] = []
        while True:
            if self.current.kind == "eof":
                self.parse_body(frozenset())  # raises the unclosed-block error
            if not (self.current.kind == "block_begin" and self.peek().value == "case"):
                break
            case_token = self.peek()
            self.pos += 2
            pattern = self.parse_pattern()
            guard = self.parse_expression() if self.skip_name("if") else None
            self.expect_block_end()
            body = self.parse_body(frozenset({"case", "end"}))
            cases.append(n.Case(pattern, guard, body, lineno=case_token.lineno, col=case_token.col))
            if self.peek().value != "case":
                break
        self.open_blocks.pop()
        if not (self.current.kind == "block_begin" and self.peek().value in ("end", "endmatch")):
            raise self.error(
                "expected {% case %} or {% end %} in {% match %}",
                hint="each branch starts with {% case pattern %}",
            )
        self.pos += 2
        self.expect_block_end()
        return n.Match(subject, cases)

    def parse_pattern(self) -> n.Expr:
        token = self.current
        if self.skip_op("("):
            items: list[n.Expr] = []
            while not self.skip_op(")"):
                items.append(self.parse_pattern())
                if not self.skip_op(","):
                    self.expect_op(")")
                    break
            return self.at(n.TupleLit(items), token)  # type: ignore[return-value]
        if self.skip_op("{"):
            pairs: list[tuple[n.Expr, n.Expr]] = []
            while not self.skip_op("}"):
                key = self.parse_primary()
                self.expect_op(":")
                pairs.append((key, self.parse_pattern()))
                if not self.skip_op(","):
                    self.expect_op("}")
                    break
            return self.at(n.DictLit(pairs), token)  # type: ignore[return-value]
        return self.parse_or()

    def parse_assign(self, token: Token) -> n.Stmt | None:
        kind = token.value
        assigns: list[n.Stmt] = []
        while True:
            start = self.current
            target = self.parse_target()
            coalesce = False
            if self.skip_op("??="):
                coalesce = True
            elif not self.skip_op("="):
                if self.current.kind == "block_end" and kind == "set":
                    raise self.error("{% set %} needs a value", hint=_FORBIDDEN["endset"])
                raise self.error(
                    f"expected '=', found {self.current.describe()}",
                    hint=f"write {{% {kind} name = value %}}",
                )
            value = self.parse_assign_value()
            assigns.append(self.at(n.Assign(kind, target, value, coalesce), start))  # type: ignore[arg-type]
            if not self.skip_op(","):
                break
        self.expect_block_end()
        if len(assigns) == 1:
            return assigns[0]
        return n.Group(assigns)

    def parse_assign_value(self) -> n.Expr:
        """A value, or a tuple, stopping before ``, name =`` (the next assignment)."""
        token = self.current
        first = self.parse_expression()
        items = [first]
        while self.current.test("op", ","):
            nxt, after = self.peek(), self.peek(2)
            if nxt.kind == "name" and after.kind == "op" and after.value in ("=", "??="):
                break
            if nxt.kind == "block_end":
                self.advance()
                break
            self.advance()
            items.append(self.parse_expression())
        if len(items) == 1:
            return first
        return self.at(n.TupleLit(items), token)  # type: ignore[return-value]

    def parse_target(self) -> n.Target:
        token = self.current
        if self.skip_op("("):
            inner = self.parse_target()
            self.expect_op(")")
            return inner
        first: n.Target = n.NameTarget(
            self.expect_name("a variable name"), lineno=token.lineno, col=token.col
        )
        if not self.current.test("op", ","):
            return first
        items = [first]
        while self.current.test("op", ",") and self.peek().kind == "name":
            self.advance()
            t = self.current
            items.append(n.NameTarget(self.expect_name(), lineno=t.lineno, col=t.col))
        return n.TupleTarget(items, lineno=token.lineno, col=token.col)

    def parse_with(self, token: Token) -> n.Stmt:
        bindings: list[tuple[n.Target, n.Expr]] = []
        guarded = False
        if self.current.kind == "name" and self.peek().test("op", "="):
            while True:
                name_token = self.current
                target = n.NameTarget(
                    self.expect_name(), lineno=name_token.lineno, col=name_token.col
                )
                self.expect_op("=")
                bindings.append((target, self.parse_expression()))
                if not self.skip_op(","):
                    break
        else:
            value = self.parse_expression()
            if not self.skip_name("as"):
                raise self.error(
                    "expected 'as' or 'name = value' in {% with %}",
                    hint="write {% with x as name %} or {% with name = x %}",
                )
            bindings.append((self.parse_target(), value))
            guarded = True
        self.expect_block_end()
        body, word = self.subparse("with", token, frozenset({"empty", "else"}))
        empty: list[n.Stmt] = []
        if word in ("empty", "else"):
            self.expect_block_end()
            empty = self.parse_block_body("with", token)
        return n.With(bindings, body, empty, guarded)

    def parse_capture(self, token: Token) -> n.Stmt:
        name = self.expect_name("the variable to capture into")
        self.expect_block_end()
        return n.Capture(name, self.parse_block_body("capture", token))

    def parse_filter_block(self, token: Token) -> n.Stmt:
        placeholder: n.Expr = n.Name("", lineno=token.lineno, col=token.col)
        chain = self.parse_filters(placeholder, allow_first=True)
        if chain is placeholder:
            raise self.error("expected a filter name", hint="write {% filter upper %}")
        self.expect_block_end()
        return n.FilterBlock(chain, self.parse_block_body("filter", token))

    def parse_spaceless(self, token: Token) -> n.Stmt:
        self.expect_block_end()
        return n.Spaceless(self.parse_block_body("spaceless", token))

    def parse_cache(self, token: Token) -> n.Stmt:
        key = self.parse_expression()
        ttl = None
        if self.skip_op(","):
            if not self.skip_name("ttl"):
                raise self.error("expected ttl=", hint="write {% cache key, ttl=60 %}")
            self.expect_op("=")
            ttl = self.parse_expression()
        self.expect_block_end()
        return n.Cache(key, ttl, self.parse_block_body("cache", token))

    def parse_try(self, token: Token) -> n.Stmt:
        self.expect_block_end()
        body, word = self.subparse("try", token, frozenset({"fallback"}))
        fallback: list[n.Stmt] = []
        error_name = None
        if word == "fallback":
            if self.current.kind == "name":
                error_name = self.advance().value
            self.expect_block_end()
            fallback = self.parse_block_body("try", token)
        return n.Try(body, fallback, error_name)

    def parse_push(self, token: Token) -> n.Stmt:
        stack = self.parse_expression()
        self.expect_block_end()
        return n.Push(stack, self.parse_block_body("push", token))

    def parse_stack(self, token: Token) -> n.Stmt:
        stack = self.parse_expression()
        self.expect_block_end()
        return n.StackOut(stack)

    def parse_provide(self, token: Token) -> n.Stmt:
        pairs: list[tuple[str, n.Expr]] = []
        while True:
            if self.current.kind == "string":
                key = self.advance().value
                if not self.skip_op("="):
                    self.expect_op(",")
            else:
                key = self.expect_name("a key to provide")
                self.expect_op("=")
            pairs.append((key, self.parse_expression()))
            if not self.skip_op(","):
                break
        self.expect_block_end()
        return n.Provide(pairs, self.parse_block_body("provide", token))

    def parse_trans(self, token: Token) -> n.Stmt:
        variables: dict[str, n.Expr] = {}
        count: n.Expr | None = None
        while self.current.kind == "name":
            var = self.advance().value
            variables[var] = (
                self.parse_expression()
                if self.skip_op("=")
                else n.Name(var, lineno=token.lineno, col=token.col)
            )
            if count is None:
                count = variables[var]
            self.skip_op(",")
        self.expect_block_end()
        self.open_blocks.append(("trans", token))
        singular = self._trans_text(variables, token)
        plural: str | None = None
        if self.peek().value == "plural":
            self.pos += 2
            if self.current.kind == "name":
                var = self.advance().value
                count = variables.setdefault(var, n.Name(var, lineno=token.lineno, col=token.col))
            self.expect_block_end()
            plural = self._trans_text(variables, token)
        self.open_blocks.pop()
        word = self.peek().value
        if word not in ("end", "endtrans"):
            raise self.error(
                f"unexpected {{% {word} %}} in {{% trans %}}",
                self.peek(),
                hint="a trans block holds text and {{ name }} only",
            )
        self.pos += 2
        self.expect_block_end()
        if plural is not None and count is None:
            raise self.error("{% plural %} needs a count", token, hint="write {% trans count=n %}")
        return n.Trans(singular, plural, count, variables)

    def _trans_text(self, variables: dict[str, n.Expr], token: Token) -> str:
        parts: list[str] = []
        while True:
            current = self.current
            if current.kind == "data":
                parts.append(self.advance().value.replace("%", "%%"))
            elif current.kind == "var_begin":
                self.advance()
                var = self.expect_name("a variable name (trans allows {{ name }} only)")
                if self.current.kind != "var_end":
                    raise self.error(
                        "only {{ name }} is allowed inside {% trans %}",
                        hint="bind expressions first: {% trans n=items|length %}",
                    )
                self.advance()
                variables.setdefault(var, n.Name(var, lineno=current.lineno, col=current.col))
                parts.append(f"%({var})s")
            elif current.kind == "block_begin" and self.peek().value in (
                "plural",
                "end",
                "endtrans",
            ):
                return "".join(parts)
            elif current.kind == "eof":
                self.parse_body(frozenset())
            else:
                raise self.error(
                    "only text and {{ name }} are allowed inside {% trans %}",
                    hint="close it with {% endtrans %}",
                )

    def parse_flush(self, token: Token) -> n.Stmt:
        self.expect_block_end()
        return n.Flush()

    def parse_block(self, token: Token) -> n.Stmt:
        kind = token.value
        name = self.expect_name(f"a {kind} name")
        params: list[n.Param] = []
        if kind == "region":
            self.expect_op("(")
            params = self.parse_params()
        cond = None
        attrs: dict[str, Any] = {}
        if self.skip_name("if"):
            cond = self.parse_expression()
        while self.current.kind == "name" and self.peek().test("op", "="):
            key = self.advance().value
            self.advance()
            value_token = self.current
            value = self.parse_expression()
            if not isinstance(value, n.Const):
                raise self.error(
                    f"the {kind} attribute {key!r} must be a literal",
                    value_token,
                    hint=f'attributes are metadata read before rendering: {key}="…"',
                )
            attrs[key] = value.value
            self.skip_op(",")
        self.expect_block_end()
        body, _ = self.subparse(kind, token)
        return n.Block(name, body, cond, kind, params, attrs)

    def parse_extends(self, token: Token) -> n.Stmt:
        template = self.parse_expression()
        self.expect_block_end()
        return n.Extends(template)

    def parse_bindings(self) -> tuple[list[tuple[str, n.Expr]], bool]:
        bindings: list[tuple[str, n.Expr]] = []
        if self.skip_name("with"):
            while self.current.kind == "name" and self.peek().test("op", "="):
                key = self.advance().value
                self.advance()
                bindings.append((key, self.parse_expression()))
                self.skip_op(",")
            if not bindings and self.current.kind != "name":
                raise self.error(
                    "expected name=value after 'with'", hint="write {% include 'x' with a=1 %}"
                )
        only = self.skip_name("only")
        if self.skip_name("context"):
            only = False
        return bindings, only

    def parse_include(self, token: Token) -> n.Stmt:
        template = self.parse_expression()
        ignore = False
        if self.skip_name("ignore"):
            if not self.skip_name("missing"):
                raise self.error("expected 'missing' after 'ignore'")
            ignore = True
        bindings, only = self.parse_bindings()
        self.expect_block_end()
        return n.Include(template, ignore, bindings, only)

    def parse_embed(self, token: Token) -> n.Stmt:
        template = self.parse_expression()
        bindings, only = self.parse_bindings()
        self.expect_block_end()
        body = self.parse_block_body("embed", token)
        blocks = [stmt for stmt in body if isinstance(stmt, n.Block)]
        for stmt in body:
            if not isinstance(stmt, n.Block | n.Data):
                raise self.error(
                    "an {% embed %} body holds only {% block %} overrides",
                    token,
                    hint="move other statements into a block",
                )
        return n.Embed(template, blocks, bindings, only)

    def parse_import(self, token: Token) -> n.Stmt:
        template = self.parse_expression()
        if not self.skip_name("as"):
            raise self.error(
                "expected 'as' in {% import %}", hint='write {% import "x.html" as x %}'
            )
        alias = self.expect_name("an alias")
        self.skip_name("with") and self.skip_name("context")
        self.expect_block_end()
        return n.Import(template, alias)

    def parse_from(self, token: Token) -> n.Stmt:
        template = self.parse_expression()
        if not self.skip_name("import"):
            raise self.error(
                "expected 'import' in {% from %}", hint='write {% from "x.html" import a, b %}'
            )
        names: list[tuple[str, str]] = []
        while True:
            name = self.expect_name("a name to import")
            alias = self.expect_name("an alias") if self.skip_name("as") else name
            names.append((name, alias))
            if not self.skip_op(","):
                break
        self.skip_name("with") and self.skip_name("context")
        self.expect_block_end()
        return n.FromImport(template, names)

    def parse_params(self) -> list[n.Param]:
        """Parameters after ``(`` up to and including ``)``."""
        params: list[n.Param] = []
        seen: set[str] = set()
        while not self.skip_op(")"):
            token = self.current
            kind = "**" if self.skip_op("**") else "*" if self.skip_op("*") else ""
            name = self.expect_name("a parameter name")
            if name in seen:
                raise self.error(f"duplicate parameter {name!r}", token)
            seen.add(name)
            annotation = None
            if self.skip_op(":"):
                annotation = self.parse_type()
            default = None
            if self.skip_op("="):
                default = self.parse_expression()
            elif not kind and params and params[-1].default is not None and params[-1].kind == "":
                raise self.error(
                    f"parameter {name!r} needs a default",
                    token,
                    hint="parameters with defaults come last",
                )
            if kind and params and any(p.kind == kind or p.kind == "**" for p in params):
                raise self.error(f"misplaced {kind}{name}", token)
            params.append(
                n.Param(name, default, kind, annotation, lineno=token.lineno, col=token.col)
            )
            if not self.skip_op(","):
                self.expect_op(")")
                break
        return params

    def parse_type(self) -> str:
        """A type annotation (names, dots, ``|``, ``[...]``), kept as text."""
        parts = [self.expect_name("a type")]
        while (
            self.current.kind == "op"
            and self.current.value in (".", "|", "[", "]", ",")
            and not (self.current.value == "," and not any(p == "[" for p in parts))
        ):
            parts.append(self.advance().value)
            if self.current.kind == "name":
                parts.append(self.advance().value)
        return "".join(parts)

    def parse_def(self, token: Token) -> n.Stmt:
        name = self.expect_name("a def name")
        self.expect_op("(", hint=f"write {{% def {name}() %}}")
        params = self.parse_params()
        self.expect_block_end()
        saved_loop, saved_call = self.loop_depth, self.in_call_body
        self.loop_depth, self.in_call_body = 0, False
        self.in_def += 1
        body = self.parse_block_body("def", token)
        self.in_def -= 1
        self.loop_depth, self.in_call_body = saved_loop, saved_call
        return n.Def(name, params, body)

    def parse_call(self, token: Token) -> n.Stmt:
        call = self.parse_expression()
        if not isinstance(call, n.Call):
            raise self.error("{% call %} needs a call", token, hint="write {% call card(title) %}")
        self.expect_block_end()
        saved = self.in_call_body
        self.in_call_body = True
        body = self.parse_block_body("call", token)
        self.in_call_body = saved
        slots = [stmt for stmt in body if isinstance(stmt, n.SlotFill)]
        rest = [stmt for stmt in body if not isinstance(stmt, n.SlotFill)]
        return n.CallBlock(call, rest, slots)

    def parse_slot(self, token: Token) -> n.Stmt:
        name = self.advance().value if self.current.kind in ("name", "string") else "default"
        if self.in_call_body:
            lets: list[str] = []
            while self._skip_let():
                lets.append(self.expect_name())
                self.skip_op(",")
            self.expect_block_end()
            self.in_call_body = False
            body = self.parse_block_body("slot", token)
            self.in_call_body = True
            return n.SlotFill(name, lets, body, lineno=token.lineno, col=token.col)
        pairs: list[tuple[str, n.Expr]] = []
        while self._skip_let():
            key = self.expect_name()
            self.expect_op("=")
            pairs.append((key, self.parse_expression()))
            self.skip_op(",")
        self.expect_block_end()
        return n.SlotOut(name, pairs)

    def _skip_let(self) -> bool:
        if self.current.test("name", "let") and self.peek().test("op", ":"):
            self.pos += 2
            return True
        return False

    def parse_yield(self, token: Token) -> n.Stmt:
        name = self.advance().value if self.current.kind in ("name", "string") else "default"
        self.expect_block_end()
        return n.SlotOut(name, [], forward=True)

    def parse_template_declaration(self, token: Token) -> n.Stmt:
        """``{% template user: User, items %}``: the context the template expects; the type
        after ``:`` is kept as written (documentation and metadata, not checked)."""
        context: dict[str, str | None] = {}
        while self.current.kind != "block_end":
            name = self.expect_name("a context variable name")
            annotation: list[str] = []
            if self.skip_op(":"):
                depth = 0
                while self.current.kind not in ("block_end", "eof") and not (
                    depth == 0 and self.current.test("op", ",")
                ):
                    tok = self.advance()
                    depth += tok.value in ("(", "[", "{") and tok.kind == "op"
                    depth -= tok.value in (")", "]", "}") and tok.kind == "op"
                    annotation.append(repr(tok.value) if tok.kind == "string" else str(tok.value))
                if not annotation:
                    raise self.error(f"expected a type after '{name}:'")
            spaced = {"|": " | ", ",": ", "}
            context[name] = "".join(spaced.get(part, part) for part in annotation) or None
            if not self.skip_op(","):
                break
        self.expect_block_end()
        if self.current.kind == "block_begin" and self.peek().value in ("end", "endtemplate"):
            self.pos += 2
            self.expect_block_end()
        return n.ContextDeclaration(context)

    def parse_definitions(self, token: Token) -> n.Stmt:
        """``{% globals %}`` / ``{% imports %}`` … ``{% end %}``: definitions (def, import,
        from, let/set) that belong to the template scope, so they also exist when a block is
        rendered alone; they output nothing."""
        self.expect_block_end()
        body: list[n.Stmt] = []
        for stmt in self.parse_block_body(token.value, token):
            if isinstance(stmt, n.Data) and not stmt.text.strip():
                continue
            if not isinstance(stmt, n.Def | n.Import | n.FromImport | n.Assign | n.Group):
                raise TemplateSyntaxError(
                    f"{{% {token.value} %}} holds definitions only",
                    name=self.name,
                    lineno=stmt.lineno or token.lineno,
                    col=stmt.col or token.col,
                    source=self.source,
                    hint="use def, import, from … import, let or set here; move output out",
                )
            body.append(stmt)
        return n.Group(body)

    # --- expressions -----------------------------------------------------------------------

    def parse_expression(self, with_condexpr: bool = True) -> n.Expr:
        token = self.current
        expr = self.parse_coalesce()
        if with_condexpr and self.skip_name("if"):
            test = self.parse_coalesce()
            otherwise = self.parse_expression() if self.skip_name("else") else None
            expr = n.CondExpr(test, expr, otherwise, lineno=token.lineno, col=token.col)
        return expr

    def parse_coalesce(self) -> n.Expr:
        token = self.current
        left = self.parse_or()
        while self.skip_op("??"):
            left = n.Coalesce(left, self.parse_or(), lineno=token.lineno, col=token.col)
        return left

    def parse_or(self) -> n.Expr:
        token = self.current
        left = self.parse_and()
        while self.skip_name("or"):
            left = n.BoolOp("or", left, self.parse_and(), lineno=token.lineno, col=token.col)
        return left

    def parse_and(self) -> n.Expr:
        token = self.current
        left = self.parse_not()
        while self.skip_name("and"):
            left = n.BoolOp("and", left, self.parse_not(), lineno=token.lineno, col=token.col)
        return left

    def parse_not(self) -> n.Expr:
        token = self.current
        if self.skip_name("not"):
            return n.UnaryOp("not", self.parse_not(), lineno=token.lineno, col=token.col)
        return self.parse_compare()

    def parse_compare(self) -> n.Expr:
        token = self.current
        left = self.parse_range()
        ops: list[tuple[str, n.Expr]] = []
        while True:
            current = self.current
            if current.kind == "op" and current.value in _COMPARE_OPS:
                self.advance()
                ops.append((current.value, self.parse_range()))
            elif current.test("name", "in"):
                self.advance()
                ops.append(("in", self.parse_range()))
            elif current.test("name", "not") and self.peek().test("name", "in"):
                self.pos += 2
                ops.append(("not in", self.parse_range()))
            elif current.test("name", "is"):
                self.advance()
                if ops:
                    left = n.Compare(left, ops, lineno=token.lineno, col=token.col)
                    ops = []
                left = self.parse_test(left, token)
            else:
                break
        if ops:
            return n.Compare(left, ops, lineno=token.lineno, col=token.col)
        return left

    def parse_test(self, value: n.Expr, token: Token) -> n.Expr:
        negated = self.skip_name("not")
        name_token = self.current
        if name_token.kind != "name":
            raise self.error(
                f"expected a test name after 'is', found {name_token.describe()}",
                hint="e.g. x is defined",
            )
        self.advance()
        arguments = n.Arguments()
        if self.current.test("op", "("):
            self.advance()
            arguments = self.parse_arguments()
        elif self.current.kind in ("int", "float", "string") or (
            self.current.kind == "name"
            and self.current.value not in ("and", "or", "if", "else", "is", "in", "not", "by")
        ):
            arguments = n.Arguments([self.parse_unary()])
        return n.Test(
            value, name_token.value, arguments, negated, lineno=token.lineno, col=token.col
        )

    def parse_range(self) -> n.Expr:
        token = self.current
        left = self.parse_concat()
        if self.current.kind == "op" and self.current.value in ("..", "..."):
            inclusive = self.advance().value == ".."
            stop = self.parse_concat()
            step = self.parse_concat() if self.skip_name("by") else None
            return n.Range(left, stop, step, inclusive, lineno=token.lineno, col=token.col)
        return left

    def parse_concat(self) -> n.Expr:
        token = self.current
        left = self.parse_additive()
        while self.skip_op("~"):
            left = n.BinOp("~", left, self.parse_additive(), lineno=token.lineno, col=token.col)
        return left

    def parse_additive(self) -> n.Expr:
        token = self.current
        left = self.parse_multiplicative()
        while self.current.kind == "op" and self.current.value in ("+", "-"):
            op = self.advance().value
            left = n.BinOp(
                op, left, self.parse_multiplicative(), lineno=token.lineno, col=token.col
            )
        return left

    def parse_multiplicative(self) -> n.Expr:
        token = self.current
        left = self.parse_unary()
        while self.current.kind == "op" and self.current.value in ("*", "/", "//", "%"):
            op = self.advance().value
            left = n.BinOp(op, left, self.parse_unary(), lineno=token.lineno, col=token.col)
        return left

    def parse_unary(self, with_filters: bool = True) -> n.Expr:
        """A signed, awaited or plain operand with its filters and ``**``. As in Jinja2 the
        filters after a sign apply to the signed value (``-3|abs`` is ``abs(-3)``); as in
        Python ``**`` binds tighter than a sign (``-2**2`` is ``-(2**2)``)."""
        token = self.current
        value: n.Expr
        if self.current.kind == "op" and self.current.value in ("-", "+"):
            op = self.advance().value
            operand = self.parse_unary(with_filters=False)
            value = n.UnaryOp(op, operand, lineno=token.lineno, col=token.col)
        elif self.current.test("name", "await"):
            self.advance()
            value = n.Await(
                self.parse_postfix(self.parse_primary()), lineno=token.lineno, col=token.col
            )
        else:
            value = self.parse_postfix(self.parse_primary())
        if with_filters:
            value = self.parse_filters(value)
        if self.skip_op("**"):
            value = n.BinOp("**", value, self.parse_unary(), lineno=token.lineno, col=token.col)
        return value

    def parse_primary(self) -> n.Expr:
        token = self.current
        kind = token.kind
        if kind == "name":
            self.advance()
            if token.value in _CONSTANTS:
                return n.Const(_CONSTANTS[token.value], lineno=token.lineno, col=token.col)
            if token.value in ("and", "or", "not", "in", "is", "if", "else"):
                raise self.error(
                    f"unexpected keyword {token.value!r}",
                    token,
                    hint="an expression was expected here",
                )
            return n.Name(token.value, lineno=token.lineno, col=token.col)
        if kind == "string":
            self.advance()
            value = token.value
            while self.current.kind == "string":
                value += self.advance().value
            return n.Const(value, lineno=token.lineno, col=token.col)
        if kind in ("int", "float"):
            self.advance()
            try:
                number: int | float = int(token.value) if kind == "int" else float(token.value)
            except ValueError:
                raise self.error(f"invalid number {token.value!r}", token) from None
            return n.Const(number, lineno=token.lineno, col=token.col)
        if token.test("op", "("):
            self.advance()
            if self.skip_op(")"):
                return n.TupleLit([], lineno=token.lineno, col=token.col)
            first = self.parse_expression()
            if self.skip_op(")"):
                return first
            items = [first]
            while self.skip_op(","):
                if self.current.test("op", ")"):
                    break
                items.append(self.parse_expression())
            self.expect_op(")", hint="close the parenthesis")
            return n.TupleLit(items, lineno=token.lineno, col=token.col)
        if token.test("op", "["):
            return self.parse_list(token)
        if token.test("op", "{"):
            self.advance()
            pairs: list[tuple[n.Expr, n.Expr]] = []
            while not self.skip_op("}"):
                key = self.parse_expression()
                self.expect_op(":", hint="dict items are key: value")
                pairs.append((key, self.parse_expression()))
                if not self.skip_op(","):
                    self.expect_op("}", hint="close the dict with }")
                    break
            return n.DictLit(pairs, lineno=token.lineno, col=token.col)
        raise self.error(
            f"unexpected {token.describe()}", token, hint="an expression was expected here"
        )

    def parse_list(self, token: Token) -> n.Expr:
        self.advance()
        items: list[n.Expr] = []
        if self.skip_op("]"):
            return n.ListLit(items, lineno=token.lineno, col=token.col)
        first = self.parse_expression()
        if self.skip_name("for"):
            target = self.parse_target()
            if not self.skip_name("in"):
                raise self.error("expected 'in' in the comprehension")
            iterable = self.parse_coalesce()
            cond = self.parse_coalesce() if self.skip_name("if") else None
            self.expect_op("]", hint="a comprehension has one for")
            return n.Comprehension(
                first, target, iterable, cond, lineno=token.lineno, col=token.col
            )
        items.append(first)
        while self.skip_op(","):
            if self.current.test("op", "]"):
                break
            items.append(self.parse_expression())
        self.expect_op("]", hint="close the list with ]")
        return n.ListLit(items, lineno=token.lineno, col=token.col)

    def parse_postfix(self, node: n.Expr) -> n.Expr:
        while True:
            token = self.current
            if token.kind != "op":
                return node
            if token.value in (".", "?."):
                self.advance()
                attr = self.current
                if attr.kind not in ("name", "int"):
                    raise self.error(f"expected an attribute name after {token.value!r}", attr)
                self.advance()
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
                self.advance()
                key = self.parse_subscript()
                self.expect_op("]", hint="close the subscript with ]")
                node = n.Getitem(node, key, token.value == "?[", lineno=token.lineno, col=token.col)
            elif token.value == "(":
                self.advance()
                node = n.Call(node, self.parse_arguments(), lineno=token.lineno, col=token.col)
            else:
                return node

    def parse_subscript(self) -> n.Expr:
        token = self.current
        parts: list[n.Expr | None] = []
        current: n.Expr | None = None
        if not self.current.test("op", ":"):
            current = self.parse_expression()
            if not self.current.test("op", ":"):
                return current
        parts.append(current)
        while self.skip_op(":"):
            if self.current.kind == "op" and self.current.value in (":", "]"):
                parts.append(None)
            else:
                parts.append(self.parse_expression())
        if len(parts) > 3:
            raise self.error("too many ':' in a slice", token)
        parts += [None] * (3 - len(parts))
        return n.Slice(parts[0], parts[1], parts[2], lineno=token.lineno, col=token.col)

    def parse_arguments(self) -> n.Arguments:
        """Arguments after ``(`` up to and including ``)``."""
        arguments = n.Arguments()
        seen: set[str] = set()
        while not self.skip_op(")"):
            token = self.current
            if self.skip_op("**"):
                arguments.dstar = self.parse_expression()
            elif self.skip_op("*"):
                arguments.star = self.parse_expression()
            elif token.kind == "name" and self.peek().test("op", "="):
                self.pos += 2
                if token.value in seen:
                    raise self.error(f"keyword argument {token.value!r} repeated", token)
                seen.add(token.value)
                arguments.kwargs.append((token.value, self.parse_expression()))
            else:
                if arguments.kwargs or arguments.dstar:
                    raise self.error("positional argument after keyword argument", token)
                arguments.args.append(self.parse_expression())
            if not self.skip_op(","):
                self.expect_op(")", hint="separate arguments with ',' and close with ')'")
                break
        return arguments

    def parse_filters(self, node: n.Expr, allow_first: bool = False) -> n.Expr:
        """``| f``, ``?| f``, ``|> f`` and ``?|> f`` chains; ``|`` and ``|>`` never mix."""
        style: str | None = None
        first = allow_first
        while True:
            token = self.current
            if first and token.kind == "name":
                op = "|"
            elif token.kind == "op" and token.value in ("|", "?|", "|>", "?|>"):
                op = token.value
                self.advance()
            else:
                return node
            first = False
            this_style = ">" if op.endswith(">") else "|"
            if style is not None and this_style != style:
                raise self.error(
                    "'|' and '|>' cannot be mixed in one expression",
                    token,
                    hint="use one style for the whole chain, or wrap part in parentheses",
                )
            style = this_style
            name_token = self.current
            name = self.expect_name("a filter name")
            while self.current.test("op", ".") and self.peek().kind == "name":
                self.advance()
                name += "." + self.advance().value
            arguments = n.Arguments()
            if self.skip_op("("):
                arguments = self.parse_arguments()
            node = n.Filter(
                node,
                name,
                arguments,
                op.startswith("?"),
                lineno=name_token.lineno,
                col=name_token.col,
            )


def parse(tokens: list[Token], name: str | None, source: str) -> n.TemplateNode:
    """The template tree of ``tokens``.

    Example::

        >>> from kida.lexer import tokenize
        >>> parse(tokenize("{{ x }}"), None, "{{ x }}").body[0].expr.name
        'x'
    """
    return Parser(tokens, name, source).parse()
